"""Alembic, driven from code: users never run it, `crm` migrates a database when it opens it.

Imported only when a database is behind the current schema or `crm db` is used: Alembic costs
~400 ms to import, which `crm today` must not pay.
"""

from __future__ import annotations

from pathlib import Path
from typing import TYPE_CHECKING

from alembic.config import Config
from alembic.script import ScriptDirectory
from alembic.util import CommandError

from alembic import command
from crm.db import migration_connection, schema_revision
from crm.errors import DatabaseError

if TYPE_CHECKING:
    from sqlalchemy import Connection, Engine


def script_location() -> Path:
    """alembic/ inside an installed wheel (crm/_alembic), or beside the package in a checkout."""
    package = Path(__file__).resolve().parent
    shipped = package / "_alembic"
    return shipped if shipped.is_dir() else package.parent / "alembic"


def alembic_config(connection: Connection | None = None) -> Config:
    config = Config()
    config.set_main_option("script_location", str(script_location()))
    config.attributes["connection"] = connection
    return config


def head() -> str | None:
    return ScriptDirectory.from_config(alembic_config()).get_current_head()


def upgrade(engine: Engine, revision: str = "head") -> None:
    _run(engine, command.upgrade, revision)


def downgrade(engine: Engine, revision: str) -> None:
    _run(engine, command.downgrade, revision)


def current(engine: Engine) -> str | None:
    with engine.connect() as connection:
        return schema_revision(connection)


def _run(engine: Engine, step: object, revision: str) -> None:
    with migration_connection(engine) as connection:
        try:
            step(alembic_config(connection), revision)  # type: ignore[operator]
        except CommandError as error:
            found = schema_revision(connection)
            raise DatabaseError(
                f"cannot migrate the database (at revision {found}): {error}; "
                "a newer crm may have written it"
            ) from None
