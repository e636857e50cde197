"""A day of use squeezed into a minute: the daemon, a writer and four readers at once.

`crm daemon --every 1` runs the plan every second, a writer logs a touch every 200 ms, and four
loops run `crm today --json` as a status bar would, all real processes on one database. Nothing
the user sees may mention a locked database, a serialization failure, a deadlock or a traceback;
every touch a writer was told was logged must be stored; and at the end the tasks must be
exactly what the plan says they should be.
"""

from __future__ import annotations

import json
import signal
import subprocess
import threading
import time
from collections import Counter
from dataclasses import dataclass, field
from datetime import UTC, datetime
from pathlib import Path

import pytest
from sqlalchemy import create_engine, text

from crm.db import Database
from crm.errors import CrmError
from crm.services.plan import follow_up_plan
from crm.settings import Plan, load_settings
from tests.conftest import NO_POSTGRES, POSTGRES_URL, Crm, postgres_database
from tests.helpers import acme_story
from tests.reliability.common import crm_argv, crm_env, run_crm, scale, stderr_problems
from tests.reliability.conftest import Record

pytestmark = [pytest.mark.reliability, pytest.mark.slow]

SECONDS = scale(60, 600)
WRITE_EVERY = 0.2  # the writer's pause between two `crm log`s
READERS = 4
# a status bar's pause between two `crm today`s: four loops with none would starve the writer
# of this 2-core machine's CPU (each `crm` process costs ~0.2-0.6 s of it) rather than test it
READ_EVERY = 0.5
NOW = datetime(2026, 3, 2, 9, tzinfo=UTC)


@dataclass
class Tally:
    """What every loop saw, kept under one lock."""

    runs: Counter[str] = field(default_factory=Counter)
    failures: list[str] = field(default_factory=list)  # non-zero exits, with their stderr
    problems: list[str] = field(default_factory=list)  # lines nobody should see
    acknowledged: set[str] = field(default_factory=set)
    lock: threading.Lock = field(default_factory=threading.Lock)

    def saw(self, what: str, code: int, stderr: str) -> None:
        with self.lock:
            self.runs[what] += 1
            if code != 0:
                self.failures.append(f"{what} exited {code}: {stderr.strip()}")
            self.problems += stderr_problems(stderr)


def writer(url: str, env: dict[str, str], until: float, tally: Tally) -> None:
    n = 0
    while time.monotonic() < until:
        token = f"soak-{n}"
        n += 1
        run = run_crm(crm_argv(url, "log", "note", "dana", "--note", token), env)
        tally.saw("crm log", run.code, run.stderr)
        if run.code == 0 and "Logged note to Dana Whitfield" in run.stdout:
            with tally.lock:
                tally.acknowledged.add(token)
        time.sleep(WRITE_EVERY)


def reader(url: str, env: dict[str, str], until: float, tally: Tally) -> None:
    while time.monotonic() < until:
        run = run_crm(crm_argv(url, "today", "--json"), env)
        tally.saw("crm today", run.code, run.stderr)
        if run.code == 0:
            agenda = json.loads(run.stdout)  # a half-written or garbled document fails here
            assert set(agenda) == {"date", "overdue", "today", "upcoming"}, agenda
        time.sleep(READ_EVERY)


def wait_for(log: Path, words: str, process: subprocess.Popen[bytes]) -> None:
    deadline = time.monotonic() + 60
    while time.monotonic() < deadline and process.poll() is None:
        if words in log.read_text():
            return
        time.sleep(0.1)
    raise AssertionError(f"the daemon never said {words!r}: {log.read_text()}")


def stored_tokens(url: str) -> list[str]:
    engine = create_engine(url)
    try:
        with engine.connect() as connection:
            query = text("SELECT summary FROM touchpoint WHERE summary LIKE 'soak-%'")
            return [summary for (summary,) in connection.execute(query)]
    finally:
        engine.dispose()


