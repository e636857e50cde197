"""`crm today`: what is overdue, due today and due this week, one line a task."""

from __future__ import annotations

from crm.cli.common import JSON, env


def today(json: bool = JSON) -> None:
    """Show what is overdue, due today and due in the next 7 days.

    Runs the follow-up plan first if anything changed since it last ran.

    Example: crm today --json
    """
    from crm.cli.today_view import show_today

    show_today(env(), json=json)
