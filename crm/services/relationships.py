"""Where each relationship stands, read from its touchpoints in the order they happened.

The advice conditions everything after the thank-you on an answer: "*If you get a response*
... you may have an advocate ... nurture the relationship". So a relationship is a small state
machine over one contact's touches:

- new: not thanked after a rejection, and they never wrote;
- thanked: the thank-you went out, no answer yet (at most `unanswered_notes_limit` gentle notes);
- advocate: they answered, and the answer is the latest word (your move);
- nurturing: you keep writing to someone who answered (monthly; quarterly after
  `unanswered_before_slowing` notes nobody answered);
- quiet: the allowance of unanswered notes is used up; no more tasks until a new touch, in
  either direction, wakes the relationship.

An answer is any touch that comes in, and any conversation they took part in (a call, a meeting,
an interview, an informational interview). A note is an email you sent that is not a request for
an informational interview. Memos (`crm log note`) are for the user's memory and are not touches.
This module is pure: no database, no clock. crm/services/plan.py feeds it one contact's history.
"""

from __future__ import annotations

from collections.abc import Sequence
from datetime import UTC, date, datetime, time, tzinfo
from enum import StrEnum
from typing import NamedTuple

from crm.kinds import Direction, Purpose, TouchKind
from crm.settings import Plan

CONVERSATIONS = frozenset(
    {TouchKind.CALL.value, TouchKind.MEETING.value, TouchKind.INFO_INTERVIEW.value, "interview"}
)
# The words the loops over every touch compare with, read once: an enum member's `.value` is a
# call each time (1.2 million of them in a first plan over the benchmark's 1x, 0.3 s). Those
# loops compare them directly, not through Touch's properties, for the same reason (a call
# each: ~380,000 in a first plan at 1x).
NOTE, EMAIL, THANK_YOU = TouchKind.NOTE.value, TouchKind.EMAIL.value, TouchKind.THANK_YOU.value
LINKEDIN, INFO_INTERVIEW = TouchKind.LINKEDIN.value, TouchKind.INFO_INTERVIEW.value
IN, OUT = Direction.IN.value, Direction.OUT.value
INFO_INTERVIEW_REQUEST = Purpose.INFO_INTERVIEW_REQUEST.value


class Stage(StrEnum):
    NEW = "new"
    THANKED = "thanked"
    ADVOCATE = "advocate"
    NURTURING = "nurturing"
    QUIET = "quiet"


# Touch and Relationship are named tuples, not frozen dataclasses: the plan makes one Touch a
# touchpoint and one Relationship a contact (100,000 and 10,000 at the benchmark's 1x), and a
# frozen dataclass sets each field through object.__setattr__, three times slower.


class Touch(NamedTuple):
    """One touchpoint as the plan sees it: `at` is an aware moment."""

    id: int
    kind: str
    direction: str
    at: datetime
    purpose: str | None = None

    @property
    def is_memo(self) -> bool:
        return self.kind == NOTE

    @property
    def is_answer(self) -> bool:
        return self.direction == IN or self.kind in CONVERSATIONS

    @property
    def is_note(self) -> bool:
        """A gentle note of the user's: an email out that asked for nothing."""
        return self.kind == EMAIL and self.direction == OUT and self.purpose is None

    @property
    def is_thank_you(self) -> bool:
        return self.kind == THANK_YOU and self.direction == OUT


class Relationship(NamedTuple):
    """What one contact's history says, for the plan, the stages and the review."""

    thanked: Touch | None = None  # the first thank-you after the rejection
    answered: datetime | None = None  # the first answer since (or the first word from them)
    last_touch: Touch | None = None  # the nurture's anchor: the latest touch, either way
    last_answer: datetime | None = None
    last_note: Touch | None = None  # the latest of the user's gentle notes
    unanswered: int = 0  # notes since the last answer (since the thank-you, if none)
    quiet_since: datetime | None = None  # the note that used up the allowance
    connected: bool = False  # on LinkedIn: a touch, or an import's "Connected On"
    interview_asked: bool = False  # an informational interview asked for, or held
    interview_held: bool = False

    @property
    def started(self) -> bool:
        """There is a relationship to keep: a thank-you went out, or they wrote."""
        return self.thanked is not None or self.answered is not None

    @property
    def quiet(self) -> bool:
        return self.quiet_since is not None

    def slow(self, plan: Plan) -> bool:
        return self.answered is not None and self.unanswered >= plan.unanswered_before_slowing

    def cadence_months(self, plan: Plan) -> int:
        return plan.slow_nurture_every_months if self.slow(plan) else plan.nurture_every_months

    def dormant(self, today: date, plan: Plan) -> bool:
        """Nobody touched the relationship for `dormant_after_days`: no new nurture."""
        last = self.last_touch
        return last is not None and (today - last.at.date()).days > plan.dormant_after_days

    def stage(self, today: date, plan: Plan) -> Stage:
        if not self.started:
            return Stage.NEW
        if self.quiet or self.dormant(today, plan):
            return Stage.QUIET
        if self.answered is None:
            return Stage.THANKED
        last = self.last_touch
        if last is not None and last.is_answer and self.unanswered == 0:
            return Stage.ADVOCATE
        return Stage.NURTURING


