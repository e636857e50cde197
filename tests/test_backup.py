"""`crm backup`: a consistent, private copy of the SQLite file, even while others write."""

from __future__ import annotations

import os
import sqlite3
import stat
import subprocess
import sys
import time
from contextlib import closing
from pathlib import Path

import pytest

from tests.conftest import Crm
from tests.helpers import acme_story, lines

STAMPED = "crm-backup-20260302-090000.db"  # CRM_NOW is 2026-03-02 09:00


def mode(path: Path) -> int:
    return stat.S_IMODE(path.stat().st_mode)


def check(path: Path) -> tuple[str, str]:
    with closing(sqlite3.connect(path)) as db:
        return (
            db.execute("PRAGMA integrity_check").fetchone()[0],
            db.execute("PRAGMA journal_mode").fetchone()[0],
        )


def test_a_backup_beside_the_database_readable_by_you_alone(
    sqlite_crm: Crm, crm_home: Path
) -> None:
    os.umask(0o022)
    acme_story(sqlite_crm)
    [line] = lines(sqlite_crm("backup").stdout)
    copy = crm_home / STAMPED
    assert line.startswith(f"Backed up {crm_home / 'crm.db'} to {copy} (")
    assert line.endswith(" KB, integrity check ok).")
    assert mode(copy) == 0o600
    assert check(copy) == ("ok", "delete")  # one self-contained file, no -wal beside it
    names = [c["name"] for c in Crm(str(copy)).json("contact", "list")]  # type: ignore[union-attr]
    assert names == ["Dana Whitfield", "Lee Chen", "Sam Ortiz"]


def test_a_backup_to_a_file_or_a_folder_of_your_choice(sqlite_crm: Crm, tmp_path: Path) -> None:
    acme_story(sqlite_crm)
    sqlite_crm("backup", str(tmp_path / "mine.db"))
    assert check(tmp_path / "mine.db")[0] == "ok"
    folder = tmp_path / "backups"
    folder.mkdir()
    sqlite_crm("backup", str(folder))
    assert check(folder / STAMPED)[0] == "ok"


def test_a_backup_never_replaces_a_file(sqlite_crm: Crm, tmp_path: Path) -> None:
    acme_story(sqlite_crm)
    there = tmp_path / "precious.db"
    there.write_bytes(b"something else")
    result = sqlite_crm("backup", str(there), ok=False)
    assert result.exit_code == 5
    assert result.stderr == (
        f"Error: {there} already exists; crm never overwrites it, give another name\n"
    )
    assert there.read_bytes() == b"something else"


def test_nothing_to_back_up_yet(crm_home: Path) -> None:
    result = Crm()("backup", ok=False)
    assert result.exit_code == 3
    assert result.stderr == (
        f"Error: there is no database at {crm_home / 'crm.db'} yet: nothing to back up\n"
    )
    assert not (crm_home / "crm.db").exists()


def test_postgresql_is_told_to_use_pg_dump() -> None:
    result = Crm("postgresql+psycopg://crm:s3cret@db.example:5432/crm")("backup", ok=False)
    assert result.exit_code == 1
    assert result.stderr == (
        "Error: crm backup copies SQLite files; for PostgreSQL use pg_dump: pg_dump "
        "--format=custom --file=crm.dump 'postgresql://crm@db.example:5432/crm' "
        "(pg_restore puts it back)\n"
    )


WRITER = """
import sqlite3, sys, time
db = sqlite3.connect(sys.argv[1], timeout=30, isolation_level=None)
db.execute("PRAGMA busy_timeout=30000")
n, stop = 0, time.monotonic() + float(sys.argv[2])
while time.monotonic() < stop:
    db.execute("BEGIN IMMEDIATE")
    for _ in range(2):  # two rows a transaction: a consistent copy has an even number
        n += 1
        db.execute(
            "INSERT INTO employer (name, name_key, notes, created_at) VALUES (?, ?, ?, ?)",
            (f"Writer {n}", f"writer {n}", "x" * 2000, "2026-03-02 09:00:00.000000"),
        )
    db.execute("COMMIT")
print(n)
"""


@pytest.mark.slow
def test_a_backup_taken_while_another_process_writes_is_whole(
    sqlite_crm: Crm, crm_home: Path, tmp_path: Path
) -> None:
    sqlite_crm("contact", "add", "Dana Whitfield")
    database = crm_home / "crm.db"
    writer = subprocess.Popen(
        [sys.executable, "-c", WRITER, str(database), "4"], stdout=subprocess.PIPE, text=True
    )
    try:
        copies = []
        time.sleep(0.5)
        for n in range(4):
            copy = tmp_path / f"copy-{n}.db"
            sqlite_crm("backup", str(copy))
            copies.append(copy)
            time.sleep(0.3)
        assert writer.poll() is None, "the writer stopped before the last backup"
    finally:
        written = int(writer.communicate(timeout=30)[0])
    assert written > 100
    counts = []
    for copy in copies:
        assert check(copy) == ("ok", "delete")
        with closing(sqlite3.connect(copy)) as db:
            counts.append(db.execute("SELECT count(*) FROM employer").fetchone()[0])
    assert all(c % 2 == 0 for c in counts), counts  # never half a transaction
    assert counts == sorted(counts) and counts[0] > 0 and counts[-1] <= written
