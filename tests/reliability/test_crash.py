"""kill -9 real `crm` processes at random moments while they write.

Afterwards every write a process reported as done is there, an import or a plan run is all
there or not at all, and SQLite's own checks find nothing wrong. A kill can land between the
COMMIT and the line that reports it: "committed but not acknowledged" is allowed, and counted.
"""

from __future__ import annotations

import csv
import os
import random
import signal
import sqlite3
import subprocess
import time
import uuid
from collections.abc import Callable, Iterator
from concurrent.futures import ThreadPoolExecutor
from contextlib import closing, contextmanager
from pathlib import Path

import pytest
from sqlalchemy import create_engine, inspect

from crm import migrations
from crm.db import Database
from crm.migrations import MIGRATION_LOCK
from tests.conftest import NO_POSTGRES, POSTGRES_URL, Crm, postgres_database
from tests.helpers import acme_story
from tests.reliability.common import (
    count,
    crm_argv,
    crm_env,
    database_name,
    median,
    postgres_admin,
    restore,
    run_crm,
    scale,
    settle,
    sqlite_health,
)
from tests.reliability.conftest import Record

pytestmark = [pytest.mark.reliability, pytest.mark.slow]

# the numbers: 50 kills in CI, 200 in the long run, shared by the three kinds of write
KILLS = {"touches": scale(20, 80), "plan": scale(15, 60), "import": scale(15, 60)}
SEED = int(os.environ.get("CRM_RELIABILITY_SEED", time.time_ns() % 1_000_000))
PEOPLE = 1000


def healthy(db: Path) -> None:
    integrity, orphans = sqlite_health(db)
    assert integrity == [("ok",)], integrity
    assert orphans == [], orphans


def calibrate(db: Path, home: Path, *args: str, pristine: Path | None = None) -> float:
    """How long the command takes when left alone (median of three runs)."""
    seconds = []
    for _ in range(3):
        if pristine is not None:
            restore(pristine, db)
        run = run_crm(crm_argv(str(db), *args), crm_env(home))
        assert run.code == 0, run.stderr
        seconds.append(run.seconds)
    return median(seconds)


def note(db: Path, token: str) -> list[str]:
    return crm_argv(str(db), "log", "note", "dana", "--note", token)


def test_killed_loggers_lose_no_acknowledged_touch(
    tmp_path: Path, crm_home: Path, figures: Record
) -> None:
    db = tmp_path / "crm.db"
    crm = Crm(str(db))
    acme_story(crm)
    crm("log", "thank-you", "dana")  # the plan has work to do on every touch that follows
    took = calibrate(db, crm_home, "log", "note", "dana", "--note", "calibration")
    rng = random.Random(SEED)
    acknowledged: set[str] = set()
    sent: list[str] = []
    kills = 0
    with ThreadPoolExecutor(max_workers=1) as beside:
        while kills < KILLS["touches"]:
            # each round: one process killed at a random moment, one left to finish beside it
            doomed, spared = f"touch-{len(sent)}", f"touch-{len(sent) + 1}"
            sent += [doomed, spared]
            other = beside.submit(run_crm, note(db, spared), crm_env(crm_home))
            # anywhere from the middle of start-up to just after the usual end: the write is late
            run = run_crm(
                note(db, doomed), crm_env(crm_home), kill_after=rng.uniform(0.3 * took, 1.1 * took)
            )
            for token, outcome in ((doomed, run), (spared, other.result())):
                if outcome.killed:
                    kills += 1
                    continue
                assert outcome.code == 0, outcome.stderr
                assert "Logged note to Dana Whitfield" in outcome.stdout, outcome.stdout
                acknowledged.add(token)
            healthy(db)
    healthy(db)
    with closing(sqlite3.connect(db)) as connection:
        stored = [
            summary
            for (summary,) in connection.execute(
                "SELECT summary FROM touchpoint WHERE summary LIKE 'touch-%'"
            )
        ]
    assert len(stored) == len(set(stored)), "a touch was stored twice"
    lost = acknowledged - set(stored)
    unacknowledged = set(stored) - acknowledged
    figures(
        "crash: crm log",
        seed=SEED,
        kills=kills,
        runs=len(sent),
        acknowledged=len(acknowledged),
        committed_not_acknowledged=len(unacknowledged),
        killed_before_commit=kills - len(unacknowledged),
        lost=len(lost),
    )
    assert lost == set()
    # a killed process that committed counts as a kill whose write is there
    assert unacknowledged <= set(sent)


