"""The follow-up plan: every reminder the advice calls for, made once, and only while it holds.

The plan is one function of the recorded history, the settings and the local date. For each
contact it reads the touches in order (crm/services/relationships.py), decides which tasks
should exist and in what state (`contact_wants`, pure), and reconciles the task rows with that
(`reconcile`, pure): it inserts what is missing, closes what a touch answered, moves a nurture
whose clock restarted, expires what was left alone, and — because a history can be corrected —
reopens what it closed when the answer is gone and removes what it made when the reason is
gone. It never changes what the user closed. Every reminder has a key; the database refuses a
second row with the same key, and inserts that collide do nothing, so the plan can run in any
number of processes at once.

The rules (every number a [plan] setting; docs/guide.md tells them with the seed's words):
1. thank_you: a rejection → each keep-in-touch person met in that process, due
   `thank_you_after_days` after it; not sent within `thank_you_expires_days` of that, expired.
2. After the thank-you crm waits for an answer: anything that comes in, or a conversation.
3. An answer makes an advocate: linkedin_connect `linkedin_after_days` after it (unless
   connected), info_interview (ask for one) `info_interview_after_days` after it (unless asked
   or held), and one nurture task a calendar month after the last touch either way.
4. No answer: no LinkedIn task, no interview request; `unanswered_notes_limit` monthly notes
   counted from the thank-you, then quiet (no tasks) until a new touch wakes the relationship.
5. An advocate's unanswered notes: after `unanswered_before_slowing` the cadence is quarterly;
   after `unanswered_notes_limit` more, quiet.
6. `nurture_needs_reply = false`: rule 3 for everyone thanked, still capped by 4 and 5.
7. An open plan task more than `expire_after_days` overdue expires (and is not made at all
   when it would be born expired). Only the calendar brings it back: a look ahead with CRM_NOW
   expires tasks, and today again reopens them.
8. check_openings: each rejection → the employer's openings, `check_openings_after_days` after.
9. A contact's own cadence (`--every 6w`) gives anyone a nurture one cadence after the last touch
   (or after they were added), without slowing or going quiet; `--every off` gives none.
10. The pipeline (crm/services/pipeline_rules.py): an application with no news, a thank-you
   after an interview, an offer's deadline; an accepted job ends the search's tasks.

Writes re-plan only the contacts and employers they touched (`Scope`, collected from the
session); a new local day re-plans only the contacts whose tasks the calendar can change; a new
version of the rules or the settings re-plans everything.
"""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Iterable, Iterator, Sequence
from dataclasses import dataclass, field
from datetime import UTC, date, datetime, time, tzinfo
from typing import Any

from sqlalchemy import and_, delete, event, or_, update
from sqlalchemy import select as sa_select  # sqlmodel's select stops at four columns
from sqlmodel import Session, col, select

from crm.kinds import ClosedBy, Direction, JobStatus, Role, TaskKind, TouchKind
from crm.models import (
    ChangeCounter,
    Contact,
    Employer,
    Employment,
    Job,
    PlanState,
    Task,
    Touchpoint,
)
from crm.services.cadence import OFF
from crm.services.pipeline_rules import (
    Pipeline,
    end_search,
    interview_wants,
    job_wants,
    load_pipeline,
    touch_jobs,
)
from crm.services.plan_rules import (
    DONE,
    EXPIRED,
    OPEN,
    SKIPPED,
    Changes,
    ContactFacts,
    Planned,
    PlanResult,
    Rejection,
    Row,
    Want,
    contact_wants,
    employer_wants,
    nurture_want,
    reconcile,
)
from crm.services.plan_state import PlanStatus
from crm.services.plan_state import plan_status as read_status
from crm.services.relationships import Relationship, Touch, local
from crm.settings import Plan

BATCH = 500  # contacts planned (and their changes written) at a time; 2,000 held 97 MB at the
# benchmark's 1x where 500 hold 78 MB, for 4% more time


# ---- which contacts and employers a run plans ------------------------------------------


@dataclass
class Scope:
    """What a write touched: the plan runs for these contacts and employers only."""

    contacts: set[int] = field(default_factory=set)
    employers: set[int] = field(default_factory=set)
    everything: bool = False

    @property
    def empty(self) -> bool:
        return not (self.contacts or self.employers or self.everything)


