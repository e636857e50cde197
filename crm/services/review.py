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
  nothing was sent. For all time, the plan keeps these counts per contact as it reads each
  history (crm/services/reply_tally.py) and the review adds them up: counted here, they read
  every touch ever recorded.
- A new advocate is a contact whose first answer falls in the period.
- The funnel lists processes: employers with a job added, applied for or rejected in the
  period, or a rejection in the last REJECTED_WITHIN_DAYS days, the most recent first. Each
  person counts at the employer where they were met (the plan's process: the employer of the
  first rejection among where they work and worked), and an imported connection counts only
  once met (a role other than `connection`, or thanked).
"""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from datetime import date, datetime, timedelta, tzinfo
from typing import TYPE_CHECKING, Any

from dateutil.relativedelta import relativedelta

from crm.errors import BadInput
from crm.kinds import (
    ClosedBy,
    Direction,
    JobStatus,
    Purpose,
    Role,
    TaskKind,
    TaskStatus,
    TouchKind,
)
from crm.services import reply_tally
from crm.services.agenda import EVERY, SECTION_SQL, TASKS, TaskLine
from crm.services.cadence import OFF, cadence_step
from crm.services.relationships import CONVERSATIONS, local, midnight
from crm.services.review_pipeline import PipelineReview, pipeline_review
from crm.settings import Plan
from crm.store import Reads, day, id_list, maybe_day, reads_of

if TYPE_CHECKING:
    from sqlmodel import Session

DEFAULT_DAYS = 7
MAX_DAYS = 3660
NEXT_DAYS = 7  # "next week": open tasks due today through a week from today, as `crm today`
COLD_AFTER_DAYS = 60  # nobody touched the relationship for this many days or more
LATE_NURTURE_DAYS = 14  # a nurture note more than this many days late
REJECTED_WITHIN_DAYS = 90  # the funnel keeps a process this long after its rejection
LET_GO_BATCH = 2_000  # contacts whose relationship is read again at a time (it holds each one's)
REQUEST = Purpose.INFO_INTERVIEW_REQUEST.value  # an email asking for an informational interview
# jobs that are still alive (or won): a second chance at an employer that said no before
SECOND_CHANCE = (
    JobStatus.APPLIED.value,
    JobStatus.SCREENING.value,
    JobStatus.INTERVIEWING.value,
    JobStatus.OFFER.value,
    JobStatus.ACCEPTED.value,
)


@dataclass(frozen=True, slots=True)
class Period:
    start: date
    end: date
    days: int

    @property
    def previous(self) -> Period:
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


@dataclass(frozen=True, slots=True)
class KindCount:
    kind: str
    outgoing: int
    incoming: int


@dataclass(frozen=True, slots=True)
class Activity:
    touches: list[KindCount]  # the kinds touched in the period, in the order of TouchKind
    touches_out: int
    touches_in: int
    notes: int
    thank_yous_sent: int
    rejections_received: int
    tasks_done: int
    tasks_skipped: int  # by the user (`crm task skip`)
    tasks_expired: int  # plan tasks left alone past their use, closed by the plan
    # open tasks the plan closed when their reason went (the person archived or no longer kept
    # in touch, a job accepted): stored as skipped, but nobody skipped them
    tasks_withdrawn: int
    tasks_overdue: int  # open now and due before today: a state, not a count of the period


@dataclass(frozen=True, slots=True)
class Rate:
    sent: int
    answered: int
    rate: float | None

    @classmethod
    def of(cls, sent: int, answered: int) -> Rate:
        return cls(sent, answered, round(answered / sent, 4) if sent else None)


@dataclass(frozen=True, slots=True)
class ReplyRate:
    this_period: Rate
    previous_period: Rate
    all_time: Rate


@dataclass(frozen=True, slots=True)
class Answer:
    contact_id: int
    contact: str
    employer: str | None
    replies: int  # answers in the period: what came in, and conversations
    last_reply: datetime


@dataclass(frozen=True, slots=True)
class Advocate:
    contact_id: int
    contact: str
    employer: str | None
    first_reply: datetime


@dataclass(frozen=True, slots=True)
class Replies:
    answered: list[Answer]
    thank_you_reply_rate: ReplyRate
    nurture_reply_rate: ReplyRate
    new_advocates: list[Advocate]


@dataclass(frozen=True, slots=True)
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


@dataclass(frozen=True, slots=True)
class GoingCold:
    contact_id: int
    contact: str
    employer: str | None
    last_touch: datetime
    days_quiet: int
    nurture_due: date | None
    nurture_days_late: int | None


@dataclass(frozen=True, slots=True)
class WentQuiet:
    """A relationship the plan let go in the period: no more tasks until a new touch."""

    contact_id: int
    contact: str
    employer: str | None  # where they were met
    on: date  # the day it went quiet
    why: str  # "unanswered" (the notes ran out) or "dormant" (no touch for long)
    unanswered: int  # notes nobody answered
    last_touch: datetime


@dataclass(frozen=True, slots=True)
class Opening:
    task_id: int
    title: str
    due: date


@dataclass(frozen=True, slots=True)
class SecondChance:
    job_id: int
    title: str
    status: str
    applied_on: date | None
    added_on: date


@dataclass(frozen=True, slots=True)
class DoorReopening:
    employer_id: int
    employer: str
    rejected_on: date | None
    finalist_rank: int | None
    check_openings: list[Opening]
    new_jobs: list[SecondChance]


@dataclass(frozen=True, slots=True)
class Change:
    this_period: float | None
    previous_period: float | None
    change: float | None

    @classmethod
    def of(cls, now: float | None, before: float | None) -> Change:
        both = now is not None and before is not None
        return cls(now, before, round(now - before, 4) if both else None)  # type: ignore[operator]


@dataclass(frozen=True, slots=True)
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


def weekly_review(*, session: Session | Reads, now: datetime, period: Period, plan: Plan) -> Review:
    """The review of `period`; `plan`: the [plan] settings (the reply window, dormancy).
    `session`: an ORM session, or any `Reads` (on SQLite, the standard library's alone)."""
    db = reads_of(session)
    zone = now.tzinfo
    this = _Window(period, zone)
    before = _Window(period.previous, zone)
    touches = _touch_counts(db, this, before)
    # still open, and due on or before the period's last day (before today if that is today)
    overdue_before = min(period.end + timedelta(days=1), now.date())
    tasks = _task_counts(db, this, before, overdue_before=overdue_before)
    rejections = _rejections(db, period)
    rates = _reply_rates(db, this, before, plan.reply_window_days)
    answered, answered_before = _answered(db, this, before, zone)
    advocates, advocates_before = _new_advocates(db, this, before, zone)
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
        tasks_withdrawn=tasks["withdrawn_this"],
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
        empty=_nothing_recorded(db),
        headline={k: Change.of(v, before_figures[k]) for k, v in this_figures.items()},
        activity=activity,
        replies=replies,
        funnel=_funnel(db, this, now),
        going_cold=_going_cold(db, now, plan),
        went_quiet=_went_quiet(db, now, period, plan),
        expired=_expired(db, this),
        door_reopening=_door_reopening(db, now),
        next_week=_next_week(db, now.date()),
        pipeline=pipeline_review(session=db, now=now, start=period.start, end=period.end),
    )