def relationship(
    touches: Sequence[Touch],
    *,
    rejected_on: date | None,
    connected_on: date | None,
    zone: tzinfo | None,
    plan: Plan,
) -> Relationship:
    """Read one contact's touches (in time order) as the advice reads them.

    `rejected_on`: the first rejection in a process where the contact was met (None: none);
    a thank-you counts from that local day on. `connected_on`: an import's LinkedIn "Connected
    On" date: connected, and an answer when it came after the thank-you.
    """
    thanked = None
    if rejected_on is not None:
        for t in touches:  # a loop, not next() over a generator: a call fewer, 9,026 at 1x
            if t.kind == THANK_YOU and t.direction == OUT and _day(t.at, zone) >= rejected_on:
                thanked = t
                break
    if thanked is not None and connected_on is not None and connected_on >= _day(thanked.at, zone):
        accepted = Touch(0, LINKEDIN, IN, _midday(connected_on))
        touches = sorted([*touches, accepted], key=lambda t: (t.at, t.id))
    # One pass, in local variables: the plan reads every contact's history (100,000 touches
    # at the benchmark's 1x), and an object's attributes and a method call a touch made this
    # 6% of a first plan's instructions.
    limit, before_slowing = plan.unanswered_notes_limit, plan.unanswered_before_slowing
    thanked_at, thanked_id = (thanked.at, thanked.id) if thanked is not None else (None, 0)
    answered: datetime | None = None  # the first answer since (or the first word from them)
    last_answer: datetime | None = None
    quiet_since: datetime | None = None  # the note that used up the allowance
    last_touch: Touch | None = None
    last_note: Touch | None = None
    unanswered = 0  # notes since the last answer (since the thank-you, if none)
    connected = interview_asked = interview_held = False
    for touch in touches:
        touch_id, kind, direction, at, purpose = touch
        if kind == NOTE:
            continue  # a memo is for the user's memory, not a touch
        last_touch = touch
        if kind == LINKEDIN:
            connected = True
        elif kind == INFO_INTERVIEW:
            interview_held = interview_asked = True
        if purpose == INFO_INTERVIEW_REQUEST:
            interview_asked = True
        if thanked_at is not None:
            if at < thanked_at or (at == thanked_at and touch_id < thanked_id):
                continue  # before the thank-you
        elif answered is None and direction != IN:
            continue  # never thanked: they have not written yet
        # after the thank-you (or, never thanked, since they first wrote: as if answering)
        if direction == IN or kind in CONVERSATIONS:  # an answer
            if answered is None:
                answered = at
            last_answer = at
            unanswered = 0
            quiet_since = None
            continue
        if quiet_since is not None:
            # a new touch wakes a quiet relationship: a new, smaller round of notes
            quiet_since = None
            unanswered = 0 if answered is None else before_slowing
        if kind == EMAIL and direction == OUT and purpose is None:  # a gentle note
            last_note = touch
            unanswered += 1
            # the allowance: a few notes after the thank-you; for an advocate, the monthly
            # ones before the slow-down and a few quarterly ones after
            if unanswered >= (limit if answered is None else before_slowing + limit):
                quiet_since = at
    return Relationship(
        thanked=thanked,
        answered=answered,
        last_touch=last_touch,
        last_answer=last_answer,
        last_note=last_note,
        unanswered=unanswered,
        quiet_since=quiet_since,
        connected=connected or connected_on is not None,
        interview_asked=interview_asked,
        interview_held=interview_held,
    )


def _day(moment: datetime, zone: tzinfo | None) -> date:
    return moment.astimezone(zone).date()


def _midday(day: date) -> datetime:
    # an import's date: midday UTC keeps it on that day wherever the user is (±11 hours)
    return datetime(day.year, day.month, day.day, 12, tzinfo=UTC)


def local(value: datetime | str | None, zone: tzinfo | None) -> datetime | None:
    """A stored moment in local time; SQLite hands back UTC as text without an offset."""
    if value is None:
        return None
    if isinstance(value, str):
        value = datetime.fromisoformat(value)
    if value.tzinfo is None:
        value = value.replace(tzinfo=UTC)
    return value.astimezone(zone)


def midnight(day: date, zone: tzinfo | None) -> datetime:
    """When a local day begins, in UTC as moments are stored."""
    return datetime.combine(day, time(0), tzinfo=zone).astimezone(UTC)
