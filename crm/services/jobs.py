"""Jobs: one hiring process at an employer, from application to its outcome."""

from dataclasses import dataclass
from datetime import date, datetime

from sqlmodel import Session, col, func, select

from crm.errors import Ambiguous, BadInput, Conflict, NotFound
from crm.models import Contact, Employer, Job, JobStatus, Role
from crm.services.employers import employer_for
from crm.services.lookup import find_employer, name_key
from crm.services.text import clean_text

MOST_RANK = 10_000  # a finalist's place: 1, 2, 3... (a number past this is a typing mistake)
STILL_OPEN = (JobStatus.APPLIED.value, JobStatus.INTERVIEWING.value, JobStatus.OFFER.value)


def add_job(
    *,
    session: Session,
    now: datetime,
    employer: str,
    title: str,
    applied_on: date | None = None,
    url: str | None = None,
    status: str = JobStatus.APPLIED.value,
) -> tuple[Job, Employer, bool]:
    """The new job, its employer, and whether that employer was created for it."""
    title = clean_text(title, "job title") or ""
    if not title:
        raise BadInput("a job needs a title (--title)")
    found, created = employer_for(session=session, now=now, name=employer)
    job = Job(
        employer_id=found.id or 0,
        title=title,
        url=clean_text(url, "posting URL"),
        applied_on=applied_on,
        status=status,
        created_at=now,
    )
    session.add(job)
    session.flush()
    return job, found, created


def reject_job(
    *,
    session: Session,
    now: datetime,
    employer: str,
    title: str | None = None,
    on: date,
    rank: int | None = None,
) -> tuple[Job, Employer]:
    """Record the rejection. With a title, a job (and employer) not yet recorded is recorded as
    it ends: a rejection is often the first thing a user tells crm."""
    if rank is not None and not 1 <= rank <= MOST_RANK:
        raise BadInput(f"--rank is your place among the finalists (1, 2, 3...), not {rank}")
    if title is not None:
        found, _ = employer_for(session=session, now=now, name=employer)
    else:
        try:
            found = find_employer(session, employer)
        except NotFound as error:
            typed = " ".join(employer.split())
            if not typed.isprintable():  # a hint must stay one line that can be copied
                raise
            record = f"crm job reject {_quoted(typed)} --title TITLE"
            raise NotFound(f"{error}; to record the job with its rejection: {record}") from None
    job = _job_to_reject(session, found, title)
    if job is None:
        job = Job(
            employer_id=found.id or 0, title=clean_text(title, "job title") or "", created_at=now
        )
    elif job.status == JobStatus.REJECTED.value:
        raise Conflict(f"{job.title!r} at {found.name} was already rejected on {job.rejected_on}")
    job.status = JobStatus.REJECTED.value
    job.rejected_on = on
    job.finalist_rank = rank
    session.add(job)
    session.flush()
    return job, found


def _job_to_reject(session: Session, employer: Employer, title: str | None) -> Job | None:
    jobs = list(
        session.exec(select(Job).where(Job.employer_id == employer.id).order_by(col(Job.id)))
    )
    if title is not None:
        wanted = name_key(title)
        matches = [j for j in jobs if name_key(j.title) == wanted] or [
            j for j in jobs if name_key(j.title).startswith(wanted)
        ]
        if len(matches) > 1:
            raise Ambiguous(f"{employer.name} has several jobs like {title!r}: {_listed(matches)}")
        return matches[0] if matches else None
    still_open = [j for j in jobs if j.status in STILL_OPEN]
    if len(still_open) == 1:
        return still_open[0]
    if still_open:
        raise Ambiguous(
            f"{employer.name} has several open jobs: {_listed(still_open)}; add --title"
        )
    raise NotFound(
        f"{employer.name} has no open job to reject; "
        f"name it: crm job reject {_quoted(employer.name)} --title TITLE"
    )


def people_met(session: Session, employer: Employer) -> int:
    """The keep-in-touch people met at an employer: whom a rejection there asks to thank."""
    query = select(func.count()).where(
        Contact.employer_id == employer.id,
        col(Contact.archived_at).is_(None),
        col(Contact.keep_in_touch).is_(True),
        Contact.role != Role.CONNECTION.value,
    )
    return session.exec(query).one()


@dataclass
class JobRow:
    job: Job
    employer: Employer


def list_jobs(*, session: Session) -> list[JobRow]:
    query = (
        select(Job, Employer)
        .join(Employer, col(Job.employer_id) == Employer.id)
        .order_by(col(Employer.name_key), col(Job.id))
    )
    return [JobRow(j, e) for j, e in session.exec(query)]


def _listed(jobs: list[Job]) -> str:
    return ", ".join(f"{j.title!r} ({j.status})" for j in jobs)


def _quoted(name: str) -> str:
    """A name as one word of a shell command a user may copy: `$(...)` in it stays text."""
    from shlex import quote

    return quote(name)
