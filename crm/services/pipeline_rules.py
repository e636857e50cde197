"""The follow-up plan's rules for the job search itself: the pipeline of each hiring process.

Pure functions from jobs, their dated moves and the touches to the tasks the plan wants, as
`plan_rules.Want`s that crm/services/plan.py reconciles with the task rows like every other
want (`load_pipeline` reads what they need). Each want names the state its history calls for,
so a corrected history corrects the task.

1. follow_up "Ask about your application": a job still `applied`, with no news (no later move,
   nothing in from anyone at the employer) `applied_follow_up_days` after the application;
   done when news comes or the job moves on.
2. thank_you after an interview: an interview logged with someone (`crm log interview`, or a
   meeting on a day its job was `interviewing`) → a thank-you to that person
   `thank_you_after_days` after it, done by a thank-you sent that day or later. A rejection of
   that process since makes the rejection's own thank-you (plan rule 1) the one to send.
3. follow_up before an offer's deadline: `offer_deadline_warning_days` before it, done when the
   job moves on.
4. A job `accepted` ends the search: the other processes' application follow-ups and openings
   checks are withdrawn. Thank-yous and every relationship's nurture go on.
"""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Iterable, Sequence
from dataclasses import dataclass, field
from datetime import date, timedelta, tzinfo

from crm.kinds import Direction, JobStatus, TaskKind, TouchKind
from crm.services.plan_rules import DONE, OPEN, SKIPPED, ContactFacts, Want
from crm.services.relationships import Touch
from crm.settings import Plan
from crm.store import Reads, day, id_list, maybe_day, moment

# read once: an enum member's `.value` is a call each time, and these are asked of every touch
INTERVIEW, MEETING = TouchKind.INTERVIEW.value, TouchKind.MEETING.value
INTERVIEWING = JobStatus.INTERVIEWING.value
APPLIED, ACCEPTED = JobStatus.APPLIED.value, JobStatus.ACCEPTED.value

APPLIED_FOLLOW_UP = "follow_up:"  # follow_up:JOB:APPLIED_ON
OFFER_DEADLINE = "offer_deadline:"  # offer_deadline:JOB:DEADLINE
INTERVIEW_THANKS = "thank_you_interview:"  # thank_you_interview:CONTACT:TOUCH
KEYS = (APPLIED_FOLLOW_UP, OFFER_DEADLINE, INTERVIEW_THANKS)


@dataclass(frozen=True, slots=True)
class Move:
    status: str
    on: date
    deadline: date | None


@dataclass(frozen=True, slots=True)
class JobFacts:
    id: int
    employer_id: int
    status: str
    moves: tuple[Move, ...]  # in the order they were recorded: the last set the status

    def status_on(self, day: date) -> str | None:
        """The status of the move recorded last among those dated on or before `day`."""
        status = None
        for move in self.moves:
            if move.on <= day:
                status = move.status
        return status


@dataclass
class Pipeline:
    jobs: dict[int, JobFacts]
    last_news: dict[int, date]  # employer id -> the latest day anyone there wrote or called
    accepted: set[int] = field(default_factory=set)  # every accepted job, loaded or not

    def __post_init__(self) -> None:
        self.accepted |= {j.id for j in self.jobs.values() if j.status == JobStatus.ACCEPTED.value}

    def search_over_for(self, job_id: int | None) -> bool:
        """A job elsewhere was accepted: this process's job-hunting tasks end."""
        return bool(self.accepted - {job_id})


def load_pipeline(
    db: Reads,
    zone: tzinfo | None,
    *,
    employers: set[int] | None = None,
    contacts: set[int] | None = None,
) -> Pipeline:
    """The jobs with their moves, and the latest answer from each employer that has a job
    waiting in `applied`: every job (None), or a write's: the jobs at `employers` and those
    the `contacts`' touches name, and which jobs anywhere were accepted (a write re-plans a
    few people; reading every job of a long search for each would grow with the history)."""
    which = ""
    accepted: set[int] = set()
    if employers is not None:
        which = (
            f" WHERE employer_id IN ({id_list(sorted(employers))}) OR id IN (SELECT job_id FROM"
            f" touchpoint WHERE contact_id IN ({id_list(sorted(contacts or ()))})"
            " AND job_id IS NOT NULL)"
        )
        accepted = {
            job_id
            for (job_id,) in db.rows(
                "SELECT id FROM job WHERE status = :accepted", {"accepted": ACCEPTED}
            )
        }
    moves: dict[int, list[Move]] = defaultdict(list)
    among = f" WHERE job_id IN (SELECT id FROM job{which})" if which else ""
    for job_id, status, on, deadline in db.rows(
        f"SELECT job_id, status, moved_on, deadline FROM job_move{among} ORDER BY id"
    ):
        moves[job_id].append(Move(status, day(on), maybe_day(deadline)))
    jobs = {
        job_id: JobFacts(job_id, employer_id, status, tuple(moves.get(job_id, ())))
        for job_id, employer_id, status in db.rows(
            f"SELECT id, employer_id, status FROM job{which}"
        )
    }
    # only a job waiting in `applied` with a recorded move can want a follow-up
    waiting = {j.employer_id for j in jobs.values() if j.status == APPLIED and j.moves}
    last_news: dict[int, date] = {}
    if waiting:
        for employer_id, at in db.rows(
            "SELECT c.employer_id, max(t.happened_at) FROM touchpoint AS t"
            " JOIN contact AS c ON c.id = t.contact_id"
            f" WHERE t.direction = :in AND c.employer_id IN ({id_list(sorted(waiting))})"
            " GROUP BY c.employer_id",
            {"in": Direction.IN.value},
        ):
            if at is not None:
                last_news[employer_id] = moment(at).astimezone(zone).date()
    return Pipeline(jobs, last_news, accepted)


