"""Alembic, driven from code: users never run it, `crm` migrates a database when it opens it.

crm/db.py asks `schema_revision` on every open; Alembic itself (~400 ms to import, which
`crm today` must not pay) is imported only when a database is behind the current schema or
`crm db` is used. This module knows nothing of crm/db.py: the dependency runs one way.
"""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import TYPE_CHECKING

from crm import journal
from crm.errors import DatabaseError

if TYPE_CHECKING:
    from alembic.config import Config
    from sqlalchemy import Connection, Engine

# any fixed number: PostgreSQL advisory locks are named by integers
MIGRATION_LOCK = 0x63726D00


def schema_revision(connection: Connection) -> str | None:
    from sqlalchemy import inspect

    if not inspect(connection).has_table("alembic_version"):
        return None
    return connection.exec_driver_sql("SELECT version_num FROM alembic_version").scalar()


@contextmanager
def migration_connection(engine: Engine) -> Iterator[Connection]:
    """One write transaction for a whole migration, so a killed migration leaves the old schema.

    On SQLite, foreign keys are off while it runs: a batch migration rebuilds a table by copying
    it and dropping the old one, and with foreign keys on that drop would cascade into the rows
    that point at it. The pragma is ignored inside a transaction, so it is set before, and
    `foreign_key_check` proves nothing was orphaned before the commit.
    """
    with engine.connect() as connection:
        sqlite = engine.dialect.name == "sqlite"
        raw = connection.connection.driver_connection
        if sqlite:
            raw.execute("PRAGMA foreign_keys=OFF")  # type: ignore[union-attr]
        try:
            connection.execution_options(crm_write=True)
            with connection.begin():
                if not sqlite:
                    connection.exec_driver_sql(f"SELECT pg_advisory_xact_lock({MIGRATION_LOCK})")
                yield connection
                if sqlite:
                    broken = connection.exec_driver_sql("PRAGMA foreign_key_check").fetchall()
                    if broken:
                        raise DatabaseError(f"migration left rows pointing nowhere: {broken[:5]}")
        finally:
            if sqlite:
                raw.execute("PRAGMA foreign_keys=ON")  # type: ignore[union-attr]


def script_location() -> Path:
    """alembic/ inside an installed wheel (crm/_alembic), or beside the package in a checkout."""
    package = Path(__file__).resolve().parent
    shipped = package / "_alembic"
    return shipped if shipped.is_dir() else package.parent / "alembic"


def alembic_config(connection: Connection | None = None) -> Config:
    from alembic.config import Config

    config = Config()
    config.set_main_option("script_location", str(script_location()))
    config.attributes["connection"] = connection
    return config


def head() -> str | None:
    from alembic.script import ScriptDirectory

    return ScriptDirectory.from_config(alembic_config()).get_current_head()


def upgrade(engine: Engine, revision: str = "head") -> None:
    from alembic import command

    _run(engine, command.upgrade, revision)


def downgrade(engine: Engine, revision: str) -> None:
    from alembic import command

    _run(engine, command.downgrade, revision)


def current(engine: Engine) -> str | None:
    with engine.connect() as connection:
        return schema_revision(connection)


def _run(engine: Engine, step: object, revision: str) -> None:
    from alembic.util import CommandError

    with migration_connection(engine) as connection:
        try:
            if journal.installed(connection):
                # SQLite's journal triggers name every column, and a column a trigger names
                # cannot be dropped: the triggers step aside while the schema changes
                journal.uninstall(connection)
            step(alembic_config(connection), revision)  # type: ignore[operator]
            if journal.installed(connection):
                # a later migration may have added a column or rebuilt a table (which drops
                # its triggers on SQLite): the journal's triggers follow the schema as it is
                journal.install(connection)
        except CommandError as error:
            found = schema_revision(connection)
            raise DatabaseError(
                f"cannot migrate the database (at revision {found}): {error}; "
                "a newer crm may have written it"
            ) from None
