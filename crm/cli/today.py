"""`crm today`: what is overdue, due today and due this week, one line a task."""

from __future__ import annotations

import typer

from crm.cli.common import JSON, env


def today(
    json: bool = JSON,
    brief: bool = typer.Option(
        False,
        "--brief",
        help='One line for a shell prompt or status bar, like "2 overdue · 3 today"; '
        "nothing when nothing is due.",
    ),
) -> None:
    """Show what is overdue, due today and due in the next 7 days.

    Runs the follow-up plan first if anything changed since it last ran.

    Example: crm today --json
    """
    from crm.cli.today_view import show_today
    from crm.errors import BadInput

    if json and brief:
        raise BadInput("give --json or --brief, not both")
    show_today(env(), json=json, brief=brief)
