"""What every command module shares: the Env of this invocation, dates, the --json flag."""

from __future__ import annotations

from datetime import date
from typing import TYPE_CHECKING

import typer

from crm.cli.env import env, start

if TYPE_CHECKING:
    from crm.services.plan import Planned
from crm.dates import HELP as DATE_HELP
from crm.dates import parse_date

JSON = typer.Option(False, "--json", help="Print one JSON document instead of a table.")


def day(text: str | None, *, past: bool = False) -> date | None:
    """A date option as typed, relative to the (possibly pretended) today; `past` for the date
    of something that happened (a weekday is the latest one, the future is refused)."""
    return None if text is None else parse_date(text, today=env().today, past=past)


def report_plan() -> None:
    """After a write: the tasks the plan made or closed because of it, one line each."""
    e = env()
    result = e.plan_result
    if result is None:
        return
    from crm.render import due_phrase

    def what(task: Planned) -> str:
        who = result.who(task)
        return f"#{task.id} {task.title}" + (f" ({who})" if who else "")

    for task in result.created:
        e.out.print(f"  + {what(task)} · {due_phrase(task.due, e.today)}")
    for task in result.moved:
        e.out.print(f"  → {what(task)} · moved: {due_phrase(task.due, e.today)}")
    for task in result.completed:
        e.out.print(f"  ✓ {what(task)} · done")
    for task in result.withdrawn:
        e.out.print(f"  - {what(task)} · withdrawn")


def _complete_contacts(ctx: typer.Context, incomplete: str) -> list[str]:
    from crm.cli.complete import contact_names

    return contact_names(ctx, incomplete)


def _complete_employers(ctx: typer.Context, incomplete: str) -> list[str]:
    from crm.cli.complete import employer_names

    return employer_names(ctx, incomplete)


# The same argument means the same thing everywhere, and completes from the database.
CONTACT = typer.Argument(
    ...,
    metavar="CONTACT",
    help="Name (any case, or its first letters) or #ID.",
    autocompletion=_complete_contacts,
)
EMPLOYER_OR_NEW = typer.Argument(
    ...,
    metavar="EMPLOYER",
    help="Name (any case, or its first letters) or #ID; a new name adds the employer.",
    autocompletion=_complete_employers,
)
EMPLOYER = typer.Argument(
    ...,
    metavar="EMPLOYER",
    help="Name (any case, or its first letters) or #ID.",
    autocompletion=_complete_employers,
)


__all__ = [
    "CONTACT",
    "DATE_HELP",
    "EMPLOYER",
    "EMPLOYER_OR_NEW",
    "JSON",
    "day",
    "env",
    "report_plan",
    "start",
]
