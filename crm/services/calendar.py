"""Open tasks as an iCalendar feed (RFC 5545) for the calendars people look at every day.

Each open task is one all-day event on its due date. Its UID is made of the task's id and the
moment the task was created: it stays the same however often the file is written (so a
subscribed calendar updates the event instead of adding another), survives a backup or a
`crm import json` restore, and does not collide with another crm database's task of the same id.
DTSTAMP, which RFC 5545 requires, is the moment the file was written.

The feed is written as the tasks are read, a batch at a time: its memory does not grow with
the number of tasks.
"""

from __future__ import annotations

from collections.abc import Iterable, Iterator
from datetime import UTC, date, datetime, timedelta
from typing import BinaryIO

from crm import __version__, ical
from crm.services.agenda import OPEN_TASKS_SQL, Stream, TaskLine

CALENDAR_NAME = "crm follow-ups"
FILE_NAME = "crm.ics"  # when the user names a folder
# how often a subscribed client should fetch the file again, where it lets the feed say so
REFRESH = timedelta(hours=1)
# the lines every event has as they are: made once, not folded again for each event
BEGIN = ical.line("BEGIN", "VEVENT")
# a reminder, not a meeting: the day stays free
END = ical.line("TRANSP", "TRANSPARENT") + ical.line("END", "VEVENT")


def task_uid(task_id: int, created_at: datetime) -> str:
    created = created_at.astimezone(UTC)
    return f"task-{task_id}-{created:%Y%m%dT%H%M%S%f}Z@crm.local"


def open_tasks(stream: Stream) -> Iterator[TaskLine]:
    """Open tasks by due date, with their names: the agenda's query, read as it is written."""
    return (TaskLine.from_row(row) for row in stream(OPEN_TASKS_SQL, {}))


def write_feed(out: BinaryIO, *, tasks: Iterable[TaskLine], now: datetime) -> int:
    """Write the feed of `tasks` into `out`, as they come; how many events it holds."""
    out.write(
        b"".join(
            [
                ical.line("BEGIN", "VCALENDAR"),
                ical.line("VERSION", "2.0"),
                ical.line("PRODID", f"-//crm//crm {__version__}//EN"),
                ical.line("CALSCALE", "GREGORIAN"),
                ical.line("NAME", ical.text(CALENDAR_NAME)),  # RFC 7986
                # what Apple, Google and Thunderbird read
                ical.line("X-WR-CALNAME", ical.text(CALENDAR_NAME)),
                ical.line("REFRESH-INTERVAL", ical.duration(REFRESH), VALUE="DURATION"),
                ical.line("X-PUBLISHED-TTL", ical.duration(REFRESH)),  # Apple, Outlook
            ]
        )
    )
    stamp = ical.line("DTSTAMP", ical.moment(now))
    events = 0
    for task in tasks:
        out.write(_event(task, stamp))
        events += 1
    out.write(ical.line("END", "VCALENDAR"))
    return events


def _event(task: TaskLine, stamp: bytes) -> bytes:
    who = task.contact or task.employer
    summary = f"{task.title} · {who}" if who else task.title
    return b"".join(
        [
            BEGIN,
            ical.line("UID", task_uid(task.id, task.created_at)),
            stamp,
            # a date: an all-day event, whatever the time zone
            ical.line("DTSTART", ical.day(task.due), VALUE="DATE"),
            *_end(task.due),
            ical.line("SUMMARY", ical.text(summary)),
            ical.line("DESCRIPTION", ical.text(_description(task))),
            END,
        ]
    )


def _end(due: date) -> list[bytes]:
    """The day after: an all-day event's end. The last day there is needs none (one day is
    what RFC 5545 reads when DTEND is missing)."""
    if due == date.max:
        return []
    return [ical.line("DTEND", ical.day(due + timedelta(days=1)), VALUE="DATE")]


def _description(task: TaskLine) -> str:
    lines = [
        f"Contact: {task.contact}" if task.contact else None,
        f"Employer: {task.employer}" if task.employer else None,
        f"Why: {task.rule}" if task.rule else None,
        f"Done? crm task done {task.id}",
        f"Later? crm task snooze {task.id} --until DATE",
    ]
    return "\n".join(line for line in lines if line)