def history_the_plan_has_not_seen(db: Path, employers: int) -> None:
    """Rejections and people written behind crm's back: a plan with plenty to do."""
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
            connection.executemany(
                "INSERT INTO contact (name, name_key, employer_id, role, keep_in_touch, created_at)"
                " VALUES (?, ?, ?, 'other', 1, ?)",
                [(f"P {n}-{p}", f"p {n}-{p}", employer, stamp) for p in range(3)],
            )
        connection.execute("DELETE FROM plan_state")  # so that the next run must plan


def test_a_killed_plan_run_is_all_there_or_not_at_all(
    tmp_path: Path, crm_home: Path, figures: Record
) -> None:
    pristine = tmp_path / "pristine.db"
    Crm(str(pristine))("employer", "add", "Acme")
    history_the_plan_has_not_seen(pristine, employers=scale(100, 400))
    settle(pristine)
    db = tmp_path / "crm.db"
    took = calibrate(db, crm_home, "remind", pristine=pristine)
    planned = count(db, "SELECT COUNT(*) FROM task")
    assert planned > 0
    rng = random.Random(SEED + 1)
    kills = outcomes = 0
    whole: dict[str, int] = {"nothing": 0, "everything": 0}
    while kills < KILLS["plan"]:
        restore(pristine, db)
        run = run_crm(
            crm_argv(str(db), "remind"), crm_env(crm_home), kill_after=rng.uniform(0, took)
        )
        outcomes += 1
        healthy(db)
        tasks = count(db, "SELECT COUNT(*) FROM task")
        stamped = count(db, "SELECT COUNT(*) FROM plan_state")
        assert (tasks, stamped) in ((0, 0), (planned, 1)), (tasks, stamped, run.stderr)
        if run.killed:
            kills += 1
            whole["everything" if tasks else "nothing"] += 1
        else:
            assert run.code == 0 and tasks == planned, run.stderr
    figures(
        "crash: crm remind",
        seed=SEED + 1,
        kills=kills,
        runs=outcomes,
        tasks_per_run=planned,
        killed_with_nothing_written=whole["nothing"],
        killed_after_commit=whole["everything"],
        half_present=0,
    )


def connections_csv(path: Path, people: int) -> None:
    """A Connections.csv as LinkedIn writes it: notes, a blank line, then the header."""
    with path.open("w", newline="", encoding="utf-8") as file:
        file.write("Notes:\n")
        file.write('"When exporting your connection data, you may notice that some of the email')
        file.write(' addresses are missing."\n\n')
        rows = csv.writer(file)
        rows.writerow(
            [
                "First Name",
                "Last Name",
                "URL",
                "Email Address",
                "Company",
                "Position",
                "Connected On",
            ]
        )
        for n in range(people):
            rows.writerow(
                [
                    f"Imported{n}",
                    f"Person {n}",
                    f"https://www.linkedin.com/in/imported-person-{n}",
                    f"person{n}@example.com" if n % 3 == 0 else "",
                    f"Company {n % 40}",
                    "Engineer",
                    "12 Mar 2024",
                ]
            )


def test_a_killed_import_is_all_there_or_not_at_all(
    tmp_path: Path, crm_home: Path, figures: Record
) -> None:
    pristine = tmp_path / "pristine.db"
    acme_story(Crm(str(pristine)))
    settle(pristine)
    people = tmp_path / "Connections.csv"
    connections_csv(people, PEOPLE)
    db = tmp_path / "crm.db"
    before = count(pristine, "SELECT COUNT(*) FROM contact")
    took = calibrate(db, crm_home, "import", "linkedin", str(people), pristine=pristine)
    assert count(db, "SELECT COUNT(*) FROM contact") == before + PEOPLE
    employers_after = count(db, "SELECT COUNT(*) FROM employer")
    employers_before = count(pristine, "SELECT COUNT(*) FROM employer")
    rng = random.Random(SEED + 2)
    kills = runs = 0
    whole = {"nothing": 0, "everything": 0}
    while kills < KILLS["import"]:
        restore(pristine, db)
        argv = crm_argv(str(db), "import", "linkedin", str(people))
        run = run_crm(argv, crm_env(crm_home), kill_after=rng.uniform(0.2 * took, took))
        runs += 1
        healthy(db)
        imported = count(db, "SELECT COUNT(*) FROM contact WHERE name LIKE 'Imported%'")
        employers = count(db, "SELECT COUNT(*) FROM employer")
        assert (imported, employers) in ((0, employers_before), (PEOPLE, employers_after)), (
            imported,
            employers,
            run.stderr,
        )
        if run.killed:
            kills += 1
            whole["everything" if imported else "nothing"] += 1
        else:
            assert run.code == 0 and imported == PEOPLE, run.stderr
    figures(
        "crash: crm import linkedin",
        seed=SEED + 2,
        kills=kills,
        runs=runs,
        rows_per_import=PEOPLE,
        killed_with_nothing_written=whole["nothing"],
        killed_after_commit=whole["everything"],
        half_present=0,
    )


