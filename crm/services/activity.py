"""Activity week by week: touches out, answers in and tasks done, for the review's chart.

Two aggregate queries (one over touchpoints, one over tasks) whatever the number of weeks: each
row is put in its week by a CASE over the weeks' edges, and the database counts them. The
edges are local midnights turned into UTC moments in Python, so a week is the user's week on
SQLite and PostgreSQL alike, across daylight-saving changes. Definitions follow the review
(crm/services/review.py): notes are not touches; an answer is an incoming touch; a task is
done in the week its `closed_at` falls in.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date, datetime, timedelta, tzinfo
from typing import TYPE_CHECKING

from crm.kinds import Direction, TaskStatus, TouchKind
from crm.services.relationships import midnight
from crm.store import Reads, reads_of

if TYPE_CHECKING:
    from sqlmodel import Session

WEEKS = 12


@dataclass(frozen=True, slots=True)
class Week:
    start: date
    end: date  # inclusive: start + 6 days
    touches_out: int
    answers_in: int
    tasks_done: int


def weekly_activity(
    *, session: Session | Reads, zone: tzinfo | None, last_day: date, weeks: int = WEEKS
) -> list[Week]:
    """The `weeks` seven-day spans ending on `last_day`, oldest first."""
    db = reads_of(session)
    starts = [last_day - timedelta(days=7 * (weeks - i) - 1) for i in range(weeks)]
    edges = [midnight(day, zone) for day in [*starts, last_day + timedelta(days=1)]]
    bounds = {f"edge{i}": edge for i, edge in enumerate(edges)}
    out: list[int] = [0] * weeks
    answers: list[int] = [0] * weeks
    done: list[int] = [0] * weeks

    rows = db.rows(
        f"SELECT {_week_of('happened_at', edges)}, direction, count(*) FROM touchpoint"
        f" WHERE happened_at >= :edge0 AND happened_at < :edge{weeks}"
        f" AND kind <> '{TouchKind.NOTE.value}'"
        " GROUP BY 1, 2",
        bounds,
    )
    for index, direction, count in rows:
        (out if direction == Direction.OUT.value else answers)[index] += count

    rows = db.rows(
        f"SELECT {_week_of('closed_at', edges)}, count(*) FROM task"
        f" WHERE status = '{TaskStatus.DONE.value}'"
        f" AND closed_at >= :edge0 AND closed_at < :edge{weeks}"
        " GROUP BY 1",
        bounds,
    )
    for index, count in rows:
        done[index] += count

    return [
        Week(start, start + timedelta(days=6), out[i], answers[i], done[i])
        for i, start in enumerate(starts)
    ]


def _week_of(moment: str, edges: list[datetime]) -> str:
    """SQL: the index of the week a moment falls in (the caller keeps moments within the
    edges, given as the parameters edge0, edge1, ...)."""
    whens = " ".join(f"WHEN {moment} < :edge{i + 1} THEN {i}" for i in range(len(edges) - 2))
    return f"CASE {whens} ELSE {len(edges) - 2} END"
