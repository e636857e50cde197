"""`crm log`: record what happened with a contact, in one short command."""

from __future__ import annotations

from pathlib import Path

import typer

from crm.cli.common import DATE_HELP, day, env, report_plan

KINDS = "thank-you reply email linkedin call meeting info-interview note"


def read_note_file(path: Path) -> str:
    from crm.errors import BadInput

    try:
        data = path.read_bytes()
    except FileNotFoundError:
        raise BadInput(f"{path}: no such file") from None
    except IsADirectoryError:
        raise BadInput(f"{path} is a folder, not a file") from None
    except OSError as error:
        raise BadInput(f"cannot read {path}: {error.strerror}") from None
    if b"\x00" in data:
        raise BadInput(f"{path} is not a text file")
    try:
        return data.decode("utf-8-sig")
    except UnicodeDecodeError:
        raise BadInput(f"{path} is not UTF-8 text") from None


def log(
    kind: str = typer.Argument(..., metavar="KIND", help=KINDS),
    contact: str = typer.Argument(..., metavar="CONTACT", help="Name or #ID."),
    on: str | None = typer.Option(
        None, "--on", metavar="DATE", help=f"When (default now): {DATE_HELP}"
    ),
    note: str | None = typer.Option(None, "--note", metavar="TEXT", help="A line about it."),
    file: Path | None = typer.Option(
        None, "--file", metavar="PATH", help="The text you sent or got."
    ),
    incoming: bool = typer.Option(False, "--in", help="They reached out (a reply is always in)."),
) -> None:
    """Log a touchpoint: a thank-you sent, a reply, a call, a LinkedIn connection...

    Logging answers the matching task and lets the plan move on.
    Example: crm log thank-you dana --file note.txt
    """
    from crm.errors import BadInput
    from crm.services.lookup import find_contact
    from crm.services.touchpoints import log_touch, parse_kind

    if note is not None and file is not None:
        raise BadInput("give --note or --file, not both")
    kind = parse_kind(kind)
    body = read_note_file(file) if file is not None else None
    e = env()
    on_day = day(on)
    with e.writing() as session:
        person = find_contact(session, contact)
        touch = log_touch(
            session=session,
            now=e.now,
            contact=person,
            kind=kind,
            on=on_day,
            summary=note,
            body=body,
            incoming=True if incoming else None,
        )
    arrow = "from" if touch.direction == "in" else "to"
    when = touch.happened_at.astimezone(e.now.tzinfo)
    e.out.print(f"Logged {touch.kind} {arrow} {person.name} on {when:%a %d %b %Y} (#{touch.id}).")
    report_plan()
