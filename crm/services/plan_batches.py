"""The plan's reading and planning of contacts, a batch at a time.

A run (crm/services/plan.py) reads the contacts it plans a batch at a time, each with their
touches, their employers and the plan's own task rows (`contact_batches`), and plans each
batch on its own (`plan_batch`): what the history calls for (crm/services/plan_rules.py,
crm/services/pipeline_rules.py), reconciled with the rows, and the reply tallies
(crm/services/reply_tally.py). No contact's plan depends on another's, which is what lets a
full run hand the later batches to a helper process (crm/services/plan_split.py). Writing the
changes is the run's.
"""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Iterator, Sequence
from dataclasses import dataclass
from datetime import UTC, date, datetime, timedelta, tzinfo
from typing import Any, NamedTuple

from crm.kinds import JobStatus
from crm.services.cadence import OFF
from crm.services.pipeline_rules import Pipeline, interview_wants, touch_jobs
from crm.services.plan_rules import (
    Changes,
    ContactFacts,
    Rejection,
    Row,
    Want,
    contact_wants,
    nurture_want,
    reconcile,
)
from crm.services.relationships import NOTE as MEMO
from crm.services.relationships import Relationship, Touch
from crm.services.reply_tally import Tally, tally
from crm.settings import Plan
from crm.store import Reads, day, id_list, maybe_day, moment

BATCH = 500  # contacts planned (and their changes written) at a time; 2,000 held 97 MB at the
# benchmark's 1x where 500 hold 78 MB, for 4% more time
BEYOND = 2**63 - 1  # past every id either database can hold: the last range ends here
REJECTED = JobStatus.REJECTED.value


@dataclass(frozen=True)
class Which:
    """A batch of contacts: listed ids, or a range of ids; the same filter on any column."""

    ids: Sequence[int] = ()
    first: int = 0
    last: int = -1

    def on(self, column: str) -> str:
        if self.ids:
            return f"{column} IN ({id_list(self.ids)})"
        return f"{column} BETWEEN {int(self.first)} AND {int(self.last)}"


class Batch(NamedTuple):
    which: Which  # the contacts asked for, those gone too: their reply tallies are rewritten
    contacts: list[tuple[ContactFacts, list[Touch], list[Row]]]  # those there, by id


def contact_batches(
    db: Reads,
    ids: Sequence[int] | None = None,
    *,
    tasks: bool = True,
    after: int = 0,
    until: int = BEYOND,
) -> Iterator[Batch]:
    """The contacts `ids` (sorted), or every contact with an id past `after` up to `until`,
    a batch at a time, each with its touches and (`tasks`) its task rows."""
    if ids is not None:
        for start in range(0, len(ids), BATCH):
            yield read_batch(db, Which(ids=ids[start : start + BATCH]), tasks=tasks)
        return
    # ranges that cover every id, the gaps included, so that what is kept for a contact who
    # is gone is in a range that is rewritten
    while after < until:
        found = [
            contact_id
            for (contact_id,) in db.rows(
                "SELECT id FROM contact WHERE id > :after AND id <= :until ORDER BY id LIMIT :most",
                {"after": after, "until": until, "most": BATCH},
            )
        ]
        last = found[-1] if len(found) == BATCH else until
        yield read_batch(db, Which(first=after + 1, last=last), tasks=tasks)
        after = last


