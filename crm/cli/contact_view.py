"""The `crm contact show` screen: one person's details, stage, open tasks and timeline.

Read through `planned_query` (crm/cli/planned.py) like `crm today`: on a current SQLite
database with the standard library alone, so the shortcut (crm/cli/shortcut.py) can run it with
neither Typer nor SQLAlchemy imported; otherwise after the plan is brought up to date, so the
open tasks shown are the ones `crm task list` shows.
"""

from __future__ import annotations

from shlex import quote
from typing import TYPE_CHECKING

from crm.printable import one_line

if TYPE_CHECKING:
    from crm.cli.env import Env
    from crm.services.contact_card import Position


def show_contact(e: Env, name: str, *, json: bool) -> None:
    from crm.cli.planned import planned_query
    from crm.services.contact_card import contact_card
    from crm.services.lookup import find_id

    with planned_query(e) as (query, _):
        number = find_id(query, "contact", name)
        d = contact_card(query, contact_id=number, now=e.now, plan=e.settings.plan)
    c, zone, employer = d.contact, e.now.tzinfo, d.employer.name if d.employer else None
    if json:
        from crm.cli.shapes import contact_doc, task_doc, touch_doc
        from crm.render import print_json

        doc = contact_doc(c, d.employer, d.stage, d.relationship, zone, d.tags)
        doc["next_nurture"] = d.next_nurture
        doc["open_tasks"] = [task_doc(t, c.name, employer, zone) for t in d.open_tasks]
        doc["timeline"] = [touch_doc(t, zone) for t in d.timeline]
        doc["employment"] = [
            {
                "employer": p.company,
                "employer_id": p.employer_id,
                "position": p.position,
                "from": p.since,
                "until": p.until,
                "source": p.source,
            }
            for p in d.employment
        ]
        print_json(doc)
        return
    from rich.text import Text

    from crm.render import human, relative_day, short_moment, table
    from crm.services.cadence import in_words

    role = "" if c.role == "other" else human(c.role)
    at = " · " + " at ".join(part for part in (role, employer) if part) if role or employer else ""
    e.out.print(Text.assemble((one_line(c.name), "bold"), f" (#{c.id}){at}"))
    facts = [
        (
            "stage",
            d.stage.value + ("" if c.keep_in_touch else " · no reminders (not keep-in-touch)"),
        ),
        ("position", c.position),
        ("worked", _history_line(d.employment)),
        ("email", c.email),
        ("phone", c.phone),
        ("linkedin", c.linkedin_url),
        ("notes", c.notes),
        ("tags", ", ".join(d.tags)),
        ("every", in_words(c.every) if c.every else None),
        ("next note", relative_day(d.next_nurture, e.today) if d.next_nurture else None),
        ("archived", short_moment(c.archived_at, zone) if c.archived_at else None),
    ]
    for label, value in facts:
        if value:
            e.out.print(f"  {label:<10}{value}")
    if d.open_tasks:
        grid = table("id", "to do", "due", title="Open tasks")
        for t in d.open_tasks:
            grid.add_row(f"#{t.id}", t.title, relative_day(t.due, e.today))
        e.out.print(grid)
    if d.timeline:
        grid = table("id", "when", "", "kind", "summary", title="Timeline")
        for touch in d.timeline:
            arrow = "←" if touch.direction == "in" else "→"
            grid.add_row(
                f"#{touch.id}",
                short_moment(touch.happened_at, zone),
                arrow,
                touch.kind,
                touch.summary or "",
            )
        e.out.print(grid)
    else:
        e.out.print(f"  No touchpoints yet. After a rejection: crm log thank-you {quote(c.name)}")


def _history_line(history: list[Position]) -> str:
    """ "Director, Data at Globex → VP Data at Umbrella Corp since 2 Apr 2026", a place a
    line when that does not fit in 80 columns."""
    if not history:
        return ""
    last = history[-1]
    when = last.since if last.until is None else last.until
    tail = f" {'since' if last.until is None else 'until'} {when.day} {when:%b %Y}"
    places = [w for w in (h.words() for h in history) if w]
    line = " → ".join(places) + tail
    if len(line) <= 68:
        return line
    return "\n            → ".join(places) + tail