class _Window:
    """A period as the moments it spans, in UTC: [local midnight of start, of end + 1)."""

    def __init__(self, period: Period, zone: tzinfo | None) -> None:
        self.period = period
        self.begins = midnight(period.start, zone)
        self.ends = midnight(period.end + timedelta(days=1), zone)

    def holds(self, moment: str, name: str) -> str:
        """SQL: `moment` falls in the window, given as the parameters `name`_begins and _ends
        (`bounds`)."""
        return f"({moment} >= :{name}_begins AND {moment} < :{name}_ends)"

    def bounds(self, name: str) -> dict[str, object]:
        return {f"{name}_begins": self.begins, f"{name}_ends": self.ends}

    def has(self, moment: datetime) -> bool:
        return self.begins <= moment < self.ends


def _windows(this: _Window, before: _Window) -> dict[str, object]:
    return {**this.bounds("this"), **before.bounds("before")}


def _count(condition: str) -> str:
    return f"sum(CASE WHEN {condition} THEN 1 ELSE 0 END)"


def _ints(row: Sequence[Any]) -> list[int]:
    """A row of counts: a SUM over no rows is NULL, and PostgreSQL's is a numeric."""
    return [int(x or 0) for x in row]


# ---- what a touch is, in the plan's words (crm/services/relationships.py) ----------------
# The SQL below is written once for SQLite and PostgreSQL and run through a `Reads`
# (crm/store.py), so the review needs neither SQLAlchemy nor the ORM (~40 MB and ~0.35 s).
# The words compared with are crm's own (crm/kinds.py), written into the SQL.

NOTE, EMAIL, THANK_YOU = TouchKind.NOTE.value, TouchKind.EMAIL.value, TouchKind.THANK_YOU.value
OUT, IN = Direction.OUT.value, Direction.IN.value
TALKS = ", ".join(f"'{kind}'" for kind in sorted(CONVERSATIONS))


def _is_touch(t: str) -> str:
    return f"{t}.kind <> '{NOTE}'"


def _is_answer(t: str) -> str:
    """Anything that comes in, or a conversation they took part in (`Touch.is_answer`)."""
    return f"({t}.kind <> '{NOTE}' AND ({t}.direction = '{IN}' OR {t}.kind IN ({TALKS})))"


