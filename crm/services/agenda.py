"""The day's agenda: what is overdue, due today and due in the coming week.

Read with plain SQL through a DB-API connection, so `crm today` on SQLite needs nothing but the
standard library's sqlite3: SQLModel and SQLAlchemy cost ~400 ms to import, the query ~20 ms.
The same SQL runs through SQLAlchemy on PostgreSQL.
"""

from collections.abc import Callable, Sequence
from dataclasses import dataclass, field
from datetime import date, timedelta
from typing import Any

HORIZON_DAYS = 7

AGENDA_SQL = """
SELECT t.id, t.kind, t.title, t.due, t.status, c.name, e.name
FROM task AS t
LEFT JOIN contact AS c ON c.id = t.contact_id
LEFT JOIN employer AS e ON e.id = COALESCE(t.employer_id, c.employer_id)
WHERE t.status = 'open' AND t.due <= :until
ORDER BY t.due, t.id
"""

Query = Callable[[str, dict[str, Any]], Sequence[Sequence[Any]]]


@dataclass(frozen=True)
class AgendaItem:
    id: int
    kind: str
    title: str
    due: date
    status: str
    contact: str | None
    employer: str | None

    def days_late(self, today: date) -> int:
        return (today - self.due).days


@dataclass
class Agenda:
    date: date
    overdue: list[AgendaItem] = field(default_factory=list)
    today: list[AgendaItem] = field(default_factory=list)
    upcoming: list[AgendaItem] = field(default_factory=list)

    @property
    def empty(self) -> bool:
        return not (self.overdue or self.today or self.upcoming)


def agenda(query: Query, *, today: date, until_as_text: bool) -> Agenda:
    """Open tasks up to a week ahead. `until_as_text`: SQLite compares dates as ISO text."""
    until = today + timedelta(days=HORIZON_DAYS)
    result = Agenda(date=today)
    for row in query(AGENDA_SQL, {"until": until.isoformat() if until_as_text else until}):
        due = row[3] if isinstance(row[3], date) else date.fromisoformat(row[3])
        item = AgendaItem(row[0], row[1], row[2], due, row[4], row[5], row[6])
        bucket = (
            result.overdue if due < today else result.today if due == today else result.upcoming
        )
        bucket.append(item)
    return result


COUNTS_SQL = "SELECT (SELECT COUNT(*) FROM contact), (SELECT COUNT(*) FROM job)"
NEXT_SQL = """
SELECT t.title, t.due, c.name FROM task AS t LEFT JOIN contact AS c ON c.id = t.contact_id
WHERE t.status = 'open' AND t.due > :until ORDER BY t.due, t.id LIMIT 1
"""


@dataclass(frozen=True)
class Quiet:
    """What an empty agenda can say instead: how far along the user is, and what comes next."""

    contacts: int
    jobs: int
    next_title: str | None = None
    next_due: date | None = None
    next_contact: str | None = None


def quiet(query: Query, *, today: date, until_as_text: bool) -> Quiet:
    contacts, jobs = query(COUNTS_SQL, {})[0]
    until = today + timedelta(days=HORIZON_DAYS)
    rows = query(NEXT_SQL, {"until": until.isoformat() if until_as_text else until})
    if not rows:
        return Quiet(contacts, jobs)
    title, due, contact = rows[0]
    return Quiet(
        contacts, jobs, title, due if isinstance(due, date) else date.fromisoformat(due), contact
    )