SCOPE = "crm_plan_scope"


def scope_of(session: Session) -> Scope:
    """The scope a session's writes have collected so far."""
    scope = session.info.get(SCOPE)
    if scope is None:
        scope = session.info[SCOPE] = Scope()
    return scope


def touched(
    session: Session,
    *,
    contacts: Iterable[int | None] = (),
    employers: Iterable[int | None] = (),
    everything: bool = False,
) -> None:
    """Say what a write changed that the session cannot see (Core statements, bulk inserts)."""
    scope = scope_of(session)
    scope.contacts.update(c for c in contacts if c is not None)
    scope.employers.update(e for e in employers if e is not None)
    scope.everything |= everything


def collect_scope(session: Session) -> None:
    """Collect the contacts and employers of every object the session writes."""
    if not event.contains(session, "after_flush", _collect):
        event.listen(session, "after_flush", _collect)


def _collect(session: Session, _context: Any) -> None:
    scope = scope_of(session)
    for thing in (*session.new, *session.dirty, *session.deleted):
        if isinstance(thing, Contact):
            scope.contacts.add(thing.id or 0)
        elif isinstance(thing, Touchpoint | Employment):
            scope.contacts.add(thing.contact_id)
        elif isinstance(thing, Task):
            if thing.contact_id is not None:
                scope.contacts.add(thing.contact_id)
            elif thing.employer_id is not None:
                scope.employers.add(thing.employer_id)
        elif isinstance(thing, Job):
            scope.employers.add(thing.employer_id)
            for before in _history(thing, "employer_id"):
                scope.employers.add(before)
        elif isinstance(thing, Employer):
            scope.employers.add(thing.id or 0)
        if isinstance(thing, Contact | Touchpoint | Employment):
            for before in _history(thing, "contact_id"):
                scope.contacts.add(before)


def _history(thing: object, attribute: str) -> list[int]:
    """The values an attribute had before this flush (a touch moved to another contact)."""
    from sqlalchemy import inspect

    try:
        deleted = inspect(thing).attrs[attribute].history.deleted
    except KeyError:
        return []
    return [value for value in deleted if isinstance(value, int)]


# ---- the run ------------------------------------------------------------------------------


def follow_up_plan(
    *,
    session: Session,
    now: datetime,
    plan: Plan,
    fingerprint: str,
    scope: Scope | None = None,
    written: Scope | None = None,
) -> PlanResult:
    """Run the plan for everything (scope None) or for a write's scope; stamp it current.

    `written`: what the write touched, when the run is wider (a settings change makes the
    first write after it re-plan everything): its rejections still say why no thank-you came."""
    zone, today = now.tzinfo, now.date()
    rejections = _rejections(session)
    at_employer = _by_employer(rejections)
    result = PlanResult()
    names: dict[int, str] = {}  # of the contacts whose tasks changed
    asked: set[int | None] = set()  # the jobs whose rejection asked for a thank-you
    pipeline = _pipeline(session, zone, scope)
    corrected: dict[int, dict[str, date]] = session.info.pop(PLANNED_BEFORE, {})
    moved_by_correction: list[Planned] = session.info.pop(MOVED_BY_CORRECTION, [])
    employers = None if scope is None or scope.everything else set(scope.employers)
    for batch in _contact_batches(session, scope):
        changes = Changes()
        jobs_of = touch_jobs(session, [contact.id for contact, _, _ in batch])
        for contact, touches, rows in batch:
            if employers is not None and contact.employer_id is not None:
                employers.add(contact.employer_id)  # news from them answers an application
            wants, rel, process = _read(contact, touches, at_employer, zone, plan)
            wants += interview_wants(
                contact, touches, jobs_of, pipeline, employer_id=process, zone=zone, plan=plan
            )
            nurture = nurture_want(
                contact, rel, rows, employer_id=process, today=today, zone=zone, plan=plan
            )
            reconcile(
                rows,
                wants,
                changes,
                today=today,
                plan=plan,
                corrected=corrected.get(contact.id, {}),
                nurture=nurture,
                rel=rel,
                # 0: the day an own cadence's contact was added, the anchor before any touch
                touch_ids=frozenset(t.id for t in touches if not t.is_memo) | {0},
                eligible=contact.eligible and contact.every != OFF,
            )
        changed = _contacts_in(changes) | {t.contact_id for t in moved_by_correction}
        names.update((c.id, c.name) for c, _, _ in batch if c.id in changed)
        asked.update(w.job_id for w in changes.inserts if w.kind == TaskKind.THANK_YOU.value)
        _apply(session, changes, now, result)  # a batch at a time: memory stays flat
    planned = [r for r in rejections if employers is None or r.employer_id in employers]
    changes = Changes()
    reconcile(
        _employer_rows(session, employers),
        end_search(employer_wants(planned, plan), pipeline) + job_wants(pipeline, employers, plan),
        changes,
        today=today,
        plan=plan,
    )
    _apply(session, changes, now, result)
    result.created.sort(key=lambda t: (t.due, t.id))  # as one batch would have listed them
    result.moved += moved_by_correction
    if scope is not None and not scope.everything:
        explained = planned
    elif written is not None and not written.everything:
        explained = [r for r in rejections if r.employer_id in written.employers]
    else:
        explained = []  # the daemon, `crm remind`: no command waits for a reason
    _explain_unthanked(explained, asked, result, session, zone)
    result.names = {
        task.contact_id: names[task.contact_id]
        for task in _reported(result)
        if task.contact_id in names
    }
    _stamp(session, now, fingerprint)
    session.flush()
    return result


