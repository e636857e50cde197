"""Jobs: one hiring process at an employer, from application to its outcome.

Each change of status is a dated JobMove, kept: the pipeline's history (when you applied, when
they first answered, how long the interviews took) is read from the moves, and `job.status` is
the latest move's status.
"""

from dataclasses import dataclass, field
from datetime import date, datetime

from sqlmodel import Session, col, func, select

from crm.errors import Ambiguous, BadInput, Conflict, NotFound
from crm.kinds import JobStatus, Role
from crm.models import Contact, Employer, Job, JobMove, Touchpoint
from crm.services.employers import employer_for
from crm.services.lookup import LARGEST_ID, find_employer, name_key
from crm.services.plan import touched
from crm.services.text import clean_text

# a process still going on: the board's columns, in order
ACTIVE = (
    JobStatus.SAVED.value,
    JobStatus.APPLIED.value,
    JobStatus.SCREENING.value,
    JobStatus.INTERVIEWING.value,
    JobStatus.OFFER.value,
)
CLOSED = (JobStatus.ACCEPTED.value, JobStatus.REJECTED.value, JobStatus.WITHDRAWN.value)


def parse_status(text: str) -> str:
    word = text.strip().lower()
    if word in {s.value for s in JobStatus}:
        return word
    raise BadInput(f"{text!r} is not a job status; use one of: {' '.join(s for s in JobStatus)}")


MOST_RANK = 10_000  # a finalist's place: 1, 2, 3... (a number past this is a typing mistake)


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
    status = parse_status(status)
    if applied_on is not None and status == JobStatus.SAVED.value:
        raise BadInput(
            "a saved job is not applied for yet: give --applied or --status saved, not both"
        )
    found, created = employer_for(session=session, now=now, name=employer)
    job = Job(
        employer_id=found.id or 0,
        title=title,
        url=clean_text(url, "posting URL"),
        applied_on=applied_on,
        status=status,
        created_at=now,
    )
    if status == JobStatus.REJECTED.value:
        job.rejected_on = now.date()
    session.add(job)
    session.flush()
    on = applied_on if status == JobStatus.APPLIED.value and applied_on else now.date()
    _record_move(session, now, job, status, on)
    return job, found, created


def _record_move(
    session: Session, now: datetime, job: Job, status: str, on: date, deadline: date | None = None
) -> JobMove:
    move = JobMove(
        job_id=job.id or 0, status=status, moved_on=on, deadline=deadline, created_at=now
    )
    session.add(move)
    session.flush()
    return move


def find_job(session: Session, text: str, *, title: str | None = None, active: bool = False) -> Job:
    """A job by `#ID`, or its employer's name (and --title when the employer has several).

    Without a title, the employer's only job in progress (or, with `active` False, its only job
    at all) is the one meant; several are an error that lists them.
    """
    typed = text.strip()
    if typed.startswith("#"):
        digits = typed[1:]
        if not (digits.isascii() and digits.isdigit()) or len(digits) > 18:
            raise BadInput(f"{typed!r} is not an id; ids look like #12")
        job = session.get(Job, int(digits)) if int(digits) <= LARGEST_ID else None
        if job is None:
            raise NotFound(f"no job with id {typed}")
        return job
    employer = find_employer(session, typed)
    jobs = list(
        session.exec(select(Job).where(Job.employer_id == employer.id).order_by(col(Job.id)))
    )
    if not jobs:
        raise NotFound(
            f"{employer.name} has no job yet; add one: "
            f"crm job add {_quoted(employer.name)} --title TITLE"
        )
    if title is not None:
        wanted = name_key(title)
        matches = [j for j in jobs if name_key(j.title) == wanted] or [
            j for j in jobs if name_key(j.title).startswith(wanted)
        ]
        if not matches:
            raise NotFound(f"{employer.name} has no job like {title!r}: {_listed(jobs)}")
    else:
        going = [j for j in jobs if j.status in ACTIVE]
        matches = going if going or active else jobs
        if not matches:
            raise NotFound(f"{employer.name} has no job in progress: {_listed(jobs)}")
    if len(matches) > 1:
        ids = ", ".join(f"#{j.id} {j.title!r} ({j.status})" for j in matches)
        raise Ambiguous(f"{employer.name} has several jobs: {ids}; add --title or use #ID")
    return matches[0]


