"""Touchpoints: what passed between the user and a contact, in either direction."""

import re
from datetime import date, datetime

from sqlmodel import Session, col, or_, select

from crm.clock import MIDDAY
from crm.errors import BadInput, NotFound
from crm.kinds import Direction, JobStatus, TaskStatus, TouchKind
from crm.models import Contact, Job, Task, Touchpoint
from crm.services.lookup import LARGEST_ID, parse_id
from crm.services.text import clean_text

# A reply comes in, and an interview is theirs (they asked you in); everything else is something
# the user did, unless they say --in.
INCOMING_KINDS = {TouchKind.REPLY.value, TouchKind.INTERVIEW.value}
ALIASES = {"thanks": "thank-you", "thankyou": "thank-you", "info": "info-interview"}


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


def log_touch(
    *,
    session: Session,
    now: datetime,
    contact: Contact,
    kind: str,
    on: date | None = None,
    summary: str | None = None,
    body: str | None = None,
    incoming: bool | None = None,
    topic: str | None = None,
    purpose: str | None = None,
    job: Job | None = None,
) -> Touchpoint:
    """Record the touch; an interview or a meeting is tied to its hiring process: `job`, else
    the only one at the contact's employer that it can belong to (see `process_of`)."""
    kind = parse_kind(kind)
    if incoming is None:
        incoming = kind in INCOMING_KINDS
    if kind == TouchKind.REPLY.value and not incoming:
        raise BadInput("a reply comes from the contact; log what you sent as email, call...")
    body = clean_text(body, "note")
    summary = clean_text(summary, "note") or (_first_line(body) if body else None)
    topic = clean_text(topic, "topic")
    if topic and kind == TouchKind.NOTE.value:
        raise BadInput("a memo is for you alone: give the topic on the meeting, call or interview")
    touch = Touchpoint(
        contact_id=contact.id or 0,
        kind=kind,
        direction=(Direction.IN if incoming else Direction.OUT).value,
        happened_at=moment_of(on, now),
        summary=summary,
        body=body,
        topic=topic,
        purpose=purpose,
        job_id=job.id if job is not None else process_of(session, contact, kind),
        created_at=now,
    )
    session.add(touch)
    session.flush()
    return touch


def parse_touch_id(text: str) -> int:
    return parse_id(text, "touchpoint", " (crm contact show NAME)")


def get_touch(session: Session, touch_id: int) -> Touchpoint:
    touch = session.get(Touchpoint, touch_id) if touch_id <= LARGEST_ID else None
    if touch is None:
        raise NotFound(f"no touchpoint with id #{touch_id}; crm contact show NAME lists them")
    return touch


def edit_touch(
    *,
    session: Session,
    now: datetime,
    touch: Touchpoint,
    on: date | None = None,
    kind: str | None = None,
    summary: str | None = None,
    body: str | None = None,
    topic: str | None = None,
) -> Touchpoint:
    """Correct a touchpoint: its day, its kind, its line, its text or its topic ("" clears it).

    A new kind takes its usual direction: a reply comes in; a touch that was a reply and is
    now something else went out.
    """
    if on is not None:
        moment = moment_of(on, now)
        _move_nurture_counted_from(session, touch, moment, now)
        touch.happened_at = moment
    if kind is not None:
        kind = parse_kind(kind)
        if kind == TouchKind.REPLY.value:
            touch.direction = Direction.IN.value
        elif touch.kind == TouchKind.REPLY.value:
            touch.direction = Direction.OUT.value
        touch.kind = kind
    if body is not None:
        derived = _first_line(touch.body) if touch.body else None
        touch.body = clean_text(body, "note")
        if summary is None and touch.summary in (None, derived):  # not a line the user typed
            touch.summary = _first_line(touch.body) if touch.body else None
    if summary is not None:
        touch.summary = clean_text(summary, "note")
    if topic is not None:
        touch.topic = clean_text(topic, "topic")
    if touch.topic and touch.kind == TouchKind.NOTE.value:
        raise BadInput("a memo is for you alone: give the topic on the meeting, call or interview")
    session.add(touch)
    session.flush()
    return touch


