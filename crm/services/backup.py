"""A consistent copy of an SQLite database, taken while other processes go on writing.

SQLite's online backup API copies the pages within one read transaction: in WAL mode writers
are not held up, and the copy is the database as one moment saw it. Copying the file instead
could catch a write half done, and would leave behind what still sits in the -wal file.

The copy is created 0600 before a byte is written, never replaces an existing file, is switched
out of WAL mode (one self-contained file to move around), and passes `PRAGMA integrity_check`
before crm calls it a backup. PostgreSQL has its own tool for this, pg_dump; crm says so rather
than pretend.
"""

import os
import sqlite3
from contextlib import closing
from dataclasses import dataclass
from datetime import datetime
from pathlib import Path

from crm.db import BUSY_TIMEOUT_SECONDS, sqlite_path
from crm.errors import CrmError, DatabaseError, NotFound
from crm.private_files import creating, output_file


@dataclass
class Backup:
    source: Path
    path: Path
    size: int


def default_name(now: datetime) -> str:
    return f"crm-backup-{now:%Y%m%d-%H%M%S}.db"


def backup_database(*, url: str, target: str | None, now: datetime) -> Backup:
    """Back up the SQLite database at `url` to `target` (a new file, or a folder for the
    default name; None: beside the database)."""
    source = sqlite_path(url)
    if source is None:
        raise CrmError(_not_sqlite(url))
    if not source.is_file():
        raise NotFound(f"there is no database at {source} yet: nothing to back up")
    if target is None:
        target = f"{source.parent}{os.sep}"
    elif Path(target).is_dir():
        target = os.path.join(target, "")  # a folder named without its slash: the same
    output = output_file(target, default_name=default_name(now))
    with creating(output) as copy:
        _copy(source, copy)
    return Backup(source=source, path=output.shown, size=output.path.stat().st_size)


def _copy(source: Path, target: Path) -> None:
    try:
        with (
            closing(sqlite3.connect(source, timeout=BUSY_TIMEOUT_SECONDS)) as reader,
            closing(sqlite3.connect(target)) as writer,
        ):
            reader.backup(writer)  # all pages in one step: one snapshot, never restarted
            writer.execute("PRAGMA journal_mode=DELETE")
            verdict = writer.execute("PRAGMA integrity_check").fetchone()[0]
    except sqlite3.Error as error:
        raise DatabaseError(f"cannot back up {source}: {error}") from None
    if verdict != "ok":
        raise DatabaseError(f"the copy of {source} fails its integrity check: {verdict}")


def _not_sqlite(url: str) -> str:
    from shlex import quote

    from crm.credentials import without_credentials

    if "://" not in url:
        return "crm backup copies SQLite databases; this database is not one"
    if url.startswith("sqlite"):
        return "crm backup copies SQLite files; an in-memory database has none"
    # what pg_dump takes: libpq's scheme, and never a credential (pg_dump asks, or ~/.pgpass)
    plain = without_credentials(url)
    shown = f"'{plain}'" if "'" not in plain else quote(plain)  # quoted always: ? and & in it
    return (
        f"crm backup copies SQLite files; for PostgreSQL use pg_dump: "
        f"pg_dump --format=custom --file=crm.dump {shown} (pg_restore puts it back)"
    )
