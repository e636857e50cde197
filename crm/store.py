"""Plain SQL that runs the same on the standard library's sqlite3 and on an ORM session.

The follow-up plan, the undo journal's bookkeeping and the two writes people make many times a
day (`crm log`, `crm task done`) speak to a `Store`: on SQLite a command can then run them with
nothing but sqlite3 (crm/lean.py), where importing SQLAlchemy and SQLModel alone costs ~300 ms,
and every other command runs the very same statements through its session. One set of SQL,
so the two paths cannot drift apart.

The SQL is written for both databases: `:name` parameters (sqlite3 and SQLAlchemy's `text()`
both read them; a bulk insert's are positional, each store writing its driver's marks:
`Store.insert`), `ON CONFLICT ... DO NOTHING`, `RETURNING`. What differs is how values travel:
SQLite keeps a date as ISO text and a moment as UTC text ("2026-03-04 09:30:00.000000", as
SQLAlchemy writes it); PostgreSQL takes and gives Python's dates and datetimes. `value`,
`day` and `moment` translate.
"""

from __future__ import annotations

from collections.abc import Iterable, Iterator, Mapping, Sequence
from datetime import UTC, date, datetime
from functools import lru_cache
from typing import TYPE_CHECKING, Any, Protocol, cast

if TYPE_CHECKING:
    from sqlmodel import Session

Params = Mapping[str, Any]
STREAM_BATCH = 1_000  # rows a stream over an ORM session holds at a time


class Reads(Protocol):
    """What reads plain SQL: the review, and the plan's reading of where relationships stand.
    On SQLite a read-only transaction of the standard library's (crm/lean.py) is one."""

    sqlite: bool

    def rows(self, sql: str, params: Params | None = None) -> list[Sequence[Any]]:
        """The rows a query returns (an INSERT ... RETURNING's too)."""

    def stream(self, sql: str, params: Params | None = None) -> Iterator[Sequence[Any]]:
        """The rows of a long answer as they are read, never all at once."""


class Store(Reads, Protocol):
    info: dict[str, Any]  # what one write tells the plan after it (a session's own `info`)

    def run(self, sql: str, params: Params | None = None) -> None:
        """A statement whose rows nobody reads."""

    def insert(self, head: str, rows: Sequence[Sequence[Any]], tail: str) -> list[Sequence[Any]]:
        """`head` ("INSERT INTO t (a, b) VALUES"), a VALUES group per row, then `tail` (its
        ON CONFLICT and RETURNING), as one statement: the rows it returns. The values travel
        as positional parameters: SQLite finds a named one by walking the statement's list
        of names, so a long VALUES list of named ones binds in time that grows with its
        square. A first plan at the benchmark's 1x inserted its 5,456 tasks in 200-274 ms
        as statements of 10 named rows, in 132-185 ms as statements of 50 positional ones."""

    def touched(
        self,
        *,
        contacts: Iterable[int | None] = (),
        employers: Iterable[int | None] = (),
        everything: bool = False,
    ) -> None:
        """Say whose plan a write changed: the plan runs for them after it."""


def value(store: Reads, thing: Any) -> Any:
    """A Python value as the database takes it."""
    if not store.sqlite:
        return thing
    if isinstance(thing, datetime):
        return _moment_text(thing)
    if isinstance(thing, date):
        return thing.isoformat()
    return thing


@lru_cache(maxsize=256)
def _moment_text(moment: datetime) -> str:
    """As SQLAlchemy writes it on SQLite: the plan stamps one moment on every task it makes."""
    return f"{moment.astimezone(UTC):%Y-%m-%d %H:%M:%S.%f}"


AS_IS = frozenset({str, int, float, bool, type(None)})  # what both databases take as it is


def values(store: Reads, params: Params) -> dict[str, Any]:
    """The parameters as the database takes them (the plan's inserts bind 500 at a time)."""
    if not store.sqlite:
        return dict(params)
    return {
        name: thing if thing.__class__ in AS_IS else value(store, thing)
        for name, thing in params.items()
    }


