"""The daily digest: what is overdue, what is due today, what the plan made or expired since the
last digest.

It reads the agenda's own SQL (crm/services/agenda.py), so the digest and `crm today` never
disagree about what is due.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import UTC, date, datetime, timedelta

from sqlalchemy import text
from sqlmodel import Session

from crm.kinds import TaskStatus
from crm.services.agenda import TASKS, TaskLine, agenda

SHOWN = 20  # tasks a section lists; the counts are always whole
# a task the plan made and expired since the last digest (a catch-up after weeks away) is
# listed once, as expired
MADE_SQL = (
    TASKS + "WHERE t.rule IS NOT NULL AND t.created_at > :since AND t.status <> :expired "
    "ORDER BY t.due, t.id LIMIT :limit"
)
EXPIRED_SQL = (
    TASKS + "WHERE t.status = :expired AND t.closed_at > :since ORDER BY t.due, t.id LIMIT :limit"
)


@dataclass(frozen=True)
class Digest:
    day: date
    overdue: list[TaskLine]
    today: list[TaskLine]
    made: list[TaskLine]  # by the plan since the last digest, done or not, unless expired
    expired: list[TaskLine]
    totals: dict[str, int] = field(default_factory=dict)  # each section's whole count

    @property
    def anything_due(self) -> bool:
        return bool(self.totals.get("overdue") or self.totals.get("today"))


def daily_digest(*, session: Session, now: datetime, since: datetime | None) -> Digest:
    """The digest for now's local day; `since` is the last digest's moment (default: a day)."""
    sqlite = session.get_bind().dialect.name == "sqlite"

    def query(sql: str, params: dict[str, object]) -> list[tuple[object, ...]]:
        return [tuple(row) for row in session.execute(text(sql), params).all()]

    day = now.date()
    found = agenda(query, today=day, until_as_text=sqlite, limit=SHOWN)
    since = since or now - timedelta(days=1)
    # SQLite keeps moments as UTC text without an offset (crm/services/agenda.py reads them so)
    moment = f"{since.astimezone(UTC):%Y-%m-%d %H:%M:%S.%f}" if sqlite else since
    params: dict[str, object] = {
        "since": moment,
        "expired": TaskStatus.EXPIRED.value,
        "limit": SHOWN,
    }
    made = [TaskLine.from_row(r) for r in query(MADE_SQL, params)]
    expired = [TaskLine.from_row(r) for r in query(EXPIRED_SQL, params)]
    return Digest(
        day=day,
        overdue=found.overdue,
        today=found.today,
        made=made,
        expired=expired,
        totals={"overdue": found.totals["overdue"], "today": found.totals["today"]},
    )