def _asks(t: str) -> str:
    """A touch of the user's that waits for an answer: out, and not itself a conversation."""
    return f"({t}.kind <> '{NOTE}' AND {t}.direction = '{OUT}' AND {t}.kind NOT IN ({TALKS}))"


def _is_thank_you(t: str) -> str:
    return f"({t}.kind = '{THANK_YOU}' AND {t}.direction = '{OUT}')"


def _is_note(t: str) -> str:
    """A gentle note (`Touch.is_note`): an email out that asked for nothing."""
    return f"({t}.kind = '{EMAIL}' AND {t}.direction = '{OUT}' AND {t}.purpose IS NULL)"


def _is_request(t: str) -> str:
    return f"({t}.direction = '{OUT}' AND {t}.purpose = '{REQUEST}')"


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


def _touch_counts(db: Reads, this: _Window, before: _Window) -> _TouchCounts:
    """One scan of the two periods: touches counted by kind and direction, per window."""
    sql = (
        f"SELECT CASE WHEN {_is_request('t')} THEN '{REQUEST}' ELSE t.kind END, t.direction,"
        f" {_count(this.holds('t.happened_at', 'this'))},"
        f" {_count(before.holds('t.happened_at', 'before'))}"
        " FROM touchpoint AS t"
        " WHERE t.happened_at >= :before_begins AND t.happened_at < :this_ends"
        " GROUP BY 1, 2"
    )
    rows: dict[tuple[str, str], dict[str, int]] = {}
    notes = 0
    for name, direction, *n in db.rows(sql, _windows(this, before)):
        counts = _ints(n)
        if name == NOTE:
            notes += counts[0]
            continue
        rows[(name, direction)] = dict(zip(("this", "before"), counts, strict=True))
    return _TouchCounts(rows, notes)


def _task_counts(
    db: Reads, this: _Window, before: _Window, *, overdue_before: date
) -> dict[str, int]:
    """Tasks closed in each window, by how (two index ranges: the tasks closed in the two
    windows, and the open ones overdue), never a scan of every task."""
    closed = ", ".join(
        f"'{s.value}'" for s in (TaskStatus.DONE, TaskStatus.SKIPPED, TaskStatus.EXPIRED)
    )
    how = (
        f"CASE WHEN status = '{TaskStatus.SKIPPED.value}' AND closed_by = '{ClosedBy.PLAN.value}'"
        " THEN 'withdrawn' ELSE status END"
    )
    counts = {f"{s}_{w}": 0 for s in (*TaskStatus, "withdrawn") for w in ("this", "before")}
    for status, *n in db.rows(
        f"SELECT {how}, {_count(this.holds('closed_at', 'this'))},"
        f" {_count(before.holds('closed_at', 'before'))} FROM task"
        f" WHERE status IN ({closed})"
        f" AND closed_at >= :before_begins AND closed_at < :this_ends GROUP BY {how}",
        _windows(this, before),
    ):
        counts[f"{status}_this"], counts[f"{status}_before"] = _ints(n)
    ((overdue,),) = db.rows(
        f"SELECT count(*) FROM task WHERE status = '{TaskStatus.OPEN.value}'"
        " AND due < :overdue_before",
        {"overdue_before": overdue_before},
    )
    return {**counts, "overdue": int(overdue)}


def _rejections(db: Reads, period: Period) -> tuple[int, int]:
    previous = period.previous
    (row,) = db.rows(
        f"SELECT {_count('rejected_on BETWEEN :start AND :end')},"
        f" {_count('rejected_on BETWEEN :previous_start AND :previous_end')}"
        " FROM job WHERE rejected_on IS NOT NULL",
        {
            "start": period.start,
            "end": period.end,
            "previous_start": previous.start,
            "previous_end": previous.end,
        },
    )
    this, before = _ints(row)
    return this, before


# ---- replies -----------------------------------------------------------------------------


def _reply_rates(
    db: Reads, this: _Window, before: _Window, window_days: int
) -> dict[str, ReplyRate]:
    """Thank-yous and nurture notes sent, and how many of them were answered: in the period
    and the one before counted here, for all time added up from what the plan keeps per
    contact (crm/services/reply_tally.py, by the same rule)."""
    counts = sent_and_answered(db, this, before, window_days, since=before.begins, until=this.ends)
    kept = reply_tally.all_time(db)
    ever = {
        "thank_you": (kept.thank_yous, kept.thank_yous_answered),
        "nurture": (kept.notes, kept.notes_answered),
    }
    rates = {}
    for name in ("thank_you", "nurture"):
        n = counts.get(name, [0] * 6)
        rates[name] = ReplyRate(
            this_period=Rate.of(n[2], n[3]),
            previous_period=Rate.of(n[4], n[5]),
            all_time=Rate.of(*ever[name]),
        )
    return rates