def move_job(
    *,
    session: Session,
    now: datetime,
    job: Job,
    status: str,
    on: date,
    deadline: date | None = None,
    rank: int | None = None,
) -> JobMove:
    """Move the job to `status` on the day `on`, and keep the move."""
    status = parse_status(status)
    if deadline is not None and status != JobStatus.OFFER.value:
        raise BadInput("--deadline is an offer's answer-by date: use it with `move ... offer`")
    if deadline is not None and deadline < on:
        raise BadInput(f"the offer's deadline {deadline} is before the offer itself ({on})")
    if rank is not None and status != JobStatus.REJECTED.value:
        raise BadInput("--rank is your place among the finalists: it goes with a rejection")
    last = latest_move(session, job)
    from crm.services.plan import touched

    # the plan re-plans the employer's tasks (a new deadline changes no column of the job);
    # an accepted job ends (or, undone, resumes) every other process's follow-ups
    touched(session, employers=[job.employer_id])
    if JobStatus.ACCEPTED.value in (status, job.status):
        touched(session, everything=True)
    if last is not None and last.status == status and deadline is None:
        raise Conflict(f"{job.title!r} is already {status} (since {last.moved_on})")
    job.status = status
    if status == JobStatus.APPLIED.value and job.applied_on is None:
        job.applied_on = on
    if status == JobStatus.REJECTED.value:
        if rank is not None and not 1 <= rank <= 10_000:
            raise BadInput(f"--rank is your place among the finalists (1, 2, 3...), not {rank}")
        job.rejected_on, job.finalist_rank = on, rank
    session.add(job)
    return _record_move(session, now, job, status, on, deadline)


