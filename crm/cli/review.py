"""`crm review`: the week looked back on, and ahead (the report: crm/cli/review_view.py)."""

from __future__ import annotations

import typer

from crm.cli.common import DATE_HELP, JSON, env


def review(
    days: int | None = typer.Option(
        None, "--days", metavar="N", help="The last N days, ending today (default 7)."
    ),
    since: str | None = typer.Option(
        None, "--since", metavar="DATE", help=f"From this day through today: {DATE_HELP}"
    ),
    output: str | None = typer.Option(
        None,
        "--output",
        metavar="FILE.md|FILE.html",
        help="Write the report as Markdown, or (.html) as a page with charts (yours alone); "
        "a folder ending in / gets a name.",
    ),
    json: bool = JSON,
) -> None:
    """Review the week: what you did, who answered, who is going cold, what comes next.

    Each figure stands beside the previous period's. See docs/review.md for the definitions.

    Example: crm review --days 14 --output review.html
    """
    from crm.cli.review_view import show_review

    show_review(env(), days=days, since=since, output=output, json=json)