def sent_and_answered(
    db: Reads, this: _Window, before: _Window, window_days: int, *, since: datetime, until: datetime
) -> dict[str, list[int]]:
    """For thank-yous and for nurture notes sent from `since` until before `until`: how many,
    how many answered; the same in `this` window and in `before`.

    For each one, an index walk of the contact's history from it to the first answer at or
    after it; it was answered when that answer came within `window_days` and no touch of the
    user's that asked for one came between (an answer to a later email is the email's). Each
    step is MATERIALIZED: inlined, the first answer was looked for once for every place that
    names it (146 ms for every note at the benchmark's 1x, against ~85 ms).
    """
    within = _no_later_than(db, "answer", "sent_at", window_days)
    materialized = _materialized(db)
    this_at, before_at = this.holds("sent_at", "this"), before.holds("sent_at", "before")
    sql = f"""
WITH sent AS {materialized} (
  SELECT CASE WHEN {_is_thank_you("s")} THEN 'thank_you' ELSE 'nurture' END AS which,
    s.id AS id, s.contact_id AS contact_id, s.happened_at AS sent_at,
    (SELECT a.happened_at FROM touchpoint AS a
     WHERE a.contact_id = s.contact_id AND a.happened_at >= s.happened_at
       AND {_is_answer("a")}
     ORDER BY a.happened_at LIMIT 1) AS answer
  FROM touchpoint AS s
  WHERE ({_is_thank_you("s")} OR {_is_note("s")})
    AND s.happened_at >= :since AND s.happened_at < :until
), judged AS {materialized} (
  SELECT which, sent_at,
    CASE WHEN answer IS NOT NULL AND {within} AND NOT EXISTS (
      SELECT 1 FROM touchpoint AS k
      WHERE k.contact_id = sent.contact_id AND k.happened_at <= sent.answer
        AND (k.happened_at > sent.sent_at OR (k.happened_at = sent.sent_at AND k.id > sent.id))
        AND {_asks("k")})
    THEN 1 ELSE 0 END AS answered
  FROM sent
)
SELECT which, count(*), sum(answered),
  {_count(this_at)}, sum(CASE WHEN {this_at} THEN answered ELSE 0 END),
  {_count(before_at)}, sum(CASE WHEN {before_at} THEN answered ELSE 0 END)
FROM judged
GROUP BY which
"""
    params = {**_windows(this, before), "since": since, "until": until}
    return {name: _ints(n) for name, *n in db.rows(sql, params)}


def _materialized(db: Reads) -> str:
    """The hint that keeps a common table from being inlined: SQLite reads it from 3.35 on
    (2021; Debian 12 has 3.40), PostgreSQL from 12; an older SQLite gets the same answer,
    only slower."""
    if db.sqlite:
        import sqlite3

        if sqlite3.sqlite_version_info < (3, 35):
            return ""
    return "MATERIALIZED"


def _no_later_than(db: Reads, later: str, earlier: str, days: int) -> str:
    """SQL: `later` at most `days` days after `earlier` (moments). Date arithmetic is not
    portable SQL, so each database does it its own way, to the millisecond on SQLite."""
    if db.sqlite:
        apart = f"round((julianday({later}) - julianday({earlier})) * 86400000)"
        return f"{apart} <= {int(days) * 86_400_000}"
    return f"{later} <= {earlier} + INTERVAL '{int(days)} days'"


def _answered(
    db: Reads, this: _Window, before: _Window, zone: tzinfo | None
) -> tuple[list[Answer], int]:
    """Who answered in the period (latest first), and how many people did before."""
    sql = f"""
SELECT c.id, c.name, e.name, count(*), max(t.happened_at)
FROM touchpoint AS t
JOIN contact AS c ON c.id = t.contact_id
LEFT JOIN employer AS e ON e.id = c.employer_id
WHERE {_is_answer("t")} AND {this.holds("t.happened_at", "this")}
GROUP BY c.id, c.name, e.name
ORDER BY max(t.happened_at) DESC, c.id
"""
    answered = [
        Answer(cid, name, employer, n, _local(at, zone))
        for cid, name, employer, n, at in db.rows(sql, this.bounds("this"))
    ]
    ((earlier,),) = db.rows(
        "SELECT count(DISTINCT t.contact_id) FROM touchpoint AS t"
        f" WHERE {_is_answer('t')} AND {before.holds('t.happened_at', 'before')}",
        before.bounds("before"),
    )
    return answered, int(earlier or 0)


