"""The weekly review: what the user did, what came back, who is going cold, what comes next.

Every figure comes from an aggregate query (GROUP BY, COUNT, CASE), so the review costs a few
scans of the touchpoints however many there are; Python only sees the rows the report shows.
Definitions (docs/review.md says the same for users):

- The period is local days [start, end]; a moment belongs to it when it falls in
  [local midnight of start, local midnight of end + 1). The previous period is as many days just
  before.
- Touches are touchpoints other than notes (notes are for the user's memory, as in
  crm/services/relationships.py). A thank-you is a touch of kind thank-you going out; a nurture
  touch is any other outgoing touch.
- An outgoing touch is answered when its contact sent an incoming touch at or after it (at any
  time up to now). The reply rate is answered / sent, None when nothing was sent.
- A new advocate is a contact whose first incoming touch falls in the period.
"""

from dataclasses import dataclass
from datetime import UTC, date, datetime, time, timedelta, tzinfo
from typing import Any

from sqlalchemy import ColumnElement, and_, case, or_
from sqlalchemy import select as sa_select  # sqlmodel's select stops at four columns
from sqlalchemy.orm import aliased
from sqlmodel import Session, col, func, select

from crm.errors import BadInput
from crm.models import (
    Contact,
    Direction,
    Employer,
    Job,
    JobStatus,
    Task,
    TaskKind,
    TaskStatus,
    TouchKind,
    Touchpoint,
)

DEFAULT_DAYS = 7
MAX_DAYS = 3660
NEXT_DAYS = 7  # "next week": open tasks due today through a week from today, as `crm today`
COLD_AFTER_DAYS = 60  # nobody touched the relationship for this many days or more
LATE_NURTURE_DAYS = 14  # a nurture note more than this many days late
# jobs that are still alive (or won): a second chance at an employer that said no before
SECOND_CHANCE = (
    JobStatus.APPLIED.value,
    JobStatus.INTERVIEWING.value,
    JobStatus.OFFER.value,
    JobStatus.HIRED.value,
)


@dataclass(frozen=True)
class Period:
    start: date
    end: date
    days: int

    @property
    def previous(self) -> "Period":
        return Period(self.start - timedelta(days=self.days), self.start - timedelta(1), self.days)


def period_of(*, today: date, days: int | None = None, since: date | None = None) -> Period:
    """The days to review: the last `days` ending today, or from `since` to today."""
    if days is not None and since is not None:
        raise BadInput("give --days or --since, not both")
    if since is not None:
        if since > today:
            raise BadInput(f"--since {since} is after today ({today})")
        days = (today - since).days + 1
        if days > MAX_DAYS:
            raise BadInput(f"--since reaches back at most {MAX_DAYS} days, to {_first(today)}")
    days = DEFAULT_DAYS if days is None else days
    if not 1 <= days <= MAX_DAYS:
        raise BadInput(f"--days is a number of days from 1 to {MAX_DAYS}, not {days}")
    return Period(today - timedelta(days=days - 1), today, days)


def _first(today: date) -> date:
    return today - timedelta(days=MAX_DAYS - 1)


@dataclass(frozen=True)
class KindCount:
    kind: str
    outgoing: int
    incoming: int


@dataclass(frozen=True)
class Activity:
    touches: list[KindCount]  # the kinds touched in the period, in the order of TouchKind
    touches_out: int
    touches_in: int
    notes: int
    thank_yous_sent: int
    rejections_received: int
    tasks_done: int
    tasks_skipped: int
    tasks_overdue: int  # open now and due before today: a state, not a count of the period


@dataclass(frozen=True)
class Rate:
    sent: int
    answered: int
    rate: float | None

    @classmethod
    def of(cls, sent: int, answered: int) -> "Rate":
        return cls(sent, answered, round(answered / sent, 4) if sent else None)


@dataclass(frozen=True)
class ReplyRate:
    this_period: Rate
    previous_period: Rate
    all_time: Rate


@dataclass(frozen=True)
class Answer:
    contact_id: int
    contact: str
    employer: str | None
    replies: int  # incoming touches in the period
    last_reply: datetime


@dataclass(frozen=True)
class Advocate:
    contact_id: int
    contact: str
    employer: str | None
    first_reply: datetime


@dataclass(frozen=True)
class Replies:
    answered: list[Answer]
    thank_you_reply_rate: ReplyRate
    nurture_reply_rate: ReplyRate
    new_advocates: list[Advocate]