def read_batch(db: Reads, which: Which, *, tasks: bool = True) -> Batch:
    """The batch's contacts, each with the employers they work and worked at, their touches
    in order and (`tasks`) the plan's own task rows."""
    former: dict[int, set[int]] = defaultdict(set)
    for cid, employer_id in db.rows(
        "SELECT contact_id, employer_id FROM employment"
        f" WHERE {which.on('contact_id')} AND employer_id IS NOT NULL"
    ):
        former[cid].add(employer_id)
    touches: dict[int, list[Touch]] = {}
    last = None  # the contact whose history is being read: the rows come one history at a time
    # Memos (`crm log note`) are left out here: no rule reads them (they are for the user's
    # memory, not touches). Each touch is made the cheapest way there is (tuple.__new__, and
    # on SQLite one parse of the UTC text): 100,000 at the benchmark's 1x, where `Touch(...)`
    # and `moment` took 42 ms and this takes 23.
    make, parse = tuple.__new__, datetime.fromisoformat
    for cid, tid, kind, direction, at, purpose in db.rows(
        "SELECT contact_id, id, kind, direction, happened_at, purpose FROM touchpoint"
        f" WHERE {which.on('contact_id')} AND kind <> :memo ORDER BY contact_id, happened_at, id",
        {"memo": MEMO},
    ):
        if cid != last:
            history = touches[cid] = []
            last = cid
        if at.__class__ is str:
            try:
                at = parse(at + "+00:00")
            except ValueError:  # text with an offset of its own
                at = moment(at)
        elif at.tzinfo is None:
            at = at.replace(tzinfo=UTC)
        history.append(make(Touch, (tid, kind, direction, at, purpose)))
    rows: dict[int, list[Row]] = defaultdict(list)
    if tasks:
        for row in db.rows(own_tasks_sql(which)):
            rows[row[7]].append(task_row(row))
    batch: list[tuple[ContactFacts, list[Touch], list[Row]]] = []
    for c in db.rows(
        "SELECT id, name, employer_id, keep_in_touch, archived_at, role,"
        " linkedin_connected_on, every, created_at"
        f" FROM contact WHERE {which.on('id')} ORDER BY id"
    ):
        cid, name, employer_id, keep_in_touch, archived_at, role, connected, every, added = c
        now_at = {employer_id} if employer_id is not None else set()
        facts = ContactFacts(
            id=cid,
            name=name,
            employer_id=employer_id,
            keep_in_touch=bool(keep_in_touch),
            archived=archived_at is not None,
            role=role,
            connected_on=maybe_day(connected),
            employers=frozenset(now_at | former.get(cid, set())),
            every=every,
            added_at=moment(added),
        )
        batch.append((facts, touches.get(cid, []), rows.get(cid, [])))
    return Batch(which, batch)


ROW_COLUMNS = (
    "SELECT id, key, kind, status, closed_by, due, title, contact_id, rule, employer_id, job_id"
    " FROM task"
)


def own_tasks_sql(which: Which) -> str:
    """The plan's own tasks (a key) of a batch of contacts: through ix_task_planned (migration
    0015), whose WHERE is this one's, never the user's own tasks."""
    return f"{ROW_COLUMNS} WHERE {which.on('contact_id')} AND key IS NOT NULL"


def task_row(row: Sequence[Any]) -> Row:
    """A task row read with ROW_COLUMNS, its due date a `date` (SQLite: ISO text)."""
    task_id, key, kind, status, closed_by, due, title, contact_id, rule, employer, job = row
    return Row(
        task_id, key, kind, status, closed_by, day(due), title, contact_id, rule, employer, job
    )


def rejections(db: Reads, employers: Sequence[int] | None = None) -> list[Rejection]:
    """The rejections, oldest first: every one, or those at `employers`."""
    where = "" if employers is None else f" AND employer_id IN ({id_list(employers)})"
    rows = db.rows(
        "SELECT id, employer_id, rejected_on FROM job"
        f" WHERE status = :rejected AND rejected_on IS NOT NULL{where} ORDER BY rejected_on, id",
        {"rejected": REJECTED},
    )
    return [Rejection(job_id, employer_id, day(on)) for job_id, employer_id, on in rows]


def by_employer(rejections: list[Rejection]) -> dict[int, list[Rejection]]:
    """The rejections at each employer, oldest first as given."""
    at_employer: dict[int, list[Rejection]] = defaultdict(list)
    for rejection in rejections:
        at_employer[rejection.employer_id].append(rejection)
    return at_employer


