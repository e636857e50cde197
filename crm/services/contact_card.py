"""Everything `crm contact show` says about one contact, read with plain SQL.

Through a `Query` (crm/services/agenda.py): on a current SQLite database the standard library's
sqlite3 (crm/lean.py), so that looking someone up starts as fast as `crm today`; otherwise the
ORM session's connection. The same SQL either way. Where they stand is the plan's own reading
(`contact_wants`, crm/services/plan_rules.py) of the facts the plan loads for them.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import date, datetime
from itertools import pairwise
from typing import NamedTuple

from crm.kinds import JobStatus, TaskKind
from crm.services.agenda import TASKS, Query, TaskLine, stored_day, stored_moment
from crm.services.plan_rules import ContactFacts, Rejection, contact_wants
from crm.services.relationships import Relationship, Stage, Touch, local
from crm.services.text import name_key
from crm.settings import Plan


class ContactRow(NamedTuple):
    id: int
    name: str
    employer_id: int | None
    role: str
    position: str | None
    email: str | None
    phone: str | None
    linkedin_url: str | None
    notes: str | None
    keep_in_touch: bool
    every: str | None
    archived_at: datetime | None
    created_at: datetime
    linkedin_connected_on: date | None


CONTACT_SQL = """
SELECT id, name, employer_id, role, position, email, phone, linkedin_url, notes, keep_in_touch,
       every, archived_at, created_at, linkedin_connected_on
FROM contact WHERE id = :id
"""


class EmployerRow(NamedTuple):
    id: int
    name: str


class TouchRow(NamedTuple):
    """A touchpoint as a timeline shows it."""

    id: int
    contact_id: int
    kind: str
    direction: str
    happened_at: datetime
    summary: str | None
    body: str | None
    topic: str | None


TIMELINE_SQL = """
SELECT id, contact_id, kind, direction, happened_at, summary, body, topic
FROM touchpoint WHERE contact_id = :id ORDER BY happened_at DESC, id DESC
"""
# `t.status || ''`, not `t.status`: said plainly, SQLite took the covering index of every open
# task (ix_task_list, whose WHERE it matches) and walked all of them for this contact's few
# (0.4 ms at the benchmark's 1x, 3.2 ms at 10x); said so, it looks them up by contact
# (ix_task_contact_status_due). PostgreSQL reads it the same way.
OPEN_TASKS_SQL = TASKS + "WHERE t.contact_id = :id AND t.status || '' = 'open' ORDER BY t.due, t.id"
TAGS_SQL = "SELECT tag FROM contact_tag WHERE contact_id = :id ORDER BY tag_key"
# what the plan reads of one contact (crm/services/plan_batches.py `read_batch`), in the same
# order (its memos too, which no rule reads)
FORMER_EMPLOYERS_SQL = (
    "SELECT employer_id FROM employment WHERE contact_id = :id AND employer_id IS NOT NULL"
)
TOUCHES_SQL = """
SELECT id, kind, direction, happened_at, purpose FROM touchpoint
WHERE contact_id = :id ORDER BY happened_at, id
"""
EMPLOYMENT_SQL = """
SELECT m.company, e.name, m.employer_id, m.position, m.seen_from, m.seen_until, m.source
FROM employment AS m LEFT JOIN employer AS e ON e.id = m.employer_id
WHERE m.contact_id = :id ORDER BY m.seen_from, m.id
"""


@dataclass
class Position:
    """One place in a contact's employment history, as imports and edits recorded it."""

    company: str | None
    employer_id: int | None
    position: str | None
    since: date
    until: date | None
    source: str

    def words(self) -> str:
        return " ".join(
            p for p in (self.position, f"at {self.company}" if self.company else None) if p
        )


@dataclass
class ContactCard:
    contact: ContactRow
    employer: EmployerRow | None
    stage: Stage
    relationship: Relationship
    next_nurture: date | None
    open_tasks: list[TaskLine] = field(default_factory=list)
    timeline: list[TouchRow] = field(default_factory=list)
    employment: list[Position] = field(default_factory=list)
    tags: list[str] = field(default_factory=list)


