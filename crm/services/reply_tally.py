"""How many thank-yous and gentle notes each contact was sent, and how many were answered.

The review's reply rates count a thank-you or a note answered when the first answer at or
after it (anything that came in, or a conversation) came within `reply_window_days`, and no
touch of the user's that asked for one came between: an answer to a later email is the
email's. For a period the review counts in SQL (crm/services/review.py). For all time, that
SQL read every touch ever recorded (~90 ms of a review at the benchmark's 1x, ~1 s at 10x), so
the plan keeps these counts per contact instead: it reads the history of every contact a write
touched anyway (crm/services/plan.py), and a new version of the rules or the settings re-plans
everyone. The review adds the rows up. tests/test_review.py holds both ways to one answer.
They can differ at a millisecond only: the window is compared here to the microsecond, as
PostgreSQL compares it, where SQLite's julianday() rounds each moment to the millisecond.
"""

from __future__ import annotations

from collections.abc import Sequence
from datetime import datetime, timedelta
from typing import NamedTuple

from crm.services.relationships import CONVERSATIONS, EMAIL, IN, NOTE, OUT, THANK_YOU, Touch
from crm.store import Reads, Store, id_list

COLUMNS = ("thank_yous", "thank_yous_answered", "notes", "notes_answered")
WRITTEN = 500  # rows a statement writes


class Tally(NamedTuple):
    thank_yous: int = 0
    thank_yous_answered: int = 0
    notes: int = 0
    notes_answered: int = 0


def tally(touches: Sequence[Touch], window: timedelta) -> Tally | None:
    """One contact's counts, from their touches in order (moment, then id); None when they
    were sent neither a thank-you nor a note. One pass from the newest touch back."""
    counts = [0, 0, 0, 0]
    answer: datetime | None = None  # the first answer from this touch on
    ask: datetime | None = None  # the first ask after this touch
    for i in range(len(touches) - 1, -1, -1):
        _, kind, direction, at, purpose = touches[i]
        if kind == NOTE:  # a memo is neither an answer nor an ask
            continue
        if direction == IN or kind in CONVERSATIONS:
            answer = at
            continue
        if direction != OUT:
            continue
        which = 0 if kind == THANK_YOU else 2 if kind == EMAIL and purpose is None else -1
        if which >= 0:
            counts[which] += 1
            answered_at = answer
            if i and touches[i - 1].at == at:  # rare: another touch at the very moment
                answered_at = _answer_at_the_same_moment(touches, i) or answer
            if (
                answered_at is not None
                and answered_at - at <= window
                and (ask is None or ask > answered_at)
            ):
                counts[which + 1] += 1
        ask = at
    return Tally(*counts) if counts[0] or counts[2] else None


def _answer_at_the_same_moment(touches: Sequence[Touch], i: int) -> datetime | None:
    """An answer recorded at the very moment of touch `i` but before it (a smaller id) is the
    first answer at or after it too."""
    at = touches[i].at
    for earlier in range(i - 1, -1, -1):
        t = touches[earlier]
        if t.at != at:
            return None
        if t.kind != NOTE and (t.direction == IN or t.kind in CONVERSATIONS):
            return at
    return None


def keep(db: Store, contacts: str, tallies: dict[int, Tally]) -> None:
    """Make the rows of the contacts that the SQL condition `contacts` (on contact_id) names
    say `tallies`: write what changed, and remove the rows of those with none (a contact
    deleted, the last note taken back)."""
    kept = {
        contact_id: Tally(*counts)
        for contact_id, *counts in db.rows(
            f"SELECT contact_id, {', '.join(COLUMNS)} FROM reply_tally WHERE {contacts}"
        )
    }
    gone = [contact_id for contact_id in kept if contact_id not in tallies]
    for start in range(0, len(gone), WRITTEN):
        listed = id_list(gone[start : start + WRITTEN])
        db.run(f"DELETE FROM reply_tally WHERE contact_id IN ({listed})")
    changed = [(c, *t) for c, t in tallies.items() if kept.get(c) != t]
    updates = ", ".join(f"{name} = excluded.{name}" for name in COLUMNS)
    for start in range(0, len(changed), WRITTEN):
        db.insert(
            f"INSERT INTO reply_tally (contact_id, {', '.join(COLUMNS)}) VALUES",
            changed[start : start + WRITTEN],
            f"ON CONFLICT (contact_id) DO UPDATE SET {updates}",
        )


def all_time(db: Reads) -> Tally:
    """Everyone's counts added up."""
    sums = ", ".join(f"sum({name})" for name in COLUMNS)
    ((*counts,),) = db.rows(f"SELECT {sums} FROM reply_tally")
    return Tally(*(int(n or 0) for n in counts))  # none: NULL; PostgreSQL's sum: a numeric
