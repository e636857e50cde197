"""`crm log`: record what happened with a contact, in one short command."""

from __future__ import annotations

from pathlib import Path

import typer

from crm.cli.common import CONTACT, DATE_HELP, env

KINDS = "thank-you reply email linkedin call meeting interview info-interview note"


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
    from crm.cli.record_view import log_touch_as_typed

    log_touch_as_typed(
        env(),
        kind=kind,
        contact=contact,
        on=on,
        note=note,
        file=file,
        topic=topic,
        incoming=incoming,
        strict=strict,
        job=job,
    )
