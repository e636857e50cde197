"""What every command module shares: the Env of this invocation, dates, the --json flag."""

from __future__ import annotations

from datetime import date

import typer

from crm.cli.env import Env
from crm.dates import HELP as DATE_HELP
from crm.dates import parse_date

JSON = typer.Option(False, "--json", help="Print one JSON document instead of a table.")


_current: Env | None = None


def start(db: str | None) -> Env:
    """The Env of this invocation (the root callback makes one per run)."""
    global _current
    _current = Env(db)
    return _current


def env() -> Env:
    assert _current is not None, "the root callback makes the Env before any command runs"
    return _current


def day(text: str | None) -> date | None:
    """A date option as typed, relative to the (possibly pretended) today."""
    return None if text is None else parse_date(text, today=env().today)


def report_plan() -> None:
    """After a write: the tasks the plan made or closed because of it, one line each."""
    e = env()
    result = e.plan_result
    if result is None:
        return
    from crm.render import due_phrase

    for task in result.created:
        e.out.print(f"  + task #{task.id}: {task.title} · {due_phrase(task.due, e.today)}")
    for task in result.completed:
        e.out.print(f"  ✓ task #{task.id} done: {task.title}")
    for task in result.withdrawn:
        e.out.print(f"  - task #{task.id} withdrawn: {task.title}")


__all__ = ["DATE_HELP", "JSON", "day", "env", "report_plan"]
