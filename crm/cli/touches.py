"""`crm touch`: correct or delete a touchpoint logged by mistake."""

from __future__ import annotations

from pathlib import Path
from typing import TYPE_CHECKING

import typer

from crm.cli.common import DATE_HELP, confirmed, day, env, report_plan
from crm.cli.log import complete_kinds

if TYPE_CHECKING:
    from sqlmodel import Session

    from crm.models import Touchpoint

TOUCH_ID = typer.Argument(
    ...,
    metavar="ID",
    help="The touchpoint's number, as crm log and the timeline of crm contact show give it.",
)

app = typer.Typer(help="Correct or delete a touchpoint.", no_args_is_help=True)


@app.command("edit")
def edit(
    touch_id: str = TOUCH_ID,
    on: str | None = typer.Option(None, "--on", metavar="DATE", help=f"When: {DATE_HELP}"),
    kind: str | None = typer.Option(
        None,
        "--kind",
        metavar="KIND",
        help="thank-you reply email linkedin call meeting...",
        autocompletion=complete_kinds,
    ),
    note: str | None = typer.Option(None, "--note", metavar="TEXT", help="A new line about it."),
    file: Path | None = typer.Option(
        None, "--file", metavar="PATH", help="The text you sent or got, in place of the old."
    ),
    topic: str | None = typer.Option(
        None,
        "--topic",
        metavar="TEXT",
        help='What you talked about, for `crm draft` to quote ("" clears it).',
    ),
) -> None:
    """Correct a touchpoint: its day, kind, line, text or topic. The plan follows as if it had
    been logged that way.

    Example: crm touch edit 12 --on 2026-03-01 --kind call --topic "the robot arm demo"
    """
    from crm.cli.record_view import read_note_file
    from crm.errors import BadInput
    from crm.services.touchpoints import edit_touch, get_touch, parse_touch_id

    if note is not None and file is not None:
        raise BadInput("give --note or --file, not both")
    if on is None and kind is None and note is None and file is None and topic is None:
        raise BadInput("nothing to change; give --on, --kind, --note, --file or --topic")
    number = parse_touch_id(touch_id)
    body = read_note_file(file) if file is not None else None
    e = env()
    on_day = day(on, past=True)
    with e.writing() as session:
        touch = get_touch(session, number)
        if on_day is not None or kind is not None:
            from crm.services.plan import before_a_correction

            before_a_correction(
                session=session,
                contact_id=touch.contact_id,
                zone=e.now.tzinfo,
                plan=e.settings.plan,
            )
        summary = note
        if body is not None and touch.kind == "thank-you" and touch.direction == "out":
            from crm.services.note_checks import split_subject

            subject, body = split_subject(body)  # a note saved from `crm draft`
            summary = summary or subject
        touch = edit_touch(
            session=session,
            now=e.now,
            touch=touch,
            on=on_day,
            kind=kind,
            summary=summary,
            body=body,
            topic=topic,
        )
        line = describe(session, touch)
    e.out.print(f"Updated {line}.", soft_wrap=True)
    report_plan()


@app.command("delete")
def delete(
    touch_id: str = TOUCH_ID,
    yes: bool = typer.Option(False, "--yes", "-y", help="Do not ask (needed without a terminal)."),
) -> None:
    """Delete a touchpoint logged by mistake. Tasks it completed open again; tasks it made
    that were never acted on go.

    Example: crm touch delete 12 --yes
    """
    from crm.services.touchpoints import delete_touch, get_touch, parse_touch_id

    number = parse_touch_id(touch_id)
    e = env()
    with e.reading() as session:
        line = describe(session, get_touch(session, number))
    if not confirmed(f"Delete {line}", yes):
        return
    with e.writing() as session:
        reopened = delete_touch(session=session, touch=get_touch(session, number))
    e.out.print(f"Deleted {line}.", soft_wrap=True)
    for task in reopened:
        e.out.print(f"  ↺ #{task.id} {task.title} · open again")
    report_plan()


def describe(session: Session, touch: Touchpoint) -> str:
    """One line that says which touch: "touchpoint #12: thank-you to Dana Whitfield on Mon
    02 Mar 2026 (Thanks for your time)"."""
    from crm.models import Contact

    person = session.get(Contact, touch.contact_id)
    who = person.name if person else f"contact #{touch.contact_id}"
    arrow = "from" if touch.direction == "in" else "to"
    when = touch.happened_at.astimezone(env().now.tzinfo)
    what = f" ({touch.summary})" if touch.summary else ""
    return f"touchpoint #{touch.id}: {touch.kind} {arrow} {who} on {when:%a %d %b %Y}{what}"