def _pipeline(session: Session, zone: tzinfo | None, scope: Scope | None) -> Pipeline:
    """The jobs a run can need: all of them, or for a write's scope those at its employers
    and at the scoped contacts' (the run adds theirs), and those their touches name."""
    if scope is None or scope.everything:
        return load_pipeline(session, zone)
    contacts = _scoped_contacts(session, scope)
    employers = set(scope.employers)
    if contacts:
        employers.update(
            e
            for e in session.execute(
                sa_select(col(Contact.employer_id)).where(col(Contact.id).in_(sorted(contacts)))
            ).scalars()
            if e is not None
        )
    return load_pipeline(session, zone, employers=employers, contacts=contacts)


def _contacts_in(changes: Changes) -> set[int | None]:
    """The contacts whose tasks `changes` touches."""
    rows = [*changes.deletes, *changes.reopens, *(r for r, _ in changes.moves)]
    rows += [r for closed in changes.closes.values() for r in closed]
    return {r.contact_id for r in rows} | {w.contact_id for w in changes.inserts}


def _read(
    contact: ContactFacts,
    touches: list[Touch],
    at_employer: dict[int, list[Rejection]],
    zone: tzinfo | None,
    plan: Plan,
) -> tuple[list[Want], Relationship, int | None]:
    """What one contact's history calls for, where they stand, and the employer of the
    process they were met in (their tasks name it, not where they work now)."""
    met_at = sorted(
        (r for e in contact.employers for r in at_employer.get(e, [])),
        key=lambda r: (r.on, r.job_id),
    )
    wants, rel = contact_wants(contact, touches, met_at, zone=zone, plan=plan)
    process = met_at[0].employer_id if met_at else contact.employer_id
    return wants, rel, process


PLANNED_BEFORE = "crm.planned_before"  # session.info: contact id → {task key: planned due}
MOVED_BY_CORRECTION = "crm.moved"  # session.info: tasks a correction moved, for the report


def before_a_correction(
    *, session: Session, contact_id: int, zone: tzinfo | None, plan: Plan
) -> None:
    """Remember the days the plan gives one contact's tasks now, before a touch of theirs is
    corrected (`crm touch edit`): a task still due on its planned day then moves with the
    correction (a reply moved a week on moves the LinkedIn task a week on); one the user
    snoozed keeps the day they chose."""
    at_employer = _by_employer(_rejections(session))
    for batch in _contact_batches(session, Scope(contacts={contact_id})):
        for contact, touches, _rows in batch:
            wants = _read(contact, touches, at_employer, zone, plan)[0]
            session.info.setdefault(PLANNED_BEFORE, {})[contact.id] = {w.key: w.due for w in wants}


