"""Where the database is, how it is opened, and the transaction each command runs in.

SQLite is opened in WAL mode with foreign keys on and a busy timeout, and every write
transaction begins IMMEDIATE: Python's sqlite3 otherwise begins lazily, and a transaction that
reads and then writes fails at once with "database is locked" when another process committed in
between, whatever the timeout. Read transactions stay DEFERRED, so a `crm today` in a status bar
never takes the write lock.
"""

from __future__ import annotations

import os
from collections.abc import Iterator
from contextlib import contextmanager
from functools import lru_cache
from pathlib import Path
from typing import TYPE_CHECKING

from crm.errors import BadInput, DatabaseError
from crm.settings import Settings, data_dir

if TYPE_CHECKING:
    from sqlalchemy import Engine
    from sqlmodel import Session

# The newest migration in alembic/versions. Opening a database compares its version row with
# this (no Alembic import on the way); tests/test_migrations.py keeps the two equal.
SCHEMA_REVISION = "0016"
BUSY_TIMEOUT_SECONDS = 30


def resolve_url(given: str | None, settings: Settings) -> str:
    """The database to use: --db, else CRM_DATABASE, else the settings, else the default file."""
    given = given or os.environ.get("CRM_DATABASE") or settings.database
    if not given:
        return f"sqlite:///{data_dir() / 'crm.db'}"
    if "://" in given:
        return given
    return f"sqlite:///{Path(given).expanduser().absolute()}"


def sqlite_path(url: str) -> Path | None:
    """The file behind an SQLite URL (None for other databases and in-memory SQLite)."""
    for prefix in ("sqlite:///", "sqlite+pysqlite:///"):
        if url.startswith(prefix):
            rest = url[len(prefix) :].split("?", 1)[0]
            return Path(rest) if rest and rest != ":memory:" else None
    return None


def masked(url: str) -> str:
    """The URL as it may be shown: the password and secret query values replaced by ***."""
    from crm.credentials import masked_url

    return masked_url(url)


def private_parents(folder: Path) -> None:
    """Create `folder` and each missing folder above it 0700, whatever the umask; folders that
    exist are left as they are. (`mkdir(parents=True)` gives the parents the umask's mode:
    under `umask 000`, a world-writable ~/.local/share.)"""
    missing = []
    while not folder.is_dir():
        missing.append(folder)
        if folder.parent == folder:
            break
        folder = folder.parent
    for each in reversed(missing):
        try:
            os.mkdir(each, 0o700)
        except FileExistsError:
            continue  # another process made it first: theirs
        except OSError as error:
            raise DatabaseError(f"cannot create the folder {each}: {error.strerror}") from None
        os.chmod(each, 0o700)  # mkdir's mode passes through the umask, which may be stricter


def prepare_sqlite_file(path: Path, *, default: bool) -> None:
    """Make sure the file can be a database, creating it (mode 0600) and its folder (0700)."""
    if path.is_dir():
        raise DatabaseError(f"{path} is a folder, not a database file")
    if not path.parent.is_dir():
        if not default:
            raise DatabaseError(f"cannot create {path}: the folder {path.parent} does not exist")
        private_parents(path.parent)
    if path.exists():
        if not os.access(path, os.R_OK | os.W_OK):
            raise DatabaseError(f"cannot open {path}: permission denied")
        return
    try:
        # created 0600 before SQLite opens it: SQLite would take the umask's mode, and the
        # -wal and -shm files follow the database file's mode.
        os.close(os.open(path, os.O_CREAT | os.O_EXCL | os.O_WRONLY, 0o600))
    except FileExistsError:
        pass  # another process created it first
    except OSError as error:
        raise DatabaseError(f"cannot create {path}: {error.strerror}") from None


