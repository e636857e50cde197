"""The follow-up plan: every reminder the advice calls for, made once and only once.

`follow_up_plan` looks at jobs, contacts, touchpoints and tasks and creates each task that
should exist and does not yet; it also closes the open tasks that a touchpoint has answered.
What it decides depends only on the data and the settings, so it can run any number of times,
in any number of processes: each reminder has a key, the database refuses a second row with the
same key, and inserts that collide do nothing. Every write command runs it in its own
transaction, so the tasks always match the history; `crm today`, `crm remind` and the daemon
run it again whenever the plan or its settings changed since the last run.

The rules (intervals from the [plan] settings):
1. thank_you: a rejection → each keep-in-touch contact at that employer not thanked since
   the rejection, due `thank_you_after_days` after it.
2. linkedin_connect and info_interview: a thank-you sent after a rejection at the contact's
   employer → connect (unless a LinkedIn touch exists) and ask for an informational interview
   (unless one happened).
3. nurture: for a contact thanked after a rejection, or who ever answered, one open task due
   one cadence after the latest touch in either direction; a skipped one is followed by the
   next period's, computed from the same touch (never chained: Jan 31 + 1 month is Feb 28).
4. A reply restarts that clock (it is a touch) and resets the count of unanswered touches.
5. check_openings: each rejection → the employer's openings, `check_openings_after_days` after.
6. After `unanswered_before_slowing` notes (emails or calls you made) since the contact last
   engaged (wrote, called, met you), the cadence slows from `nurture_every_months` to
   `slow_nurture_every_months` (see crm/services/relationships.py).
"""

from collections import defaultdict
from collections.abc import Iterable
from dataclasses import dataclass, field
from datetime import date, datetime, timedelta
from typing import Any

from dateutil.relativedelta import relativedelta
from sqlalchemy import select as sa_select  # sqlmodel's select stops at four columns
from sqlalchemy import update
from sqlmodel import Session, col, select

from crm.models import (
    ChangeCounter,
    Contact,
    Employment,
    Job,
    JobStatus,
    PlanState,
    Role,
    Task,
    TaskKind,
    TaskStatus,
    TouchKind,
    Touchpoint,
)
from crm.services.relationships import History, histories
from crm.settings import Plan

# The plan's tasks that a touchpoint answers; it closes no other (an openings check, a job-change
# congratulation made by an import, the user's own tasks are closed by the user).
ANSWERED_BY_TOUCHES = {
    TaskKind.THANK_YOU.value,
    TaskKind.LINKEDIN_CONNECT.value,
    TaskKind.INFO_INTERVIEW.value,
    TaskKind.NURTURE.value,
}

TITLES = {
    TaskKind.THANK_YOU: "Send a thank-you note",
    TaskKind.LINKEDIN_CONNECT: "Connect on LinkedIn",
    TaskKind.INFO_INTERVIEW: "Ask for an informational interview",
    TaskKind.NURTURE: "Write about a shared interest",
    TaskKind.CHECK_OPENINGS: "Check their openings (day {days})",
}


@dataclass(frozen=True)
class Planned:
    """A task the plan made, closed or moved, as its report names it."""

    id: int
    kind: str
    title: str
    due: date
    contact_id: int | None


@dataclass
class PlanResult:
    created: list[Planned] = field(default_factory=list)
    completed: list[Planned] = field(default_factory=list)  # answered by a touchpoint
    moved: list[Planned] = field(default_factory=list)  # a nurture whose clock restarted
    withdrawn: list[Planned] = field(default_factory=list)  # archived, or not keep-in-touch
    names: dict[int, str] = field(default_factory=dict)  # the contacts of those tasks

    def who(self, task: Planned) -> str | None:
        return self.names.get(task.contact_id) if task.contact_id is not None else None


@dataclass
class _World:
    """What the plan reads, loaded in a handful of queries."""

    # rows of a few columns, not ORM objects: at 10,000 contacts and 50,000 tasks the objects
    # alone would take more memory than the whole command is allowed
    # id, name, employer_id, keep_in_touch, archived_at, role, linkedin_connected_on
    contacts: dict[int, Any]
    rejections: list[Job]
    history: dict[int, History]
    thank_you_days: dict[int, list[date]]
    former_employers: dict[int, set[int]]
    keyed: dict[str, Any]  # id, key, status, kind, contact_id, due, title
    open_tasks: list[Any]
    today: date
    open_nurture: dict[int, list[Any]] = field(default_factory=dict)

    def __post_init__(self) -> None:
        for task in self.open_tasks:
            if task.kind == TaskKind.NURTURE.value and task.contact_id is not None:
                self.open_nurture.setdefault(task.contact_id, []).append(task)

    def employers_of(self, contact: Any) -> set[int]:
        """Where the contact works now and where imports saw them work before."""
        now = {contact.employer_id} if contact.employer_id is not None else set()
        return now | self.former_employers.get(contact.id or 0, set())

    def eligible(self, contact_id: int | None) -> bool:
        contact = self.contacts.get(contact_id or 0)
        return bool(contact and contact.keep_in_touch and contact.archived_at is None)


