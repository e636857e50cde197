"""SQL on an SQLite database with nothing but the standard library.

For the commands people run many times a day (`crm today`, `task list`, `contact show`,
search, shell completion, `crm log`, `crm task done`) and for the export: importing SQLAlchemy
and SQLModel costs ~300 ms, a query over a large history ~20 ms. The lean path is taken only
when the database is already at the current schema and, for what shows tasks, the follow-up
plan already ran with the current settings; otherwise the caller takes the ordinary path, which
migrates and plans. A reader never writes, so it never waits for or blocks a writer; a writer
opens the file as crm/db.py does (WAL, foreign keys, the busy timeout) and begins IMMEDIATE.
"""

from __future__ import annotations

import sqlite3
from collections.abc import Iterable, Iterator, Sequence
from contextlib import contextmanager
from datetime import date
from pathlib import Path
from typing import TYPE_CHECKING, Any

from crm.db import BUSY_TIMEOUT_SECONDS, SCHEMA_REVISION
from crm.services.plan_state import plan_status
from crm.store import Params, insert_sql, positional, values

if TYPE_CHECKING:
    from crm.services.plan import Scope


class Reader:
    """A read transaction: a `Query` when called, and a `Reads` (crm/store.py)."""

    sqlite = True

    def __init__(self, connection: sqlite3.Connection) -> None:
        self.connection = connection

    def __call__(self, sql: str, params: dict[str, Any]) -> Sequence[Sequence[Any]]:
        return self.connection.execute(sql, params).fetchall()

    def rows(self, sql: str, params: Params | None = None) -> list[Sequence[Any]]:
        return self.connection.execute(sql, values(self, params or {})).fetchall()

    def stream(self, sql: str, params: Params | None = None) -> Iterator[Sequence[Any]]:
        """The rows as SQLite steps to them, never all at once."""
        return iter(self.connection.execute(sql, values(self, params or {})))


class Writer:
    """A `Store` (crm/store.py) on a connection inside one IMMEDIATE transaction: what the
    plan and the record-keeping writes need, and the scope of what they wrote."""

    sqlite = True

    def __init__(
        self, connection: sqlite3.Connection, scope: Scope, path: Path | None = None
    ) -> None:
        self.connection = connection
        self.scope = scope
        self.path = path
        self.info: dict[str, Any] = {}

    def unwritten_file(self) -> Path | None:
        """The file, while this transaction has written nothing: what another connection
        reads of it then is what this one reads, since no one else can write meanwhile."""
        return None if self.connection.total_changes else self.path

    def rows(self, sql: str, params: Params | None = None) -> list[Sequence[Any]]:
        return self.connection.execute(sql, values(self, params or {})).fetchall()

    def stream(self, sql: str, params: Params | None = None) -> Iterator[Sequence[Any]]:
        return iter(self.connection.execute(sql, values(self, params or {})))

    def run(self, sql: str, params: Params | None = None) -> None:
        self.connection.execute(sql, values(self, params or {}))

    def insert(self, head: str, rows: Sequence[Sequence[Any]], tail: str) -> list[Sequence[Any]]:
        if not rows:
            return []
        sql = insert_sql(head, rows, tail, "?")
        return self.connection.execute(sql, positional(self, rows)).fetchall()

    def touched(
        self,
        *,
        contacts: Iterable[int | None] = (),
        employers: Iterable[int | None] = (),
        everything: bool = False,
    ) -> None:
        self.scope.add(contacts=contacts, employers=employers, everything=everything)


@contextmanager
def lean_writer(path: Path) -> Iterator[Writer | None]:
    """One write transaction on the file, committed when the block ends normally; None when
    the file is not a database at this crm's schema (the ordinary path migrates it)."""
    from crm.services.plan import Scope

    connection = _connection(path)
    if connection is None:
        yield None
        return
    try:
        for pragma in ("journal_mode=WAL", "synchronous=NORMAL", "foreign_keys=ON"):
            connection.execute(f"PRAGMA {pragma}")  # as crm/db.py opens every connection
        connection.execute("BEGIN IMMEDIATE")
        if not _schema_current(Reader(connection)):
            connection.execute("ROLLBACK")
            yield None
            return
        try:
            yield Writer(connection, Scope(), path)
        except BaseException:
            connection.execute("ROLLBACK")
            raise
        connection.execute("COMMIT")
    finally:
        connection.close()


@contextmanager
def lean_reader(path: Path, fingerprint: str, today: date) -> Iterator[Reader | None]:
    """A query function inside one read transaction, or None when the lean path won't do."""
    with _reading(path) as reader:
        yield reader if reader is not None and _current(reader, fingerprint, today) else None


@contextmanager
def schema_reader(path: Path) -> Iterator[Reader | None]:
    """Like `lean_reader` for what reads no task (a search): the schema alone must be current."""
    with _reading(path) as reader:
        yield reader if reader is not None and _schema_current(reader) else None


@contextmanager
def _reading(path: Path) -> Iterator[Reader | None]:
    """One read transaction on the file, or None when it is not there or not a database."""
    connection = _connection(path)
    if connection is None:
        yield None
        return
    try:
        connection.execute("BEGIN")
        yield Reader(connection)
        connection.execute("COMMIT")
    finally:
        connection.close()


def _connection(path: Path) -> sqlite3.Connection | None:
    """The file opened in autocommit mode (each transaction begun by hand), or None when it is
    not there or cannot be opened."""
    if not path.is_file():
        return None
    try:
        return sqlite3.connect(path, timeout=BUSY_TIMEOUT_SECONDS, isolation_level=None)
    except sqlite3.Error:
        return None


def _schema_current(reader: Reader) -> bool:
    try:
        revision = reader("SELECT version_num FROM alembic_version", {})
    except sqlite3.Error:  # no tables yet, or not a database: the ordinary path says why
        return False
    return list(map(tuple, revision)) == [(SCHEMA_REVISION,)]


def _current(reader: Reader, fingerprint: str, today: date) -> bool:
    """The schema is this crm's, and the plan ran with these settings on exactly this data."""
    if not _schema_current(reader):
        return False
    try:
        status = plan_status(reader, fingerprint=fingerprint, today=today, as_text=True)
    except sqlite3.Error:
        return False
    return status.current