def contact_card(query: Query, *, contact_id: int, now: datetime, plan: Plan) -> ContactCard:
    """The contact's card; the contact must exist (found by `crm.services.lookup.find_id`)."""
    (row,) = query(CONTACT_SQL, {"id": contact_id})
    created = stored_moment(row[12])
    assert created is not None
    contact = ContactRow(
        id=row[0],
        name=row[1],
        employer_id=row[2],
        role=row[3],
        position=row[4],
        email=row[5],
        phone=row[6],
        linkedin_url=row[7],
        notes=row[8],
        keep_in_touch=bool(row[9]),  # SQLite's 0 and 1
        every=row[10],
        archived_at=stored_moment(row[11]),
        created_at=created,
        linkedin_connected_on=None if row[13] is None else stored_day(row[13]),
    )
    employer = None
    if contact.employer_id is not None:
        found = query("SELECT id, name FROM employer WHERE id = :id", {"id": contact.employer_id})
        employer = EmployerRow(*found[0])
    relationship = _relationship(query, contact, now, plan)
    tasks = [TaskLine.from_row(r) for r in query(OPEN_TASKS_SQL, {"id": contact_id})]
    timeline = []
    for r in query(TIMELINE_SQL, {"id": contact_id}):
        happened = stored_moment(r[4])
        assert happened is not None
        timeline.append(TouchRow(r[0], r[1], r[2], r[3], happened, r[5], r[6], r[7]))
    nurture = [t.due for t in tasks if t.kind == TaskKind.NURTURE.value]
    return ContactCard(
        contact=contact,
        employer=employer,
        stage=relationship.stage(now.date(), plan),
        relationship=relationship,
        next_nurture=nurture[0] if nurture else None,
        open_tasks=tasks,
        timeline=timeline,
        employment=employment_history(query, contact_id),
        tags=[tag for (tag,) in query(TAGS_SQL, {"id": contact_id})],
    )


def _relationship(query: Query, contact: ContactRow, now: datetime, plan: Plan) -> Relationship:
    """Where they stand, as the plan sees it: the rejections at every employer they worked
    at, their touches in order, read by the plan's rules."""
    employers = {e for (e,) in query(FORMER_EMPLOYERS_SQL, {"id": contact.id})}
    if contact.employer_id is not None:
        employers.add(contact.employer_id)
    facts = ContactFacts(
        id=contact.id,
        name=contact.name,
        employer_id=contact.employer_id,
        keep_in_touch=contact.keep_in_touch,
        archived=contact.archived_at is not None,
        role=contact.role,
        connected_on=contact.linkedin_connected_on,
        employers=frozenset(employers),
        every=contact.every,
        added_at=local(contact.created_at, None),
    )
    touches = []
    for tid, kind, direction, at, purpose in query(TOUCHES_SQL, {"id": contact.id}):
        moment = local(at, None)  # aware; local days are taken where they matter
        assert moment is not None
        touches.append(Touch(tid, kind, direction, moment, purpose))
    met_at: list[Rejection] = []
    if employers:
        ids = ", ".join(str(int(e)) for e in sorted(employers))
        met_at = [
            Rejection(job_id, employer_id, stored_day(on))
            for job_id, employer_id, on in query(
                "SELECT id, employer_id, rejected_on FROM job WHERE status = :rejected"
                f" AND rejected_on IS NOT NULL AND employer_id IN ({ids})"
                " ORDER BY rejected_on, id",
                {"rejected": JobStatus.REJECTED.value},
            )
        ]
    _, relationship = contact_wants(facts, touches, met_at, zone=now.tzinfo, plan=plan)
    return relationship


def employment_history(query: Query, contact_id: int) -> list[Position]:
    """Where the contact worked, oldest first; what two sources both saw is shown once."""
    history: list[Position] = []
    for company, employer, employer_id, position, since, until, source in query(
        EMPLOYMENT_SQL, {"id": contact_id}
    ):
        job = Position(
            company or employer,
            employer_id,
            position,
            stored_day(since),
            None if until is None else stored_day(until),
            source,
        )
        if history and _same_job(history[-1], job):
            kept = history[-1]
            kept.until = (
                None if kept.until is None or job.until is None else max(kept.until, job.until)
            )
            continue
        history.append(job)
    # a place no source saw end ends where a later one begins: a LinkedIn import saw Globex,
    # then `contact edit --since` recorded the move to Umbrella (the import's row stays as the
    # import saw it, for the next import to compare with)
    for earlier, later in pairwise(history):  # by start, then as recorded: a move recorded
        if earlier.until is None:  # the day of an import ends what the import saw that day
            earlier.until = later.since
    return history


def _same_job(a: Position, b: Position) -> bool:
    return (name_key(a.company or ""), name_key(a.position or "")) == (
        name_key(b.company or ""),
        name_key(b.position or ""),
    )
