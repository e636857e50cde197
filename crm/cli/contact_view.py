"""The `crm contact show` screen: one person's details, stage, open tasks and timeline.

Read through `planned_query` (crm/cli/planned.py) like `crm today`: on a current SQLite
database with the standard library alone, so the shortcut (crm/cli/shortcut.py) can run it with
neither Typer nor SQLAlchemy imported; otherwise after the plan is brought up to date, so the
open tasks shown are the ones `crm task list` shows.
"""

from __future__ import annotations

import sys
from collections.abc import Callable
from dataclasses import dataclass
from shlex import quote
from typing import TYPE_CHECKING

from crm.plain import Painter, as_rich_would, simple
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
        doc["open_tasks"] = [task_doc(t, t.contact, t.employer, zone) for t in d.open_tasks]
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
    from crm.render import human, relative_day, short_moment
    from crm.services.cadence import in_words

    role = "" if c.role == "other" else human(c.role)
    at = " · " + " at ".join(part for part in (role, employer) if part) if role or employer else ""
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
    card = Card(
        name=one_line(c.name),
        after_name=f" (#{c.id}){at}",
        facts=[f"  {label:<10}{value}" for label, value in facts if value],
        tables=[],
        empty=None,
    )
    if d.open_tasks:
        rows = [[f"#{t.id}", t.title, relative_day(t.due, e.today)] for t in d.open_tasks]
        card.tables.append(("Open tasks", ["id", "to do", "due"], rows))
    if d.timeline:
        rows = [
            [
                f"#{touch.id}",
                short_moment(touch.happened_at, zone),
                "←" if touch.direction == "in" else "→",
                touch.kind,
                touch.summary or "",
            ]
            for touch in d.timeline
        ]
        card.tables.append(("Timeline", ["id", "when", "", "kind", "summary"], rows))
    else:
        card.empty = f"  No touchpoints yet. After a rejection: crm log thank-you {quote(c.name)}"
    card.print(e)


@dataclass
class Card:
    """The screen's parts, as the user's text (control characters not yet escaped)."""

    name: str
    after_name: str
    facts: list[str]  # lines, each possibly of several lines (a note)
    tables: list[tuple[str, list[str], list[list[str]]]]  # title, headers, rows
    empty: str | None  # what to say when there is no timeline

    def print(self, e: Env) -> None:
        """Drawn as plain lines when every line fits the terminal as it stands (the usual card),
        which is what Rich draws then too, without Rich's ~35 ms; otherwise Rich wraps what is
        too long and measures what is wide."""
        lines = self.plain()
        if lines is not None:
            sys.stdout.write("".join(line + "\n" for line in lines))
            return
        from rich.text import Text

        from crm.render import table

        e.out.print(Text.assemble((self.name, "bold"), self.after_name))
        for fact in self.facts:
            e.out.print(fact)
        for title, headers, rows in self.tables:
            grid = table(*headers, title=title)
            for row in rows:
                grid.add_row(*row)
            e.out.print(grid)
        if self.empty is not None:
            e.out.print(self.empty)

    def plain(self) -> list[str] | None:
        """The card as Rich lays it out when nothing needs wrapping (a table is as wide as its
        widest cells, two spaces apart, each cell padded), or None when something would."""
        from crm.printable import has_control, one_line, printable

        room, styled = as_rich_would()
        paint = Painter(sys.stdout, enabled=styled)

        head = printable(self.name + self.after_name)
        said = [head, *(line for fact in self.facts for line in printable(fact).split("\n"))]
        if self.empty is not None:
            said.append(printable(self.empty))
        if not all(simple(line, room) for line in said):
            return None
        if has_control(self.after_name):  # escaped and, as Rich shows such a line, unstyled
            first = head
        else:
            first = paint(head[: len(self.name)], "bold") + head[len(self.name) :]
        lines = [first, *said[1:]]
        if self.empty is not None:
            lines.pop()
        for title, headers, rows in self.tables:
            cells = [[one_line(cell) for cell in row] for row in rows]
            widths = [max(len(h), *(len(r[i]) for r in cells)) for i, h in enumerate(headers)]
            total = sum(widths) + 2 * (len(widths) - 1)
            if total > room or len(title) > total:
                return None
            if not all(simple(cell, room) for row in cells for cell in row):
                return None
            lines.append(paint(title.ljust(total), "bold"))
            lines.append(_row(headers, widths, lambda text: paint(text, "dim")))
            lines += [_row(row, widths, str) for row in cells]
        if self.empty is not None:
            lines.append(printable(self.empty))
        return lines


def _row(cells: list[str], widths: list[int], style: Callable[[str], str]) -> str:
    """Cells padded to their column, two spaces apart: each cell, and each space of the gap
    (a cell's padding in Rich), styled on its own, as Rich writes them."""
    gap = style(" ") * 2
    return gap.join(style(cell.ljust(size)) for cell, size in zip(cells, widths, strict=True))


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