def relationships(
    *, session: Session, zone: tzinfo | None, plan: Plan, contact_ids: Sequence[int] | None = None
) -> dict[int, Relationship]:
    """Where each relationship stands (every contact's, or those named), as the plan sees it."""
    at_employer = _by_employer(_rejections(session))
    scope = None if contact_ids is None else Scope(contacts=set(contact_ids))
    found: dict[int, Relationship] = {}
    for batch in _contact_batches(session, scope):
        for contact, touches, _rows in batch:
            found[contact.id] = _read(contact, touches, at_employer, zone, plan)[1]
    return found


def _by_employer(rejections: list[Rejection]) -> dict[int, list[Rejection]]:
    """The rejections at each employer, oldest first as given."""
    at_employer: dict[int, list[Rejection]] = defaultdict(list)
    for rejection in rejections:
        at_employer[rejection.employer_id].append(rejection)
    return at_employer


def _reported(result: PlanResult) -> Iterator[Planned]:
    for tasks in (
        result.created,
        result.completed,
        result.moved,
        result.withdrawn,
        result.reopened,
        result.removed,
        result.expired,
    ):
        yield from tasks


def _rejections(session: Session) -> list[Rejection]:
    rows = session.execute(
        sa_select(col(Job.id), col(Job.employer_id), col(Job.rejected_on))
        .where(col(Job.status) == JobStatus.REJECTED.value, col(Job.rejected_on).is_not(None))
        .order_by(col(Job.rejected_on), col(Job.id))
    )
    return [Rejection(job_id, employer_id, on) for job_id, employer_id, on in rows]


Batch = list[tuple[ContactFacts, list[Touch], list[Row]]]


@dataclass(frozen=True)
class _Which:
    """A batch of contacts: listed ids, or a range of ids; the same filter on any column."""

    ids: Sequence[int] = ()
    first: int = 0
    last: int = -1

    def on(self, column: Any) -> Any:
        return (
            col(column).in_(list(self.ids))
            if self.ids
            else col(column).between(self.first, self.last)
        )


def _contact_batches(session: Session, scope: Scope | None) -> Iterator[Batch]:
    """The contacts to plan, a batch at a time, each with its touches and its task rows."""
    if scope is not None and not scope.everything:
        ids = sorted(_scoped_contacts(session, scope))
        for start in range(0, len(ids), BATCH):
            yield _batch(session, _Which(ids=ids[start : start + BATCH]))
        return
    after = 0
    while True:
        query = select(Contact.id).where(col(Contact.id) > after).order_by(col(Contact.id))
        ids = [i for i in session.exec(query.limit(BATCH)).all() if i is not None]
        if not ids:
            return
        yield _batch(session, _Which(first=ids[0], last=ids[-1]))
        after = ids[-1]


def _scoped_contacts(session: Session, scope: Scope) -> set[int]:
    """The scope's contacts, and everyone who works or worked at its employers."""
    ids = set(scope.contacts)
    if scope.employers:
        employers = list(scope.employers)
        now_there = select(Contact.id).where(col(Contact.employer_id).in_(employers))
        before = select(Employment.contact_id).where(col(Employment.employer_id).in_(employers))
        ids.update(i for i in session.exec(now_there).all() if i is not None)
        ids.update(session.exec(before).all())
    return ids