# --- a migration killed midway: the old revision or the new one, never in between ---------

MIGRATION_KILLS = scale(20, 60)
PG_MIGRATION_KILLS = scale(6, 30)
OLD = "0001"


def old_database_with_rows(url: str) -> None:
    """A database at revision 0001 holding a story: what a user of the first crm would have."""
    crm = Crm(url)
    acme_story(crm)
    crm("log", "thank-you", "dana")
    crm("log", "reply", "dana", "--note", "Happy to stay in touch")
    crm("task", "add", "Send Dana the article", "--contact", "dana", "--due", "friday")
    database = Database(url)
    migrations.downgrade(database.engine, OLD)
    database.close()


def sqlite_schema(db: Path) -> list[tuple[str, ...]]:
    with closing(sqlite3.connect(db)) as connection:
        return sorted(
            connection.execute(
                "SELECT type, name, tbl_name, COALESCE(sql, '') FROM sqlite_master"
                " WHERE name NOT LIKE 'sqlite_%'"
            )
        )


def sqlite_columns(db: Path) -> dict[str, list[str]]:
    with closing(sqlite3.connect(db)) as connection:
        tables = [
            t for (t,) in connection.execute("SELECT name FROM sqlite_master WHERE type = 'table'")
        ]
        return {
            table: [c[1] for c in connection.execute(f"PRAGMA table_info({table})")]
            for table in tables
            if table != "alembic_version" and not table.startswith("sqlite_")
        }


def sqlite_rows(db: Path, columns: dict[str, list[str]]) -> dict[str, list[tuple[object, ...]]]:
    """Every row of these tables, in these columns (the old revision's)."""
    with closing(sqlite3.connect(db)) as connection:
        return {
            table: connection.execute(
                f"SELECT {', '.join(names)} FROM {table} ORDER BY {names[0]}"
            ).fetchall()
            for table, names in columns.items()
        }


def sqlite_version(db: Path) -> str:
    with closing(sqlite3.connect(db)) as connection:
        return str(connection.execute("SELECT version_num FROM alembic_version").fetchone()[0])


class WriteLockProbe:
    """Tells whether some process holds the write lock (an open write transaction) right now.

    It keeps its connection open while it watches: the migrating process is then not the
    database's first opener, so the brief locks SQLite takes to rebuild its WAL index on the
    first open and to checkpoint on the last close are not mistaken for the migration.
    """

    def __init__(self, db: Path) -> None:
        self.connection = sqlite3.connect(db, timeout=0, isolation_level=None)
        self.connection.execute("SELECT COUNT(*) FROM sqlite_master").fetchone()

    def __call__(self) -> bool:
        try:
            self.connection.execute("BEGIN IMMEDIATE")
        except sqlite3.OperationalError:  # database is locked: another writer is inside
            return True
        self.connection.execute("ROLLBACK")
        return False

    def close(self) -> None:
        self.connection.close()