def follow_up_plan(*, session: Session, now: datetime, plan: Plan, fingerprint: str) -> PlanResult:
    world = _load(session, now)
    result = PlanResult()
    # A reminder already more than `too_late_after_days` overdue when it would be made (old
    # history typed in today) is not made: it would only bury today's list.
    earliest = now.date() - timedelta(days=plan.too_late_after_days)
    wanted: set[str] = set()
    fresh: dict[str, dict[str, object]] = {}
    for row in _wanted(world, plan):  # one row at a time: most exist already, and are dropped
        key = str(row["key"])
        wanted.add(key)
        if key not in world.keyed and row["due"] >= earliest:  # type: ignore[operator]
            fresh[key] = dict(row, created_at=now)
    _close_answered(session, world, wanted, fresh, now, result)
    result.created = _insert_if_absent(session, list(fresh.values()))
    result.names = {
        task.contact_id: world.contacts[task.contact_id].name
        for task in (*result.created, *result.completed, *result.moved, *result.withdrawn)
        if task.contact_id in world.contacts
    }
    _stamp(session, now, fingerprint)
    session.flush()
    return result


def _load(session: Session, now: datetime) -> _World:
    contacts = {
        c.id: c
        for c in session.execute(
            sa_select(
                col(Contact.id),
                col(Contact.name),
                col(Contact.employer_id),
                col(Contact.keep_in_touch),
                col(Contact.archived_at),
                col(Contact.role),
                col(Contact.linkedin_connected_on),
            )
        )
    }
    rejections = list(
        session.exec(
            select(Job).where(
                Job.status == JobStatus.REJECTED.value, col(Job.rejected_on).is_not(None)
            )
        )
    )
    thank_you_days: dict[int, list[date]] = defaultdict(list)
    for contact_id, moment in session.exec(
        select(Touchpoint.contact_id, Touchpoint.happened_at).where(
            Touchpoint.kind == TouchKind.THANK_YOU.value
        )
    ):
        thank_you_days[contact_id].append(moment.astimezone(now.tzinfo).date())
    former_employers: dict[int, set[int]] = defaultdict(set)
    for contact_id, employer_id in session.exec(
        select(Employment.contact_id, Employment.employer_id).where(
            col(Employment.employer_id).is_not(None)
        )
    ):
        former_employers[contact_id].add(employer_id)  # type: ignore[arg-type]
    tasks = list(
        session.execute(
            sa_select(
                col(Task.id),
                col(Task.key),
                col(Task.status),
                col(Task.kind),
                col(Task.contact_id),
                col(Task.due),
                col(Task.title),
            ).where(col(Task.key).is_not(None))
        )
    )
    return _World(
        contacts=contacts,
        rejections=rejections,
        history=histories(session, now.tzinfo),
        thank_you_days=thank_you_days,
        former_employers=former_employers,
        keyed={t.key: t for t in tasks if t.key},
        open_tasks=[t for t in tasks if t.status == TaskStatus.OPEN.value],
        today=now.date(),
    )


def _wanted(world: _World, plan: Plan) -> Iterable[dict[str, object]]:
    by_employer: dict[int, list[int]] = defaultdict(list)
    for contact in world.contacts.values():
        if world.eligible(contact.id) and contact.role != Role.CONNECTION.value:
            # everyone met there, including those who have left since: a thank-you is still owed
            for employer_id in world.employers_of(contact):
                by_employer[employer_id].append(contact.id or 0)
    first_rejection: dict[int, date] = {}
    for job in world.rejections:
        assert job.rejected_on is not None
        yield from _after_rejection(job, job.rejected_on, by_employer[job.employer_id], world, plan)
        earliest = first_rejection.get(job.employer_id, job.rejected_on)
        first_rejection[job.employer_id] = min(earliest, job.rejected_on)
    for contact_id, contact in world.contacts.items():
        if not world.eligible(contact_id):
            continue
        # the rejection may be at an employer the contact has since left (a job change)
        rejections = [
            first_rejection[e] for e in world.employers_of(contact) if e in first_rejection
        ]
        rejected = min(rejections, default=None)
        thanked = [d for d in world.thank_you_days[contact_id] if rejected and d >= rejected]
        history = world.history.get(contact_id, History())
        if thanked:
            yield from _after_thank_you(contact, min(thanked), history, plan)
        if thanked or history.first_in is not None:
            nurture = _nurture(contact, history, world, plan)
            if nurture is not None:
                yield nurture