@dataclass(frozen=True)
class FunnelRow:
    """Distinct contacts (archived ones left out) who reached each stage at one employer."""

    employer_id: int
    employer: str
    met: int
    thanked: int
    replied: int  # an incoming touch at or after their first thank-you
    linkedin: int
    info_interview: int
    nurturing: int  # an outgoing touch other than a thank-you at or after the first thank-you
    finalist_rank: int | None  # at the latest rejection
    rejected_on: date | None  # the latest rejection
    days_since_rejection: int | None


@dataclass(frozen=True)
class GoingCold:
    contact_id: int
    contact: str
    employer: str | None
    last_touch: datetime
    days_quiet: int
    nurture_due: date | None
    nurture_days_late: int | None


@dataclass(frozen=True)
class Opening:
    task_id: int
    title: str
    due: date


@dataclass(frozen=True)
class SecondChance:
    job_id: int
    title: str
    status: str
    applied_on: date | None
    added_on: date


@dataclass(frozen=True)
class DoorReopening:
    employer_id: int
    employer: str
    rejected_on: date | None
    finalist_rank: int | None
    check_openings: list[Opening]
    new_jobs: list[SecondChance]


@dataclass(frozen=True)
class NextTask:
    id: int
    kind: str
    title: str
    due: date
    contact: str | None
    employer: str | None


@dataclass(frozen=True)
class Change:
    this_period: float | None
    previous_period: float | None
    change: float | None

    @classmethod
    def of(cls, now: float | None, before: float | None) -> "Change":
        both = now is not None and before is not None
        return cls(now, before, round(now - before, 4) if both else None)  # type: ignore[operator]


@dataclass(frozen=True)
class Review:
    period: Period
    previous_period: Period
    empty: bool  # nothing recorded at all yet
    headline: dict[str, Change]
    activity: Activity
    replies: Replies
    funnel: list[FunnelRow]
    going_cold: list[GoingCold]
    door_reopening: list[DoorReopening]
    next_week: list[NextTask]


_WHEN = ("this", "before", "all")  # the windows each count is kept for


def weekly_review(*, session: Session, now: datetime, period: Period) -> Review:
    zone = now.tzinfo
    this = _Window(period, zone)
    before = _Window(period.previous, zone)
    touches = _touch_counts(session, this, before)
    # still open, and due on or before the period's last day (before today if that is today)
    overdue_before = min(period.end + timedelta(days=1), now.date())
    tasks = _task_counts(session, this, before, overdue_before=overdue_before)
    rejections = _rejections(session, period)
    answered, answered_before = _answered(session, this, before, zone)
    advocates, advocates_before = _new_advocates(session, this, before, zone)
    activity = Activity(
        touches=touches.by_kind(),
        touches_out=touches.total(Direction.OUT, "this"),
        touches_in=touches.total(Direction.IN, "this"),
        notes=touches.notes,
        thank_yous_sent=touches.thank_yous("this").sent,
        rejections_received=rejections[0],
        tasks_done=tasks["done_this"],
        tasks_skipped=tasks["skipped_this"],
        tasks_overdue=tasks["overdue"],
    )
    replies = Replies(
        answered=answered,
        thank_you_reply_rate=ReplyRate(*(touches.thank_yous(w) for w in _WHEN)),
        nurture_reply_rate=ReplyRate(*(touches.nurture(w) for w in _WHEN)),
        new_advocates=advocates,
    )
    before_figures = {
        "touches_out": touches.total(Direction.OUT, "before"),
        "touches_in": touches.total(Direction.IN, "before"),
        "thank_yous_sent": replies.thank_you_reply_rate.previous_period.sent,
        "rejections_received": rejections[1],
        "people_who_answered": answered_before,
        "new_advocates": advocates_before,
        "tasks_done": tasks["done_before"],
        "tasks_skipped": tasks["skipped_before"],
        "thank_you_reply_rate": replies.thank_you_reply_rate.previous_period.rate,
        "nurture_reply_rate": replies.nurture_reply_rate.previous_period.rate,
    }
    this_figures = {
        "touches_out": activity.touches_out,
        "touches_in": activity.touches_in,
        "thank_yous_sent": activity.thank_yous_sent,
        "rejections_received": activity.rejections_received,
        "people_who_answered": len(answered),
        "new_advocates": len(advocates),
        "tasks_done": activity.tasks_done,
        "tasks_skipped": activity.tasks_skipped,
        "thank_you_reply_rate": replies.thank_you_reply_rate.this_period.rate,
        "nurture_reply_rate": replies.nurture_reply_rate.this_period.rate,
    }
    funnel = _funnel(session, now.date())
    return Review(
        period=period,
        previous_period=period.previous,
        empty=_nothing_recorded(session),
        headline={k: Change.of(v, before_figures[k]) for k, v in this_figures.items()},
        activity=activity,
        replies=replies,
        funnel=funnel,
        going_cold=_going_cold(session, now),
        door_reopening=_door_reopening(session, now, funnel),
        next_week=_next_week(session, now.date()),
    )


