"""`crm log`: record what happened with a contact, in one short command."""

from __future__ import annotations

from pathlib import Path
from typing import TYPE_CHECKING

import typer

from crm.cli.common import CONTACT, DATE_HELP, day, env, report_plan
from crm.printable import one_line

if TYPE_CHECKING:
    from sqlmodel import Session

    from crm.models import Contact, Touchpoint

KINDS = "thank-you reply email linkedin call meeting interview info-interview note"


def read_note_file(path: Path) -> str:
    """The text of a note: a regular UTF-8 file no longer than a note can be."""
    from crm.files import read_user_text
    from crm.services.text import LONGEST

    # four bytes a character at most, and a byte-order mark
    why = f"a note is at most {LONGEST:,} characters"
    return read_user_text(path, limit=4 * LONGEST + 3, why=why)


def complete_kinds(incomplete: str) -> list[str]:
    from crm.cli.complete import choices

    return choices(KINDS.split(), incomplete)


def log(
    kind: str = typer.Argument(..., metavar="KIND", help=KINDS, autocompletion=complete_kinds),
    contact: str = CONTACT,
    on: str | None = typer.Option(
        None, "--on", metavar="DATE", help=f"When (default now): {DATE_HELP}"
    ),
    note: str | None = typer.Option(None, "--note", metavar="TEXT", help="A line about it."),
    file: Path | None = typer.Option(
        None, "--file", metavar="PATH", help="The text you sent or got."
    ),
    topic: str | None = typer.Option(
        None,
        "--topic",
        metavar="TEXT",
        help='What you talked about, for `crm draft` to quote ("the robot arm demo").',
    ),
    incoming: bool = typer.Option(False, "--in", help="They reached out (a reply is always in)."),
    strict: bool = typer.Option(
        False, "--strict", help="Refuse a thank-you note the checks warn about; log nothing."
    ),
    job: str | None = typer.Option(
        None,
        "--job",
        metavar="#ID",
        help="The hiring process it belongs to (default: the employer's only one in progress).",
    ),
) -> None:
    """Log a touchpoint: a thank-you sent, a reply, a call, a LinkedIn connection...

    Logging answers the matching task and lets the plan move on. The text of a thank-you
    (--file, or a --note of several lines) is checked for the six elements of the advice, a
    placeholder left from `crm draft`, and likeness to a note sent to someone else at the same
    employer: warnings on stderr, errors with --strict.

    A memo for yourself is `crm log note` (never quoted in a draft); what a conversation was
    about, in words a draft may quote, is --topic on the meeting, call or interview.

    An interview (or a meeting while a job at their employer is in `interviewing`) asks for a
    thank-you to that person the next day.

    Example: crm log meeting dana --topic "the robot arm demo"
    """
    from crm.errors import BadInput
    from crm.kinds import TouchKind
    from crm.services.jobs import find_job
    from crm.services.lookup import find_contact
    from crm.services.touchpoints import log_touch, parse_kind

    if note is not None and file is not None:
        raise BadInput("give --note or --file, not both")
    kind = parse_kind(kind)
    body = read_note_file(file) if file is not None else None
    thank_you = kind == TouchKind.THANK_YOU.value and not incoming
    subject = None
    if thank_you and body is not None:
        from crm.services.note_checks import split_subject

        subject, body = split_subject(body)  # a note saved from `crm draft`
    e = env()
    on_day = day(on, past=True)
    warnings: list[str] = []
    with e.writing() as session:
        person = find_contact(session, contact)
        process = find_job(session, job) if job is not None else None
        sent = body or (note if note and "\n" in note.strip() else None)
        if thank_you and sent:
            warnings = _checked(session, person, sent, strict=strict)
        touch = log_touch(
            session=session,
            now=e.now,
            contact=person,
            kind=kind,
            on=on_day,
            summary=note or subject,
            body=body,
            incoming=True if incoming else None,
            topic=topic,
            job=process,
        )
    report_logged(touch, person)
    for warning in warnings:
        typer.echo(f"Warning: {one_line(warning)}", err=True)
    report_plan()


def _checked(session: Session, person: Contact, text: str, *, strict: bool) -> list[str]:
    """The checks' warnings on a thank-you's text; with --strict, an error instead."""
    from crm.errors import BadInput
    from crm.services.note_checks import check_note

    warnings = check_note(session=session, contact=person, text=text).warnings(env().now.tzinfo)
    if strict and warnings:
        raise BadInput(f"not logged (--strict): {'; '.join(warnings)}")
    return warnings


def report_logged(touch: Touchpoint, person: Contact) -> None:
    e = env()
    arrow = "with" if touch.kind == "interview" else "from" if touch.direction == "in" else "to"
    when = touch.happened_at.astimezone(e.now.tzinfo)
    e.out.print(
        f"Logged {touch.kind} {arrow} {person.name} on {when:%a %d %b %Y} (#{touch.id}).",
    )