def _after_rejection(
    job: Job, rejected_on: date, contact_ids: list[int], world: _World, plan: Plan
) -> Iterable[dict[str, object]]:
    for contact_id in contact_ids:
        thanked = world.history.get(contact_id, History()).last_thank_you
        if thanked is None or thanked.date() < rejected_on:
            yield _task(
                TaskKind.THANK_YOU,
                f"thank_you:{contact_id}:{job.id}",
                _later(rejected_on, days=plan.thank_you_after_days),
                "a thank-you note after a rejection",
                contact_id=contact_id,
                employer_id=job.employer_id,
                job_id=job.id,
            )
    for days in plan.check_openings_after_days:
        yield _task(
            TaskKind.CHECK_OPENINGS,
            f"check_openings:{job.id}:{days}",
            _later(rejected_on, days=days),
            "the employer may reach back to the almost-hired list",
            employer_id=job.employer_id,
            job_id=job.id,
            days=days,
        )


def _after_thank_you(
    contact: Any, thanked_on: date, history: History, plan: Plan
) -> Iterable[dict[str, object]]:
    contact_id, employer_id = contact.id, contact.employer_id
    # already connected: a LinkedIn touch, or an import of their "Connected On" date
    if not history.linkedin and contact.linkedin_connected_on is None:
        yield _task(
            TaskKind.LINKEDIN_CONNECT,
            f"linkedin_connect:{contact_id}",
            _later(thanked_on, days=plan.linkedin_after_days),
            "connect after the thank-you",
            contact_id=contact_id,
            employer_id=employer_id,
        )
    if not history.info_interview:
        yield _task(
            TaskKind.INFO_INTERVIEW,
            f"info_interview:{contact_id}",
            _later(thanked_on, days=plan.info_interview_after_days),
            "an informational interview after the thank-you",
            contact_id=contact_id,
            employer_id=employer_id,
        )


def _nurture(contact: Any, history: History, world: _World, plan: Plan) -> dict[str, object] | None:
    """The one nurture task the contact should have: due `period` cadences after the last touch.

    Its key names the touch, the cadence and the period, so it stays the same task while it
    waits. A closed period (skipped) gives way to the next, and so do periods already too late
    to be useful: missed ones never pile up. A dormant contact gets no new one.
    """
    assert history.last_touch is not None
    anchor = history.last_touch.date()
    slow = history.unanswered >= plan.unanswered_before_slowing
    months = plan.slow_nurture_every_months if slow else plan.nurture_every_months
    rule = "the quarterly nurture (no answer lately)" if slow else "the monthly nurture"
    prefix = f"nurture:{contact.id}:{anchor.isoformat()}:{months}:"
    waiting = [t for t in world.open_nurture.get(contact.id or 0, []) if t.key.startswith(prefix)]
    if waiting:
        key, due = waiting[0].key or "", _later(anchor, months=months * _period(waiting[0]))
    elif (world.today - anchor).days > plan.dormant_after_days:
        return None
    else:
        earliest = world.today - timedelta(days=plan.too_late_after_days)
        period = 1
        while True:
            # always from the touch itself, never chained: Jan 31, Feb 28, Mar 31...
            due = _later(anchor, months=months * period)
            key = f"{prefix}{period}"
            if key not in world.keyed and due >= earliest:
                break
            period += 1
    return _task(
        TaskKind.NURTURE, key, due, rule, contact_id=contact.id, employer_id=contact.employer_id
    )


def _later(day: date, **interval: int) -> date:
    """`day` plus the interval, or the calendar's last day when that is past it: a date typed
    as 9999-12-31 must not stop the plan, which every write command runs."""
    try:
        return day + relativedelta(**interval)  # type: ignore[arg-type]
    except (OverflowError, ValueError):
        return date.max


def _period(task: Task) -> int:
    return int((task.key or "").rsplit(":", 1)[1])


def _task(
    kind: TaskKind,
    key: str,
    due: date,
    rule: str,
    *,
    contact_id: int | None = None,
    employer_id: int | None = None,
    job_id: int | None = None,
    days: int | None = None,
) -> dict[str, object]:
    return {
        "kind": kind.value,
        "title": TITLES[kind].format(days=days),
        "due": due,
        "status": TaskStatus.OPEN.value,
        "contact_id": contact_id,
        "employer_id": employer_id,
        "job_id": job_id,
        "rule": rule,
        "key": key,
    }


