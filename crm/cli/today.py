"""`crm today`: what is overdue, due today and due this week, one line a task.

On SQLite, when the plan is current, this reads with the standard library alone (crm/lean.py):
it is the command people run every morning and in their shell prompt.
"""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager
from typing import TYPE_CHECKING

from crm.cli.common import JSON, env

if TYPE_CHECKING:
    from crm.cli.env import Env
    from crm.services.agenda import Agenda, AgendaItem, Query, Quiet

FIRST_STEPS = """\
Nothing to follow up yet. crm keeps your follow-ups once it knows whom you met:
  crm job add Acme --title "Data Analyst"            the job you applied for
  crm contact add "Dana Whitfield" --employer Acme   each person you met there
  crm job reject Acme --rank 2                       when the answer is no
Or look around a made-up story first: crm demo"""


def today(json: bool = JSON) -> None:
    """Show what is overdue, due today and due in the next 7 days.

    Runs the follow-up plan first if anything changed since it last ran.
    Example: crm today --json
    """
    from crm.services.agenda import agenda, quiet

    e = env()
    with _query(e) as (query, as_text):
        result = agenda(query, today=e.today, until_as_text=as_text)
        calm = (
            quiet(query, today=e.today, until_as_text=as_text)
            if result.empty and not json
            else None
        )
    if json:
        from crm.render import print_json

        print_json(_document(result))
    else:
        _show(e, result, calm)


@contextmanager
def _query(e: Env) -> Iterator[tuple[Query, bool]]:
    """A way to run the agenda's SQL: lean when possible, after running the plan when not."""
    from crm.db import sqlite_path

    path = sqlite_path(e.url)
    fingerprint = e.settings.plan_fingerprint()
    if path is not None:
        from crm.lean import lean_reader

        with lean_reader(path, fingerprint) as reader:
            if reader is not None:
                yield reader, True
                return
    from sqlalchemy import text

    from crm.services.plan import plan_is_current

    with e.reading() as session:
        current = plan_is_current(session, fingerprint)
    if not current:
        with e.writing():
            pass  # the plan runs as the write transaction ends
    with e.reading() as session:
        yield (lambda sql, params: session.execute(text(sql), params).all()), path is not None


def _document(result: Agenda) -> dict[str, object]:
    def item(i: AgendaItem) -> dict[str, object]:
        return {
            "id": i.id,
            "kind": i.kind,
            "title": i.title,
            "due": i.due,
            "status": i.status,
            "contact": i.contact,
            "employer": i.employer,
        }

    return {
        "date": result.date,
        "overdue": [item(i) for i in result.overdue],
        "today": [item(i) for i in result.today],
        "upcoming": [item(i) for i in result.upcoming],
    }


def _show(e: Env, result: Agenda, calm: Quiet | None) -> None:
    from crm.render import relative_day, task_table

    out = e.out
    out.print(f"[bold]{result.date:%A %d %B %Y}[/]")
    if calm is not None:
        _show_quiet(e, calm)
        return
    sections = (
        ("Overdue", result.overdue, "red"),
        ("Today", result.today, "bold"),
        ("Next 7 days", result.upcoming, "dim"),
    )
    for title, items, style in sections:
        if not items:
            continue
        grid = task_table(title)
        grid.show_header = False
        for i in items:
            who = " · ".join(part for part in (i.contact, i.employer) if part)
            when = relative_day(i.due, result.date)
            grid.add_row(
                f"#{i.id}", i.title, who, f"[{style}]{when}[/]" if title == "Overdue" else when
            )
        out.print()
        out.print(grid)
    out.print()
    out.print("[dim]Done one? crm log thank-you NAME · crm task done ID · crm task skip ID[/]")


def _show_quiet(e: Env, calm: Quiet) -> None:
    from crm.render import relative_day

    if calm.contacts == 0:
        e.out.print(FIRST_STEPS, markup=False)
        return
    e.out.print("Nothing due today or in the next 7 days.")
    if calm.next_due is not None:
        who = f" ({calm.next_contact})" if calm.next_contact else ""
        e.out.print(
            f"Next: {calm.next_title}{who}, {relative_day(calm.next_due, e.today)}.", markup=False
        )
    if calm.jobs == 0:
        e.out.print(
            'Record the jobs you are in: crm job add Acme --title "Data Analyst"', markup=False
        )
    else:
        e.out.print(
            "When something happens, log it: crm log reply NAME, crm log call NAME ...",
            markup=False,
        )
