"""The day's agenda: what is overdue, due today and due in the coming week.

Read with plain SQL through a DB-API connection, so `crm today` on SQLite needs nothing but the
standard library's sqlite3: SQLModel and SQLAlchemy cost ~400 ms to import, the query ~20 ms.
The same SQL runs through SQLAlchemy on PostgreSQL.
"""

from __future__ import annotations

from collections.abc import Callable, Iterator, Sequence
from datetime import UTC, date, datetime, timedelta
from functools import lru_cache
from typing import TYPE_CHECKING, Any, NamedTuple

if TYPE_CHECKING:
    from sqlmodel import Session

HORIZON_DAYS = 7
EVERY = 2**62  # a LIMIT both SQLite and PostgreSQL read as "no limit"

TASKS = """
SELECT t.id, t.kind, t.title, t.due, t.status, c.name, e.name,
       t.contact_id, t.employer_id, t.rule, t.created_at, t.closed_at
FROM task AS t
LEFT JOIN contact AS c ON c.id = t.contact_id
LEFT JOIN employer AS e ON e.id = COALESCE(t.employer_id, c.employer_id)
"""
SECTION_SQL = (
    TASKS + "WHERE t.status = 'open' AND t.due >= :first AND t.due <= :last "
    "ORDER BY t.due, t.id LIMIT :limit"
)
COUNT_SQL = "SELECT COUNT(*) FROM task WHERE status = 'open' AND due >= :first AND due <= :last"
OPEN_TASKS_SQL = TASKS + "WHERE t.status = 'open' ORDER BY t.due, t.id"
ALL_TASKS_SQL = TASKS + "ORDER BY t.due, t.id"

Query = Callable[[str, dict[str, Any]], Sequence[Sequence[Any]]]
Stream = Callable[[str, dict[str, Any]], Iterator[Sequence[Any]]]  # the rows, read as used


class TaskLine(NamedTuple):
    """A task with the names of its contact and employer, as lists show it.

    A named tuple, not a dataclass: `crm task list` makes one per open task (80,000 at the
    benchmark's 10x), and a tuple is made in a third of the time."""

    id: int
    kind: str
    title: str
    due: date
    status: str
    contact: str | None
    employer: str | None
    contact_id: int | None
    employer_id: int | None
    rule: str | None
    created_at: datetime
    closed_at: datetime | None

    @classmethod
    def from_row(cls, row: Sequence[Any]) -> TaskLine:
        created = stored_moment(row[10])
        assert created is not None
        return cls(
            row[0],
            row[1],
            row[2],
            stored_day(row[3]),
            row[4],
            row[5],
            row[6],
            row[7],
            row[8],
            row[9],
            created,
            stored_moment(row[11]),
        )

    @property
    def who(self) -> str:
        """The contact and the employer, as a list's "who" column shows them."""
        if self.contact and self.employer:
            return f"{self.contact} · {self.employer}"
        return self.contact or self.employer or ""


# Parsed once each: a list's tasks share few due days, and the plan stamps every task it makes
# in one run with the same moment.
@lru_cache(maxsize=4096)
def stored_day(value: date | str) -> date:
    return value if isinstance(value, date) else date.fromisoformat(value)


@lru_cache(maxsize=4096)
def stored_moment(value: datetime | str | None) -> datetime | None:
    """A stored moment: SQLite hands back UTC as text without an offset."""
    if value is None or isinstance(value, datetime):
        return value
    return datetime.fromisoformat(value).replace(tzinfo=UTC)


class Agenda(NamedTuple):
    date: date
    overdue: list[TaskLine]
    today: list[TaskLine]
    upcoming: list[TaskLine]
    # how many each section holds, when it was read only in part
    totals: dict[str, int]

    @property
    def empty(self) -> bool:
        return not (self.overdue or self.today or self.upcoming)