def rejections_where_met(
    contact: ContactFacts, at_employer: dict[int, list[Rejection]]
) -> list[Rejection]:
    """The rejections at the employers where the contact works or worked, oldest first."""
    found = [r for e in contact.employers for r in at_employer.get(e, ())]
    if len(found) > 1:
        found.sort(key=lambda r: (r.on, r.job_id))
    return found


def history_wants(
    contact: ContactFacts,
    touches: list[Touch],
    at_employer: dict[int, list[Rejection]],
    zone: tzinfo | None,
    plan: Plan,
) -> tuple[list[Want], Relationship, int | None]:
    """What one contact's history calls for, where they stand, and the employer of the
    process they were met in (their tasks name it, not where they work now)."""
    met_at = rejections_where_met(contact, at_employer)
    wants, rel = contact_wants(contact, touches, met_at, zone=zone, plan=plan)
    process = met_at[0].employer_id if met_at else contact.employer_id
    return wants, rel, process


class Rules(NamedTuple):
    """What every batch of one run is planned with."""

    today: date
    zone: tzinfo | None
    plan: Plan
    at_employer: dict[int, list[Rejection]]
    pipeline: Pipeline
    # contact id → the days the plan gave their tasks before a correction (`crm touch edit`)
    corrected: dict[int, dict[str, date]]
    named: frozenset[int | None]  # contacts the report names whatever their batch changes


class BatchPlan(NamedTuple):
    """What planning one batch asks of the database."""

    which: Which
    changes: Changes
    tallies: dict[int, Tally]  # the reply tallies of its contacts who have one
    names: dict[int, str]  # of its contacts whose tasks change, and those `Rules.named`
    employers: set[int]  # where its contacts work now


def plan_batch(db: Reads, batch: Batch, rules: Rules) -> BatchPlan:
    """Plan one batch: only the jobs its interviews name are read here."""
    today, zone, plan = rules.today, rules.zone, rules.plan
    window = timedelta(days=plan.reply_window_days)
    changes = Changes()
    tallies: dict[int, Tally] = {}
    employers: set[int] = set()
    jobs_of = touch_jobs(db, batch.which.on("contact_id"))
    for contact, touches, rows in batch.contacts:
        if contact.employer_id is not None:
            employers.add(contact.employer_id)  # news from them answers an application
        wants, rel, process = history_wants(contact, touches, rules.at_employer, zone, plan)
        wants += interview_wants(
            contact, touches, jobs_of, rules.pipeline, employer_id=process, zone=zone, plan=plan
        )
        nurture = nurture_want(
            contact, rel, rows, employer_id=process, today=today, zone=zone, plan=plan
        )
        # the touches a nurture task can count from (0: the day an own cadence's contact was
        # added), asked only of those with tasks (none in a first run); memos were not read
        anchors: frozenset[int] = frozenset()
        if rows:
            anchors = frozenset(t.id for t in touches) | {0}
        reconcile(
            rows,
            wants,
            changes,
            today=today,
            plan=plan,
            corrected=rules.corrected.get(contact.id, {}),
            nurture=nurture,
            rel=rel,
            touch_ids=anchors,
            eligible=contact.eligible and contact.every != OFF,
        )
        replies = tally(touches, window)
        if replies is not None:
            tallies[contact.id] = replies
    changed = contacts_in(changes) | rules.named
    names = {c.id: c.name for c, _, _ in batch.contacts if c.id in changed}
    return BatchPlan(batch.which, changes, tallies, names, employers)


def contacts_in(changes: Changes) -> set[int | None]:
    """The contacts whose tasks `changes` touches."""
    rows = [*changes.deletes, *changes.reopens, *(r for r, _ in changes.moves)]
    rows += [r for closed in changes.closes.values() for r in closed]
    return {r.contact_id for r in rows} | {w.contact_id for w in changes.inserts}
