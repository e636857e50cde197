"""What the reliability tests share: their scale, real `crm` processes, and database checks."""

from __future__ import annotations

import os
import signal
import sqlite3
import subprocess
import sys
import tempfile
import time
from contextlib import closing
from dataclasses import dataclass
from pathlib import Path

# CRM_RELIABILITY=long: the long run (docs/reliability.md); anything else: the short run CI does
LONG = os.environ.get("CRM_RELIABILITY", "").strip().lower() == "long"


def scale(short: int, long: int) -> int:
    return long if LONG else short


def crm_argv(url: str, *args: str) -> list[str]:
    return [sys.executable, "-m", "crm", "--db", url, *args]


def crm_env(home: Path, **extra: str) -> dict[str, str]:
    """The environment of a `crm` process: this test's home and pinned clock, plus `extra`."""
    return dict(os.environ, CRM_HOME=str(home), **extra)


@dataclass
class Run:
    code: int
    stdout: str
    stderr: str
    seconds: float

    @property
    def killed(self) -> bool:
        return self.code == -signal.SIGKILL


def run_crm(argv: list[str], env: dict[str, str], *, kill_after: float | None = None) -> Run:
    """Run one `crm` process; SIGKILL it after `kill_after` seconds if it is still running.

    Output goes to files, not pipes: a process that fills a pipe nobody reads would stall, and
    the kill would land on a process that is waiting rather than writing.
    """
    with tempfile.TemporaryFile("w+") as out, tempfile.TemporaryFile("w+") as err:
        started = time.monotonic()
        process = subprocess.Popen(argv, env=env, stdout=out, stderr=err, text=True)
        try:
            process.wait(timeout=kill_after)
        except subprocess.TimeoutExpired:
            process.send_signal(signal.SIGKILL)
            process.wait()
        seconds = time.monotonic() - started
        out.seek(0)
        err.seek(0)
        return Run(process.returncode, out.read(), err.read(), seconds)


def sqlite_health(path: Path) -> tuple[list[tuple[str]], list[tuple[object, ...]]]:
    """(integrity_check, foreign_key_check) of an SQLite file: [("ok",)] and [] when healthy."""
    with closing(sqlite3.connect(path)) as connection:
        integrity = connection.execute("PRAGMA integrity_check").fetchall()
        orphans = connection.execute("PRAGMA foreign_key_check").fetchall()
    return integrity, orphans


def count(path: Path, sql: str, *params: object) -> int:
    with closing(sqlite3.connect(path)) as connection:
        return int(connection.execute(sql, params).fetchone()[0])


def settle(path: Path) -> None:
    """Fold the -wal file into the database, so the file alone can be copied."""
    with closing(sqlite3.connect(path)) as connection:
        connection.execute("PRAGMA wal_checkpoint(TRUNCATE)")


def restore(pristine: Path, target: Path) -> None:
    """`target` becomes a copy of the settled `pristine` file, without stale side files."""
    for side in ("-wal", "-shm"):
        Path(f"{target}{side}").unlink(missing_ok=True)
    target.write_bytes(pristine.read_bytes())
    target.chmod(0o600)


def median(values: list[float]) -> float:
    ordered = sorted(values)
    return ordered[len(ordered) // 2]


def stderr_problems(text: str) -> list[str]:
    """Lines a user must never see: a locked database, a serialization failure, a traceback."""
    words = ("locked", "serializ", "deadlock", "traceback")
    return [line for line in text.splitlines() if any(w in line.lower() for w in words)]


def postgres_admin():  # type: ignore[no-untyped-def]
    """A psycopg connection to the server of CRM_TEST_POSTGRES_URL, in autocommit."""
    import psycopg

    from tests.conftest import POSTGRES_URL

    return psycopg.connect(
        POSTGRES_URL.replace("postgresql+psycopg://", "postgresql://"), autocommit=True
    )


def database_name(url: str) -> str:
    return url.rsplit("/", 1)[1]
