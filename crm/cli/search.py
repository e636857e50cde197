"""`crm search`: find anyone and anything by the words you remember."""

from __future__ import annotations

import typer

from crm.cli.common import JSON, env


def search(
    words: list[str] = typer.Argument(..., metavar="TEXT", help="Words, or their first letters."),
    limit: int = typer.Option(20, "--limit", metavar="N", help="At most N hits (default 20)."),
    json: bool = JSON,
) -> None:
    """Search names, employers, roles, positions, jobs, tags, notes and every touchpoint.

    Words in any order, accents and case ignored, each the start of a word ("robo" finds
    "robotics"); all of them in the same field. Names come first, touchpoints last.

    Example: crm search robot arm demo
    """
    from crm.cli.search_view import show_search

    show_search(env(), words, limit=limit, json=json)
