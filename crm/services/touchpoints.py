"""Touchpoints: what passed between the user and a contact, in either direction."""

from datetime import date, datetime

from sqlmodel import Session

from crm.clock import MIDDAY
from crm.errors import BadInput
from crm.models import Contact, Direction, TouchKind, Touchpoint
from crm.services.text import clean_text

# A reply comes in; everything else is something the user did, unless they say --in.
INCOMING_KINDS = {TouchKind.REPLY.value}
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
) -> Touchpoint:
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
        created_at=now,
    )
    session.add(touch)
    session.flush()
    return touch


def _first_line(text: str) -> str:
    line = next((line.strip() for line in text.splitlines() if line.strip()), "")
    return line if len(line) <= 80 else line[:79] + "…"