class _Window:
    """A period as the moments it spans, in UTC: [local midnight of start, of end + 1)."""

    def __init__(self, period: Period, zone: tzinfo | None) -> None:
        self.period = period
        self.begins = _midnight(period.start, zone)
        self.ends = _midnight(period.end + timedelta(days=1), zone)

    def holds(self, moment: Any) -> ColumnElement[bool]:
        return and_(moment >= self.begins, moment < self.ends)


def _midnight(day: date, zone: tzinfo | None) -> datetime:
    """When a local day begins, in UTC as moments are stored."""
    return datetime.combine(day, time(0), tzinfo=zone).astimezone(UTC)


def _count(condition: ColumnElement[bool]) -> Any:
    return func.sum(case((condition, 1), else_=0))


def _is_touch(t: Any = Touchpoint) -> ColumnElement[bool]:
    return col(t.kind) != TouchKind.NOTE.value


def _incoming(t: Any = Touchpoint) -> ColumnElement[bool]:
    return and_(col(t.direction) == Direction.IN.value, _is_touch(t))


def _latest_incoming() -> Any:
    """Each contact's latest incoming touch: an outgoing one at or before it was answered."""
    t = Touchpoint
    return (
        select(t.contact_id, func.max(t.happened_at).label("at"))
        .where(_incoming())
        .group_by(col(t.contact_id))
        .subquery()
    )


@dataclass
class _TouchCounts:
    """Per (kind, direction): how many in each window, and how many of those were answered."""

    rows: dict[tuple[str, str], dict[str, int]]
    notes: int

    def by_kind(self) -> list[KindCount]:
        found = []
        for kind in TouchKind:
            if kind == TouchKind.NOTE:
                continue
            out = self._get(kind.value, Direction.OUT.value, "this")
            in_ = self._get(kind.value, Direction.IN.value, "this")
            if out or in_:
                found.append(KindCount(kind.value, out, in_))
        return found

    def total(self, direction: Direction, when: str) -> int:
        return sum(v[when] for (_, d), v in self.rows.items() if d == direction.value)

    def thank_yous(self, when: str) -> Rate:
        row = self.rows.get((TouchKind.THANK_YOU.value, Direction.OUT.value), {})
        return Rate.of(row.get(when, 0), row.get(f"answered_{when}", 0))

    def nurture(self, when: str) -> Rate:
        rows = [
            v
            for (k, d), v in self.rows.items()
            if d == Direction.OUT.value and k != TouchKind.THANK_YOU.value
        ]
        return Rate.of(sum(v[when] for v in rows), sum(v[f"answered_{when}"] for v in rows))

    def _get(self, kind: str, direction: str, when: str) -> int:
        return self.rows.get((kind, direction), {}).get(when, 0)


def _touch_counts(session: Session, this: _Window, before: _Window) -> _TouchCounts:
    """One scan: every touch counted by kind and direction, per window, with its answers."""
    t = Touchpoint
    latest = _latest_incoming()
    answered = latest.c.at >= col(t.happened_at)
    happened = col(t.happened_at)
    query = (
        sa_select(
            col(t.kind),
            col(t.direction),
            func.count(),
            _count(answered),
            _count(this.holds(happened)),
            _count(and_(this.holds(happened), answered)),
            _count(before.holds(happened)),
            _count(and_(before.holds(happened), answered)),
        )
        .outerjoin(latest, latest.c.contact_id == col(t.contact_id))
        .group_by(col(t.kind), col(t.direction))
    )
    rows: dict[tuple[str, str], dict[str, int]] = {}
    notes = 0
    for kind, direction, *n in session.execute(query):
        counts = [int(x or 0) for x in n]
        if kind == TouchKind.NOTE.value:
            notes += counts[2]
            continue
        names = ("all", "answered_all", "this", "answered_this", "before", "answered_before")
        rows[(kind, direction)] = dict(zip(names, counts, strict=True))
    return _TouchCounts(rows, notes)


