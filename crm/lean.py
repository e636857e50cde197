"""Read-only SQL on an SQLite database with nothing but the standard library.

For the commands people run many times a day (`crm today`, shell completion): importing
SQLAlchemy and SQLModel costs ~400 ms, a query over a large history ~20 ms. The lean path is
taken only when the database is already at the current schema and the follow-up plan already ran
with the current settings; otherwise the caller takes the ordinary path, which migrates and
plans. It never writes, so it never waits for or blocks a writer.
"""

from __future__ import annotations

import sqlite3
from collections.abc import Iterator, Sequence
from contextlib import contextmanager
from pathlib import Path
from typing import Any

from crm.db import BUSY_TIMEOUT_SECONDS, SCHEMA_REVISION


class Reader:
    def __init__(self, connection: sqlite3.Connection) -> None:
        self.connection = connection

    def __call__(self, sql: str, params: dict[str, Any]) -> Sequence[Sequence[Any]]:
        return self.connection.execute(sql, params).fetchall()


@contextmanager
def lean_reader(path: Path, fingerprint: str) -> Iterator[Reader | None]:
    """A query function inside one read transaction, or None when the lean path won't do."""
    if not path.is_file():
        yield None
        return
    try:
        connection = sqlite3.connect(path, timeout=BUSY_TIMEOUT_SECONDS, isolation_level=None)
    except sqlite3.Error:
        yield None
        return
    try:
        connection.execute("BEGIN")
        if _current(connection, fingerprint):
            yield Reader(connection)
        else:
            yield None
        connection.execute("COMMIT")
    finally:
        connection.close()


PLAN_CURRENT_SQL = """
SELECT p.fingerprint = :fingerprint AND p.changes_planned = c.changes
FROM plan_state AS p, change_counter AS c WHERE p.id = 1 AND c.id = 1
"""


def _current(connection: sqlite3.Connection, fingerprint: str) -> bool:
    """The schema is this crm's, and the plan ran with these settings on exactly this data."""
    try:
        revision = connection.execute("SELECT version_num FROM alembic_version").fetchone()
        if revision != (SCHEMA_REVISION,):
            return False
        current = connection.execute(PLAN_CURRENT_SQL, {"fingerprint": fingerprint}).fetchone()
    except sqlite3.Error:  # no tables yet, or not a database: the ordinary path says why
        return False
    return current == (1,)