def _new_advocates(
    db: Reads, this: _Window, before: _Window, zone: tzinfo | None
) -> tuple[list[Advocate], int]:
    """Contacts whose first answer falls in the period, and how many did before.

    Only the answers of the two periods are grouped: a contact who had answered before them
    is left out by an index probe, not by grouping every touch ever.
    """
    sql = f"""
SELECT c.id, c.name, e.name, f.first_at
FROM (
  SELECT t.contact_id AS contact_id, min(t.happened_at) AS first_at FROM touchpoint AS t
  WHERE {_is_answer("t")} AND t.happened_at >= :before_begins AND t.happened_at < :this_ends
    AND NOT EXISTS (
      SELECT 1 FROM touchpoint AS p
      WHERE p.contact_id = t.contact_id AND {_is_answer("p")}
        AND p.happened_at < :before_begins)
  GROUP BY t.contact_id
) AS f
JOIN contact AS c ON c.id = f.contact_id
LEFT JOIN employer AS e ON e.id = c.employer_id
ORDER BY f.first_at, c.id
"""
    found = [
        Advocate(cid, name, employer, _local(at, zone))
        for cid, name, employer, at in db.rows(sql, _windows(this, before))
    ]
    begins = this.begins
    return [a for a in found if a.first_reply >= begins], sum(a.first_reply < begins for a in found)


# ---- the funnel: processes, and the people met in each ------------------------------------


def _processes(db: Reads, this: _Window, now: datetime) -> list[int]:
    """Employers with a job added, applied for or rejected in the period, or rejected in the
    last REJECTED_WITHIN_DAYS days: the most recent first. Jobs, not the address book."""
    period = this.period
    sql = (
        "SELECT employer_id, created_at, applied_on, rejected_on FROM job"
        " WHERE rejected_on >= :recent OR rejected_on BETWEEN :start AND :end"
        " OR applied_on BETWEEN :start AND :end"
        f" OR {this.holds('created_at', 'this')}"
    )
    params = {
        "recent": now.date() - timedelta(days=REJECTED_WITHIN_DAYS),
        "start": period.start,
        "end": period.end,
        **this.bounds("this"),
    }
    latest: dict[int, date] = {}
    for employer_id, created, applied, rejected in db.rows(sql, params):
        moment = local(created, now.tzinfo)
        added = moment.date() if moment is not None and this.has(moment) else None
        days = [d for d in (added, maybe_day(applied), maybe_day(rejected)) if d is not None]
        days = [d for d in days if d <= period.end]
        if days:
            latest[employer_id] = max(latest.get(employer_id, date.min), *days)
    return sorted(latest, key=lambda e: (-latest[e].toordinal(), e))


def _met_at(contacts: str | None = None) -> str:
    """SQL: the common table `met_at` (contact_id, employer_id): the employer of each
    contact's process, as the plan reads it. A query starts with it and selects from it.

    Where they work now and where an import saw them work before, the employer whose first
    rejection came first (all of them on a tie); with no rejection anywhere, where they work.
    `contacts`: SQL for the contact ids to limit it to (None: everyone).
    """
    only = "c.archived_at IS NULL" + ("" if contacts is None else f" AND c.id IN ({contacts})")
    return f"""
WITH works AS (
  SELECT c.id AS contact_id, c.employer_id AS employer_id FROM contact AS c
  WHERE c.employer_id IS NOT NULL AND {only}
  UNION
  SELECT m.contact_id, m.employer_id FROM employment AS m JOIN contact AS c ON c.id = m.contact_id
  WHERE m.employer_id IS NOT NULL AND {only}
), first_no AS (
  SELECT employer_id, min(rejected_on) AS on_day FROM job
  WHERE rejected_on IS NOT NULL GROUP BY employer_id
), earliest AS (
  SELECT w.contact_id AS contact_id, min(f.on_day) AS on_day
  FROM works AS w JOIN first_no AS f ON f.employer_id = w.employer_id
  GROUP BY w.contact_id
), met_at AS (
  SELECT w.contact_id AS contact_id, w.employer_id AS employer_id
  FROM works AS w
  JOIN first_no AS f ON f.employer_id = w.employer_id
  JOIN earliest AS r ON r.contact_id = w.contact_id AND r.on_day = f.on_day
  UNION
  SELECT c.id, c.employer_id FROM contact AS c LEFT JOIN earliest AS r ON r.contact_id = c.id
  WHERE c.employer_id IS NOT NULL AND r.contact_id IS NULL AND {only}
)"""