def _batch(session: Session, which: _Which) -> Batch:
    former: dict[int, set[int]] = defaultdict(set)
    for cid, employer_id in session.execute(
        sa_select(col(Employment.contact_id), col(Employment.employer_id)).where(
            which.on(Employment.contact_id), col(Employment.employer_id).is_not(None)
        )
    ):
        former[cid].add(employer_id)
    touches: dict[int, list[Touch]] = defaultdict(list)
    for cid, tid, kind, direction, at, purpose in session.execute(
        sa_select(
            col(Touchpoint.contact_id),
            col(Touchpoint.id),
            col(Touchpoint.kind),
            col(Touchpoint.direction),
            col(Touchpoint.happened_at),
            col(Touchpoint.purpose),
        )
        .where(which.on(Touchpoint.contact_id))
        .order_by(col(Touchpoint.contact_id), col(Touchpoint.happened_at), col(Touchpoint.id))
    ):
        moment = local(at, None)  # aware; local days are taken where they matter
        assert moment is not None
        touches[cid].append(Touch(tid, kind, direction, moment, purpose))
    rows: dict[int, list[Row]] = defaultdict(list)
    for row in session.execute(
        _row_columns().where(which.on(Task.contact_id), col(Task.key).is_not(None))
    ):
        rows[row.contact_id].append(_row(row))
    batch: Batch = []
    for c in session.execute(
        sa_select(
            col(Contact.id),
            col(Contact.name),
            col(Contact.employer_id),
            col(Contact.keep_in_touch),
            col(Contact.archived_at),
            col(Contact.role),
            col(Contact.linkedin_connected_on),
            col(Contact.every),
            col(Contact.created_at),
        )
        .where(which.on(Contact.id))
        .order_by(col(Contact.id))
    ):
        now_at = {c.employer_id} if c.employer_id is not None else set()
        facts = ContactFacts(
            id=c.id,
            name=c.name,
            employer_id=c.employer_id,
            keep_in_touch=bool(c.keep_in_touch),
            archived=c.archived_at is not None,
            role=c.role,
            connected_on=c.linkedin_connected_on,
            employers=frozenset(now_at | former.get(c.id, set())),
            every=c.every,
            added_at=local(c.created_at, None),
        )
        batch.append((facts, touches.get(c.id, []), rows.get(c.id, [])))
    return batch


def _row_columns() -> Any:
    return sa_select(
        col(Task.id),
        col(Task.key),
        col(Task.kind),
        col(Task.status),
        col(Task.closed_by),
        col(Task.due),
        col(Task.title),
        col(Task.contact_id),
        col(Task.rule),
        col(Task.employer_id),
        col(Task.job_id),
    )


def _row(row: Any) -> Row:
    return Row(
        row.id,
        row.key,
        row.kind,
        row.status,
        row.closed_by,
        row.due,
        row.title,
        row.contact_id,
        row.rule,
        row.employer_id,
        row.job_id,
    )


def _employer_rows(session: Session, employers: set[int] | None) -> list[Row]:
    query = _row_columns().where(col(Task.contact_id).is_(None), col(Task.key).is_not(None))
    if employers is not None:
        if not employers:
            return []
        query = query.where(col(Task.employer_id).in_(list(employers)))
    return [_row(r) for r in session.execute(query)]


def _apply(session: Session, changes: Changes, now: datetime, result: PlanResult) -> None:
    """Write the changes: removals, then closes and reopens, moves, and last the new rows."""
    _made_again_is_moved(changes)
    ids = [row.id for row in changes.deletes]
    for start in range(0, len(ids), BATCH):
        session.execute(delete(Task).where(col(Task.id).in_(ids[start : start + BATCH])))
    result.removed += [_planned(r) for r in changes.deletes]
    reports = {DONE: result.completed, SKIPPED: result.withdrawn, EXPIRED: result.expired}
    reopened = {r.id for r in changes.reopens}
    for status, rows in changes.closes.items():
        _set(session, rows, status=status, closed_at=now, closed_by=ClosedBy.PLAN.value)
        reports[status].extend(_planned(r) for r in rows if r.id not in reopened)
    expiring = {r.id for r in changes.closes.get(EXPIRED, [])}
    back = [r for r in changes.reopens if r.id not in expiring]
    _set(session, back, status=OPEN, closed_at=None, closed_by=None)
    result.reopened += [_planned(r) for r in back]
    for row, want in changes.moves:
        session.execute(
            update(Task)
            .where(col(Task.id) == row.id)
            .values(key=want.key, due=want.due, rule=want.rule)
        )
        if row.due != want.due:  # a new anchor or reason on the same day is no news
            result.moved.append(_planned(row, due=want.due))
    result.created += _insert_if_absent(session, [w.row(now) for w in changes.inserts])


def _made_again_is_moved(changes: Changes) -> None:
    """An open task removed and the same task made again in one run (the note counted from a
    deleted reply, now from the thank-you before it; an application's follow-up after its day
    was corrected) stays the same row, moved: its id, which the user may have noted or typed
    already, still names it."""
    gone = {
        (r.kind, r.contact_id, r.employer_id, r.job_id, r.title): r
        for r in changes.deletes
        if r.status == OPEN
    }
    for want in list(changes.inserts):
        row = gone.pop(
            (want.kind, want.contact_id, want.employer_id, want.job_id, want.title), None
        )
        if row is not None:
            changes.deletes.remove(row)
            changes.inserts.remove(want)
            changes.moves.append((row, want))


