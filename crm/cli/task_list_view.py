"""The `crm task list` screen: every open task (or every task), as lines or JSON.

Like `crm today` it reads through `planned_stream` and prints without Rich, so that the shortcut
(crm/cli/shortcut.py) can run it with neither Typer nor SQLAlchemy imported when the plan is
current on an SQLite database.
"""

from __future__ import annotations

import sys
from itertools import islice
from typing import TYPE_CHECKING

from crm.cli.planned import planned_stream
from crm.services.agenda import each_task, longest_cells, longest_id, query_of

if TYPE_CHECKING:
    from crm.cli.env import Env

EMPTY = "No open tasks. crm today shows what is coming; crm task add TITLE adds your own.\n"


def show_task_list(e: Env, *, all_: bool, json: bool) -> None:
    if json:  # written as the rows are read: a list of 80,000 tasks is never all in memory
        from crm.cli.shapes import task_doc
        from crm.render import print_json

        zone = e.now.tzinfo
        with planned_stream(e) as (stream, _):
            each = each_task(stream, include_closed=all_)
            print_json(task_doc(t, t.contact, t.employer, zone) for t in each)
        return
    from crm.cli.today_view import Layout
    from crm.plain import BASE, Painter, width

    paint, out = Painter(sys.stdout), sys.stdout
    with planned_stream(e) as (stream, _):  # written as read: 80,000 lines are never all held
        query = query_of(stream)
        top = longest_id(query, include_closed=all_)
        if top is None:
            out.write(EMPTY)
            return
        wide = width() > BASE  # only a wider terminal shares out room by the longest cells
        natural = longest_cells(query, include_closed=all_) if wide else (0, 0)
        layout = Layout(id_width=len(f"#{top}"), natural=natural, status=all_)
        out.write(paint(layout.header(), "dim") + "\n")
        tasks = each_task(stream, include_closed=all_)
        while chunk := list(islice(tasks, CHUNK)):
            out.write("".join(layout.line(t, e.today, paint) + "\n" for t in chunk))


CHUNK = 1_000  # lines written at a time