def kill_a_migration(
    argv: list[str],
    env: dict[str, str],
    delay: float,
    writing_now: Callable[[], bool],
    *,
    aim: bool,
) -> tuple[bool, bool]:
    """Start a migrating `crm` and SIGKILL it `delay` s after it starts (`aim`: after its
    migration transaction opens). Returns (killed, whether that transaction was open)."""
    process = subprocess.Popen(argv, env=env, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
    if aim:
        aimed(time.monotonic(), lambda: writing_now() or process.poll() is not None)
    time.sleep(delay)
    inside = process.poll() is None and writing_now()
    process.send_signal(signal.SIGKILL)
    process.wait()
    return process.returncode == -signal.SIGKILL, inside


def aimed(process_start: float, seen: Callable[[], bool], timeout: float = 30) -> float:
    """Seconds from `process_start` until `seen()` first holds (a transaction opens)."""
    while time.monotonic() - process_start < timeout:
        if seen():
            return time.monotonic() - process_start
        time.sleep(0.001)
    raise AssertionError("the migration never opened its transaction")


def measure_migration(
    argv: list[str], env: dict[str, str], writing_now: Callable[[], bool]
) -> tuple[float, float, float]:
    """(whole run, when the migration's transaction opened, when it closed), in seconds."""
    started = time.monotonic()
    process = subprocess.Popen(argv, env=env, stdout=subprocess.DEVNULL, stderr=subprocess.PIPE)
    opened = aimed(started, writing_now)
    closed = aimed(started, lambda: not writing_now())
    assert process.wait() == 0, process.stderr.read() if process.stderr else ""
    return time.monotonic() - started, opened, closed


class Landed:
    """Where each kill landed, as the database and the lock probe tell it."""

    def __init__(self) -> None:
        self.counts = {"before the migration": 0, "inside it": 0, "after its commit": 0}
        self.finished = 0

    def add(self, killed: bool, inside: bool, revision: str, head: str) -> None:
        if not killed:
            self.finished += 1
        elif revision == head:
            self.counts["after its commit"] += 1
        else:
            self.counts["inside it" if inside else "before the migration"] += 1

    @property
    def kills(self) -> int:
        return sum(self.counts.values())


def test_a_killed_migration_leaves_the_old_schema_or_the_new(
    tmp_path: Path, crm_home: Path, figures: Record
) -> None:
    pristine = tmp_path / "old.db"
    old_database_with_rows(f"sqlite:///{pristine}")
    settle(pristine)
    assert sqlite_version(pristine) == OLD
    old_schema, columns = sqlite_schema(pristine), sqlite_columns(pristine)
    rows = sqlite_rows(pristine, columns)
    db = tmp_path / "crm.db"
    argv, env = crm_argv(str(db), "db", "upgrade"), crm_env(crm_home)
    head = migrations.head()

    @contextmanager
    def old_copy() -> Iterator[WriteLockProbe]:
        restore(pristine, db)
        probe = WriteLockProbe(db)
        try:
            yield probe
        finally:
            probe.close()

    timings = []
    for _ in range(3):
        with old_copy() as probe:
            timings.append(measure_migration(argv, env, probe))
    took = median([t[0] for t in timings])
    inside_for = median([t[2] - t[1] for t in timings])
    new_schema = sqlite_schema(db)
    assert sqlite_version(db) == head and new_schema != old_schema
    rng = random.Random(SEED + 3)
    landed = Landed()
    n = 0
    while landed.kills < MIGRATION_KILLS:
        n += 1
        # half the kills at any moment of the run, half aimed inside the migration's transaction
        aim = n % 2 == 1
        delay = rng.uniform(0, inside_for) if aim else rng.uniform(0, took)
        with old_copy() as probe:
            killed, inside = kill_a_migration(argv, env, delay, probe, aim=aim)
        healthy(db)
        revision = sqlite_version(db)
        assert revision in (OLD, head)
        assert sqlite_schema(db) == (old_schema if revision == OLD else new_schema)
        assert sqlite_rows(db, columns) == rows
        landed.add(killed, inside, revision, head)
    again = run_crm(argv, env)  # and the next crm finishes the job
    assert again.code == 0, again.stderr
    assert sqlite_version(db) == head and sqlite_rows(db, columns) == rows
    healthy(db)
    figures(
        "crash: migration (SQLite)",
        seed=SEED + 3,
        kills=landed.kills,
        finished_before_the_kill=landed.finished,
        **{f"killed {where}": n for where, n in landed.counts.items()},
        run_seconds=round(took, 3),
        transaction_seconds=round(inside_for, 3),
        between_revisions=0,
    )


class AdvisoryLockProbe:
    """Whether a migration holds crm's migration lock (an advisory lock) in one database."""

    SQL = (
        "SELECT EXISTS (SELECT 1 FROM pg_locks AS l JOIN pg_database AS d ON d.oid = l.database"
        " WHERE l.locktype = 'advisory' AND l.granted AND l.classid = %s AND l.objid = %s"
        " AND d.datname = %s)"
    )

    def __init__(self, name: str) -> None:
        self.admin = postgres_admin()
        self.key = (MIGRATION_LOCK >> 32, MIGRATION_LOCK & 0xFFFFFFFF, name)

    def __call__(self) -> bool:
        return bool(self.admin.execute(self.SQL, self.key).fetchone()[0])

    def close(self) -> None:
        self.admin.close()


def pg_schema_and_rows(url: str, columns: dict[str, str]) -> dict[str, object]:
    """Revision, every column, index and trigger, and every row of `columns`' tables in those
    columns (the old revision's)."""
    engine = create_engine(url)
    try:
        with engine.connect() as connection:
            one = connection.exec_driver_sql
            state: dict[str, object] = {
                "revision": one("SELECT version_num FROM alembic_version").scalar(),
                "columns": one(
                    "SELECT table_name, column_name, data_type, is_nullable, column_default"
                    " FROM information_schema.columns WHERE table_schema = 'public'"
                    " ORDER BY 1, 2"
                ).all(),
                "indexes": one(
                    "SELECT indexname, indexdef FROM pg_indexes WHERE schemaname = 'public'"
                    " ORDER BY 1"
                ).all(),
                "triggers": one(
                    "SELECT trigger_name, event_object_table, event_manipulation"
                    " FROM information_schema.triggers ORDER BY 1, 2, 3"
                ).all(),
            }
            for table, names in columns.items():
                state[table] = one(f"SELECT {names} FROM {table} ORDER BY id").all()
            return state
    finally:
        engine.dispose()


def test_a_killed_migration_on_postgresql(crm_home: Path, figures: Record) -> None:
    if not POSTGRES_URL:
        pytest.skip(NO_POSTGRES)
    with postgres_database() as template:
        old_database_with_rows(template)
        engine = create_engine(template)
        with engine.connect() as connection:
            inspector = inspect(connection)
            columns = {
                table: ", ".join(c["name"] for c in inspector.get_columns(table))
                for table in inspector.get_table_names()
                if table != "alembic_version"
            }
        engine.dispose()
        old = pg_schema_and_rows(template, columns)
        assert old["revision"] == OLD
        head = migrations.head()

        @contextmanager
        def old_copy() -> Iterator[tuple[str, AdvisoryLockProbe]]:
            name = f"crm_kill_{uuid.uuid4().hex[:12]}"
            with postgres_admin() as admin:
                admin.execute(f'CREATE DATABASE "{name}" TEMPLATE "{database_name(template)}"')
            probe = AdvisoryLockProbe(name)
            try:
                yield template.rsplit("/", 1)[0] + "/" + name, probe
            finally:
                probe.close()
                with postgres_admin() as admin:
                    admin.execute(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')

        with old_copy() as (url, probe):
            took, opened, closed = measure_migration(
                crm_argv(url, "db", "upgrade"), crm_env(crm_home), probe
            )
            new = pg_schema_and_rows(url, columns)
        assert new["revision"] == head
        assert {t: new[t] for t in columns} == {t: old[t] for t in columns}
        rng = random.Random(SEED + 4)
        landed = Landed()
        n = 0
        while landed.kills < PG_MIGRATION_KILLS:
            n += 1
            aim = n % 2 == 1
            delay = rng.uniform(0, closed - opened) if aim else rng.uniform(0, took)
            with old_copy() as (url, probe):
                argv = crm_argv(url, "db", "upgrade")
                killed, inside = kill_a_migration(argv, crm_env(crm_home), delay, probe, aim=aim)
                state = pg_schema_and_rows(url, columns)
            assert state == (old if state["revision"] == OLD else new)
            landed.add(killed, inside, str(state["revision"]), head)
    figures(
        "crash: migration (PostgreSQL)",
        seed=SEED + 4,
        kills=landed.kills,
        finished_before_the_kill=landed.finished,
        **{f"killed {where}": n for where, n in landed.counts.items()},
        run_seconds=round(took, 3),
        transaction_seconds=round(closed - opened, 3),
        between_revisions=0,
    )