def _set(session: Session, rows: Sequence[Row], **values: object) -> None:
    ids = [r.id for r in rows]
    for start in range(0, len(ids), BATCH):
        session.execute(
            update(Task).where(col(Task.id).in_(ids[start : start + BATCH])).values(**values)
        )


def _explain_unthanked(
    rejections: list[Rejection],
    asked: set[int | None],
    result: PlanResult,
    session: Session,
    zone: tzinfo | None,
) -> None:
    """For the rejections this write touched: why no thank-you task came of one ("nobody met",
    "not kept in touch", "too late"; nothing when everyone was thanked already)."""
    for rejection in rejections:
        if rejection.job_id in asked:
            continue
        made = session.exec(
            select(Task.id).where(
                Task.job_id == rejection.job_id, Task.kind == TaskKind.THANK_YOU.value
            )
        ).first()
        if made is not None:
            continue
        why = _why_no_thank_you(session, rejection, zone)
        if why is not None:
            result.unthanked[rejection.job_id] = why


def _why_no_thank_you(session: Session, rejection: Rejection, zone: tzinfo | None) -> str | None:
    contacts = sorted(_scoped_contacts(session, Scope(employers={rejection.employer_id})))
    if not contacts:
        return "nobody met"
    kept = list(
        session.exec(
            select(Contact.id).where(
                col(Contact.id).in_(contacts),
                col(Contact.keep_in_touch),
                col(Contact.archived_at).is_(None),
                Contact.role != Role.CONNECTION.value,
            )
        )
    )
    if not kept:
        return "not kept in touch"
    since = datetime.combine(rejection.on, time(0), tzinfo=zone).astimezone(UTC)
    thanked = set(
        session.exec(
            select(Touchpoint.contact_id).where(
                col(Touchpoint.contact_id).in_(kept),
                Touchpoint.kind == TouchKind.THANK_YOU.value,
                Touchpoint.direction == Direction.OUT.value,
                col(Touchpoint.happened_at) >= since,
            )
        )
    )
    return None if thanked >= set(kept) else "too late"  # thanked already: nothing to say


def _planned(row: Row, due: date | None = None) -> Planned:
    return Planned(row.id, row.kind, row.title, due or row.due, row.contact_id)


def _insert_if_absent(session: Session, rows: list[dict[str, object]]) -> list[Planned]:
    """Insert the rows whose key is new; a key another process inserted first is left alone."""
    made: list[int] = []
    statement = _insert(session.get_bind().dialect.name, Task)
    statement = statement.on_conflict_do_nothing(index_elements=["key"]).returning(col(Task.id))
    for start in range(0, len(rows), BATCH):
        made += [row[0] for row in session.execute(statement, rows[start : start + BATCH])]
    found: list[Planned] = []
    for start in range(0, len(made), BATCH):
        query = sa_select(
            col(Task.id), col(Task.kind), col(Task.title), col(Task.due), col(Task.contact_id)
        ).where(col(Task.id).in_(made[start : start + BATCH]))
        found += [Planned(*row) for row in session.execute(query)]
    return sorted(found, key=lambda t: (t.due, t.id))


def _insert(dialect: str, model: Any) -> Any:
    """An INSERT in the database's own dialect, which knows ON CONFLICT."""
    if dialect == "postgresql":
        from sqlalchemy.dialects.postgresql import insert as postgresql_insert

        return postgresql_insert(model)
    from sqlalchemy.dialects.sqlite import insert as sqlite_insert

    return sqlite_insert(model)


# ---- is the plan current? ----------------------------------------------------------------


def plan_status(session: Session, fingerprint: str, today: date) -> PlanStatus:
    from sqlalchemy import text

    def query(sql: str, params: dict[str, Any]) -> Sequence[Sequence[Any]]:
        return session.execute(text(sql), params).all()

    return read_status(query, fingerprint=fingerprint, today=today, as_text=_sqlite(session))