def _task_counts(
    session: Session, this: _Window, before: _Window, *, overdue_before: date
) -> dict[str, int]:
    closed = col(Task.closed_at)
    done = col(Task.status) == TaskStatus.DONE.value
    skipped = col(Task.status) == TaskStatus.SKIPPED.value
    overdue = and_(col(Task.status) == TaskStatus.OPEN.value, col(Task.due) < overdue_before)
    row = session.execute(
        sa_select(
            _count(and_(done, this.holds(closed))),
            _count(and_(done, before.holds(closed))),
            _count(and_(skipped, this.holds(closed))),
            _count(and_(skipped, before.holds(closed))),
            _count(overdue),
        )
    ).one()
    names = ("done_this", "done_before", "skipped_this", "skipped_before", "overdue")
    return dict(zip(names, (int(x or 0) for x in row), strict=True))


def _rejections(session: Session, period: Period) -> tuple[int, int]:
    def within(p: Period) -> ColumnElement[bool]:
        return col(Job.rejected_on).between(p.start, p.end)

    row = session.execute(
        sa_select(_count(within(period)), _count(within(period.previous))).where(
            col(Job.rejected_on).is_not(None)
        )
    ).one()
    return int(row[0] or 0), int(row[1] or 0)


def _answered(
    session: Session, this: _Window, before: _Window, zone: tzinfo | None
) -> tuple[list[Answer], int]:
    """Who sent something in the period (latest first), and how many people did before."""
    t = Touchpoint
    last = func.max(col(t.happened_at))
    query = (
        sa_select(col(Contact.id), col(Contact.name), col(Employer.name), func.count(), last)
        .join(Contact, col(Contact.id) == t.contact_id)
        .outerjoin(Employer, col(Employer.id) == Contact.employer_id)
        .where(_incoming(), this.holds(col(t.happened_at)))
        .group_by(col(Contact.id), col(Contact.name), col(Employer.name))
        .order_by(last.desc(), col(Contact.id))
    )
    answered = [
        Answer(cid or 0, name, employer, n, _local(at, zone))
        for cid, name, employer, n, at in session.execute(query)
    ]
    earlier = session.exec(
        select(func.count(func.distinct(t.contact_id))).where(
            _incoming(), before.holds(col(t.happened_at))
        )
    ).one()
    return answered, int(earlier or 0)


def _new_advocates(
    session: Session, this: _Window, before: _Window, zone: tzinfo | None
) -> tuple[list[Advocate], int]:
    """Contacts whose first incoming touch falls in the period, and how many did before.

    Only the incoming touches of the two periods are grouped: a contact who had answered
    before them is left out by an index probe, not by grouping every touch ever.
    """
    t, earlier = Touchpoint, aliased(Touchpoint)
    answered_earlier = (
        select(earlier.id)
        .where(
            col(earlier.contact_id) == col(t.contact_id),
            _incoming(earlier),
            col(earlier.happened_at) < before.begins,
        )
        .exists()
    )
    first = (
        select(t.contact_id, func.min(t.happened_at).label("at"))
        .where(
            _incoming(),
            col(t.happened_at) >= before.begins,
            col(t.happened_at) < this.ends,
            ~answered_earlier,
        )
        .group_by(col(t.contact_id))
        .subquery()
    )
    query = (
        select(Contact.id, Contact.name, Employer.name, first.c.at)
        .join(Contact, col(Contact.id) == first.c.contact_id)
        .outerjoin(Employer, col(Employer.id) == Contact.employer_id)
        .order_by(first.c.at, col(Contact.id))
    )
    found = [
        Advocate(cid or 0, name, employer, _local(at, zone))
        for cid, name, employer, at in session.exec(query)
    ]
    begins = this.begins
    return [a for a in found if a.first_reply >= begins], sum(a.first_reply < begins for a in found)


