"""What every command module shares: the Env of this invocation, dates, the --json flag."""

from __future__ import annotations

from datetime import date
from typing import TYPE_CHECKING

import typer

from crm.cli.env import env, start
from crm.dates import HELP as DATE_HELP
from crm.dates import parse_date

if TYPE_CHECKING:
    from crm.services.merge import Merged

JSON = typer.Option(False, "--json", help="Print one JSON document instead of a table.")


def day(text: str | None, *, past: bool = False) -> date | None:
    """A date option as typed, relative to the (possibly pretended) today; `past` for the date
    of something that happened (a weekday is the latest one, the future is refused)."""
    return None if text is None else parse_date(text, today=env().today, past=past)


def report_plan(*, most: int | None = None) -> None:
    """After a write: the tasks the plan made, closed, moved or removed because of it."""
    from crm.cli import record_view

    record_view.report_plan(env(), most=most)


def confirmed(what: str, yes: bool) -> bool:
    """Whether the user agrees to `what` ("Delete touchpoint #12: ..."): --yes, or a yes typed
    at the terminal. Without a terminal to ask in, --yes is required (an error, not a guess)."""
    import sys

    from crm.errors import BadInput

    if yes:
        return True
    if not sys.stdin.isatty():
        raise BadInput(f"{what}: not done, nobody to ask; add --yes to do it without asking")
    if typer.confirm(f"{what}?", default=False):
        return True
    env().out.print("Nothing changed.")
    return False


def report_merge(merged: Merged, kept: str, what: str) -> None:
    """What a merge moved, filled and could not reconcile, one line each."""
    e = env()
    e.out.print(f"Merged {merged.other_name} (#{merged.other_id}) into {kept}.", soft_wrap=True)
    moved = ", ".join(
        f"{n} {table}{'' if n == 1 else 's'}" for table, n in merged.moved.items() if n
    )
    if moved:
        e.out.print(f"  moved: {moved}")
    if merged.filled:
        e.out.print(
            f"  filled from {merged.other_name}: {', '.join(merged.filled)}", soft_wrap=True
        )
    for name, mine, theirs in merged.conflicts:
        e.out.print(f"  kept {name} {mine!r}, not {theirs!r}", soft_wrap=True)
    if merged.conflicts:
        e.out.print(f'  (change what you want: crm {what} edit "#{merged.kept_id}" ...)')


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
    "confirmed",
    "day",
    "env",
    "report_merge",
    "report_plan",
    "start",
]