def bring_up_to_date(
    *,
    session: Session,
    now: datetime,
    plan: Plan,
    fingerprint: str,
    status: PlanStatus | None = None,
) -> PlanResult | None:
    """Make the plan current before tasks are read; None when it already was.

    A new day re-plans only the contacts the calendar can change (their open tasks may expire);
    anything else (new rules or settings, a write crm did not see) re-plans everything.
    """
    status = status or plan_status(session, fingerprint, now.date())
    if status.current:
        return None
    scope = None
    if status.same_settings and status.same_data:
        scope = calendar_scope(session, now.date(), plan)
    return follow_up_plan(session=session, now=now, plan=plan, fingerprint=fingerprint, scope=scope)


def plan_after_write(
    *, session: Session, now: datetime, plan: Plan, fingerprint: str, before: PlanStatus
) -> PlanResult:
    """The plan for what a write changed: its scope only, when the plan was current before it."""
    scope = written = scope_of(session)
    if not (before.same_settings and before.same_data):
        scope = Scope(everything=True)
    elif not before.same_day:
        daily = calendar_scope(session, now.date(), plan)
        scope = Scope(
            scope.contacts | daily.contacts,
            scope.employers | daily.employers,
            everything=scope.everything,  # `touched(everything=True)` holds on a new day too
        )
    return follow_up_plan(
        session=session,
        now=now,
        plan=plan,
        fingerprint=fingerprint,
        scope=None if scope.everything else scope,
        written=written,
    )


def calendar_scope(session: Session, today: date, plan: Plan) -> Scope:
    """Whom a new day can change: those with an open plan task old enough to expire, and
    those whose expired task is young enough again (the day moved back: CRM_NOW)."""
    soonest = min(plan.thank_you_expires_days, plan.expire_after_days)
    cutoff = date.fromordinal(max(today.toordinal() - soonest, 1))

    def horizon(days: int) -> date:
        return date.fromordinal(max(today.toordinal() - days, 1))

    thank_you = col(Task.kind) == TaskKind.THANK_YOU.value
    back = and_(
        col(Task.status) == EXPIRED,
        col(Task.closed_by) == ClosedBy.PLAN.value,
        or_(
            and_(thank_you, col(Task.due) >= horizon(plan.thank_you_expires_days)),
            and_(~thank_you, col(Task.due) >= horizon(plan.expire_after_days)),
        ),
    )
    due_to_expire = and_(col(Task.status) == OPEN, col(Task.due) < cutoff)
    rows = session.execute(
        sa_select(col(Task.contact_id), col(Task.employer_id)).where(
            col(Task.key).is_not(None), or_(due_to_expire, back)
        )
    )
    scope = Scope()
    for contact_id, employer_id in rows:
        if contact_id is not None:
            scope.contacts.add(contact_id)
        elif employer_id is not None:
            scope.employers.add(employer_id)
    return scope


def lock_for_writing(session: Session) -> None:
    """On PostgreSQL, take the write counter's row lock first: writers queue here, whole, as
    SQLite's BEGIN IMMEDIATE makes them, so the plan never plans on a half-seen history and two
    writers never wait on each other's rows (a deadlock)."""
    if not _sqlite(session):
        session.execute(
            sa_select(col(ChangeCounter.changes))
            .where(col(ChangeCounter.id) == 1)
            .with_for_update()
        )


def _sqlite(session: Session) -> bool:
    return session.get_bind().dialect.name == "sqlite"


def _stamp(session: Session, now: datetime, fingerprint: str) -> None:
    """Remember what the plan saw: its settings and day, and the write count after its writes."""
    session.flush()
    if session.get(PlanState, 1) is None:
        # The first run on this database, and maybe another process's first run at the same
        # moment: on PostgreSQL the second of two plain INSERTs fails, so insert if absent.
        first = {"id": 1, "ran_at": now, "fingerprint": fingerprint}
        insert = _insert(session.get_bind().dialect.name, PlanState).values(first)
        session.execute(insert.on_conflict_do_nothing(index_elements=["id"]))
    state = session.get(PlanState, 1)
    assert state is not None
    state.ran_at, state.fingerprint, state.planned_on = now, fingerprint, now.date()
    state.changes_planned = session.exec(
        select(ChangeCounter.changes).where(ChangeCounter.id == 1)
    ).one()
    session.add(state)
