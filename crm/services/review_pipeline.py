"""The review's pipeline section: applications by status, the moves of the period, and how
long employers take to answer (the median days from applying to the first answer).

The first answer to an application is the first move past `applied` (screening, interviews,
an offer, a rejection), or the first thing anyone at the employer sent, whichever came first.
"""

from __future__ import annotations

import statistics
from collections import defaultdict
from dataclasses import dataclass
from datetime import date, datetime, timedelta, tzinfo
from typing import TYPE_CHECKING

from crm.kinds import Direction, JobStatus
from crm.services.relationships import local, midnight
from crm.store import Reads, day, maybe_day, reads_of

if TYPE_CHECKING:
    from sqlmodel import Session

NOT_AN_ANSWER = (JobStatus.SAVED.value, JobStatus.APPLIED.value, JobStatus.WITHDRAWN.value)


@dataclass(frozen=True, slots=True)
class PipelineMove:
    job_id: int
    title: str
    employer: str
    status: str
    on: date


@dataclass(frozen=True, slots=True)
class PipelineReview:
    by_status: dict[str, int]  # every status, in the pipeline's order
    moves: list[PipelineMove]  # in the period, oldest first
    answered: int  # applications that had an answer
    waiting: int  # applications still without one
    median_days_to_answer: float | None


# the first thing anyone at an application's employer sent from a moment on: the news that
# answers it, an index walk per person there that stops at their first (streaming every
# answer from the employers with a job through Python took 136 ms of a review at the
# benchmark's 1x; this, ~70 ms)
FIRST_NEWS = f"""
WITH waiting (job_id, employer_id, news_from) AS (VALUES {{waiting}})
SELECT w.job_id, (
  SELECT min((
    SELECT t.happened_at FROM touchpoint AS t
    WHERE t.contact_id = c.id AND t.direction = '{Direction.IN.value}'
      AND t.happened_at >= w.news_from
    ORDER BY t.happened_at LIMIT 1))
  FROM contact AS c WHERE c.employer_id = w.employer_id)
FROM waiting AS w
"""
PROBES = 300  # applications a statement asks for: three parameters each


def _sent(history: list[tuple[str, date]], applied_on: date | None) -> date | None:
    """When the application went out: its first move to `applied`, else the day recorded."""
    return min(
        (on for status, on in history if status == JobStatus.APPLIED.value), default=applied_on
    )


def pipeline_review(
    *, session: Session | Reads, now: datetime, start: date, end: date
) -> PipelineReview:
    db = reads_of(session)
    jobs = {
        job_id: (title, status, employer_id, name, maybe_day(applied_on))
        for job_id, title, status, employer_id, name, applied_on in db.rows(
            "SELECT j.id, j.title, j.status, j.employer_id, e.name, j.applied_on"
            " FROM job AS j JOIN employer AS e ON e.id = j.employer_id"
        )
    }
    by_status = {s.value: 0 for s in JobStatus}
    for _, status, *_ in jobs.values():
        by_status[status] = by_status.get(status, 0) + 1
    moves: dict[int, list[tuple[str, date]]] = defaultdict(list)
    for job_id, status, on in db.rows(
        "SELECT job_id, status, moved_on FROM job_move ORDER BY moved_on, id"
    ):
        moves[job_id].append((status, day(on)))
    in_period = [
        PipelineMove(job_id, jobs[job_id][0], jobs[job_id][3], status, on)
        for job_id, history in moves.items()
        for status, on in history
        if start <= on <= end and job_id in jobs
    ]
    sent_on = {
        job_id: _sent(moves[job_id], applied_on) for job_id, (*_, applied_on) in jobs.items()
    }
    # news answers an application from the local day after it went out
    waiting_for = [
        (job_id, jobs[job_id][2], midnight(sent + timedelta(days=1), now.tzinfo))
        for job_id, sent in sent_on.items()
        if sent is not None
    ]
    waiting_for.sort(key=lambda w: w[1])  # an employer's applications in turn: its pages read once
    first_news = _first_news(db, waiting_for, now.tzinfo)
    days, waiting = [], 0
    for job_id, sent in sent_on.items():
        if sent is None:
            continue
        answers = [on for status, on in moves[job_id] if status not in NOT_AN_ANSWER and on >= sent]
        if job_id in first_news:
            answers.append(first_news[job_id])
        if answers:
            days.append((min(answers) - sent).days)
        else:
            waiting += 1
    return PipelineReview(
        by_status=by_status,
        moves=sorted(in_period, key=lambda m: (m.on, m.job_id)),
        answered=len(days),
        waiting=waiting,
        median_days_to_answer=statistics.median(days) if days else None,
    )


def _first_news(
    db: Reads, waiting: list[tuple[int, int, datetime]], zone: tzinfo | None
) -> dict[int, date]:
    """The local day of the first news for each (application, employer, from when)."""
    found: dict[int, date] = {}
    for start in range(0, len(waiting), PROBES):
        chunk = waiting[start : start + PROBES]
        rows = ", ".join(f"(:j{i}, :e{i}, :f{i})" for i in range(len(chunk)))
        params: dict[str, object] = {}
        for i, (job_id, employer_id, news_from) in enumerate(chunk):
            params.update({f"j{i}": job_id, f"e{i}": employer_id, f"f{i}": news_from})
        for job_id, at in db.rows(FIRST_NEWS.format(waiting=rows), params):
            if at is not None:
                found[job_id] = local(at, zone).date()  # type: ignore[union-attr]
    return found