def agenda(query: Query, *, today: date, until_as_text: bool, limit: int | None = None) -> Agenda:
    """Open tasks up to a week ahead, each section read only up to `limit` tasks (and counted).

    `until_as_text`: SQLite compares dates as ISO text. A morning screen shows a few lines of a
    long overdue list, so it reads a few: over a large history that is most of its time.
    """
    found: dict[str, list[TaskLine]] = {}
    totals: dict[str, int] = {}
    for name, bounds in sections(today=today, until_as_text=until_as_text).items():
        rows = query(SECTION_SQL, dict(bounds, limit=EVERY if limit is None else limit))
        found[name] = lines = [TaskLine.from_row(row) for row in rows]
        if limit is not None and len(lines) == limit:
            totals[name] = query(COUNT_SQL, bounds)[0][0]
        else:
            totals[name] = len(lines)
    return Agenda(today, found["overdue"], found["today"], found["upcoming"], totals)


def sections(*, today: date, until_as_text: bool) -> dict[str, dict[str, object]]:
    """The agenda's sections and the first and last due date of each, as the SQL takes them
    (`until_as_text`: SQLite compares dates as ISO text)."""
    days = {
        "overdue": (date.min, today - timedelta(days=1)),
        "today": (today, today),
        "upcoming": (today + timedelta(days=1), today + timedelta(days=HORIZON_DAYS)),
    }
    return {
        name: {
            "first": first.isoformat() if until_as_text else first,
            "last": last.isoformat() if until_as_text else last,
        }
        for name, (first, last) in days.items()
    }


def section_lines(stream: Stream, bounds: dict[str, object]) -> Iterator[TaskLine]:
    """Every task of one section, read as it is used (`today --json` holds none of them)."""
    return (TaskLine.from_row(r) for r in stream(SECTION_SQL, dict(bounds, limit=EVERY)))


def session_stream(session: Session) -> Stream:
    """A `Stream` over an ORM session: the same SQL, a batch of rows at a time."""
    from crm.store import SessionStore

    return SessionStore(session).stream


def query_of(stream: Stream) -> Query:
    """A `Query` over a `Stream`: each answer read whole (a few rows, or a count)."""
    return lambda sql, params: list(stream(sql, params))


def session_query(session: Session) -> Query:
    """A `Query` over an ORM session: the same SQL the lean path runs through sqlite3."""
    from sqlalchemy import text

    return lambda sql, params: session.execute(text(sql), params).all()


WIDTHS_SQL = """
SELECT max(length(t.title)), max(length(COALESCE(c.name || ' · ' || e.name, c.name, e.name, '')))
FROM task AS t
LEFT JOIN contact AS c ON c.id = t.contact_id
LEFT JOIN employer AS e ON e.id = COALESCE(t.employer_id, c.employer_id)
"""


def longest_id(query: Query, *, include_closed: bool) -> int | None:
    """The largest id of the open tasks (or of every task): the width of a list's id column."""
    where = "" if include_closed else " WHERE status = 'open'"
    return query("SELECT max(id) FROM task" + where, {})[0][0]


def longest_cells(query: Query, *, include_closed: bool) -> tuple[int, int]:
    """The longest title and the longest "who" (`TaskLine.who`) of the open tasks (or of every
    task), in characters: what a terminal wider than 80 columns makes room for."""
    where = "" if include_closed else " WHERE t.status = 'open'"
    title, who = query(WIDTHS_SQL + where, {})[0]
    return title or 0, who or 0


def each_task(query: Query | Stream, *, include_closed: bool) -> Iterator[TaskLine]:
    """Open tasks (or every task) by due date, one at a time (from a `Stream`: never all of
    them at once)."""
    sql = ALL_TASKS_SQL if include_closed else OPEN_TASKS_SQL
    return (TaskLine.from_row(row) for row in query(sql, {}))


COUNTS_SQL = "SELECT (SELECT COUNT(*) FROM contact), (SELECT COUNT(*) FROM job)"
NEXT_SQL = """
SELECT t.title, t.due, c.name FROM task AS t LEFT JOIN contact AS c ON c.id = t.contact_id
WHERE t.status = 'open' AND t.due > :until ORDER BY t.due, t.id LIMIT 1
"""


class Quiet(NamedTuple):
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
    return Quiet(contacts, jobs, title, stored_day(due), contact)