def _funnel(session: Session, today: date) -> list[FunnelRow]:
    """Per employer with people or a rejection: how far each relationship has come."""
    t = Touchpoint
    out = col(t.direction) == Direction.OUT.value
    thank_you = and_(out, col(t.kind) == TouchKind.THANK_YOU.value)
    other_out = and_(out, _is_touch(), col(t.kind) != TouchKind.THANK_YOU.value)
    per_contact = (
        sa_select(
            col(t.contact_id).label("contact_id"),
            func.min(case((thank_you, t.happened_at))).label("thanked"),
            func.max(case((_incoming(), t.happened_at))).label("last_in"),
            func.max(case((other_out, t.happened_at))).label("last_other_out"),
            func.max(case((col(t.kind) == TouchKind.LINKEDIN.value, 1), else_=0)).label("li"),
            func.max(case((col(t.kind) == TouchKind.INFO_INTERVIEW.value, 1), else_=0)).label(
                "info"
            ),
        )
        .group_by(col(t.contact_id))
        .subquery()
    )
    latest = (
        sa_select(col(Job.employer_id).label("employer_id"), func.max(Job.rejected_on).label("on"))
        .where(col(Job.rejected_on).is_not(None))
        .group_by(col(Job.employer_id))
        .subquery()
    )
    rank = (
        sa_select(
            col(Job.employer_id).label("employer_id"), func.min(Job.finalist_rank).label("rank")
        )
        .join(
            latest,
            and_(latest.c.employer_id == Job.employer_id, latest.c.on == Job.rejected_on),
        )
        .group_by(col(Job.employer_id))
        .subquery()
    )
    p = per_contact.c
    linked = or_(p.li == 1, col(Contact.linkedin_connected_on).is_not(None))
    query = (
        sa_select(
            col(Employer.id),
            col(Employer.name),
            func.count(col(Contact.id)),
            _count(p.thanked.is_not(None)),
            _count(p.last_in >= p.thanked),
            _count(linked),
            _count(p.info == 1),
            _count(p.last_other_out >= p.thanked),
            rank.c.rank,
            latest.c.on,
        )
        .outerjoin(
            Contact,
            and_(col(Contact.employer_id) == Employer.id, col(Contact.archived_at).is_(None)),
        )
        .outerjoin(per_contact, p.contact_id == Contact.id)
        .outerjoin(latest, latest.c.employer_id == Employer.id)
        .outerjoin(rank, rank.c.employer_id == Employer.id)
        .group_by(col(Employer.id), col(Employer.name), col(Employer.name_key), rank.c.rank)
        .group_by(latest.c.on)
        .having(or_(func.count(col(Contact.id)) > 0, latest.c.on.is_not(None)))
        .order_by(col(Employer.name_key))
    )
    return [
        FunnelRow(
            employer_id=eid,
            employer=name,
            met=int(met),
            thanked=int(thanked or 0),
            replied=int(replied or 0),
            linkedin=int(li or 0),
            info_interview=int(info or 0),
            nurturing=int(nurturing or 0),
            finalist_rank=finalist_rank,
            rejected_on=on,
            days_since_rejection=(today - on).days if on else None,
        )
        for eid, name, met, thanked, replied, li, info, nurturing, finalist_rank, on in (
            session.execute(query)
        )
    ]


def _going_cold(session: Session, now: datetime) -> list[GoingCold]:
    """Keep-in-touch contacts quiet for COLD_AFTER_DAYS, or whose nurture note is very late.

    A contact never touched is not going cold: it never was warm (and a LinkedIn import would
    otherwise fill the list with hundreds of people).
    """
    t = Touchpoint
    today = now.date()
    last = (
        select(t.contact_id, func.max(t.happened_at).label("at"))
        .where(_is_touch())
        .group_by(col(t.contact_id))
        .subquery()
    )
    nurture = (
        select(Task.contact_id, func.min(Task.due).label("due"))
        .where(
            col(Task.kind) == TaskKind.NURTURE.value,
            col(Task.status) == TaskStatus.OPEN.value,
            col(Task.contact_id).is_not(None),
        )
        .group_by(col(Task.contact_id))
        .subquery()
    )
    # quiet for COLD_AFTER_DAYS or more: the last touch's local day is at most today - 60
    quiet_before = _midnight(today - timedelta(days=COLD_AFTER_DAYS - 1), now.tzinfo)
    query = (
        sa_select(col(Contact.id), col(Contact.name), col(Employer.name), last.c.at, nurture.c.due)
        .join(last, last.c.contact_id == Contact.id)
        .outerjoin(Employer, col(Employer.id) == Contact.employer_id)
        .outerjoin(nurture, nurture.c.contact_id == Contact.id)
        .where(
            col(Contact.keep_in_touch).is_(True),
            col(Contact.archived_at).is_(None),
            or_(
                last.c.at < quiet_before,
                nurture.c.due < today - timedelta(days=LATE_NURTURE_DAYS),
            ),
        )
        .order_by(last.c.at, col(Contact.id))
    )
    found = []
    for cid, name, employer, at, due in session.execute(query):
        touched = _local(at, now.tzinfo)
        late = (today - due).days if due is not None and due < today else None
        found.append(
            GoingCold(cid or 0, name, employer, touched, (today - touched.date()).days, due, late)
        )
    return found


