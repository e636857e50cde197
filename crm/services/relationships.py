"""Where each relationship stands, derived from its history of touchpoints.

Stages, in the order a relationship usually moves through them:
- new: nothing sent yet (no thank-you, no answer);
- thanked: a thank-you went out and nothing came back yet;
- advocate: they answered, and the answer is the latest word (your move);
- nurturing: you keep writing, after a thank-you or an answer;
- dormant: nobody has touched the relationship for `dormant_after_days`.
Notes (`crm log note`) are for the user's memory and are not touches.
"""

from collections.abc import Iterable
from dataclasses import dataclass
from datetime import UTC, date, datetime, tzinfo
from enum import StrEnum

import sqlalchemy as sa
from sqlalchemy import and_, case, or_
from sqlalchemy import select as sa_select  # sqlmodel's select stops at four columns
from sqlmodel import Session, col, func, select

from crm.models import Direction, TouchKind, Touchpoint
from crm.settings import Plan

NOTES = (TouchKind.EMAIL.value, TouchKind.CALL.value)
ENGAGING = (TouchKind.MEETING.value, TouchKind.INFO_INTERVIEW.value)


class Stage(StrEnum):
    NEW = "new"
    THANKED = "thanked"
    ADVOCATE = "advocate"
    NURTURING = "nurturing"
    DORMANT = "dormant"


@dataclass(frozen=True, slots=True)  # one per contact, ten thousand at a time
class History:
    """The few facts of a contact's touchpoints that the plan and the stages depend on."""

    last_touch: datetime | None = None
    last_thank_you: datetime | None = None
    first_in: datetime | None = None
    last_in: datetime | None = None
    last_out: datetime | None = None
    last_note: datetime | None = None  # the latest email or call the user made
    linkedin: bool = False
    info_interview: bool = False
    unanswered: int = 0  # notes (emails, calls) sent since they last engaged

    def stage(self, today: date, plan: Plan) -> Stage:
        if self.last_touch is None or (self.last_thank_you is None and self.last_in is None):
            return Stage.NEW
        if (today - self.last_touch.date()).days > plan.dormant_after_days:
            return Stage.DORMANT
        if self.last_in is not None and (self.last_out is None or self.last_out <= self.last_in):
            return Stage.ADVOCATE
        if self.last_in is not None or self.unanswered > 0:
            return Stage.NURTURING
        return Stage.THANKED


def _when(condition, column):  # type: ignore[no-untyped-def]
    return case((condition, column), else_=None)


def histories(
    session: Session, zone: tzinfo | None, contact_ids: Iterable[int] | None = None
) -> dict[int, History]:
    """Each contact's History in local time (`zone`), from two aggregate queries."""
    t = Touchpoint
    touches = col(t.kind) != TouchKind.NOTE.value
    incoming = col(t.direction) == Direction.IN.value
    outgoing = col(t.direction) == Direction.OUT.value
    summary = (
        sa_select(
            col(t.contact_id),
            func.max(col(t.happened_at)),
            func.max(_when(col(t.kind) == TouchKind.THANK_YOU.value, t.happened_at)),
            func.min(_when(incoming, t.happened_at)),
            func.max(_when(incoming, t.happened_at)),
            func.max(_when(outgoing, t.happened_at)),
            func.max(case((col(t.kind) == TouchKind.LINKEDIN.value, 1), else_=0)),
            func.max(case((col(t.kind) == TouchKind.INFO_INTERVIEW.value, 1), else_=0)),
            func.max(_when(and_(outgoing, col(t.kind).in_(NOTES)), t.happened_at)),
        )
        .where(touches)
        .group_by(col(t.contact_id))
    )
    # The cadence slows after notes nobody answers. A note is an email or a call you made; they
    # engaged when they wrote or called, or met you (a meeting, an informational interview).
    # A LinkedIn invitation or the thank-you itself is not a note.
    engaged = or_(incoming, col(t.kind).in_(ENGAGING))
    only = col(t.contact_id).in_(list(contact_ids)) if contact_ids is not None else sa.true()
    last_engaged = (
        select(t.contact_id, func.max(t.happened_at).label("at"))
        .where(engaged, only)
        .group_by(col(t.contact_id))
        .subquery()
    )
    unanswered = (
        select(t.contact_id, func.count())
        .outerjoin(last_engaged, last_engaged.c.contact_id == t.contact_id)
        .where(
            outgoing,
            col(t.kind).in_(NOTES),
            or_(last_engaged.c.at.is_(None), and_(col(t.happened_at) > last_engaged.c.at)),
        )
        .group_by(col(t.contact_id))
    )
    summary, unanswered = summary.where(only), unanswered.where(only)
    counts = dict(session.exec(unanswered).all())
    return {
        row[0]: History(
            last_touch=_local(row[1], zone),
            last_thank_you=_local(row[2], zone),
            first_in=_local(row[3], zone),
            last_in=_local(row[4], zone),
            last_out=_local(row[5], zone),
            linkedin=bool(row[6]),
            info_interview=bool(row[7]),
            last_note=_local(row[8], zone),
            unanswered=counts.get(row[0], 0),
        )
        for row in session.execute(summary)
    }


def _local(value: datetime | str | None, zone: tzinfo | None) -> datetime | None:
    """A stored moment in local time; aggregates over CASE come back from SQLite as text."""
    if value is None:
        return None
    if isinstance(value, str):
        value = datetime.fromisoformat(value)
    if value.tzinfo is None:
        value = value.replace(tzinfo=UTC)
    return value.astimezone(zone)
