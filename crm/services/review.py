"""The weekly review: what the user did, what came back, who is going cold, what comes next.

Every figure comes from an aggregate or a bounded query (GROUP BY, COUNT, CASE, an index probe
per thank-you), so the review costs a few scans of the touchpoints however many there are;
Python only sees the rows the report shows. Where a relationship stands (gone quiet, dormant)
is the plan's to say: the review asks `crm.services.plan.relationships` for the few contacts
a bounded query names, and never re-derives the rule. Definitions (docs/review.md says the
same for users):

- The period is local days [start, end]; a moment belongs to it when it falls in
  [local midnight of start, local midnight of end + 1). The previous period is as many days just
  before.
- Touches are touchpoints other than memos (`crm log note`). An answer is what the plan calls
  one (crm/services/relationships.py): anything that comes in, or a conversation (a call, a
  meeting, an interview, an informational interview). A nurture note is an email out that
  asked for nothing (no purpose); an interview request is an email out with the purpose
  `info-interview-request`.
- A thank-you (or a nurture note) is answered when the contact's first answer at or after it
  comes within `reply_window_days` and before the user's next touch that asked for one (an
  answer to a later email answers that email). The reply rate is answered / sent, None when
  nothing was sent.
- A new advocate is a contact whose first answer falls in the period.
- The funnel lists processes: employers with a job added, applied for or rejected in the
  period, or a rejection in the last REJECTED_WITHIN_DAYS days, the most recent first. Each
  person counts at the employer where they were met (the plan's process: the employer of the
  first rejection among where they work and worked), and an imported connection counts only
  once met (a role other than `connection`, or thanked).
"""

from collections.abc import Iterable
from dataclasses import dataclass
from datetime import UTC, date, datetime, time, timedelta, tzinfo
from typing import Any

from dateutil.relativedelta import relativedelta
from sqlalchemy import ColumnElement, and_, case, literal, or_, union
from sqlalchemy import select as sa_select  # sqlmodel's select stops at four columns
from sqlalchemy.orm import aliased
from sqlmodel import Session, col, func, select

from crm.errors import BadInput
from crm.kinds import Direction, JobStatus, Purpose, Role, TaskKind, TaskStatus, TouchKind
from crm.models import Contact, Employer, Employment, Job, Task, Touchpoint
from crm.services.agenda import EVERY, SECTION_SQL, TASKS, TaskLine
from crm.services.cadence import OFF, cadence_step
from crm.services.relationships import CONVERSATIONS, local
from crm.services.review_pipeline import PipelineReview, pipeline_review
from crm.settings import Plan