def _door_reopening(
    session: Session, now: datetime, funnel: list[FunnelRow]
) -> list[DoorReopening]:
    """Employers with a check of their openings due, or a job added after they said no."""
    today = now.date()
    openings: dict[int, list[Opening]] = {}
    names: dict[int, str] = {}
    for task_id, title, due, eid, name in session.execute(
        sa_select(
            col(Task.id), col(Task.title), col(Task.due), col(Task.employer_id), col(Employer.name)
        )
        .join(Employer, col(Employer.id) == Task.employer_id)
        .where(
            col(Task.kind) == TaskKind.CHECK_OPENINGS.value,
            col(Task.status) == TaskStatus.OPEN.value,
            col(Task.due) <= today,
        )
        .order_by(col(Task.due), col(Task.id))
    ):
        openings.setdefault(eid or 0, []).append(Opening(task_id or 0, title, due))
        names[eid or 0] = name
    chances: dict[int, list[SecondChance]] = {}
    for chance, eid, name in _second_chances(session, now):
        chances.setdefault(eid, []).append(chance)
        names[eid] = name
    rejected = {row.employer_id: row for row in funnel}
    doors = [
        DoorReopening(
            employer_id=eid,
            employer=names[eid],
            rejected_on=rejected[eid].rejected_on if eid in rejected else None,
            finalist_rank=rejected[eid].finalist_rank if eid in rejected else None,
            check_openings=openings.get(eid, []),
            new_jobs=chances.get(eid, []),
        )
        for eid in names
    ]
    # the wins first: a job added after a rejection is the second chance the advice is for
    return sorted(doors, key=lambda d: (not d.new_jobs, d.employer.casefold(), d.employer_id))


def _second_chances(session: Session, now: datetime) -> list[tuple[SecondChance, int, str]]:
    """Live jobs applied for (or, without that date, added) after the employer's first no.

    Only jobs at employers that said no are read, and there are few of those: the date test
    is done here because a job's local day of creation is not portable SQL.
    """
    first = (
        sa_select(col(Job.employer_id).label("employer_id"), func.min(Job.rejected_on).label("on"))
        .where(col(Job.rejected_on).is_not(None))
        .group_by(col(Job.employer_id))
        .subquery()
    )
    query = (
        select(Job, Employer.name, first.c.on)
        .join(first, first.c.employer_id == Job.employer_id)
        .join(Employer, col(Employer.id) == Job.employer_id)
        .where(
            col(Job.status).in_(SECOND_CHANCE),
            or_(col(Job.applied_on).is_(None), col(Job.applied_on) > first.c.on),
        )
        .order_by(col(Job.id))
    )
    found = []
    for job, name, first_no in session.exec(query):
        added = job.created_at.astimezone(now.tzinfo).date()
        if (job.applied_on or added) > first_no:
            chance = SecondChance(job.id or 0, job.title, job.status, job.applied_on, added)
            found.append((chance, job.employer_id, name))
    return found


def _next_week(session: Session, today: date) -> list[NextTask]:
    person = aliased(Contact)
    query = (
        sa_select(
            col(Task.id),
            col(Task.kind),
            col(Task.title),
            col(Task.due),
            col(person.name),
            col(Employer.name),
        )
        .outerjoin(person, col(person.id) == col(Task.contact_id))
        .outerjoin(
            Employer, col(Employer.id) == func.coalesce(Task.employer_id, person.employer_id)
        )
        .where(
            col(Task.status) == TaskStatus.OPEN.value,
            col(Task.due).between(today, today + timedelta(days=NEXT_DAYS)),
        )
        .order_by(col(Task.due), col(Task.id))
    )
    return [NextTask(*row) for row in session.execute(query)]


def _nothing_recorded(session: Session) -> bool:
    return all(
        session.exec(select(model.id).limit(1)).first() is None
        for model in (Employer, Contact, Job, Touchpoint, Task)
    )


def _local(value: datetime, zone: tzinfo | None) -> datetime:
    return value.astimezone(zone)