def make_engine(url: str) -> Engine:
    from sqlalchemy import create_engine, event
    from sqlalchemy.exc import ArgumentError

    try:
        if sqlite_path(url) is None and not url.startswith("sqlite"):
            return create_engine(url)
        engine = create_engine(url, connect_args={"timeout": BUSY_TIMEOUT_SECONDS})
    except (ArgumentError, ImportError) as error:
        from crm.credentials import scrub

        hint = (
            "; install the driver: pip install 'psycopg[binary]'" if "psycopg" in str(error) else ""
        )
        reason = scrub(str(error), url)
        raise DatabaseError(f"cannot use the database {masked(url)}: {reason}{hint}") from None
    except ValueError:  # SQLAlchemy's URL parser: a port that is not a number, a broken [::1]
        raise DatabaseError(
            f"cannot use the database {masked(url)}: it is not a database URL (its host or "
            "port cannot be read); the form is postgresql+psycopg://USER@HOST:PORT/DATABASE"
        ) from None

    @event.listens_for(engine, "connect")
    def _configure(dbapi_connection, _record):  # type: ignore[no-untyped-def]
        # take transactions out of the driver's hands: the "begin" hook below issues them
        dbapi_connection.isolation_level = None
        for pragma in (
            "journal_mode=WAL",
            "synchronous=NORMAL",
            "foreign_keys=ON",
            f"busy_timeout={BUSY_TIMEOUT_SECONDS * 1000}",
        ):
            dbapi_connection.execute(f"PRAGMA {pragma}")

    @event.listens_for(engine, "begin")
    def _begin(connection):  # type: ignore[no-untyped-def]
        write = connection.get_execution_options().get("crm_write", False)
        connection.exec_driver_sql("BEGIN IMMEDIATE" if write else "BEGIN")

    return engine


def explain(url: str, error: Exception) -> str:
    """A driver's error as one line that names the database (its password masked)."""
    from crm.credentials import scrub, unencoded_at  # here: its patterns cost ~1.5 ms to make

    lines = str(getattr(error, "orig", error)).strip().splitlines()
    reason = scrub(lines[0] if lines else type(error).__name__, url)
    if unencoded_at(url):
        reason += "; an @ in the password must be written %40"
    return f"cannot use the database {masked(url)}: {reason}"


def not_utf8(error: UnicodeEncodeError) -> BadInput:
    """An argument typed in a terminal (or a file name) in another encoding reaches Python
    with its bytes as lone surrogates, which no database driver can encode."""
    typed = str(error.object).encode("utf-8", "surrogateescape").decode("utf-8", "replace")
    return BadInput(f"{typed!r} is not UTF-8 text; is the terminal set to another encoding?")


@lru_cache(maxsize=4)
def _shared_engine(url: str) -> Engine:
    """The engine of every `Database` on this URL in this process. A command line opens one
    database and exits, but the daemon opens it for each run, and an in-process caller (the
    tests) for each command: a new engine compiles every statement again (a third of a short
    command's time). `Database.close()` disposes of its connections; the compiled SQL stays."""
    return make_engine(url)


class Database:
    """One engine for the whole invocation, migrated to the current schema when opened."""

    def __init__(self, url: str, *, default_file: bool = False) -> None:
        self.url = url
        path = sqlite_path(url)
        if path is not None:
            prepare_sqlite_file(path, default=default_file)
        self.engine = _shared_engine(url)
        self._migrate_if_needed()

    def _migrate_if_needed(self) -> None:
        from sqlalchemy.exc import DBAPIError

        try:
            from crm.migrations import schema_revision, upgrade

            with self.engine.connect() as connection:
                revision = schema_revision(connection)
            if revision != SCHEMA_REVISION:
                upgrade(self.engine)
        except DBAPIError as error:
            raise DatabaseError(explain(self.url, error)) from None

    @contextmanager
    def session(self, *, write: bool) -> Iterator[Session]:
        """One transaction: committed if the block ends normally and `write`, else rolled back."""
        from sqlalchemy.exc import DBAPIError
        from sqlmodel import Session

        try:
            with Session(self.engine, expire_on_commit=False) as session:
                session.connection(execution_options={"crm_write": write})
                yield session
                if write:
                    session.commit()
        except DBAPIError as error:
            raise DatabaseError(explain(self.url, error)) from None
        except UnicodeEncodeError as error:
            raise not_utf8(error) from None

    def close(self) -> None:
        self.engine.dispose()
