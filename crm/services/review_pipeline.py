"""The review's pipeline section: applications by status, the moves of the period, and how
long employers take to answer (the median days from applying to the first answer).

The first answer to an application is the first move past `applied` (screening, interviews,
an offer, a rejection), or the first thing anyone at the employer sent, whichever came first.
"""

from __future__ import annotations

import statistics
from collections import defaultdict
from dataclasses import dataclass
from datetime import date, datetime
from typing import TYPE_CHECKING

from crm.kinds import Direction, JobStatus
from crm.services.relationships import local
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


# what anyone at an employer with a job sent: the news that answers an application
NEWS = """
SELECT c.employer_id, t.happened_at FROM touchpoint AS t JOIN contact AS c ON c.id = t.contact_id
WHERE t.direction = :in AND c.employer_id IN (SELECT employer_id FROM job)
"""


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
    # the first day after each application that anyone at its employer wrote: the touches
    # streamed, never held (the 200,000 answers of the benchmark's 10x, held, were 63 MB)
    sent_on = {
        job_id: _sent(moves[job_id], applied_on) for job_id, (*_, applied_on) in jobs.items()
    }
    waiting_at: dict[int, list[tuple[int, date]]] = defaultdict(list)
    for job_id, (_, _, employer_id, _, _) in jobs.items():
        sent = sent_on[job_id]
        if sent is not None:
            waiting_at[employer_id].append((job_id, sent))
    first_news: dict[int, date] = {}
    for employer_id, at in db.stream(NEWS, {"in": Direction.IN.value}):
        news_on = local(at, now.tzinfo).date()  # type: ignore[union-attr]  # never NULL
        for job_id, sent in waiting_at.get(employer_id, ()):
            if news_on > sent and news_on < first_news.get(job_id, date.max):
                first_news[job_id] = news_on
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