def touch_jobs(db: Reads, contacts: str) -> dict[int, int]:
    """The job of each interview or meeting that has one, of the contacts the SQL condition
    `contacts` (on contact_id) names: touch id → job."""
    rows = db.rows(touch_jobs_sql(contacts), {"interview": INTERVIEW, "meeting": MEETING})
    return {touch_id: job_id for touch_id, job_id in rows}


def touch_jobs_sql(contacts: str) -> str:
    """Through ix_touchpoint_job (migration 0016), whose WHERE is this one's: the touches that
    name a job, never every interview and meeting looked up to see whether it does."""
    return (
        f"SELECT id, job_id FROM touchpoint WHERE {contacts} AND job_id IS NOT NULL"
        " AND kind IN (:interview, :meeting)"
    )


def job_wants(pipeline: Pipeline, employers: set[int] | None, plan: Plan) -> list[Want]:
    """The application follow-ups and offer reminders of the jobs at `employers` (None: all)."""
    wants: list[Want] = []
    for job in pipeline.jobs.values():
        if employers is not None and job.employer_id not in employers:
            continue
        last = job.moves[-1] if job.moves else None
        over = pipeline.search_over_for(job.id)
        for i, move in enumerate(job.moves):
            current = move is last and job.status == move.status
            if move.status == JobStatus.APPLIED.value:
                news = pipeline.last_news.get(job.employer_id)
                heard = news is not None and news > move.on
                if current and not heard:
                    state = SKIPPED if over else OPEN
                else:
                    state = SKIPPED if job.status == JobStatus.WITHDRAWN.value else DONE
                wants.append(
                    _want(
                        f"{APPLIED_FOLLOW_UP}{job.id}:{move.on.isoformat()}",
                        move.on + timedelta(days=plan.applied_follow_up_days),
                        "Ask about your application",
                        f"no news {plan.applied_follow_up_days} days after applying",
                        state,
                        job,
                    )
                )
            if move.status == JobStatus.OFFER.value and move.deadline is not None:
                later = job.moves[i + 1 :]
                if current:
                    state = OPEN
                elif any(m.status == JobStatus.OFFER.value for m in later):
                    state = SKIPPED  # a new offer, or a new deadline, replaced this one
                else:
                    state = DONE
                warn = move.deadline - timedelta(days=plan.offer_deadline_warning_days)
                wants.append(
                    _want(
                        f"{OFFER_DEADLINE}{job.id}:{move.deadline.isoformat()}",
                        max(warn, move.on),
                        f"Answer the offer by {move.deadline:%a %d %b}",
                        "an offer's deadline is near",
                        state,
                        job,
                    )
                )
    return wants


def _want(key: str, due: date, title: str, rule: str, state: str, job: JobFacts) -> Want:
    return Want(
        key,
        TaskKind.FOLLOW_UP.value,
        due,
        rule,
        state,
        employer_id=job.employer_id,
        job_id=job.id,
        label=title,
    )


def end_search(wants: Iterable[Want], pipeline: Pipeline) -> list[Want]:
    """Openings checks of other processes, once a job was accepted: withdrawn."""
    return [
        w._replace(state=SKIPPED)
        if w.kind == TaskKind.CHECK_OPENINGS.value
        and w.state == OPEN
        and pipeline.search_over_for(w.job_id)
        else w
        for w in wants
    ]


def interview_wants(
    contact: ContactFacts,
    touches: Sequence[Touch],
    jobs_of: dict[int, int],
    pipeline: Pipeline,
    *,
    employer_id: int | None,
    zone: tzinfo | None,
    plan: Plan,
) -> list[Want]:
    """A thank-you for each interview with the contact (see rule 2)."""
    thanked: list[date] | None = None  # the days of the thank-yous, once there is an interview
    wants = []
    for touch in touches:
        if touch.kind != INTERVIEW and touch.kind != MEETING:
            continue  # most touches: nothing to look up (a full run asks of 100,000)
        job = pipeline.jobs.get(jobs_of.get(touch.id, 0))
        if not is_interview(touch, job, zone):
            continue
        day = touch.at.astimezone(zone).date()
        if thanked is None:
            thanked = [t.at.astimezone(zone).date() for t in touches if t.is_thank_you]
        rejected = job is not None and any(
            m.status == JobStatus.REJECTED.value and m.on >= day for m in job.moves
        )
        if any(d >= day for d in thanked):
            state = DONE
        elif rejected or not contact.eligible:
            state = SKIPPED
        else:
            state = OPEN
        wants.append(
            Want(
                f"{INTERVIEW_THANKS}{contact.id}:{touch.id}",
                TaskKind.THANK_YOU.value,
                day + timedelta(days=plan.thank_you_after_days),
                "a thank-you note after an interview",
                state,
                contact.id,
                job.employer_id if job is not None else employer_id,
                job.id if job is not None else None,
                label="Thank them for the interview",
            )
        )
    return wants


def is_interview(touch: Touch, job: JobFacts | None, zone: tzinfo | None) -> bool:
    """An interview, or a meeting on a day its job was `interviewing`."""
    if touch.kind == INTERVIEW:
        return True
    if touch.kind != MEETING or job is None:  # the day is taken only when it can matter
        return False
    return job.status_on(touch.at.astimezone(zone).date()) == INTERVIEWING