DEFAULT_DAYS = 7
MAX_DAYS = 3660
NEXT_DAYS = 7  # "next week": open tasks due today through a week from today, as `crm today`
COLD_AFTER_DAYS = 60  # nobody touched the relationship for this many days or more
LATE_NURTURE_DAYS = 14  # a nurture note more than this many days late
REJECTED_WITHIN_DAYS = 90  # the funnel keeps a process this long after its rejection
REQUEST = Purpose.INFO_INTERVIEW_REQUEST.value  # an email asking for an informational interview
# jobs that are still alive (or won): a second chance at an employer that said no before
SECOND_CHANCE = (
    JobStatus.APPLIED.value,
    JobStatus.SCREENING.value,
    JobStatus.INTERVIEWING.value,
    JobStatus.OFFER.value,
    JobStatus.ACCEPTED.value,
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
    tasks_expired: int  # plan tasks left alone past their use, closed by the plan
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
    replies: int  # answers in the period: what came in, and conversations
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
    """Distinct contacts met in one employer's process (archived ones left out) who reached
    each stage."""

    employer_id: int
    employer: str
    met: int
    thanked: int
    replied: int  # an answer at or after their first thank-you
    linkedin: int
    info_interview_asked: int  # an informational interview asked for (or held)
    info_interview: int  # an informational interview held
    nurturing: int  # a nurture note at or after their first thank-you
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
class WentQuiet:
    """A relationship the plan let go in the period: no more tasks until a new touch."""

    contact_id: int
    contact: str
    employer: str | None  # where they were met
    on: date  # the day it went quiet
    why: str  # "unanswered" (the notes ran out) or "dormant" (no touch for long)
    unanswered: int  # notes nobody answered
    last_touch: datetime


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
    went_quiet: list[WentQuiet]
    expired: list[TaskLine]  # in the one shape every task list has (crm/services/agenda.py)
    door_reopening: list[DoorReopening]
    next_week: list[TaskLine]
    pipeline: PipelineReview | None = None  # the job search (crm/services/review_pipeline.py)


def weekly_review(*, session: Session, now: datetime, period: Period, plan: Plan) -> Review:
    """The review of `period`; `plan`: the [plan] settings (the reply window, dormancy)."""
    zone = now.tzinfo
    this = _Window(period, zone)
    before = _Window(period.previous, zone)
    touches = _touch_counts(session, this, before)
    # still open, and due on or before the period's last day (before today if that is today)
    overdue_before = min(period.end + timedelta(days=1), now.date())
    tasks = _task_counts(session, this, before, overdue_before=overdue_before)
    rejections = _rejections(session, period)
    rates = _reply_rates(session, this, before, plan.reply_window_days)
    answered, answered_before = _answered(session, this, before, zone)
    advocates, advocates_before = _new_advocates(session, this, before, zone)
    activity = Activity(
        touches=touches.by_kind(),
        touches_out=touches.total(Direction.OUT, "this"),
        touches_in=touches.total(Direction.IN, "this"),
        notes=touches.notes,
        thank_yous_sent=touches.thank_yous("this"),
        rejections_received=rejections[0],
        tasks_done=tasks["done_this"],
        tasks_skipped=tasks["skipped_this"],
        tasks_expired=tasks["expired_this"],
        tasks_overdue=tasks["overdue"],
    )
    replies = Replies(
        answered=answered,
        thank_you_reply_rate=rates["thank_you"],
        nurture_reply_rate=rates["nurture"],
        new_advocates=advocates,
    )
    before_figures = {
        "touches_out": touches.total(Direction.OUT, "before"),
        "touches_in": touches.total(Direction.IN, "before"),
        "thank_yous_sent": touches.thank_yous("before"),
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
    return Review(
        period=period,
        previous_period=period.previous,
        empty=_nothing_recorded(session),
        headline={k: Change.of(v, before_figures[k]) for k, v in this_figures.items()},
        activity=activity,
        replies=replies,
        funnel=_funnel(session, this, now),
        going_cold=_going_cold(session, now, plan),
        went_quiet=_went_quiet(session, now, period, plan),
        expired=_expired(session, this),
        door_reopening=_door_reopening(session, now),
        next_week=_next_week(session, now.date()),
        pipeline=pipeline_review(session=session, now=now, start=period.start, end=period.end),
    )


class _Window:
    """A period as the moments it spans, in UTC: [local midnight of start, of end + 1)."""

    def __init__(self, period: Period, zone: tzinfo | None) -> None:
        self.period = period
        self.begins = _midnight(period.start, zone)
        self.ends = _midnight(period.end + timedelta(days=1), zone)

    def holds(self, moment: Any) -> ColumnElement[bool]:
        return and_(moment >= self.begins, moment < self.ends)

    def has(self, moment: datetime) -> bool:
        return self.begins <= moment < self.ends


def _midnight(day: date, zone: tzinfo | None) -> datetime:
    """When a local day begins, in UTC as moments are stored."""
    return datetime.combine(day, time(0), tzinfo=zone).astimezone(UTC)


def _count(condition: ColumnElement[bool]) -> Any:
    return func.sum(case((condition, 1), else_=0))


# ---- what a touch is, in the plan's words (crm/services/relationships.py) ----------------


def _is_touch(t: Any = Touchpoint) -> ColumnElement[bool]:
    return col(t.kind) != TouchKind.NOTE.value


def _is_answer(t: Any = Touchpoint) -> ColumnElement[bool]:
    """Anything that comes in, or a conversation they took part in (`Touch.is_answer`)."""
    return and_(
        _is_touch(t),
        or_(col(t.direction) == Direction.IN.value, col(t.kind).in_(sorted(CONVERSATIONS))),
    )


def _asks(t: Any = Touchpoint) -> ColumnElement[bool]:
    """A touch of the user's that waits for an answer: out, and not itself a conversation."""
    return and_(
        _is_touch(t),
        col(t.direction) == Direction.OUT.value,
        col(t.kind).not_in(sorted(CONVERSATIONS)),
    )


def _is_thank_you(t: Any = Touchpoint) -> ColumnElement[bool]:
    return and_(col(t.kind) == TouchKind.THANK_YOU.value, col(t.direction) == Direction.OUT.value)


def _is_note(t: Any = Touchpoint) -> ColumnElement[bool]:
    """A gentle note (`Touch.is_note`): an email out that asked for nothing."""
    return and_(
        col(t.kind) == TouchKind.EMAIL.value,
        col(t.direction) == Direction.OUT.value,
        col(t.purpose).is_(None),
    )


def _is_request(t: Any = Touchpoint) -> ColumnElement[bool]:
    return and_(col(t.direction) == Direction.OUT.value, col(t.purpose) == REQUEST)


# ---- activity ----------------------------------------------------------------------------


@dataclass
class _TouchCounts:
    """Per (kind, direction): how many in each window; interview requests apart from email."""

    rows: dict[tuple[str, str], dict[str, int]]
    notes: int

    def by_kind(self) -> list[KindCount]:
        order = [k.value for k in TouchKind if k != TouchKind.NOTE]
        order.insert(order.index(TouchKind.INFO_INTERVIEW.value), REQUEST)
        order += sorted({k for k, _ in self.rows} - set(order))  # kinds a newer crm logs
        found = []
        for kind in order:
            out = self._get(kind, Direction.OUT.value, "this")
            in_ = self._get(kind, Direction.IN.value, "this")
            if out or in_:
                found.append(KindCount(kind, out, in_))
        return found

    def total(self, direction: Direction, when: str) -> int:
        return sum(v[when] for (_, d), v in self.rows.items() if d == direction.value)

    def thank_yous(self, when: str) -> int:
        return self._get(TouchKind.THANK_YOU.value, Direction.OUT.value, when)

    def _get(self, kind: str, direction: str, when: str) -> int:
        return self.rows.get((kind, direction), {}).get(when, 0)


def _touch_counts(session: Session, this: _Window, before: _Window) -> _TouchCounts:
    """One scan of the two periods: touches counted by kind and direction, per window."""
    t = Touchpoint
    happened = col(t.happened_at)
    kind = case((_is_request(), literal(REQUEST)), else_=col(t.kind))
    query = (
        sa_select(
            kind, col(t.direction), _count(this.holds(happened)), _count(before.holds(happened))
        )
        .where(happened >= before.begins, happened < this.ends)
        .group_by(kind, col(t.direction))
    )
    rows: dict[tuple[str, str], dict[str, int]] = {}
    notes = 0
    for name, direction, *n in session.execute(query):
        counts = [int(x or 0) for x in n]
        if name == TouchKind.NOTE.value:
            notes += counts[0]
            continue
        rows[(name, direction)] = dict(zip(("this", "before"), counts, strict=True))
    return _TouchCounts(rows, notes)


def _task_counts(
    session: Session, this: _Window, before: _Window, *, overdue_before: date
) -> dict[str, int]:
    closed = col(Task.closed_at)
    done = col(Task.status) == TaskStatus.DONE.value
    skipped = col(Task.status) == TaskStatus.SKIPPED.value
    expired = col(Task.status) == TaskStatus.EXPIRED.value
    overdue = and_(col(Task.status) == TaskStatus.OPEN.value, col(Task.due) < overdue_before)
    row = session.execute(
        sa_select(
            _count(and_(done, this.holds(closed))),
            _count(and_(done, before.holds(closed))),
            _count(and_(skipped, this.holds(closed))),
            _count(and_(skipped, before.holds(closed))),
            _count(and_(expired, this.holds(closed))),
            _count(overdue),
        )
    ).one()
    names = (
        "done_this",
        "done_before",
        "skipped_this",
        "skipped_before",
        "expired_this",
        "overdue",
    )
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


# ---- replies -----------------------------------------------------------------------------


def _reply_rates(
    session: Session, this: _Window, before: _Window, window_days: int
) -> dict[str, ReplyRate]:
    """Thank-yous and nurture notes sent, and how many of them were answered.

    For each one, two index probes on the contact's history: the first answer at or after
    it, and the user's next touch that asked for one. It was answered when that answer came
    within `window_days` and before the next ask (an answer to a later email is the email's).
    """
    sent, answer, ask = aliased(Touchpoint), aliased(Touchpoint), aliased(Touchpoint)
    first_answer = (
        sa_select(func.min(answer.happened_at))
        .where(
            col(answer.contact_id) == col(sent.contact_id),
            col(answer.happened_at) >= col(sent.happened_at),
            _is_answer(answer),
        )
        .scalar_subquery()
    )
    next_ask = (
        sa_select(func.min(ask.happened_at))
        .where(
            col(ask.contact_id) == col(sent.contact_id),
            or_(
                col(ask.happened_at) > col(sent.happened_at),
                and_(col(ask.happened_at) == col(sent.happened_at), col(ask.id) > col(sent.id)),
            ),
            _asks(ask),
        )
        .scalar_subquery()
    )
    which = case((_is_thank_you(sent), literal("thank_you")), else_=literal("nurture"))
    each = (
        sa_select(
            which.label("which"),
            col(sent.happened_at).label("at"),
            first_answer.label("answer"),
            next_ask.label("next_ask"),
        )
        .where(or_(_is_thank_you(sent), _is_note(sent)))
        .subquery()
    )
    e = each.c
    answered = and_(
        e.answer.is_not(None),
        _no_later_than(session, e.answer, e.at, window_days),
        or_(e.next_ask.is_(None), e.answer < e.next_ask),
    )
    query = sa_select(
        e.which,
        func.count(),
        _count(answered),
        _count(this.holds(e.at)),
        _count(and_(this.holds(e.at), answered)),
        _count(before.holds(e.at)),
        _count(and_(before.holds(e.at), answered)),
    ).group_by(e.which)
    counts = {name: [int(x or 0) for x in n] for name, *n in session.execute(query)}
    rates = {}
    for name in ("thank_you", "nurture"):
        n = counts.get(name, [0] * 6)
        rates[name] = ReplyRate(
            this_period=Rate.of(n[2], n[3]),
            previous_period=Rate.of(n[4], n[5]),
            all_time=Rate.of(n[0], n[1]),
        )
    return rates


def _no_later_than(session: Session, later: Any, earlier: Any, days: int) -> ColumnElement[bool]:
    """`later` at most `days` days after `earlier` (moments): date arithmetic is not portable
    SQL, so each database does it its own way, to the millisecond on SQLite."""
    if session.get_bind().dialect.name == "sqlite":
        apart = func.round((func.julianday(later) - func.julianday(earlier)) * 86_400_000)
        return apart <= days * 86_400_000
    return later <= earlier + timedelta(days=days)


def _answered(
    session: Session, this: _Window, before: _Window, zone: tzinfo | None
) -> tuple[list[Answer], int]:
    """Who answered in the period (latest first), and how many people did before."""
    t = Touchpoint
    last = func.max(col(t.happened_at))
    query = (
        sa_select(col(Contact.id), col(Contact.name), col(Employer.name), func.count(), last)
        .join(Contact, col(Contact.id) == t.contact_id)
        .outerjoin(Employer, col(Employer.id) == Contact.employer_id)
        .where(_is_answer(), this.holds(col(t.happened_at)))
        .group_by(col(Contact.id), col(Contact.name), col(Employer.name))
        .order_by(last.desc(), col(Contact.id))
    )
    answered = [
        Answer(cid or 0, name, employer, n, _local(at, zone))
        for cid, name, employer, n, at in session.execute(query)
    ]
    earlier = session.exec(
        select(func.count(func.distinct(t.contact_id))).where(
            _is_answer(), before.holds(col(t.happened_at))
        )
    ).one()
    return answered, int(earlier or 0)


def _new_advocates(
    session: Session, this: _Window, before: _Window, zone: tzinfo | None
) -> tuple[list[Advocate], int]:
    """Contacts whose first answer falls in the period, and how many did before.

    Only the answers of the two periods are grouped: a contact who had answered before them
    is left out by an index probe, not by grouping every touch ever.
    """
    t, earlier = Touchpoint, aliased(Touchpoint)
    answered_earlier = (
        select(earlier.id)
        .where(
            col(earlier.contact_id) == col(t.contact_id),
            _is_answer(earlier),
            col(earlier.happened_at) < before.begins,
        )
        .exists()
    )
    first = (
        select(t.contact_id, func.min(t.happened_at).label("at"))
        .where(
            _is_answer(),
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


# ---- the funnel: processes, and the people met in each ------------------------------------


def _processes(session: Session, this: _Window, now: datetime) -> list[int]:
    """Employers with a job added, applied for or rejected in the period, or rejected in the
    last REJECTED_WITHIN_DAYS days: the most recent first. Jobs, not the address book."""
    period = this.period
    recent = now.date() - timedelta(days=REJECTED_WITHIN_DAYS)
    query = sa_select(
        col(Job.employer_id), col(Job.created_at), col(Job.applied_on), col(Job.rejected_on)
    ).where(
        or_(
            col(Job.rejected_on) >= recent,
            col(Job.rejected_on).between(period.start, period.end),
            col(Job.applied_on).between(period.start, period.end),
            this.holds(col(Job.created_at)),
        )
    )
    latest: dict[int, date] = {}
    for employer_id, created, applied, rejected in session.execute(query):
        moment = local(created, now.tzinfo)
        added = moment.date() if moment is not None and this.has(moment) else None
        days = [d for d in (added, applied, rejected) if d is not None and d <= period.end]
        if days:
            latest[employer_id] = max(latest.get(employer_id, date.min), *days)
    return sorted(latest, key=lambda e: (-latest[e].toordinal(), e))


def _met_at(session: Session, contacts: Any = None) -> Any:
    """(contact_id, employer_id): the employer of each contact's process, as the plan reads it.

    Where they work now and where an import saw them work before, the employer whose first
    rejection came first (all of them on a tie); with no rejection anywhere, where they work.
    `contacts`: a selectable of contact ids to limit it to (None: everyone).
    """
    where = [col(Contact.archived_at).is_(None)]
    if contacts is not None:
        where.append(col(Contact.id).in_(contacts))
    works = union(
        sa_select(
            col(Contact.id).label("contact_id"), col(Contact.employer_id).label("employer_id")
        ).where(col(Contact.employer_id).is_not(None), *where),
        sa_select(col(Employment.contact_id), col(Employment.employer_id))
        .join(Contact, col(Contact.id) == Employment.contact_id)
        .where(col(Employment.employer_id).is_not(None), *where),
    ).subquery()
    first_no = (
        sa_select(col(Job.employer_id).label("employer_id"), func.min(Job.rejected_on).label("on"))
        .where(col(Job.rejected_on).is_not(None))
        .group_by(col(Job.employer_id))
        .subquery()
    )
    w, f = works.c, first_no.c
    earliest = (
        sa_select(w.contact_id.label("contact_id"), func.min(f.on).label("on"))
        .join(first_no, f.employer_id == w.employer_id)
        .group_by(w.contact_id)
        .subquery()
    )
    rejected = (
        sa_select(w.contact_id, w.employer_id)
        .join(first_no, f.employer_id == w.employer_id)
        .join(earliest, and_(earliest.c.contact_id == w.contact_id, earliest.c.on == f.on))
    )
    never = (
        sa_select(col(Contact.id), col(Contact.employer_id))
        .outerjoin(earliest, earliest.c.contact_id == Contact.id)
        .where(col(Contact.employer_id).is_not(None), earliest.c.contact_id.is_(None), *where)
    )
    return union(rejected, never).subquery()


def _funnel(session: Session, this: _Window, now: datetime) -> list[FunnelRow]:
    """Per process: how far each relationship with the people met there has come."""
    today = now.date()
    listed = _processes(session, this, now)
    if not listed:
        return []
    t = Touchpoint
    # only those who work or worked at a listed employer can have been met there: the rest
    # of the address book (100,000 people at the benchmark's 10x) is never grouped
    at_listed: Any = union(
        sa_select(col(Contact.id)).where(col(Contact.employer_id).in_(listed)),
        sa_select(col(Employment.contact_id)).where(col(Employment.employer_id).in_(listed)),
    )
    met_at = _met_at(session, contacts=at_listed)
    people = (
        sa_select(met_at.c.contact_id, met_at.c.employer_id)
        .where(met_at.c.employer_id.in_(listed))
        .subquery()
    )
    per_contact = (
        sa_select(
            col(t.contact_id).label("contact_id"),
            func.min(case((_is_thank_you(), t.happened_at))).label("thanked"),
            func.max(case((_is_answer(), t.happened_at))).label("last_answer"),
            func.max(case((_is_note(), t.happened_at))).label("last_note"),
            func.max(case((col(t.kind) == TouchKind.LINKEDIN.value, 1), else_=0)).label("li"),
            func.max(case((_is_request(), 1), else_=0)).label("asked"),
            func.max(case((col(t.kind) == TouchKind.INFO_INTERVIEW.value, 1), else_=0)).label(
                "held"
            ),
        )
        .where(col(t.contact_id).in_(sa_select(people.c.contact_id)))
        .group_by(col(t.contact_id))
        .subquery()
    )
    p = per_contact.c
    met = or_(col(Contact.role) != Role.CONNECTION.value, p.thanked.is_not(None))
    linked = or_(p.li == 1, col(Contact.linkedin_connected_on).is_not(None))
    query = (
        sa_select(
            people.c.employer_id,
            _count(met),
            _count(and_(met, p.thanked.is_not(None))),
            _count(and_(met, p.last_answer >= p.thanked)),
            _count(and_(met, linked)),
            _count(and_(met, or_(p.asked == 1, p.held == 1))),
            _count(and_(met, p.held == 1)),
            _count(and_(met, p.last_note >= p.thanked)),
        )
        .join(Contact, col(Contact.id) == people.c.contact_id)
        .outerjoin(per_contact, p.contact_id == people.c.contact_id)
        .group_by(people.c.employer_id)
    )
    counts = {eid: [int(x or 0) for x in n] for eid, *n in session.execute(query)}
    names = _names(session, listed)
    latest = _latest_rejections(session, listed)
    rows = []
    for eid in listed:
        met_n, thanked, replied, li, asked, held, nurturing = counts.get(eid, [0] * 7)
        on, rank = latest.get(eid, (None, None))
        rows.append(
            FunnelRow(
                employer_id=eid,
                employer=names[eid],
                met=met_n,
                thanked=thanked,
                replied=replied,
                linkedin=li,
                info_interview_asked=asked,
                info_interview=held,
                nurturing=nurturing,
                finalist_rank=rank,
                rejected_on=on,
                days_since_rejection=(today - on).days if on else None,
            )
        )
    return rows


def _names(session: Session, employers: Iterable[int]) -> dict[int, str]:
    query = sa_select(col(Employer.id), col(Employer.name)).where(
        col(Employer.id).in_(list(employers))
    )
    return {eid: name for eid, name in session.execute(query)}


def _latest_rejections(
    session: Session, employers: Iterable[int]
) -> dict[int, tuple[date, int | None]]:
    """Each employer's latest rejection, and the user's best finalist rank on that day."""
    query = (
        sa_select(col(Job.employer_id), col(Job.rejected_on), col(Job.finalist_rank))
        .where(col(Job.employer_id).in_(list(employers)), col(Job.rejected_on).is_not(None))
        .order_by(col(Job.employer_id), col(Job.rejected_on))
    )
    found: dict[int, tuple[date, int | None]] = {}
    for eid, on, rank in session.execute(query):
        before = found.get(eid)
        if before is not None and before[0] == on and before[1] is not None:
            rank = min(before[1], rank) if rank is not None else before[1]
        found[eid] = (on, rank)
    return found


# ---- relationships: going cold, gone quiet --------------------------------------------------


def _going_cold(session: Session, now: datetime, plan: Plan) -> list[GoingCold]:
    """Keep-in-touch contacts quiet for COLD_AFTER_DAYS, or whose nurture note is very late,
    while the plan still keeps the relationship (a quiet one is listed once, as gone quiet).

    A contact with their own cadence (`--every 6w`) is going cold once quiet for longer than
    it; `--every off` never is. A contact never touched is not going cold: it never was warm
    (and a LinkedIn import would otherwise fill the list with hundreds of people).
    """
    from crm.services.plan import relationships

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
    # quiet for COLD_AFTER_DAYS or more: the last touch's local day is at most today - 60;
    # and not dormant yet: then the plan has let the relationship go
    quiet_before = _midnight(today - timedelta(days=COLD_AFTER_DAYS - 1), now.tzinfo)
    dormant_before = _midnight(today - timedelta(days=plan.dormant_after_days), now.tzinfo)
    query = (
        sa_select(
            col(Contact.id),
            col(Contact.name),
            col(Employer.name),
            last.c.at,
            nurture.c.due,
            col(Contact.every),
        )
        .join(last, last.c.contact_id == Contact.id)
        .outerjoin(Employer, col(Employer.id) == Contact.employer_id)
        .outerjoin(nurture, nurture.c.contact_id == Contact.id)
        .where(
            col(Contact.keep_in_touch).is_(True),
            col(Contact.archived_at).is_(None),
            # their own cadence: the plan never lets them go quiet or dormant
            or_(last.c.at >= dormant_before, col(Contact.every).is_not(None)),
            or_(
                last.c.at < quiet_before,
                nurture.c.due < today - timedelta(days=LATE_NURTURE_DAYS),
                col(Contact.every).is_not(None),
            ),
        )
        .order_by(last.c.at, col(Contact.id))
    )
    found, own = [], set()
    for cid, name, employer, at, due, every in session.execute(query):
        touched = _local(at, now.tzinfo)
        late = (today - due).days if due is not None and due < today else None
        if every is not None:
            if not _cold_by_own_cadence(every, touched.date(), today):
                continue
            own.add(cid)
        found.append(
            GoingCold(cid or 0, name, employer, touched, (today - touched.date()).days, due, late)
        )
    # an open nurture says the plan still keeps the relationship (the review reads a current
    # plan, which closes a quiet one's note): only the others need the plan's rules read again
    unsure = [c.contact_id for c in found if c.contact_id not in own and c.nurture_due is None]
    if not unsure:
        return found
    known = relationships(session=session, zone=now.tzinfo, plan=plan, contact_ids=unsure)
    return [
        c
        for c in found
        if c.contact_id not in known or not _let_go(known[c.contact_id], today, plan)
    ]


def _let_go(rel: Any, today: date, plan: Plan) -> bool:
    return rel is not None and (rel.quiet or rel.dormant(today, plan))


def _went_quiet(session: Session, now: datetime, period: Period, plan: Plan) -> list[WentQuiet]:
    """Relationships that went quiet in the period, each once: the last unanswered note the
    plan allows was sent in it, or the last touch turned `dormant_after_days` old in it.

    A bounded query names the few contacts it can be (a note in the period; a touch, or a
    LinkedIn connection, on the days that turn dormant in it); the plan says which it is.
    """
    from crm.services.plan import relationships

    zone, t = now.tzinfo, Touchpoint
    this = _Window(period, zone)
    gap = timedelta(days=plan.dormant_after_days + 1)
    turning = Period(period.start - gap, period.end - gap, period.days)
    dormant_days = _Window(turning, zone)
    happened = col(t.happened_at)
    touched = sa_select(col(t.contact_id)).where(
        or_(
            and_(_is_note(), this.holds(happened)),
            and_(_is_touch(), dormant_days.holds(happened)),
        )
    )
    connected = sa_select(col(Contact.id)).where(
        col(Contact.linkedin_connected_on).between(turning.start, turning.end)
    )
    candidates = sa_select(col(Contact.id), col(Contact.name)).where(
        or_(col(Contact.id).in_(touched), col(Contact.id).in_(connected)),
        col(Contact.keep_in_touch).is_(True),
        col(Contact.archived_at).is_(None),
    )
    names = {cid: name for cid, name in session.execute(candidates)}
    if not names:
        return []
    known = relationships(session=session, zone=zone, plan=plan, contact_ids=sorted(names))
    gone: list[tuple[int, date, str, Any]] = []
    for cid, rel in known.items():
        last = rel.last_touch
        if rel.quiet_since is not None and this.has(rel.quiet_since):
            gone.append((cid, _local(rel.quiet_since, zone).date(), "unanswered", rel))
        elif not rel.quiet and rel.started and last is not None:
            day = _local(last.at, zone).date() + gap
            if period.start <= day <= period.end:
                gone.append((cid, day, "dormant", rel))
    employers = _employer_names_at(session, [cid for cid, *_ in gone])
    found = [
        WentQuiet(
            contact_id=cid,
            contact=names[cid],
            employer=employers.get(cid),
            on=day,
            why=why,
            unanswered=rel.unanswered,
            last_touch=_local(rel.last_touch.at, zone),
        )
        for cid, day, why, rel in gone
    ]
    return sorted(found, key=lambda q: (q.on, q.contact_id))


def _employer_names_at(session: Session, contacts: list[int]) -> dict[int, str]:
    """Where each contact was met (their process's employer), by name."""
    if not contacts:
        return {}
    met_at = _met_at(session, contacts)
    query = (
        sa_select(met_at.c.contact_id, col(Employer.name))
        .join(Employer, col(Employer.id) == met_at.c.employer_id)
        .order_by(met_at.c.contact_id, col(Employer.name_key))
    )
    found: dict[int, str] = {}
    for cid, name in session.execute(query):
        found.setdefault(cid, name)
    return found


def _cold_by_own_cadence(every: str, touched: date, today: date) -> bool:
    if every == OFF:
        return False
    unit, count = cadence_step(every)
    return today > touched + relativedelta(**{unit: count})  # type: ignore[arg-type]


def _expired(session: Session, this: _Window) -> list[TaskLine]:
    """Plan tasks that expired in the period (each closed once, so listed once), read by the
    one query every task list uses."""
    from sqlalchemy import bindparam, text

    moment = Task.__table__.c.closed_at.type  # type: ignore[attr-defined]  # stored in UTC
    query = text(
        TASKS + "WHERE t.status = :expired AND t.closed_at >= :begins AND t.closed_at < :ends"
        " ORDER BY t.due, t.id"
    ).bindparams(bindparam("begins", type_=moment), bindparam("ends", type_=moment))
    bounds = {"expired": TaskStatus.EXPIRED.value, "begins": this.begins, "ends": this.ends}
    return [TaskLine.from_row(row) for row in session.execute(query, bounds)]


# ---- door reopening, next week ------------------------------------------------------------


def _door_reopening(session: Session, now: datetime) -> list[DoorReopening]:
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
    rejected = _latest_rejections(session, names)
    doors = [
        DoorReopening(
            employer_id=eid,
            employer=names[eid],
            rejected_on=rejected[eid][0] if eid in rejected else None,
            finalist_rank=rejected[eid][1] if eid in rejected else None,
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


def _next_week(session: Session, today: date) -> list[TaskLine]:
    """The open tasks of the coming week, read by the one query every task list uses."""
    from sqlalchemy import text

    sqlite = session.get_bind().dialect.name == "sqlite"
    last = today + timedelta(days=NEXT_DAYS)
    bounds = {
        "first": today.isoformat() if sqlite else today,
        "last": last.isoformat() if sqlite else last,
        "limit": EVERY,
    }
    return [TaskLine.from_row(row) for row in session.execute(text(SECTION_SQL), bounds)]


def _nothing_recorded(session: Session) -> bool:
    return all(
        session.exec(select(model.id).limit(1)).first() is None
        for model in (Employer, Contact, Job, Touchpoint, Task)
    )


def _local(value: datetime, zone: tzinfo | None) -> datetime:
    return value.astimezone(zone)
