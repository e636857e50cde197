"""Touchpoints: what passed between the user and a contact, in either direction."""

from datetime import date, datetime

from sqlmodel import Session, col, select

from crm.clock import MIDDAY
from crm.errors import BadInput
from crm.models import Contact, Direction, Job, JobStatus, TouchKind, Touchpoint
from crm.services.text import clean_text

# A reply comes in, and an interview is theirs (they asked you in); everything else is something
# the user did, unless they say --in.
INCOMING_KINDS = {TouchKind.REPLY.value, TouchKind.INTERVIEW.value}
ALIASES = {"thanks": "thank-you", "thankyou": "thank-you", "info": "info-interview"}


def parse_kind(text: str) -> str:
    word = text.strip().lower().replace("_", "-")
    word = ALIASES.get(word, word)
    if word in {k.value for k in TouchKind}:
        return word
    raise BadInput(
        f"{text!r} is not a kind of touch; use one of: {' '.join(k.value for k in TouchKind)}"
    )


def moment_of(on: date | None, now: datetime) -> datetime:
    """When a touch logged for the day `on` happened: now if today, else midday that day."""
    if on is None or on == now.date():
        return now
    if not date.min < on < date.max:
        # midday of the calendar's first or last day is another year in some time zone (UTC
        # among them, where it is stored): Python cannot represent it
        raise BadInput(f"{on} is at the edge of the calendar; a touch needs a real day")
    return datetime.combine(on, MIDDAY, tzinfo=now.tzinfo)


def log_touch(
    *,
    session: Session,
    now: datetime,
    contact: Contact,
    kind: str,
    on: date | None = None,
    summary: str | None = None,
    body: str | None = None,
    incoming: bool | None = None,
    topic: str | None = None,
    purpose: str | None = None,
    job: Job | None = None,
) -> Touchpoint:
    """Record the touch; an interview or a meeting is tied to its hiring process: `job`, else
    the only one at the contact's employer that it can belong to (see `process_of`)."""
    kind = parse_kind(kind)
    if incoming is None:
        incoming = kind in INCOMING_KINDS
    if kind == TouchKind.REPLY.value and not incoming:
        raise BadInput("a reply comes from the contact; log what you sent as email, call...")
    body = clean_text(body, "note")
    summary = clean_text(summary, "note") or (_first_line(body) if body else None)
    topic = clean_text(topic, "topic")
    if topic and kind == TouchKind.NOTE.value:
        raise BadInput("a memo is for you alone: give the topic on the meeting, call or interview")
    touch = Touchpoint(
        contact_id=contact.id or 0,
        kind=kind,
        direction=(Direction.IN if incoming else Direction.OUT).value,
        happened_at=moment_of(on, now),
        summary=summary,
        body=body,
        topic=topic,
        purpose=purpose,
        job_id=job.id if job is not None else process_of(session, contact, kind),
        created_at=now,
    )
    session.add(touch)
    session.flush()
    return touch


def _first_line(text: str) -> str:
    line = next((line.strip() for line in text.splitlines() if line.strip()), "")
    return line if len(line) <= 80 else line[:79] + "…"


def process_of(session: Session, contact: Contact, kind: str) -> int | None:
    """The job an interview (or a meeting while interviewing) with the contact belongs to.

    An interview: the employer's only job in progress. A meeting: the employer's only job in
    `interviewing` (a meeting then is an interview in all but name). None when there is no such
    job or several: the user says which with --job.
    """
    if contact.employer_id is None:
        return None
    if kind == TouchKind.INTERVIEW.value:
        statuses = [
            JobStatus.APPLIED.value,
            JobStatus.SCREENING.value,
            JobStatus.INTERVIEWING.value,
            JobStatus.OFFER.value,
        ]
    elif kind == TouchKind.MEETING.value:
        statuses = [JobStatus.INTERVIEWING.value]
    else:
        return None
    ids = session.exec(
        select(Job.id).where(Job.employer_id == contact.employer_id, col(Job.status).in_(statuses))
    ).all()
    return ids[0] if len(ids) == 1 else None
