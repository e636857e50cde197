"""Real processes at once on one SQLite file: no "database is locked", no task made twice."""

from __future__ import annotations

import os
import sqlite3
import subprocess
import sys
from contextlib import closing
from pathlib import Path

import pytest

from tests.conftest import Crm

pytestmark = pytest.mark.slow


def crm_process(db: Path, *args: str) -> subprocess.Popen[str]:
    env = dict(os.environ, CRM_NOW="2026-03-02T09:00:00+00:00")
    return subprocess.Popen(
        [sys.executable, "-m", "crm", "--db", str(db), *args],
        env=env,
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        text=True,
    )


def history_the_plan_has_not_seen(db: Path, employers: int = 40) -> None:
    """Rows written behind crm's back (as an older crm or a restore would leave them)."""
    stamp = "2026-03-01 09:00:00.000000"
    with closing(sqlite3.connect(db)) as connection, connection:
        for n in range(employers):
            name = f"Employer {n}"
            employer = connection.execute(
                "INSERT INTO employer (name, name_key, created_at) VALUES (?, ?, ?)",
                (name, name.lower(), stamp),
            ).lastrowid
            connection.execute(
                "INSERT INTO job (employer_id, title, status, rejected_on, created_at)"
                " VALUES (?, 'Analyst', 'rejected', '2026-02-20', ?)",
                (employer, stamp),
            )
            for person in range(3):
                who = f"Person {n}-{person}"
                connection.execute(
                    "INSERT INTO contact"
                    " (name, name_key, employer_id, role, keep_in_touch, created_at)"
                    " VALUES (?, ?, ?, 'other', 1, ?)",
                    (who, who.lower(), employer, stamp),
                )


def task_keys(db: Path) -> list[str]:
    with closing(sqlite3.connect(db)) as connection:
        return [k for (k,) in connection.execute("SELECT key FROM task WHERE key IS NOT NULL")]


def test_eight_reminds_at_once_make_each_task_once(tmp_path: Path) -> None:
    db = tmp_path / "crm.db"
    Crm(str(db))("employer", "add", "Acme")  # creates and migrates
    history_the_plan_has_not_seen(db)
    single = tmp_path / "single.db"
    with closing(sqlite3.connect(db)) as source, closing(sqlite3.connect(single)) as copy:
        source.backup(copy)  # a file copy would miss what is still in the -wal file
    once = crm_process(single, "remind")
    assert once.wait() == 0, once.stderr.read() if once.stderr else ""
    expected = len(task_keys(single))
    assert expected == 40 * (3 + 2)  # a thank-you per person, two openings checks per employer

    runs = [crm_process(db, "remind") for _ in range(8)]
    results = [
        (
            run.wait(),
            run.stdout.read() if run.stdout else "",
            run.stderr.read() if run.stderr else "",
        )
        for run in runs
    ]
    assert [code for code, _, _ in results] == [0] * 8, [err for _, _, err in results]
    assert all(err == "" for _, _, err in results)
    keys = task_keys(db)
    assert len(keys) == expected and len(set(keys)) == expected
    made = sorted(out.split()[3] if "made" in out else "0" for _, out, _ in results)
    assert made == ["0"] * 7 + [str(expected)]


def test_eight_processes_opening_a_new_database_at_once(tmp_path: Path) -> None:
    db = tmp_path / "new.db"
    runs = [crm_process(db, "today", "--json") for _ in range(8)]
    codes = [run.wait() for run in runs]
    errors = [run.stderr.read() if run.stderr else "" for run in runs]
    assert codes == [0] * 8, errors
    assert all("locked" not in e for e in errors)
    with closing(sqlite3.connect(db)) as connection:
        assert connection.execute("SELECT COUNT(*) FROM alembic_version").fetchone() == (1,)
