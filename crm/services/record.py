"""The two records people keep many times a day: a touch logged, a task done or skipped.

Plain SQL through a `Store` (crm/store.py), so that `crm log` and `crm task done` on SQLite can
run with nothing but the standard library (`Env.recording`, crm/cli/record_view.py) and every
other path (a session: `crm draft`, `crm log --file`, PostgreSQL) runs the very same
statements. Each says whose plan it changed (`Store.touched`): the plan runs for them after it.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date, datetime

from crm.clock import MIDDAY
from crm.errors import BadInput, Conflict, NotFound
from crm.kinds import ClosedBy, Direction, JobStatus, Purpose, TaskKind, TaskStatus, TouchKind
from crm.services.lookup import LARGEST_ID
from crm.services.text import clean_text
from crm.store import Store, moment

# A reply comes in, and an interview is theirs (they asked you in); everything else is something
# the user did, unless they say --in.
INCOMING_KINDS = {TouchKind.REPLY.value, TouchKind.INTERVIEW.value}
ALIASES = {"thanks": "thank-you", "thankyou": "thank-you", "info": "info-interview"}

# Marking one of these done means the thing happened: it is logged as that touch, so the plan
# moves on exactly as if the user had typed `crm log`. A nurture is most often an email. The
# interview task asks for one: done, it is the email that asked (an interview held is logged
# with `crm log info-interview`, never by closing a task).
TOUCH_FOR_TASK = {
    TaskKind.THANK_YOU.value: (TouchKind.THANK_YOU.value, None, None),
    TaskKind.LINKEDIN_CONNECT.value: (TouchKind.LINKEDIN.value, None, None),
    TaskKind.INFO_INTERVIEW.value: (
        TouchKind.EMAIL.value,
        Purpose.INFO_INTERVIEW_REQUEST.value,
        "Asked for an informational interview",
    ),
    TaskKind.NURTURE.value: (TouchKind.EMAIL.value, None, None),
}


def parse_kind(text: str) -> str:
    word = text.strip().lower().replace("_", "-")
    word = ALIASES.get(word, word)
    if word in {k.value for k in TouchKind}:
        return word
    raise BadInput(
        f"{text!r} is not a kind of touch; use one of: {' '.join(k.value for k in TouchKind)}"
    )


def moment_of(on: date | None, now: datetime) -> datetime:
    """When a touch logged for the day `on` happened: now if today, else midday that day."""
    if on is None or on == now.date():
        return now
    if not date.min < on < date.max:
        # midday of the calendar's first or last day is another year in some time zone (UTC
        # among them, where it is stored): Python cannot represent it
        raise BadInput(f"{on} is at the edge of the calendar; a touch needs a real day")
    return datetime.combine(on, MIDDAY, tzinfo=now.tzinfo)


@dataclass(frozen=True)
class Logged:
    """A touch just recorded, as the command reports it."""

    id: int
    kind: str
    direction: str
    happened_at: datetime


def record_touch(
    db: Store,
    *,
    now: datetime,
    contact_id: int,
    kind: str,
    on: date | None = None,
    summary: str | None = None,
    body: str | None = None,
    incoming: bool | None = None,
    topic: str | None = None,
    purpose: str | None = None,
    job_id: int | None = None,
) -> Logged:
    """Record the touch; an interview or a meeting is tied to its hiring process: `job_id`,
    else the only one at the contact's employer that it can belong to (see `process_of`)."""
    kind = parse_kind(kind)
    if incoming is None:
        incoming = kind in INCOMING_KINDS
    if kind == TouchKind.REPLY.value and not incoming:
        raise BadInput("a reply comes from the contact; log what you sent as email, call...")
    body = clean_text(body, "note")
    summary = clean_text(summary, "note") or (first_line(body) if body else None)
    topic = clean_text(topic, "topic")
    if topic and kind == TouchKind.NOTE.value:
        raise BadInput("a memo is for you alone: give the topic on the meeting, call or interview")
    direction = (Direction.IN if incoming else Direction.OUT).value
    happened_at = moment_of(on, now)
    row = {
        "contact_id": contact_id,
        "kind": kind,
        "direction": direction,
        "happened_at": happened_at,
        "summary": summary,
        "body": body,
        "topic": topic,
        "purpose": purpose,
        "job_id": job_id if job_id is not None else process_of(db, contact_id, kind),
        "created_at": now,
    }
    ((touch_id,),) = db.rows(
        f"INSERT INTO touchpoint ({', '.join(row)}) VALUES ({', '.join(':' + c for c in row)})"
        " RETURNING id",
        row,
    )
    db.touched(contacts=[contact_id])
    return Logged(touch_id, kind, direction, happened_at)


def process_of(db: Store, contact_id: int, kind: str) -> int | None:
    """The job an interview (or a meeting while interviewing) with the contact belongs to.

    An interview: the employer's only job in progress. A meeting: the employer's only job in
    `interviewing` (a meeting then is an interview in all but name). None when there is no such
    job or several: the user says which with --job.
    """
    if kind == TouchKind.INTERVIEW.value:
        statuses = [JobStatus.APPLIED, JobStatus.SCREENING, JobStatus.INTERVIEWING, JobStatus.OFFER]
    elif kind == TouchKind.MEETING.value:
        statuses = [JobStatus.INTERVIEWING]
    else:
        return None
    named = {f"s{i}": status.value for i, status in enumerate(statuses)}
    ids = db.rows(
        "SELECT j.id FROM job AS j JOIN contact AS c ON c.employer_id = j.employer_id"
        f" WHERE c.id = :contact AND j.status IN ({', '.join(':' + n for n in named)})",
        {"contact": contact_id, **named},
    )
    return ids[0][0] if len(ids) == 1 else None


@dataclass(frozen=True)
class Finished:
    id: int
    title: str


def finish_task(db: Store, *, now: datetime, task_id: int, status: str) -> Finished:
    """Mark a task done or skipped; a done plan task is logged as the touch it asked for."""
    found = task_id <= LARGEST_ID and db.rows(
        "SELECT status, closed_at, kind, title, contact_id, employer_id FROM task WHERE id = :id",
        {"id": task_id},
    )
    if not found:
        raise NotFound(f"no task with id #{task_id}")
    ((was, closed_at, kind, title, contact_id, employer_id),) = found
    if was != TaskStatus.OPEN.value:
        when = moment(closed_at).date() if closed_at else "earlier"
        raise Conflict(f"task #{task_id} is already {was} ({when})")
    db.run(
        "UPDATE task SET status = :status, closed_at = :now, closed_by = :user WHERE id = :id",
        {"status": status, "now": now, "user": ClosedBy.USER.value, "id": task_id},
    )
    db.touched(contacts=[contact_id], employers=[] if contact_id else [employer_id])
    touch = TOUCH_FOR_TASK.get(kind)
    if status == TaskStatus.DONE.value and touch and contact_id:
        touch_kind, purpose, what = touch
        record_touch(
            db,
            now=now,
            contact_id=contact_id,
            kind=touch_kind,
            summary=done_summary(task_id, what),
            purpose=purpose,
        )
    return Finished(task_id, title)


def done_summary(task_id: int | None, what: str | None = None) -> str:
    """The line `crm task done` gives the touch it logs, which ties the two together."""
    return f"{what} (task #{task_id})" if what else f"done: task #{task_id}"


def first_line(text: str) -> str:
    line = next((line.strip() for line in text.splitlines() if line.strip()), "")
    return line if len(line) <= 80 else line[:79] + "…"