def positional(store: Reads, rows: Sequence[Sequence[Any]]) -> list[Any]:
    """The rows' values in order, as the database takes them."""
    if not store.sqlite:
        return [thing for row in rows for thing in row]
    return [
        thing if thing.__class__ in AS_IS else value(store, thing) for row in rows for thing in row
    ]


def insert_sql(head: str, rows: Sequence[Sequence[Any]], tail: str, mark: str) -> str:
    """The statement `Store.insert` runs: a VALUES group per row, its parameters marked
    `mark` (sqlite3's "?", psycopg's "%s")."""
    return f"{head} {_groups(mark, len(rows[0]), len(rows))} {tail}"


@lru_cache(maxsize=16)
def _groups(mark: str, width: int, count: int) -> str:
    group = "(" + ", ".join([mark] * width) + ")"
    return ", ".join([group] * count)


def day(stored: date | str) -> date:
    """A stored date (SQLite: ISO text)."""
    return stored if isinstance(stored, date) else date.fromisoformat(stored)


def maybe_day(stored: date | str | None) -> date | None:
    return None if stored is None else day(stored)


def moment(stored: datetime | str) -> datetime:
    """A stored moment, aware (UTC, as SQLite keeps it without an offset)."""
    if isinstance(stored, str):  # as SQLAlchemy writes it, UTC: one parse makes it aware
        return datetime.fromisoformat(stored if "+" in stored else stored + "+00:00")
    return stored if stored.tzinfo is not None else stored.replace(tzinfo=UTC)


def id_list(ids: Iterable[int | None]) -> str:
    """Ids for `IN (...)`, written into the SQL: integers only, and `NULL` (which nothing
    equals) for none, since PostgreSQL refuses an empty `IN ()`."""
    listed = ", ".join(str(int(i)) for i in ids if i is not None)
    return listed or "NULL"


class SessionStore:
    """A `Store` over an ORM session: the statements run in its transaction, and the
    contacts and employers they touch join the scope its own writes collect."""

    def __init__(self, session: Session) -> None:
        from sqlalchemy import text

        self.session = session
        self.info = session.info
        self.sqlite = session.get_bind().dialect.name == "sqlite"
        self._text = text

    def rows(self, sql: str, params: Params | None = None) -> list[Sequence[Any]]:
        self.session.flush()  # plain SQL does not flush: it sees what the session wrote
        return list(self.session.execute(self._text(sql), values(self, params or {})).all())

    def stream(self, sql: str, params: Params | None = None) -> Iterator[Sequence[Any]]:
        self.session.flush()
        connection = self.session.connection().execution_options(yield_per=STREAM_BATCH)
        return iter(connection.execute(self._text(sql), values(self, params or {})))

    def run(self, sql: str, params: Params | None = None) -> None:
        self.session.flush()
        self.session.execute(self._text(sql), values(self, params or {}))

    def insert(self, head: str, rows: Sequence[Sequence[Any]], tail: str) -> list[Sequence[Any]]:
        if not rows:
            return []
        self.session.flush()
        sql = insert_sql(head, rows, tail, "?" if self.sqlite else "%s")  # the driver's marks
        result = self.session.connection().exec_driver_sql(sql, tuple(positional(self, rows)))
        return list(result.all()) if result.returns_rows else []

    def touched(
        self,
        *,
        contacts: Iterable[int | None] = (),
        employers: Iterable[int | None] = (),
        everything: bool = False,
    ) -> None:
        from crm.services.plan import touched

        touched(self.session, contacts=contacts, employers=employers, everything=everything)


def store_of(session: Session | Store) -> Store:
    """The store a plan function runs on: a session's, or the one given."""
    if hasattr(session, "rows"):
        return cast(Store, session)
    return SessionStore(cast("Session", session))


def reads_of(session: Session | Reads) -> Reads:
    """What a read runs on: a session's store, or the one given."""
    if hasattr(session, "rows"):
        return cast(Reads, session)
    return SessionStore(cast("Session", session))