def _funnel(db: Reads, this: _Window, now: datetime) -> list[FunnelRow]:
    """Per process: how far each relationship with the people met there has come."""
    today = now.date()
    listed = _processes(db, this, now)
    if not listed:
        return []
    employers = id_list(listed)
    # only those who work or worked at a listed employer can have been met there: the rest
    # of the address book (100,000 people at the benchmark's 10x) is never grouped
    at_listed = (
        f"SELECT id FROM contact WHERE employer_id IN ({employers})"
        f" UNION SELECT contact_id FROM employment WHERE employer_id IN ({employers})"
    )
    met = f"(c.role <> '{Role.CONNECTION.value}' OR p.thanked IS NOT NULL)"
    linked = "(p.li = 1 OR c.linkedin_connected_on IS NOT NULL)"
    sql = f"""{_met_at(at_listed)},
people AS (SELECT contact_id, employer_id FROM met_at WHERE employer_id IN ({employers})),
per_contact AS (
  SELECT t.contact_id AS contact_id,
    min(CASE WHEN {_is_thank_you("t")} THEN t.happened_at END) AS thanked,
    max(CASE WHEN {_is_answer("t")} THEN t.happened_at END) AS last_answer,
    max(CASE WHEN {_is_note("t")} THEN t.happened_at END) AS last_note,
    max(CASE WHEN t.kind = '{TouchKind.LINKEDIN.value}' THEN 1 ELSE 0 END) AS li,
    max(CASE WHEN {_is_request("t")} THEN 1 ELSE 0 END) AS asked,
    max(CASE WHEN t.kind = '{TouchKind.INFO_INTERVIEW.value}' THEN 1 ELSE 0 END) AS held
  FROM touchpoint AS t
  WHERE t.contact_id IN (SELECT contact_id FROM people)
  GROUP BY t.contact_id
)
SELECT m.employer_id,
  {_count(met)},
  {_count(f"{met} AND p.thanked IS NOT NULL")},
  {_count(f"{met} AND p.last_answer >= p.thanked")},
  {_count(f"{met} AND {linked}")},
  {_count(f"{met} AND (p.asked = 1 OR p.held = 1)")},
  {_count(f"{met} AND p.held = 1")},
  {_count(f"{met} AND p.last_note >= p.thanked")}
FROM people AS m
JOIN contact AS c ON c.id = m.contact_id
LEFT JOIN per_contact AS p ON p.contact_id = m.contact_id
GROUP BY m.employer_id
"""
    counts = {eid: _ints(n) for eid, *n in db.rows(sql)}
    names = _names(db, listed)
    latest = _latest_rejections(db, listed)
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


def _names(db: Reads, employers: Iterable[int]) -> dict[int, str]:
    sql = f"SELECT id, name FROM employer WHERE id IN ({id_list(employers)})"
    return {eid: name for eid, name in db.rows(sql)}


def _latest_rejections(db: Reads, employers: Iterable[int]) -> dict[int, tuple[date, int | None]]:
    """Each employer's latest rejection, and the user's best finalist rank on that day."""
    sql = (
        "SELECT employer_id, rejected_on, finalist_rank FROM job"
        f" WHERE employer_id IN ({id_list(employers)}) AND rejected_on IS NOT NULL"
        " ORDER BY employer_id, rejected_on"
    )
    found: dict[int, tuple[date, int | None]] = {}
    for eid, stored, rank in db.rows(sql):
        on = day(stored)
        before = found.get(eid)
        if before is not None and before[0] == on and before[1] is not None:
            rank = min(before[1], rank) if rank is not None else before[1]
        found[eid] = (on, rank)
    return found


# ---- relationships: going cold, gone quiet --------------------------------------------------


def _going_cold(db: Reads, now: datetime, plan: Plan) -> list[GoingCold]:
    """Keep-in-touch contacts quiet for COLD_AFTER_DAYS, or whose nurture note is very late,
    while the plan still keeps the relationship (a quiet one is listed once, as gone quiet).

    A contact with their own cadence (`--every 6w`) is going cold once quiet for longer than
    it; `--every off` never is. A contact never touched is not going cold: it never was warm
    (and a LinkedIn import would otherwise fill the list with hundreds of people).
    """
    from crm.services.plan import relationships

    today = now.date()
    # quiet for COLD_AFTER_DAYS or more: the last touch's local day is at most today - 60;
    # and not dormant yet: then the plan has let the relationship go. A contact with their
    # own cadence: the plan never lets them go quiet or dormant.
    # each kept contact's last touch: the end of their stretch of the history index, walked
    # back past memos (grouping every touch by contact took twice as long)
    sql = f"""
WITH kept AS {_materialized(db)} (
  SELECT c.id AS id, c.name AS name, c.employer_id AS employer_id, c.every AS every,
    (SELECT t.happened_at FROM touchpoint AS t
     WHERE t.contact_id = c.id AND t.kind <> '{NOTE}'
     ORDER BY t.happened_at DESC LIMIT 1) AS last_at
  FROM contact AS c WHERE c.keep_in_touch AND c.archived_at IS NULL
), nurture AS (
  SELECT contact_id, min(due) AS due FROM task
  WHERE kind = '{TaskKind.NURTURE.value}' AND status = '{TaskStatus.OPEN.value}'
    AND contact_id IS NOT NULL
  GROUP BY contact_id
)
SELECT k.id, k.name, e.name, k.last_at, n.due, k.every
FROM kept AS k
LEFT JOIN employer AS e ON e.id = k.employer_id
LEFT JOIN nurture AS n ON n.contact_id = k.id
WHERE k.last_at IS NOT NULL
  AND (k.last_at >= :dormant_before OR k.every IS NOT NULL)
  AND (k.last_at < :quiet_before OR n.due < :late_before OR k.every IS NOT NULL)
ORDER BY k.last_at, k.id
"""
    params = {
        "quiet_before": midnight(today - timedelta(days=COLD_AFTER_DAYS - 1), now.tzinfo),
        "dormant_before": midnight(today - timedelta(days=plan.dormant_after_days), now.tzinfo),
        "late_before": today - timedelta(days=LATE_NURTURE_DAYS),
    }
    found: list[GoingCold] = []
    own: set[int] = set()
    employers: dict[str | None, str | None] = {}
    # at the benchmark's 10x this lists 28,654 people: each held once, as the report's
    for cid, name, employer, at, stored_due, every in db.rows(sql, params):
        touched = _local(at, now.tzinfo)
        due = maybe_day(stored_due)
        late = (today - due).days if due is not None and due < today else None
        if every is not None:
            if not _cold_by_own_cadence(every, touched.date(), today):
                continue
            own.add(cid)
        employer = employers.setdefault(employer, employer)  # one string per employer
        found.append(
            GoingCold(cid, name, employer, touched, (today - touched.date()).days, due, late)
        )
    # an open nurture says the plan still keeps the relationship (the review reads a current
    # plan, which closes a quiet one's note): only the others need the plan's rules read again
    unsure = [c.contact_id for c in found if c.contact_id not in own and c.nurture_due is None]
    let_go: set[int] = set()
    for start in range(0, len(unsure), LET_GO_BATCH):  # where each stands, a batch at a time
        chunk = unsure[start : start + LET_GO_BATCH]
        known = relationships(session=db, zone=now.tzinfo, plan=plan, contact_ids=chunk)
        let_go.update(cid for cid, rel in known.items() if _let_go(rel, today, plan))
    return [c for c in found if c.contact_id not in let_go] if let_go else found


