"""Tasks: the reminders the plan makes, and the user's own."""

from datetime import date, datetime

from sqlmodel import Session

from crm.errors import BadInput, Conflict, NotFound
from crm.kinds import ClosedBy, Purpose, TaskKind, TaskStatus, TouchKind
from crm.models import Contact, Task, Touchpoint
from crm.services.lookup import LARGEST_ID, parse_id
from crm.services.text import clean_text
from crm.services.touchpoints import done_summary, log_touch, touch_logged_by_task

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


def parse_task_id(text: str) -> int:
    return parse_id(text, "task")


def get_task(session: Session, task_id: int) -> Task:
    task = session.get(Task, task_id) if task_id <= LARGEST_ID else None
    if task is None:
        raise NotFound(f"no task with id #{task_id}")
    return task


def add_task(
    *,
    session: Session,
    now: datetime,
    title: str,
    due: date,
    contact: Contact | None = None,
) -> Task:
    title = clean_text(title, "task title") or ""
    if not title:
        raise BadInput("a task needs a title")
    task = Task(
        kind=TaskKind.CUSTOM.value,
        title=title,
        due=due,
        contact_id=contact.id if contact else None,
        employer_id=contact.employer_id if contact else None,
        created_at=now,
    )
    session.add(task)
    session.flush()
    return task


def finish_task(*, session: Session, now: datetime, task_id: int, status: str) -> Task:
    """Mark a task done or skipped; a done plan task is logged as the touch it asked for."""
    task = _open_task(session, task_id)
    task.status = status
    task.closed_at = now
    task.closed_by = ClosedBy.USER.value
    session.add(task)
    touch = TOUCH_FOR_TASK.get(task.kind)
    if status == TaskStatus.DONE.value and touch and task.contact_id:
        contact = session.get(Contact, task.contact_id)
        assert contact is not None
        kind, purpose, what = touch
        log_touch(
            session=session,
            now=now,
            contact=contact,
            kind=kind,
            summary=done_summary(task, what),
            purpose=purpose,
        )
    session.flush()
    return task


def snooze_task(*, session: Session, now: datetime, task_id: int, until: date) -> Task:
    task = _open_task(session, task_id)
    if until < now.date() or until <= task.due:
        raise BadInput(f"snoozing moves a task later than {task.due}, and not into the past")
    task.due = until
    session.add(task)
    session.flush()
    return task


def reopen_task(*, session: Session, task_id: int) -> tuple[Task, Touchpoint | None]:
    """Open a done or skipped task again, as if it had never been closed: the touchpoint its
    `crm task done` logged goes with it (returned, deleted)."""
    task = get_task(session, task_id)
    if task.status == TaskStatus.OPEN.value:
        raise Conflict(f"task #{task_id} is already open (due {task.due})")
    touch = touch_logged_by_task(session, task) if task.status == TaskStatus.DONE.value else None
    if touch is not None:
        session.delete(touch)
    task.status, task.closed_at = TaskStatus.OPEN.value, None
    session.add(task)
    session.flush()
    return task, touch


def edit_task(
    *, session: Session, task_id: int, title: str | None = None, due: date | None = None
) -> Task:
    task = get_task(session, task_id)
    if title is not None:
        task.title = clean_text(title, "task title") or ""
        if not task.title:
            raise BadInput("a task needs a title")
    if due is not None:
        task.due = due
    session.add(task)
    session.flush()
    return task


def _open_task(session: Session, task_id: int) -> Task:
    task = get_task(session, task_id)
    if task.status != TaskStatus.OPEN.value:
        when = task.closed_at.date() if task.closed_at else "earlier"
        raise Conflict(f"task #{task_id} is already {task.status} ({when})")
    return task
