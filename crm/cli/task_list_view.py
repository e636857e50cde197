"""The `crm task list` screen: every open task (or every task), as lines or JSON.

Like `crm today` it reads through `planned_query` and prints without Rich, so that the shortcut
(crm/cli/shortcut.py) can run it with neither Typer nor SQLAlchemy imported when the plan is
current on an SQLite database.
"""

from __future__ import annotations

import sys
from typing import TYPE_CHECKING

from crm.cli.planned import planned_query, planned_stream
from crm.services.agenda import each_task, task_lines

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
    with planned_query(e) as (query, _):
        tasks = task_lines(query, include_closed=all_)
    if not tasks:
        sys.stdout.write(EMPTY)
        return
    from crm.cli.today_view import Layout
    from crm.plain import Painter

    layout, paint = Layout(tasks, status=all_), Painter(sys.stdout)
    lines = [paint(layout.header(), "dim"), *(layout.line(t, e.today, paint) for t in tasks)]
    sys.stdout.write("\n".join(lines) + "\n")
