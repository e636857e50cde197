"""`crm log` and `crm task done|skip`: the records kept many times a day, as both ways in run
them (Typer, and the shortcut that skips it: crm/cli/shortcut.py).

They write through `Env.recording()`, which on SQLite needs nothing but the standard library
when it can; what needs a session (the checks of a thank-you's text, a `--job` to look up)
asks for one with `lean=False`.
"""

from __future__ import annotations

import sys
from pathlib import Path
from typing import TYPE_CHECKING

from crm.kinds import TouchKind

if TYPE_CHECKING:
    from crm.cli.env import Env
    from crm.services.record import Logged
    from crm.store import Store


def log_touch_as_typed(
    e: Env,
    *,
    kind: str,
    contact: str,
    on: str | None = None,
    note: str | None = None,
    file: Path | None = None,
    topic: str | None = None,
    incoming: bool = False,
    strict: bool = False,
    job: str | None = None,
) -> None:
    from crm.errors import BadInput
    from crm.services.lookup import find_id
    from crm.services.record import parse_kind, record_touch

    if note is not None and file is not None:
        raise BadInput("give --note or --file, not both")
    kind = parse_kind(kind)
    body = read_note_file(file) if file is not None else None
    thank_you = kind == TouchKind.THANK_YOU.value and not incoming
    subject = None
    if thank_you and body is not None:
        from crm.services.note_checks import split_subject

        subject, body = split_subject(body)  # a note saved from `crm draft`
    on_day = None
    if on is not None:
        from crm.dates import parse_date

        on_day = parse_date(on, today=e.today, past=True)
    sent = body or (note if note and "\n" in note.strip() else None)
    checked = thank_you and sent is not None
    warnings: list[str] = []
    with e.recording(lean=not checked and job is None) as db:
        person = find_id(db.rows, "contact", contact)
        process = _job(db, job) if job is not None else None
        if checked:
            assert sent is not None
            warnings = _checked(e, db, person, sent, strict=strict)
        touch = record_touch(
            db,
            now=e.now,
            contact_id=person,
            kind=kind,
            on=on_day,
            summary=note or subject,
            body=body,
            incoming=True if incoming else None,
            topic=topic,
            job_id=process,
        )
        name = _name(db, person)
    report_logged(e, touch, name)
    for warning in warnings:
        from crm.printable import one_line

        sys.stderr.write(f"Warning: {one_line(warning)}\n")
    report_plan(e)


def finish_as_typed(e: Env, task_id: str, status: str) -> None:
    """`crm task done ID` and `crm task skip ID`."""
    from crm.services.lookup import parse_id
    from crm.services.record import finish_task

    number = parse_id(task_id, "task")
    with e.recording() as db:
        task = finish_task(db, now=e.now, task_id=number, status=status)
    verb = "Done" if status == "done" else "Skipped"
    say(e, f"{verb}: #{task.id} {task.title}.")
    report_plan(e)


def report_logged(e: Env, touch: Logged, name: str) -> None:
    arrow = "with" if touch.kind == "interview" else "from" if touch.direction == "in" else "to"
    when = touch.happened_at.astimezone(e.now.tzinfo)
    say(e, f"Logged {touch.kind} {arrow} {name} on {when:%a %d %b %Y} (#{touch.id}).")


def report_plan(e: Env, *, most: int | None = None) -> None:
    """After a write: the tasks the plan made, closed, moved or removed because of it."""
    if e.plan_result is None:
        return
    from crm.plain import plan_lines

    shown = plan_lines(e.plan_result, e.today, most)
    sys.stdout.write("".join(f"{line}\n" for line in shown))
    if e.plan_result.count > len(shown):
        left = e.plan_result.count - len(shown)
        sys.stdout.write(f"  … and {left} more: crm remind --verbose\n")


def say(e: Env, line: str) -> None:
    """One line of a report: written as it is when it fits the terminal in one-column
    characters (what Rich would write too, without importing it), else through Rich, which
    wraps it and measures wide characters."""
    from crm.plain import as_rich_would, simple
    from crm.printable import printable

    shown = printable(line)
    if simple(shown, as_rich_would()[0]):
        sys.stdout.write(shown + "\n")
    else:
        e.out.print(line)


def read_note_file(path: Path) -> str:
    """The text of a note: a regular UTF-8 file no longer than a note can be."""
    from crm.files import read_user_text
    from crm.services.text import LONGEST

    # four bytes a character at most, and a byte-order mark
    why = f"a note is at most {LONGEST:,} characters"
    return read_user_text(path, limit=4 * LONGEST + 3, why=why)


def _name(db: Store, contact_id: int) -> str:
    return str(db.rows("SELECT name FROM contact WHERE id = :id", {"id": contact_id})[0][0])


def _job(db: Store, text: str) -> int | None:
    from crm.services.jobs import find_job
    from crm.store import SessionStore

    assert isinstance(db, SessionStore)  # --job asks for the session path
    return find_job(db.session, text).id


def _checked(e: Env, db: Store, person: int, text: str, *, strict: bool) -> list[str]:
    """The checks' warnings on a thank-you's text; with --strict, an error instead."""
    from crm.errors import BadInput
    from crm.models import Contact
    from crm.services.note_checks import check_note
    from crm.store import SessionStore

    assert isinstance(db, SessionStore)  # the checks ask for the session path
    contact = db.session.get(Contact, person)
    assert contact is not None
    warnings = check_note(session=db.session, contact=contact, text=text).warnings(e.now.tzinfo)
    if strict and warnings:
        raise BadInput(f"not logged (--strict): {'; '.join(warnings)}")
    return warnings