def _move_nurture_counted_from(
    session: Session, touch: Touchpoint, moment: datetime, now: datetime
) -> None:
    """A touch moved to another day: the open nurture the plan counts from it moves with it,
    the same task (one the user snoozed stays where they put it). The plan's key names the
    touch it counts from (nurture:CONTACT:TOUCH:CADENCE:PERIOD), not the day, so the plan
    alone would leave it where it was."""
    from crm.services.plan import MOVED_BY_CORRECTION
    from crm.services.plan_rules import Planned, nurture_due

    old_day = touch.happened_at.astimezone(now.tzinfo).date()
    new_day = moment.astimezone(now.tzinfo).date()
    waiting = session.exec(
        select(Task).where(
            col(Task.key).startswith(f"nurture:{touch.contact_id}:{touch.id}:", autoescape=True),
            Task.status == TaskStatus.OPEN.value,
        )
    )
    for task in waiting:
        key = task.key or ""
        if task.due == nurture_due(key, old_day) != nurture_due(key, new_day):  # as planned
            task.due = nurture_due(key, new_day)
            session.add(task)
            moved = Planned(task.id or 0, task.kind, task.title, task.due, task.contact_id)
            session.info.setdefault(MOVED_BY_CORRECTION, []).append(moved)
    session.flush()


def delete_touch(*, session: Session, touch: Touchpoint) -> list[Task]:
    """Delete a touchpoint; a task whose `crm task done` logged it opens again (it is the same
    as never having done it). The plan does the rest for the tasks the touch answered."""
    reopened = _tasks_done_by(session, touch)
    for task in reopened:
        task.status, task.closed_at = TaskStatus.OPEN.value, None
        session.add(task)
    session.delete(touch)
    session.flush()
    return reopened


def touch_logged_by_task(session: Session, task: Task) -> Touchpoint | None:
    """The touchpoint `crm task done` logged for this task, if it did."""
    if task.contact_id is None:
        return None
    return session.exec(
        select(Touchpoint)
        .where(
            Touchpoint.contact_id == task.contact_id,
            or_(
                Touchpoint.summary == done_summary(task),
                col(Touchpoint.summary).endswith(f" (task #{task.id})", autoescape=True),
            ),
        )
        .order_by(col(Touchpoint.id))
    ).first()


def done_summary(task: Task, what: str | None = None) -> str:
    """The line `crm task done` gives the touch it logs, which ties the two together."""
    return f"{what} (task #{task.id})" if what else f"done: task #{task.id}"


DONE_SUMMARY = re.compile(r"done: task #(\d+)|.+ \(task #(\d+)\)")


def _tasks_done_by(session: Session, touch: Touchpoint) -> list[Task]:
    match = DONE_SUMMARY.fullmatch(touch.summary or "")
    task = session.get(Task, int(match.group(1) or match.group(2))) if match else None
    if task is None or task.contact_id != touch.contact_id:
        return []
    return [task] if task.status == TaskStatus.DONE.value else []


def _first_line(text: str) -> str:
    line = next((line.strip() for line in text.splitlines() if line.strip()), "")
    return line if len(line) <= 80 else line[:79] + "…"


def process_of(session: Session, contact: Contact, kind: str) -> int | None:
    """The job an interview (or a meeting while interviewing) with the contact belongs to.

    An interview: the employer's only job in progress. A meeting: the employer's only job in
    `interviewing` (a meeting then is an interview in all but name). None when there is no such
    job or several: the user says which with --job.
    """
    if contact.employer_id is None:
        return None
    if kind == TouchKind.INTERVIEW.value:
        statuses = [
            JobStatus.APPLIED.value,
            JobStatus.SCREENING.value,
            JobStatus.INTERVIEWING.value,
            JobStatus.OFFER.value,
        ]
    elif kind == TouchKind.MEETING.value:
        statuses = [JobStatus.INTERVIEWING.value]
    else:
        return None
    ids = session.exec(
        select(Job.id).where(Job.employer_id == contact.employer_id, col(Job.status).in_(statuses))
    ).all()
    return ids[0] if len(ids) == 1 else None
