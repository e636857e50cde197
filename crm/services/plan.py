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
   expires tasks, and today again reopens them. An import's congratulation on a new job ages
   the same way, though the plan does not make it.
8. check_openings: each rejection → the employer's openings, `check_openings_after_days` after.
9. A contact's own cadence (`--every 6w`) gives anyone a nurture one cadence after the last touch
   (or after they were added), without slowing or going quiet; `--every off` gives none.
10. The pipeline (crm/services/pipeline_rules.py): an application with no news, a thank-you
   after an interview, an offer's deadline; an accepted job ends the search's tasks.

Writes re-plan only the contacts and employers they touched (`Scope`, collected from the
session, or said by the write); a new local day re-plans only the contacts whose tasks the
calendar can change; a new version of the rules or the settings re-plans everything. A run
reads and plans its contacts a batch at a time (crm/services/plan_batches.py) and writes each
batch's changes as it goes; one that re-plans everyone on a large SQLite file has a helper
process plan the later half meanwhile (crm/services/plan_split.py).

As it reads each history, it also keeps that contact's reply tally (thank-yous and notes sent,
and answered: crm/services/reply_tally.py), which the review adds up for its all-time rates.

It reads and writes in plain SQL through a `Store` (crm/store.py): an ORM session's, or on
SQLite the standard library's alone (crm/lean.py: `Env.recording`, `Env.bring_plan_up_to_date`).
"""

from __future__ import annotations

import gc
from collections.abc import Generator, Iterable, Iterator, Sequence
from contextlib import closing, contextmanager
from dataclasses import dataclass, field
from datetime import UTC, date, datetime, time, tzinfo
from typing import TYPE_CHECKING, Any

from crm.kinds import ClosedBy, Direction, Role, TaskKind, TouchKind
from crm.services.pipeline_rules import Pipeline, end_search, job_wants, load_pipeline
from crm.services.plan_batches import (
    BATCH,
    BEYOND,
    ROW_COLUMNS,
    BatchPlan,
    Rules,
    by_employer,
    contact_batches,
    history_wants,
    plan_batch,
    rejections_where_met,
    task_row,
)
from crm.services.plan_batches import rejections as all_rejections
from crm.services.plan_rules import (
    DONE,
    EXPIRED,
    OPEN,
    SKIPPED,
    Changes,
    Planned,
    PlanResult,
    Rejection,
    Row,
    employer_wants,
    reconcile,
)
from crm.services.plan_state import PlanStatus
from crm.services.plan_state import plan_status as read_status
from crm.services.relationships import Relationship, relationship
from crm.services.reply_tally import keep as keep_tallies
from crm.settings import Plan
from crm.store import Reads, Store, day, id_list, reads_of, store_of

if TYPE_CHECKING:
    from sqlmodel import Session

INSERTED = 50  # task rows a statement inserts (positional values: crm/store.py Store.insert)
THANK_YOU = TaskKind.THANK_YOU.value


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

    def add(
        self,
        *,
        contacts: Iterable[int | None] = (),
        employers: Iterable[int | None] = (),
        everything: bool = False,
    ) -> None:
        self.contacts.update(c for c in contacts if c is not None)
        self.employers.update(e for e in employers if e is not None)
        self.everything |= everything


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
    """Say what a write changed that the session cannot see (plain SQL, bulk inserts)."""
    scope_of(session).add(contacts=contacts, employers=employers, everything=everything)


def collect_scope(session: Session) -> None:
    """Collect the contacts and employers of every object the session writes."""
    from sqlalchemy import event

    if not event.contains(session, "after_flush", _collect):
        event.listen(session, "after_flush", _collect)


def _collect(session: Session, _context: Any) -> None:
    from crm.models import Contact, Employer, Employment, Job, Task, Touchpoint

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
    session: Session | Store,
    now: datetime,
    plan: Plan,
    fingerprint: str,
    scope: Scope | None = None,
    written: Scope | None = None,
) -> PlanResult:
    """Run the plan for everything (scope None) or for a write's scope; stamp it current.

    `written`: what the write touched, when the run is wider (a settings change makes the
    first write after it re-plan everything): its rejections still say why no thank-you came."""
    with _cycles_left_for_later():
        return _follow_up_plan(store_of(session), now, plan, fingerprint, scope, written)


@contextmanager
def _cycles_left_for_later() -> Iterator[None]:
    """Run without Python's cyclic garbage collector. The plan makes a tuple for every touch
    and task it reads, a batch at a time, none of them in a cycle (reference counting frees
    each); but the collector, woken every 700 new objects, walked the live ones again and
    again: 4% of the instructions of a first plan at the benchmark's 1x. Cycles made meanwhile
    (an ORM session's) wait for the first collection after the run."""
    if not gc.isenabled():  # a caller's own choice (a test's, an embedding program's) stands
        yield
        return
    gc.disable()
    try:
        yield
    finally:
        gc.enable()


def _follow_up_plan(
    db: Store,
    now: datetime,
    plan: Plan,
    fingerprint: str,
    scope: Scope | None,
    written: Scope | None,
) -> PlanResult:
    zone, today = now.tzinfo, now.date()
    rejections = _rejections(db, scope)
    result = PlanResult()
    names: dict[int, str] = {}  # of the contacts whose tasks changed
    asked: set[int | None] = set()  # the jobs whose rejection asked for a thank-you
    pipeline = _pipeline(db, zone, scope)
    corrected: dict[int, dict[str, date]] = db.info.pop(PLANNED_BEFORE, {})
    moved_by_correction: list[Planned] = db.info.pop(MOVED_BY_CORRECTION, [])
    employers = None if scope is None or scope.everything else set(scope.employers)
    rules = Rules(
        today,
        zone,
        plan,
        by_employer(rejections),
        pipeline,
        corrected,
        frozenset(t.contact_id for t in moved_by_correction),
    )
    with closing(_planned_batches(db, scope, rules, now)) as batches:
        for planned_batch in batches:
            if employers is not None:
                employers |= planned_batch.employers
            keep_tallies(db, planned_batch.which.on("contact_id"), planned_batch.tallies)
            names.update(planned_batch.names)
            asked.update(w.job_id for w in planned_batch.changes.inserts if w.kind == THANK_YOU)
            _apply(db, planned_batch.changes, now, result)  # a batch at a time: memory stays flat
    planned = [r for r in rejections if employers is None or r.employer_id in employers]
    changes = Changes()
    reconcile(
        _employer_rows(db, employers),
        end_search(employer_wants(planned, plan), pipeline) + job_wants(pipeline, employers, plan),
        changes,
        today=today,
        plan=plan,
    )
    _apply(db, changes, now, result)
    result.created.sort(key=lambda t: (t.due, t.id))  # as one batch would have listed them
    result.moved += moved_by_correction
    if scope is not None and not scope.everything:
        explained = planned
    elif written is not None and not written.everything:
        explained = [r for r in rejections if r.employer_id in written.employers]
    else:
        explained = []  # the daemon, `crm remind`: no command waits for a reason
    _explain_unthanked(explained, asked, result, db, zone)
    result.names = {
        task.contact_id: names[task.contact_id]
        for task in _reported(result)
        if task.contact_id in names
    }
    _stamp(db, now, fingerprint)
    return result


def _planned_batches(
    db: Store, scope: Scope | None, rules: Rules, now: datetime
) -> Generator[BatchPlan, None, None]:
    """The run's contacts planned a batch at a time: a write's, or everyone, the later half
    of many by a helper process meanwhile (crm/services/plan_split.py)."""
    if scope is not None and not scope.everything:
        for batch in contact_batches(db, sorted(_scoped_contacts(db, scope))):
            yield plan_batch(db, batch, rules)
        return
    from crm.services.plan_split import Helper

    helper = Helper.start(db, now=now, plan=rules.plan)
    try:
        for batch in contact_batches(db, until=BEYOND if helper is None else helper.after):
            yield plan_batch(db, batch, rules)
        if helper is not None:
            yield from helper.planned(db, rules)
    finally:
        if helper is not None:
            helper.close()


def _pipeline(db: Store, zone: tzinfo | None, scope: Scope | None) -> Pipeline:
    """The jobs a run can need: all of them, or for a write's scope those at its employers
    and at the scoped contacts' (the run adds theirs), and those their touches name."""
    if scope is None or scope.everything:
        return load_pipeline(db, zone)
    contacts = _scoped_contacts(db, scope)
    employers = set(scope.employers)
    if contacts:
        employers.update(
            employer_id
            for (employer_id,) in db.rows(
                f"SELECT employer_id FROM contact WHERE id IN ({id_list(sorted(contacts))})"
            )
            if employer_id is not None
        )
    return load_pipeline(db, zone, employers=employers, contacts=contacts)


PLANNED_BEFORE = "crm.planned_before"  # Store.info: contact id → {task key: planned due}
MOVED_BY_CORRECTION = "crm.moved"  # Store.info: tasks a correction moved, for the report


def before_a_correction(
    *, session: Session | Store, contact_id: int, zone: tzinfo | None, plan: Plan
) -> None:
    """Remember the days the plan gives one contact's tasks now, before a touch of theirs is
    corrected (`crm touch edit`): a task still due on its planned day then moves with the
    correction (a reply moved a week on moves the LinkedIn task a week on); one the user
    snoozed keeps the day they chose."""
    db = store_of(session)
    scope = Scope(contacts={contact_id})
    at_employer = by_employer(_rejections(db, scope))
    for batch in contact_batches(db, sorted(_scoped_contacts(db, scope))):
        for contact, touches, _rows in batch.contacts:
            wants = history_wants(contact, touches, at_employer, zone, plan)[0]
            db.info.setdefault(PLANNED_BEFORE, {})[contact.id] = {w.key: w.due for w in wants}


def relationships(
    *,
    session: Session | Reads,
    zone: tzinfo | None,
    plan: Plan,
    contact_ids: Sequence[int] | None = None,
) -> dict[int, Relationship]:
    """Where each relationship stands (every contact's, or those named), as the plan sees it."""
    db = reads_of(session)
    scope = None if contact_ids is None else Scope(contacts=set(contact_ids))
    at_employer = by_employer(_rejections(db, scope))
    ids = None if scope is None else sorted(_scoped_contacts(db, scope))
    found: dict[int, Relationship] = {}
    for batch in contact_batches(db, ids, tasks=False):  # where they stand: no task rows
        for contact, touches, _rows in batch.contacts:
            met_at = rejections_where_met(contact, at_employer)
            found[contact.id] = relationship(
                touches,
                rejected_on=met_at[0].on if met_at else None,
                connected_on=contact.connected_on,
                zone=zone,
                plan=plan,
            )
    return found


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


def _rejections(db: Reads, scope: Scope | None) -> list[Rejection]:
    """The rejections a run can meet, oldest first: every one, or for a write's scope those at
    its employers and where its contacts work and worked (a write at 10x read all 5,869)."""
    if scope is None or scope.everything:
        return all_rejections(db)
    return all_rejections(db, sorted(_employers_of(db, scope)))


def _employers_of(db: Reads, scope: Scope) -> set[int]:
    """The scope's employers, and those where its contacts work and worked."""
    contacts = id_list(sorted(_scoped_contacts(db, scope)))
    found = set(scope.employers)
    found.update(
        employer_id
        for (employer_id,) in db.rows(
            f"SELECT employer_id FROM contact WHERE id IN ({contacts})"
            f" UNION SELECT employer_id FROM employment WHERE contact_id IN ({contacts})"
        )
        if employer_id is not None
    )
    return found


def _scoped_contacts(db: Reads, scope: Scope) -> set[int]:
    """The scope's contacts, and everyone who works or worked at its employers."""
    ids = set(scope.contacts)
    if scope.employers:
        employers = id_list(scope.employers)
        ids.update(
            contact_id
            for (contact_id,) in db.rows(
                f"SELECT id FROM contact WHERE employer_id IN ({employers})"
                f" UNION SELECT contact_id FROM employment WHERE employer_id IN ({employers})"
            )
        )
    return ids


def _employer_rows(db: Store, employers: set[int] | None) -> list[Row]:
    where = " WHERE contact_id IS NULL AND key IS NOT NULL"
    if employers is not None:
        if not employers:
            return []
        where += f" AND employer_id IN ({id_list(employers)})"
    return [task_row(r) for r in db.rows(ROW_COLUMNS + where)]


def _apply(db: Store, changes: Changes, now: datetime, result: PlanResult) -> None:
    """Write the changes: removals, then closes and reopens, moves, and last the new rows."""
    _made_again_is_moved(changes)
    ids = [row.id for row in changes.deletes]
    for start in range(0, len(ids), BATCH):
        db.run(f"DELETE FROM task WHERE id IN ({id_list(ids[start : start + BATCH])})")
    result.removed += [_planned(r) for r in changes.deletes]
    reports = {DONE: result.completed, SKIPPED: result.withdrawn, EXPIRED: result.expired}
    reopened = {r.id for r in changes.reopens}
    for status, rows in changes.closes.items():
        _set(db, rows, status=status, closed_at=now, closed_by=ClosedBy.PLAN.value)
        reports[status].extend(_planned(r) for r in rows if r.id not in reopened)
    expiring = {r.id for r in changes.closes.get(EXPIRED, [])}
    back = [r for r in changes.reopens if r.id not in expiring]
    _set(db, back, status=OPEN, closed_at=None, closed_by=None)
    result.reopened += [_planned(r) for r in back]
    for row, want in changes.moves:
        db.run(
            "UPDATE task SET key = :key, due = :due, rule = :rule WHERE id = :id",
            {"key": want.key, "due": want.due, "rule": want.rule, "id": row.id},
        )
        if row.due != want.due:  # a new anchor or reason on the same day is no news
            result.moved.append(_planned(row, due=want.due))
    result.created += _insert_if_absent(db, [w.row(now) for w in changes.inserts])


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


def _set(db: Store, rows: Sequence[Row], **values: object) -> None:
    ids = [r.id for r in rows]
    sets = ", ".join(f"{name} = :{name}" for name in values)
    for start in range(0, len(ids), BATCH):
        db.run(
            f"UPDATE task SET {sets} WHERE id IN ({id_list(ids[start : start + BATCH])})", values
        )


# whether a job has a task of a kind: through ix_task_job_id (migration 0015), whatever the
# number of tasks
MADE_FOR_JOB = "SELECT id FROM task WHERE job_id = :job AND kind = :kind LIMIT 1"


def _explain_unthanked(
    rejections: list[Rejection],
    asked: set[int | None],
    result: PlanResult,
    db: Store,
    zone: tzinfo | None,
) -> None:
    """For the rejections this write touched: why no thank-you task came of one ("nobody met",
    "not kept in touch", "too late"; nothing when everyone was thanked already)."""
    for rejection in rejections:
        if rejection.job_id in asked:
            continue
        made = db.rows(MADE_FOR_JOB, {"job": rejection.job_id, "kind": TaskKind.THANK_YOU.value})
        if made:
            continue
        why = _why_no_thank_you(db, rejection, zone)
        if why is not None:
            result.unthanked[rejection.job_id] = why


def _why_no_thank_you(db: Store, rejection: Rejection, zone: tzinfo | None) -> str | None:
    contacts = sorted(_scoped_contacts(db, Scope(employers={rejection.employer_id})))
    if not contacts:
        return "nobody met"
    kept = [
        contact_id
        for (contact_id,) in db.rows(
            f"SELECT id FROM contact WHERE id IN ({id_list(contacts)}) AND keep_in_touch"
            " AND archived_at IS NULL AND role <> :connection",
            {"connection": Role.CONNECTION.value},
        )
    ]
    if not kept:
        return "not kept in touch"
    since = datetime.combine(rejection.on, time(0), tzinfo=zone).astimezone(UTC)
    thanked = {
        contact_id
        for (contact_id,) in db.rows(
            f"SELECT contact_id FROM touchpoint WHERE contact_id IN ({id_list(kept)})"
            " AND kind = :kind AND direction = :out AND happened_at >= :since",
            {"kind": TouchKind.THANK_YOU.value, "out": Direction.OUT.value, "since": since},
        )
    }
    return None if thanked >= set(kept) else "too late"  # thanked already: nothing to say


def _planned(row: Row, due: date | None = None) -> Planned:
    return Planned(row.id, row.kind, row.title, due or row.due, row.contact_id)


TASK_COLUMNS = "kind, title, due, status, contact_id, employer_id, job_id, rule, key, created_at"


def _insert_if_absent(db: Store, rows: list[tuple[object, ...]]) -> list[Planned]:
    """Insert the rows (TASK_COLUMNS) whose key is new; a key another process inserted first is
    left alone. What was made comes back from the INSERT itself (RETURNING), not from a second
    read."""
    found: list[Planned] = []
    for start in range(0, len(rows), INSERTED):
        found += [
            Planned(task_id, kind, title, day(due), contact_id)
            for task_id, kind, title, due, contact_id in db.insert(
                f"INSERT INTO task ({TASK_COLUMNS}) VALUES",
                rows[start : start + INSERTED],
                "ON CONFLICT (key) DO NOTHING RETURNING id, kind, title, due, contact_id",
            )
        ]
    return sorted(found, key=lambda t: (t.due, t.id))


# ---- is the plan current? ----------------------------------------------------------------


def plan_status(session: Session | Store, fingerprint: str, today: date) -> PlanStatus:
    db = store_of(session)
    return read_status(db.rows, fingerprint=fingerprint, today=today, as_text=db.sqlite)


def bring_up_to_date(
    *,
    session: Session | Store,
    now: datetime,
    plan: Plan,
    fingerprint: str,
    status: PlanStatus | None = None,
) -> PlanResult | None:
    """Make the plan current before tasks are read; None when it already was.

    A new day re-plans only the contacts the calendar can change (their open tasks may expire);
    anything else (new rules or settings, a write crm did not see) re-plans everything.
    """
    db = store_of(session)
    status = status or plan_status(db, fingerprint, now.date())
    if status.current:
        return None
    scope = None
    if status.same_settings and status.same_data:
        scope = calendar_scope(db, now.date(), plan)
    return follow_up_plan(session=db, now=now, plan=plan, fingerprint=fingerprint, scope=scope)


def plan_after_write(
    *,
    session: Session | Store,
    now: datetime,
    plan: Plan,
    fingerprint: str,
    before: PlanStatus,
    written: Scope,
) -> PlanResult:
    """The plan for what a write changed (`written`): its scope only, when the plan was
    current before it."""
    db = store_of(session)
    scope = written
    if not (before.same_settings and before.same_data):
        scope = Scope(everything=True)
    elif not before.same_day:
        daily = calendar_scope(db, now.date(), plan)
        scope = Scope(
            scope.contacts | daily.contacts,
            scope.employers | daily.employers,
            everything=scope.everything,  # `touched(everything=True)` holds on a new day too
        )
    return follow_up_plan(
        session=db,
        now=now,
        plan=plan,
        fingerprint=fingerprint,
        scope=None if scope.everything else scope,
        written=written,
    )


def calendar_scope(session: Session | Store, today: date, plan: Plan) -> Scope:
    """Whom a new day can change: those with an open plan task old enough to expire, and
    those whose expired task is young enough again (the day moved back: CRM_NOW)."""
    db = store_of(session)
    soonest = min(plan.thank_you_expires_days, plan.expire_after_days)

    def horizon(days: int) -> date:
        return date.fromordinal(max(today.toordinal() - days, 1))

    rows = db.rows(
        "SELECT contact_id, employer_id FROM task WHERE key IS NOT NULL AND ("
        "(status = :open AND due < :cutoff)"
        " OR (status = :expired AND closed_by = :plan AND ("
        "(kind = :thank_you AND due >= :thank_you_horizon)"
        " OR (kind <> :thank_you AND due >= :horizon))))",
        {
            "open": OPEN,
            "cutoff": horizon(soonest),
            "expired": EXPIRED,
            "plan": ClosedBy.PLAN.value,
            "thank_you": TaskKind.THANK_YOU.value,
            "thank_you_horizon": horizon(plan.thank_you_expires_days),
            "horizon": horizon(plan.expire_after_days),
        },
    )
    scope = Scope()
    for contact_id, employer_id in rows:
        if contact_id is not None:
            scope.contacts.add(contact_id)
        elif employer_id is not None:
            scope.employers.add(employer_id)
    return scope


def lock_for_writing(session: Session | Store) -> None:
    """On PostgreSQL, take the write counter's row lock first: writers queue here, whole, as
    SQLite's BEGIN IMMEDIATE makes them, so the plan never plans on a half-seen history and two
    writers never wait on each other's rows (a deadlock)."""
    db = store_of(session)
    if not db.sqlite:
        db.rows("SELECT changes FROM change_counter WHERE id = 1 FOR UPDATE")


def _stamp(db: Store, now: datetime, fingerprint: str) -> None:
    """Remember what the plan saw: its settings and day, and the write count after its writes.
    Insert if absent: the first run on this database may be another process's first too."""
    db.run(
        "INSERT INTO plan_state (id, ran_at, fingerprint, changes_planned, planned_on)"
        " VALUES (1, :now, :fingerprint, (SELECT changes FROM change_counter WHERE id = 1), :day)"
        " ON CONFLICT (id) DO UPDATE SET ran_at = excluded.ran_at,"
        " fingerprint = excluded.fingerprint, changes_planned = excluded.changes_planned,"
        " planned_on = excluded.planned_on",
        {"now": now, "fingerprint": fingerprint, "day": now.date()},
    )