def _close_answered(
    session: Session,
    world: _World,
    wanted: set[str],
    fresh: dict[str, dict[str, object]],
    now: datetime,
    result: PlanResult,
) -> None:
    """Close each open plan task that is no longer wanted: answered, or withdrawn.

    A nurture whose contact was touched by something other than a note from the user (they
    replied, you connected on LinkedIn) is not done: it moves to its new date, the same task.
    """
    done, skipped = [], []
    for task in world.open_tasks:
        if task.key in wanted or task.kind not in ANSWERED_BY_TOUCHES:
            continue
        if task.contact_id is not None and not world.eligible(task.contact_id):
            skipped.append(task)
            result.withdrawn.append(_planned(task))
            continue
        successor = _successor(task, world, fresh) if task.kind == TaskKind.NURTURE.value else None
        if successor is None:
            done.append(task)
            result.completed.append(_planned(task))
            continue
        move = {"key": successor["key"], "due": successor["due"], "rule": successor["rule"]}
        session.execute(update(Task).where(col(Task.id) == task.id).values(**move))
        result.moved.append(_planned(task, due=successor["due"]))
    for tasks, status in ((done, TaskStatus.DONE), (skipped, TaskStatus.SKIPPED)):
        if tasks:
            session.execute(
                update(Task)
                .where(col(Task.id).in_([t.id for t in tasks]))
                .values(status=status.value, closed_at=now)
            )


def _successor(task: Any, world: _World, fresh: dict[str, dict[str, object]]) -> Any:
    """The new nurture row this task becomes, unless the user's own note answered it."""
    history = world.history.get(task.contact_id, History())
    if history.last_note is not None and history.last_note == history.last_touch:
        return None
    prefix = f"nurture:{task.contact_id}:"
    key = next((k for k in fresh if k.startswith(prefix)), None)
    return fresh.pop(key) if key is not None else None


def _planned(task: Any, due: date | None = None) -> Planned:
    return Planned(task.id, task.kind, task.title, due or task.due, task.contact_id)


def _insert_if_absent(session: Session, rows: list[dict[str, object]]) -> list[Planned]:
    """Insert the rows whose key is new; a key another process inserted first is left alone."""
    if not rows:
        return []
    statement = _insert_ignoring_duplicates(session.get_bind().dialect.name)
    ids = [row[0] for row in session.execute(statement, rows)]
    made = sa_select(
        col(Task.id), col(Task.kind), col(Task.title), col(Task.due), col(Task.contact_id)
    ).where(col(Task.id).in_(ids))
    return [Planned(*row) for row in session.execute(made.order_by(col(Task.due), col(Task.id)))]


def _insert_ignoring_duplicates(dialect: str) -> Any:
    """INSERT ... ON CONFLICT (key) DO NOTHING RETURNING id, in the database's own dialect."""
    statement = _insert(dialect, Task)
    return statement.on_conflict_do_nothing(index_elements=["key"]).returning(col(Task.id))


def _insert(dialect: str, model: Any) -> Any:
    """An INSERT in the database's own dialect, which knows ON CONFLICT."""
    if dialect == "postgresql":
        from sqlalchemy.dialects.postgresql import insert as postgresql_insert

        return postgresql_insert(model)
    from sqlalchemy.dialects.sqlite import insert as sqlite_insert

    return sqlite_insert(model)


def _stamp(session: Session, now: datetime, fingerprint: str) -> None:
    """Remember what the plan saw: its settings, and the write count after its own writes."""
    session.flush()
    if session.get(PlanState, 1) is None:
        # The first run on this database, and maybe another process's first run at the same
        # moment: on PostgreSQL the second of two plain INSERTs fails, so insert if absent.
        first = {"id": 1, "ran_at": now, "fingerprint": fingerprint}
        insert = _insert(session.get_bind().dialect.name, PlanState).values(first)
        session.execute(insert.on_conflict_do_nothing(index_elements=["id"]))
    state = session.get(PlanState, 1)
    assert state is not None
    state.ran_at, state.fingerprint = now, fingerprint
    state.changes_planned = _changes(session)
    session.add(state)


def _changes(session: Session) -> int:
    return session.exec(select(ChangeCounter.changes).where(ChangeCounter.id == 1)).one()


def plan_is_current(session: Session, fingerprint: str) -> bool:
    """True when the plan already ran with these settings on exactly this data."""
    state = session.get(PlanState, 1)
    return (
        state is not None
        and state.fingerprint == fingerprint
        and state.changes_planned == _changes(session)
    )
