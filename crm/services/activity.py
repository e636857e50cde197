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
from typing import Any

from sqlalchemy import case, func
from sqlalchemy import select as sa_select
from sqlmodel import Session, col

from crm.kinds import Direction, TaskStatus, TouchKind
from crm.models import Task, Touchpoint
from crm.services.review import _midnight

WEEKS = 12


@dataclass(frozen=True)
class Week:
    start: date
    end: date  # inclusive: start + 6 days
    touches_out: int
    answers_in: int
    tasks_done: int


def weekly_activity(
    *, session: Session, zone: tzinfo | None, last_day: date, weeks: int = WEEKS
) -> list[Week]:
    """The `weeks` seven-day spans ending on `last_day`, oldest first."""
    starts = [last_day - timedelta(days=7 * (weeks - i) - 1) for i in range(weeks)]
    edges = [_midnight(day, zone) for day in [*starts, last_day + timedelta(days=1)]]
    out: list[int] = [0] * weeks
    answers: list[int] = [0] * weeks
    done: list[int] = [0] * weeks

    moment = col(Touchpoint.happened_at)
    week = _week_of(moment, edges)
    rows = session.execute(
        sa_select(week, col(Touchpoint.direction), func.count())
        .where(moment >= edges[0], moment < edges[-1])
        .where(col(Touchpoint.kind) != TouchKind.NOTE.value)
        .group_by(week, col(Touchpoint.direction))
    ).all()
    for index, direction, count in rows:
        (out if direction == Direction.OUT.value else answers)[index] += count

    closed = col(Task.closed_at)
    week = _week_of(closed, edges)
    rows = session.execute(
        sa_select(week, func.count())
        .where(col(Task.status) == TaskStatus.DONE.value)
        .where(closed >= edges[0], closed < edges[-1])
        .group_by(week)
    ).all()
    for index, count in rows:
        done[index] += count

    return [
        Week(start, start + timedelta(days=6), out[i], answers[i], done[i])
        for i, start in enumerate(starts)
    ]


def _week_of(moment: Any, edges: list[datetime]) -> Any:
    """The index of the week a moment falls in (the caller keeps moments within the edges)."""
    return case(
        *((moment < edge, index) for index, edge in enumerate(edges[1:-1])),
        else_=len(edges) - 2,
    )
