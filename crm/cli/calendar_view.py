"""`crm calendar FILE`: the open tasks written as an iCalendar feed.

Read through `planned_stream` (the standard library alone on SQLite when the plan is current)
and written as the rows come, so the shortcut (crm/cli/shortcut.py) can run it without Typer
or SQLAlchemy, and a feed of 100,000 tasks never holds them all.
"""

from __future__ import annotations

import sys
from typing import TYPE_CHECKING

if TYPE_CHECKING:
    from crm.cli.env import Env


def write_calendar(e: Env, file: str) -> None:
    from crm.cli.planned import planned_stream
    from crm.printable import one_line
    from crm.private_files import output_file, replacing
    from crm.services.calendar import FILE_NAME, open_tasks, write_feed

    target = output_file(file, default_name=FILE_NAME)
    # the plan brought up to date first: the feed shows what `crm task list` shows
    with planned_stream(e) as (stream, _), replacing(target) as out:
        events = write_feed(out, tasks=open_tasks(stream), now=e.now)
    tasks = "1 open task" if events == 1 else f"{events:,} open tasks"
    sys.stdout.write(f"Wrote {tasks} to {one_line(str(target.shown))}.\n")