def _let_go(rel: Any, today: date, plan: Plan) -> bool:
    return rel is not None and (rel.quiet or rel.dormant(today, plan))


def _went_quiet(db: Reads, now: datetime, period: Period, plan: Plan) -> list[WentQuiet]:
    """Relationships that went quiet in the period, each once: the last unanswered note the
    plan allows was sent in it, or the last touch turned `dormant_after_days` old in it.

    A bounded query names the few contacts it can be, and the plan says which it is. The
    touch that put a relationship to sleep is its last (any later one wakes it): a note sent
    in the period, or a touch on the days that turn dormant in it, that no touch came after;
    or a LinkedIn connection on those days.
    """
    zone = now.tzinfo
    this = _Window(period, zone)
    gap = timedelta(days=plan.dormant_after_days + 1)
    turning = Period(period.start - gap, period.end - gap, period.days)
    dormant_days = _Window(turning, zone)
    sql = f"""
SELECT c.id, c.name FROM contact AS c
WHERE (
    c.id IN (
      SELECT t.contact_id FROM touchpoint AS t
      WHERE (({_is_note("t")} AND {this.holds("t.happened_at", "this")})
          OR ({_is_touch("t")} AND {dormant_days.holds("t.happened_at", "turning")}))
        AND NOT EXISTS (
          SELECT 1 FROM touchpoint AS later
          WHERE later.contact_id = t.contact_id AND {_is_touch("later")}
            AND (later.happened_at > t.happened_at
              OR (later.happened_at = t.happened_at AND later.id > t.id))))
    OR c.linkedin_connected_on BETWEEN :turning_start AND :turning_end)
  AND c.keep_in_touch AND c.archived_at IS NULL
"""
    params = {
        **this.bounds("this"),
        **dormant_days.bounds("turning"),
        "turning_start": turning.start,
        "turning_end": turning.end,
    }
    names = {cid: name for cid, name in db.rows(sql, params)}
    return _quiet_among(db, names, now, period, plan)


def _quiet_among(
    db: Reads, names: dict[int, str], now: datetime, period: Period, plan: Plan
) -> list[WentQuiet]:
    """Which of `names` (contact id: name) went quiet in the period, as the plan reads them."""
    from crm.services.plan import relationships

    if not names:
        return []
    zone = now.tzinfo
    this = _Window(period, zone)
    gap = timedelta(days=plan.dormant_after_days + 1)
    known = relationships(session=db, zone=zone, plan=plan, contact_ids=sorted(names))
    gone: list[tuple[int, date, str, Any]] = []
    for cid, rel in known.items():
        last = rel.last_touch
        if rel.quiet_since is not None and this.has(rel.quiet_since):
            gone.append((cid, _local(rel.quiet_since, zone).date(), "unanswered", rel))
        elif not rel.quiet and rel.started and last is not None:
            on = _local(last.at, zone).date() + gap
            if period.start <= on <= period.end:
                gone.append((cid, on, "dormant", rel))
    employers = _employer_names_at(db, [cid for cid, *_ in gone])
    found = [
        WentQuiet(
            contact_id=cid,
            contact=names[cid],
            employer=employers.get(cid),
            on=on,
            why=why,
            unanswered=rel.unanswered,
            last_touch=_local(rel.last_touch.at, zone),
        )
        for cid, on, why, rel in gone
    ]
    return sorted(found, key=lambda q: (q.on, q.contact_id))


