"""Touchpoints: what passed between the user and a contact, in either direction."""

import re
from datetime import date, datetime

from sqlmodel import Session, col, or_, select

from crm.errors import BadInput, NotFound
from crm.kinds import Direction, TaskStatus, TouchKind
from crm.models import Task, Touchpoint
from crm.services.lookup import LARGEST_ID, parse_id
from crm.services.record import done_summary, first_line, moment_of, parse_kind
from crm.services.text import clean_text


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
        derived = first_line(touch.body) if touch.body else None
        touch.body = clean_text(body, "note")
        if summary is None and touch.summary in (None, derived):  # not a line the user typed
            touch.summary = first_line(touch.body) if touch.body else None
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
                Touchpoint.summary == done_summary(task.id),
                col(Touchpoint.summary).endswith(f" (task #{task.id})", autoescape=True),
            ),
        )
        .order_by(col(Touchpoint.id))
    ).first()


DONE_SUMMARY = re.compile(r"done: task #(\d+)|.+ \(task #(\d+)\)")


def _tasks_done_by(session: Session, touch: Touchpoint) -> list[Task]:
    match = DONE_SUMMARY.fullmatch(touch.summary or "")
    task = session.get(Task, int(match.group(1) or match.group(2))) if match else None
    if task is None or task.contact_id != touch.contact_id:
        return []
    return [task] if task.status == TaskStatus.DONE.value else []
