"""Open tasks as an iCalendar feed (RFC 5545) for the calendars people look at every day.

Each open task is one all-day event on its due date. Its UID is made of the task's id and the
moment the task was created: it stays the same however often the file is written (so a
subscribed calendar updates the event instead of adding another), survives a backup or a
`crm import json` restore, and does not collide with another crm database's task of the same id.
DTSTAMP, which RFC 5545 requires, is the moment the file was written.
"""

from dataclasses import dataclass
from datetime import UTC, datetime, timedelta

from sqlmodel import Session

from crm import __version__
from crm.models import Task
from crm.services.tasks import TaskRow, list_tasks

CALENDAR_NAME = "crm follow-ups"
# how often a subscribed client should fetch the file again, where it lets the feed say so
REFRESH = timedelta(hours=1)


@dataclass
class Feed:
    ics: bytes
    events: int


def task_uid(task: Task) -> str:
    created = task.created_at.astimezone(UTC)
    return f"task-{task.id}-{created:%Y%m%dT%H%M%S%f}Z@crm.local"


def open_tasks_feed(*, session: Session, now: datetime) -> Feed:
    from icalendar import Calendar, vDuration

    rows = list_tasks(session=session)
    calendar = Calendar()
    calendar.add("prodid", f"-//crm//crm {__version__}//EN")
    calendar.add("version", "2.0")
    calendar.add("calscale", "GREGORIAN")
    calendar.add("name", CALENDAR_NAME)  # RFC 7986
    calendar.add("x-wr-calname", CALENDAR_NAME)  # what Apple, Google and Thunderbird read
    calendar.add("refresh-interval", REFRESH, parameters={"VALUE": "DURATION"})  # RFC 7986
    calendar.add("x-published-ttl", vDuration(REFRESH).to_ical().decode())  # Apple, Outlook
    for row in rows:
        calendar.add_component(_event(row, now))
    return Feed(ics=calendar.to_ical(), events=len(rows))


def _event(row: TaskRow, now: datetime):  # type: ignore[no-untyped-def]
    from icalendar import Event

    task = row.task
    event = Event()
    event.add("uid", task_uid(task))
    event.add("dtstamp", now.astimezone(UTC))
    event.add("dtstart", task.due)  # a date: an all-day event, whatever the time zone
    event.add("dtend", task.due + timedelta(days=1))
    who = row.contact or row.employer
    event.add("summary", f"{task.title} · {who}" if who else task.title)
    event.add("description", _description(row))
    event.add("transp", "TRANSPARENT")  # a reminder, not a meeting: the day stays free
    return event


def _description(row: TaskRow) -> str:
    task = row.task
    lines = [
        f"Contact: {row.contact}" if row.contact else None,
        f"Employer: {row.employer}" if row.employer else None,
        f"Why: {task.rule}" if task.rule else None,
        f"Done? crm task done {task.id}",
        f"Later? crm task snooze {task.id} --until DATE",
    ]
    return "\n".join(line for line in lines if line)