def _employer_names_at(db: Reads, contacts: list[int]) -> dict[int, str]:
    """Where each contact was met (their process's employer), by name."""
    if not contacts:
        return {}
    sql = (
        f"{_met_at(id_list(contacts))}"
        " SELECT m.contact_id, e.name FROM met_at AS m JOIN employer AS e ON e.id = m.employer_id"
        " ORDER BY m.contact_id, e.name_key"
    )
    found: dict[int, str] = {}
    for cid, name in db.rows(sql):
        found.setdefault(cid, name)
    return found


def _cold_by_own_cadence(every: str, touched: date, today: date) -> bool:
    if every == OFF:
        return False
    unit, count = cadence_step(every)
    return today > touched + relativedelta(**{unit: count})  # type: ignore[arg-type]


def _expired(db: Reads, this: _Window) -> list[TaskLine]:
    """Plan tasks that expired in the period (each closed once, so listed once), read by the
    one query every task list uses."""
    sql = (
        f"{TASKS} WHERE t.status = '{TaskStatus.EXPIRED.value}'"
        f" AND {this.holds('t.closed_at', 'this')} ORDER BY t.due, t.id"
    )
    return [TaskLine.from_row(row) for row in db.rows(sql, this.bounds("this"))]


# ---- door reopening, next week ------------------------------------------------------------


def _door_reopening(db: Reads, now: datetime) -> list[DoorReopening]:
    """Employers with a check of their openings due, or a job added after they said no."""
    today = now.date()
    openings: dict[int, list[Opening]] = {}
    names: dict[int, str] = {}
    for task_id, title, due, eid, name in db.rows(
        "SELECT t.id, t.title, t.due, t.employer_id, e.name"
        " FROM task AS t JOIN employer AS e ON e.id = t.employer_id"
        f" WHERE t.kind = '{TaskKind.CHECK_OPENINGS.value}'"
        f" AND t.status = '{TaskStatus.OPEN.value}' AND t.due <= :today"
        " ORDER BY t.due, t.id",
        {"today": today},
    ):
        openings.setdefault(eid, []).append(Opening(task_id, title, day(due)))
        names[eid] = name
    chances: dict[int, list[SecondChance]] = {}
    for chance, eid, name in _second_chances(db, now):
        chances.setdefault(eid, []).append(chance)
        names[eid] = name
    rejected = _latest_rejections(db, names)
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


def _second_chances(db: Reads, now: datetime) -> list[tuple[SecondChance, int, str]]:
    """Live jobs applied for (or, without that date, added) after the employer's first no.

    Only jobs at employers that said no are read, and there are few of those: the date test
    is done here because a job's local day of creation is not portable SQL.
    """
    live = ", ".join(f"'{status}'" for status in SECOND_CHANCE)
    sql = f"""
WITH first_no AS (
  SELECT employer_id, min(rejected_on) AS on_day FROM job
  WHERE rejected_on IS NOT NULL GROUP BY employer_id
)
SELECT j.id, j.title, j.status, j.applied_on, j.created_at, j.employer_id, e.name, f.on_day
FROM job AS j
JOIN first_no AS f ON f.employer_id = j.employer_id
JOIN employer AS e ON e.id = j.employer_id
WHERE j.status IN ({live}) AND (j.applied_on IS NULL OR j.applied_on > f.on_day)
ORDER BY j.id
"""
    found = []
    for job_id, title, status, applied, created, eid, name, first_no in db.rows(sql):
        applied_on = maybe_day(applied)
        added = _local(created, now.tzinfo).date()
        if (applied_on or added) > day(first_no):
            found.append((SecondChance(job_id, title, status, applied_on, added), eid, name))
    return found


def _next_week(db: Reads, today: date) -> list[TaskLine]:
    """The open tasks of the coming week, read by the one query every task list uses."""
    bounds = {"first": today, "last": today + timedelta(days=NEXT_DAYS), "limit": EVERY}
    return [TaskLine.from_row(row) for row in db.rows(SECTION_SQL, bounds)]


def _nothing_recorded(db: Reads) -> bool:
    return all(
        not db.rows(f"SELECT id FROM {table} LIMIT 1")
        for table in ("employer", "contact", "job", "touchpoint", "task")
    )


def _local(value: datetime | str, zone: tzinfo | None) -> datetime:
    """A stored moment in local time (SQLite hands back UTC as text)."""
    moment = local(value, zone)
    assert moment is not None  # the columns read through this are never NULL
    return moment