def latest_move(session: Session, job: Job) -> JobMove | None:
    """The move recorded last: it set the job's status, whatever day it is dated (a move told
    late may be dated before the one before it)."""
    return session.exec(
        select(JobMove).where(JobMove.job_id == job.id).order_by(col(JobMove.id).desc())
    ).first()


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
    _record_move(session, now, job, JobStatus.REJECTED.value, on)
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
    still_open = [j for j in jobs if j.status in ACTIVE]
    if len(still_open) == 1:
        return still_open[0]
    if still_open:
        raise Ambiguous(
            f"{employer.name} has several open jobs: {_listed(still_open)}; add --title"
        )
    rejected = [j for j in jobs if j.status == JobStatus.REJECTED.value]
    if rejected:  # rejected already: a conflict with what is stored, as with --title
        last = max(rejected, key=lambda j: (j.rejected_on or date.min, j.id or 0))
        raise Conflict(
            f"{employer.name} has no open job: {last.title!r} was already rejected on "
            f"{last.rejected_on}; another: crm job reject {_quoted(employer.name)} --title TITLE"
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


def edit_job(
    *,
    session: Session,
    job: Job,
    title: str | None = None,
    url: str | None = None,
    applied_on: date | None = None,
    rank: int | None = None,
) -> Job:
    """Correct a job's title, posting, application day or finalist rank ("" clears the URL)."""
    if title is not None:
        job.title = clean_text(title, "job title") or ""
        if not job.title:
            raise BadInput("a job needs a title")
    if url is not None:
        job.url = clean_text(url, "posting URL")
    if applied_on is not None:
        _move_applied(session, job, applied_on)
        job.applied_on = applied_on
    if rank is not None:
        if not 1 <= rank <= 10_000:
            raise BadInput(f"--rank is your place among the finalists (1, 2, 3...), not {rank}")
        job.finalist_rank = rank
    session.add(job)
    session.flush()
    return job


def _move_applied(session: Session, job: Job, applied_on: date) -> None:
    """The corrected application day is also the day of the pipeline's `applied` move (the one
    recorded for the old day): its follow-up counts from the right day."""
    move = session.exec(
        select(JobMove).where(
            JobMove.job_id == job.id,
            JobMove.status == JobStatus.APPLIED.value,
            JobMove.moved_on == job.applied_on,
        )
    ).first()
    if move is not None:
        move.moved_on = applied_on
        session.add(move)
        touched(session, employers=[job.employer_id])


@dataclass
class JobRow:
    job: Job
    employer: Employer


def list_jobs(*, session: Session, status: str | None = None) -> list[JobRow]:
    query = (
        select(Job, Employer)
        .join(Employer, col(Job.employer_id) == Employer.id)
        .order_by(col(Employer.name_key), col(Job.id))
    )
    if status is not None:
        query = query.where(Job.status == parse_status(status))
    return [JobRow(j, e) for j, e in session.exec(query)]


@dataclass
class BoardCard:
    job: Job
    employer: Employer
    since: date  # the day it moved to its status
    deadline: date | None  # an offer's


@dataclass
class Board:
    columns: dict[str, list[BoardCard]]  # every active status, in order, even when empty
    closed: dict[str, int]  # how many jobs ended each way


def job_board(*, session: Session) -> Board:
    """The jobs in progress by status, oldest move first: what has waited longest is on top."""
    latest = _latest_moves(session)
    columns: dict[str, list[BoardCard]] = {status: [] for status in ACTIVE}
    closed = dict.fromkeys(CLOSED, 0)
    for row in list_jobs(session=session):
        move = latest.get(row.job.id or 0)
        if row.job.status in closed:
            closed[row.job.status] += 1
        elif row.job.status in columns:
            since = move.moved_on if move else row.job.created_at.date()
            deadline = move.deadline if move else None
            columns[row.job.status].append(BoardCard(row.job, row.employer, since, deadline))
    for cards in columns.values():
        cards.sort(key=lambda c: (c.since, c.job.id or 0))
    return Board(columns, closed)


def _latest_moves(session: Session) -> dict[int, JobMove]:
    latest: dict[int, JobMove] = {}
    for move in session.exec(select(JobMove).order_by(col(JobMove.id))):
        latest[move.job_id] = move
    return latest


@dataclass
class JobDetails:
    job: Job
    employer: Employer
    moves: list[JobMove]
    people: list[Contact]  # met in this process: at the employer, or in one of its touches
    touches: list[tuple[Touchpoint, Contact]] = field(default_factory=list)

    @property
    def offer_deadline(self) -> date | None:
        offers = [m for m in self.moves if m.status == JobStatus.OFFER.value and m.deadline]
        return offers[-1].deadline if offers else None


def job_details(*, session: Session, now: datetime, job: Job) -> JobDetails:
    """The job's moves, the people met and the touchpoints of the process.

    A touch belongs to the process when it was logged for it (`--job`), or when it is with
    someone at the employer and dated within the process: from its first move to the move that
    closed it (or today, while it goes on).
    """
    employer = session.get(Employer, job.employer_id)
    assert employer is not None
    moves = list(
        session.exec(select(JobMove).where(JobMove.job_id == job.id).order_by(col(JobMove.id)))
    )
    zone = now.tzinfo
    days = [m.moved_on for m in moves]
    start = min(days) if days else job.created_at.astimezone(zone).date()
    end = max(days) if days and job.status in CLOSED else now.date()
    rows = session.exec(
        select(Touchpoint, Contact)
        .join(Contact, col(Touchpoint.contact_id) == Contact.id)
        .where(
            (col(Touchpoint.job_id) == job.id)
            | ((col(Contact.employer_id) == job.employer_id) & col(Touchpoint.job_id).is_(None))
        )
        .order_by(col(Touchpoint.happened_at), col(Touchpoint.id))
    )
    touches = [
        (t, c)
        for t, c in rows
        if t.job_id == job.id or start <= t.happened_at.astimezone(zone).date() <= end
    ]
    people = {
        c.id: c
        for c in session.exec(
            select(Contact)
            .where(
                Contact.employer_id == job.employer_id,
                Contact.role != Role.CONNECTION.value,
                col(Contact.archived_at).is_(None),
            )
            .order_by(col(Contact.name_key), col(Contact.id))
        )
    }
    for _, contact in touches:
        people.setdefault(contact.id, contact)
    return JobDetails(job, employer, moves, list(people.values()), touches)


def _listed(jobs: list[Job]) -> str:
    return ", ".join(f"{j.title!r} ({j.status})" for j in jobs)


def _quoted(name: str) -> str:
    """A name as one word of a shell command a user may copy: `$(...)` in it stays text."""
    from shlex import quote

    return quote(name)
