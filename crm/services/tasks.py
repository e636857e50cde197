"""Tasks: the reminders the plan makes, and the user's own."""

from datetime import date, datetime

from sqlmodel import Session

from crm.errors import BadInput, Conflict, NotFound
from crm.kinds import TaskKind, TaskStatus
from crm.models import Contact, Task, Touchpoint
from crm.services.lookup import LARGEST_ID, parse_id
from crm.services.text import clean_text
from crm.services.touchpoints import touch_logged_by_task


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
