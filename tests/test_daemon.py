"""`crm daemon` as a real process: catch-up at start, one daemon per database, clean SIGTERM."""

from __future__ import annotations

import os
import signal
import subprocess
import sys
import time
from datetime import UTC
from pathlib import Path

import pytest

from tests.conftest import Crm

pytestmark = pytest.mark.slow


def start_daemon(db: Path, home: Path) -> subprocess.Popen[str]:
    env = dict(os.environ, CRM_HOME=str(home), CRM_NOW="2026-03-02T09:00:00+00:00")
    return subprocess.Popen(
        [sys.executable, "-m", "crm", "--db", str(db), "daemon"],
        env=env,
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        text=True,
    )


def read_until(process: subprocess.Popen[str], words: str, seconds: float = 30) -> list[str]:
    assert process.stderr is not None
    seen: list[str] = []
    deadline = time.monotonic() + seconds
    while time.monotonic() < deadline:
        line = process.stderr.readline()
        if not line:
            break
        seen.append(line.rstrip())
        if words in line:
            return seen
    raise AssertionError(f"never saw {words!r}; saw {seen}")


def test_the_daemon_catches_up_refuses_a_twin_and_stops_on_sigterm(
    tmp_path: Path, crm_home: Path
) -> None:
    db = tmp_path / "crm.db"
    crm = Crm(str(db))
    crm("contact", "add", "Dana", "--employer", "Acme")
    crm("job", "reject", "acme", "--title", "Analyst", "--on", "2026-01-30")
    before = len(crm.json("task", "list"))  # type: ignore[arg-type]
    # a new interval in the plan: the daemon's catch-up run must make the 60-day check
    crm_home.mkdir(exist_ok=True)
    (crm_home / "config.toml").write_text("[plan]\ncheck_openings_after_days = [30, 60, 90]\n")

    daemon = start_daemon(db, crm_home)
    try:
        seen = read_until(daemon, "plan ran:")
        assert seen[-1].endswith("plan ran: made 1 new task")
        assert "Check their openings (day 60) · due Tue 31 Mar" in read_until(daemon, "+ #")[-1]
        read_until(daemon, "next run at")
        assert len(crm.json("task", "list")) == before + 1  # type: ignore[arg-type]

        twin = start_daemon(db, crm_home)
        assert twin.wait(timeout=30) == 5
        assert twin.stderr is not None
        message = twin.stderr.read()
        assert message.startswith("Error: a crm daemon is already running on this database (pid ")
        assert message.count("\n") == 1

        daemon.send_signal(signal.SIGTERM)
        assert daemon.wait(timeout=30) == 0
        assert "stopping (SIGTERM)" in read_until(daemon, "stopping")[-1]
    finally:
        if daemon.poll() is None:
            daemon.kill()


def test_the_scheduler_does_not_drop_late_runs() -> None:
    """The daemon's job options: a run that is hours late still runs, once (APScheduler's
    default grace of one second would drop it silently)."""
    from datetime import datetime, timedelta

    from apscheduler.schedulers.background import BackgroundScheduler
    from apscheduler.triggers.date import DateTrigger

    from crm.scheduler import JOB_DEFAULTS

    ran: list[int] = []
    scheduler = BackgroundScheduler(job_defaults=JOB_DEFAULTS, timezone=UTC)
    scheduler.start(paused=True)
    late = datetime.now(UTC) - timedelta(hours=3)
    scheduler.add_job(ran.append, DateTrigger(late), args=[1])
    scheduler.resume()
    deadline = time.monotonic() + 10
    while not ran and time.monotonic() < deadline:
        time.sleep(0.05)
    scheduler.shutdown()
    assert ran == [1]
