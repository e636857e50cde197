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

from sqlalchemy import select as sa_select
from sqlmodel import Session, col

from crm.kinds import Direction, JobStatus
from crm.models import Contact, Employer, Job, JobMove, Touchpoint
from crm.services.relationships import local

NOT_AN_ANSWER = (JobStatus.SAVED.value, JobStatus.APPLIED.value, JobStatus.WITHDRAWN.value)


@dataclass(frozen=True)
class PipelineMove:
    job_id: int
    title: str
    employer: str
    status: str
    on: date


@dataclass(frozen=True)
class PipelineReview:
    by_status: dict[str, int]  # every status, in the pipeline's order
    moves: list[PipelineMove]  # in the period, oldest first
    answered: int  # applications that had an answer
    waiting: int  # applications still without one
    median_days_to_answer: float | None


def pipeline_review(*, session: Session, now: datetime, start: date, end: date) -> PipelineReview:
    jobs = {
        job_id: (title, status, employer_id, name, applied_on)
        for job_id, title, status, employer_id, name, applied_on in session.execute(
            sa_select(
                col(Job.id),
                col(Job.title),
                col(Job.status),
                col(Job.employer_id),
                col(Employer.name),
                col(Job.applied_on),
            ).join(Employer, col(Employer.id) == col(Job.employer_id))
        )
    }
    by_status = {s.value: 0 for s in JobStatus}
    for _, status, *_ in jobs.values():
        by_status[status] = by_status.get(status, 0) + 1
    moves: dict[int, list[tuple[str, date]]] = defaultdict(list)
    for job_id, status, on in session.execute(
        sa_select(col(JobMove.job_id), col(JobMove.status), col(JobMove.moved_on)).order_by(
            col(JobMove.moved_on), col(JobMove.id)
        )
    ):
        moves[job_id].append((status, on))
    in_period = [
        PipelineMove(job_id, jobs[job_id][0], jobs[job_id][3], status, on)
        for job_id, history in moves.items()
        for status, on in history
        if start <= on <= end and job_id in jobs
    ]
    news: dict[int, list[date]] = defaultdict(list)
    for employer_id, at in session.execute(
        sa_select(col(Contact.employer_id), col(Touchpoint.happened_at))
        .join(Contact, col(Contact.id) == col(Touchpoint.contact_id))
        .where(col(Touchpoint.direction) == Direction.IN.value)
    ):
        moment = local(at, now.tzinfo)
        if employer_id is not None and moment is not None:
            news[employer_id].append(moment.date())
    days, waiting = [], 0
    for job_id, (_, _, employer_id, _, applied_on) in jobs.items():
        applied = [on for status, on in moves[job_id] if status == JobStatus.APPLIED.value]
        sent = min(applied, default=applied_on)
        if sent is None:
            continue
        answers = [on for status, on in moves[job_id] if status not in NOT_AN_ANSWER and on >= sent]
        answers += [day for day in news[employer_id] if day > sent]
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