def what_the_plan_would_still_change(url: str) -> list[str]:
    """Run the plan once more and roll it back: what it would create, complete or withdraw."""
    from sqlmodel import Session

    from crm import clock

    settings = load_settings()
    engine = create_engine(url)
    try:
        with Session(engine) as session:
            result = follow_up_plan(
                session=session,
                now=clock.now(settings.zone),
                plan=settings.plan,
                fingerprint=settings.plan_fingerprint(),
            )
            changes = [f"+ {t.key}" for t in result.created]
            changes += [f"done {t.key}" for t in result.completed]
            changes += [f"withdrawn {t.key}" for t in result.withdrawn]
            session.rollback()
            return changes
    finally:
        engine.dispose()


def test_daemon_writer_and_four_readers_at_once(
    backend: str,
    crm_home: Path,
    tmp_path: Path,
    monkeypatch: pytest.MonkeyPatch,
    figures: Record,
) -> None:
    monkeypatch.delenv("CRM_NOW")  # the real clock: the daemon's schedule runs on it anyway
    crm = Crm(backend)
    acme_story(crm)
    crm("log", "thank-you", "dana")  # a nurtured contact: every touch moves her plan on
    crm("log", "reply", "sam")
    env = crm_env(crm_home)
    log = tmp_path / "daemon.log"
    with log.open("wb") as daemon_log:
        daemon = subprocess.Popen(
            crm_argv(backend, "daemon", "--every", "1"),
            env=env,
            stdout=daemon_log,
            stderr=subprocess.STDOUT,
        )
    try:
        wait_for(log, "next run at", daemon)
        tally = Tally()
        until = time.monotonic() + SECONDS
        loops = [threading.Thread(target=writer, args=(backend, env, until, tally))]
        loops += [
            threading.Thread(target=reader, args=(backend, env, until, tally))
            for _ in range(READERS)
        ]
        for loop in loops:
            loop.start()
        for loop in loops:
            loop.join()
        daemon.send_signal(signal.SIGTERM)
        assert daemon.wait(timeout=60) == 0
    finally:
        if daemon.poll() is None:
            daemon.kill()
    said = log.read_text()
    stored = stored_tokens(backend)
    lost = tally.acknowledged - set(stored)
    plan_runs = said.count("plan ran:")
    not_run = [line for line in said.splitlines() if "did not run" in line]
    problems = tally.problems + stderr_problems(said)
    figures(
        f"soak ({'SQLite' if backend.startswith('sqlite') else 'PostgreSQL'})",
        seconds=SECONDS,
        writes_acknowledged=len(tally.acknowledged),
        writes_stored=len(stored),
        writes_per_second=round(len(tally.acknowledged) / SECONDS, 2),
        lost=len(lost),
        today_runs=tally.runs["crm today"],
        daemon_plan_runs=plan_runs,
        non_zero_exits=len(tally.failures),
        lock_or_serialization_errors=len(problems),
        daemon_runs_failed=len(not_run),
    )
    assert tally.failures == []
    assert problems == [] and not_run == []
    assert lost == set()
    assert len(stored) == len(set(stored)) == len(tally.acknowledged)
    # it really ran: the loops kept going the whole time (a stalled loop would show here)
    assert len(tally.acknowledged) >= SECONDS // 12
    assert tally.runs["crm today"] >= SECONDS // 2
    assert plan_runs >= SECONDS // 3
    assert what_the_plan_would_still_change(backend) == []


def test_two_first_plan_runs_at_once_on_postgresql() -> None:
    """A new database's first two plan runs at once (the daemon starting as a command runs):
    both inserted the plan's state row, and on PostgreSQL the second failed with "duplicate key
    value violates unique constraint" (SQLite's write lock kept them apart)."""
    if not POSTGRES_URL:
        pytest.skip(NO_POSTGRES)
    with postgres_database() as url:
        first, second = Database(url), Database(url)
        inside = threading.Event()
        failures: list[str] = []

        def plan(database: Database, hold: bool) -> None:
            try:
                with database.session(write=True) as session:
                    follow_up_plan(session=session, now=NOW, plan=Plan(), fingerprint="f")
                    if hold:  # the row inserted, not yet committed: the other run must wait
                        inside.set()
                        time.sleep(1)
            except CrmError as error:
                failures.append(str(error))

        holder = threading.Thread(target=plan, args=(first, True))
        holder.start()
        assert inside.wait(30)
        plan(second, hold=False)
        holder.join()
        first.close()
        second.close()
    assert failures == []
