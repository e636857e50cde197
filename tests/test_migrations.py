"""Migrations: they build exactly the models' schema, they keep every row, and they ship."""

from __future__ import annotations

import os
import sqlite3
import subprocess
import sys
from contextlib import closing
from pathlib import Path

import pytest
from alembic.autogenerate import compare_metadata
from alembic.runtime.migration import MigrationContext
from sqlalchemy import create_engine, inspect, text
from sqlmodel import SQLModel

from crm import migrations
from crm.db import SCHEMA_REVISION, Database
from tests.conftest import Crm
from tests.helpers import acme_story

# migrations from nothing: the fixtures' databases stay empty
pytestmark = pytest.mark.fresh_database

REPO = Path(__file__).resolve().parent.parent
# What the user wrote, kept row for row. (plan_state and change_counter are bookkeeping that a
# migration may reset: a reset only makes the plan run once more.)
TABLES = ["employer", "contact", "job", "touchpoint", "task", "employment"]
# a downgrade below the migration that made a table drops the table, rows and all
SINCE_0001 = [t for t in TABLES if t != "employment"]


def test_the_code_knows_the_newest_migration() -> None:
    assert migrations.head() == SCHEMA_REVISION


# The search index is the database's own (an FTS5 table and its shadow tables on SQLite, a
# tsvector table on PostgreSQL), written by triggers, and no model: these and no other.
SEARCH_TABLES = {
    "sqlite": {
        "search_index",
        *(f"search_index_{shadow}" for shadow in ("config", "content", "data", "docsize", "idx")),
    },
    "postgresql": {"search_index"},
}


# Indexes a database has of its own, not in the models (crm/models.py OWN_INDEXES): SQLite's
# covering index of the task list (migration 0013), and on both the plan's partial indexes of its
# own tasks (migration 0015) and of the touches that name a job (0016). These and no other.
OWN_INDEXES = {
    "sqlite": {"ix_task_list", "ix_task_planned", "ix_touchpoint_job"},
    "postgresql": {"ix_task_planned", "ix_touchpoint_job"},
}


def test_a_migrated_database_matches_the_models_exactly(backend: str) -> None:
    database = Database(backend)
    with database.engine.connect() as connection:
        search = SEARCH_TABLES[database.engine.dialect.name]
        tables = set(inspect(connection).get_table_names()) - {"alembic_version"}
        assert tables - set(SQLModel.metadata.tables) == search

        own = OWN_INDEXES[database.engine.dialect.name]

        def models_only(name, type_, parent_names):  # type: ignore[no-untyped-def]
            return not ((type_ == "table" and name in search) or (type_ == "index" and name in own))

        context = MigrationContext.configure(
            connection, opts={"compare_type": True, "include_name": models_only}
        )
        assert compare_metadata(context, SQLModel.metadata) == []
    database.close()


def snapshot(url: str, tables: list[str] = TABLES) -> dict[str, list[tuple]]:  # type: ignore[type-arg]
    engine = create_engine(url)
    with engine.connect() as connection:
        shot = {
            table: [
                tuple(r) for r in connection.execute(text(f"SELECT * FROM {table} ORDER BY id"))
            ]
            for table in tables
        }
    engine.dispose()
    return shot


def test_down_and_up_again_keeps_every_row(backend: str) -> None:
    crm = Crm(backend)
    acme_story(crm)
    crm("log", "thank-you", "dana")
    crm("log", "reply", "dana", "--note", "Happy to stay in touch")
    before = snapshot(backend, SINCE_0001)
    assert all(before.values()), {t: len(rows) for t, rows in before.items()}

    database = Database(backend)
    migrations.downgrade(database.engine, "0001")  # rebuilds `contact`, the parent of most rows
    assert migrations.current(database.engine) == "0001"
    middle = snapshot(backend, SINCE_0001)
    assert {t: len(r) for t, r in middle.items()} == {t: len(r) for t, r in before.items()}
    migrations.upgrade(database.engine)
    assert snapshot(backend, SINCE_0001) == before

    crm("import", "linkedin", str(REPO / "tests" / "data" / "Connections.csv"))
    before = snapshot(backend)
    assert all(before.values()), {t: len(rows) for t, rows in before.items()}
    migrations.downgrade(database.engine, "0003")  # everything since employment
    migrations.upgrade(database.engine)
    database.close()
    assert snapshot(backend) == before


def test_the_reply_tallies_are_counted_again_after_a_way_down_and_up(backend: str) -> None:
    """Migration 0015's downgrade drops the plan's reply tallies and forgets when the plan
    ran: up again, the same crm (whose plan's version did not change) plans everyone once
    more, so the review's all-time rates count every thank-you."""
    crm = Crm(backend)
    acme_story(crm)
    crm("log", "thank-you", "dana")
    crm("log", "reply", "dana", "--note", "Happy to stay in touch")
    database = Database(backend)
    migrations.downgrade(database.engine, "0014")
    migrations.upgrade(database.engine)
    database.close()
    review = crm.json("review")
    assert review["replies"]["thank_you_reply_rate"]["all_time"] == {  # type: ignore[index]
        "sent": 1,
        "answered": 1,
        "rate": 1.0,
    }


def test_base_and_back_on_an_empty_database(backend: str) -> None:
    database = Database(backend)
    migrations.downgrade(database.engine, "base")
    with database.engine.connect() as connection:
        assert set(inspect(connection).get_table_names()) <= {"alembic_version"}
    migrations.upgrade(database.engine)
    assert migrations.current(database.engine) == SCHEMA_REVISION
    database.close()


def test_sqlite_foreign_keys_are_back_on_after_a_migration(tmp_path: Path) -> None:
    database = Database(f"sqlite:///{tmp_path / 'x.db'}")
    migrations.downgrade(database.engine, "0001")
    migrations.upgrade(database.engine)
    with database.engine.connect() as connection:
        assert connection.exec_driver_sql("PRAGMA foreign_keys").scalar() == 1
        assert connection.exec_driver_sql("PRAGMA journal_mode").scalar() == "wal"
    database.close()


def test_alembic_from_the_checkout(tmp_path: Path) -> None:
    env = dict(os.environ, CRM_DATABASE=str(tmp_path / "dev.db"))
    alembic = [sys.executable, "-m", "alembic"]
    up = subprocess.run(
        [*alembic, "upgrade", "head"], cwd=REPO, env=env, capture_output=True, text=True
    )
    assert up.returncode == 0, up.stderr
    check = subprocess.run([*alembic, "check"], cwd=REPO, env=env, capture_output=True, text=True)
    assert check.returncode == 0, check.stderr
    assert "No new upgrade operations detected." in check.stdout + check.stderr


@pytest.mark.slow
def test_an_installed_wheel_migrates_from_any_folder(tmp_path: Path) -> None:
    """The wheel carries alembic/: `crm` from a fresh venv, in an empty folder, just works."""
    dist = tmp_path / "dist"
    build = subprocess.run(
        [sys.executable, "-m", "pip", "wheel", "--no-deps", "-q", "-w", str(dist), str(REPO)],
        capture_output=True,
        text=True,
    )
    assert build.returncode == 0, build.stderr
    [wheel] = dist.glob("crm-*.whl")
    venv = tmp_path / "venv"
    subprocess.run([sys.executable, "-m", "venv", "--without-pip", str(venv)], check=True)
    site = next((venv / "lib").glob("python3*/site-packages"))
    # crm itself from the wheel; its dependencies from the environment running the tests
    subprocess.run(
        [
            sys.executable,
            "-m",
            "pip",
            "install",
            "--no-deps",
            "-q",
            "--target",
            str(site),
            str(wheel),
        ],
        check=True,
    )
    deps = next(
        p for p in sys.path if p.endswith("site-packages") and "crm" not in Path(p).parts[-1]
    )
    (site / "zz_test_dependencies.pth").write_text(deps + "\n")
    empty = tmp_path / "empty"
    empty.mkdir()
    env = {k: v for k, v in os.environ.items() if k not in ("PYTHONPATH", "CRM_DATABASE")}
    env["CRM_HOME"] = str(tmp_path / "home")
    python = venv / "bin" / "python"
    where = subprocess.run(
        [python, "-c", "import crm; print(crm.__file__)"],
        cwd=empty,
        env=env,
        capture_output=True,
        text=True,
        check=True,
    )
    assert where.stdout.startswith(str(site)), where.stdout
    added = subprocess.run(
        [python, "-m", "crm", "contact", "add", "Dana Whitfield"],
        cwd=empty,
        env=env,
        capture_output=True,
        text=True,
    )
    assert added.returncode == 0, added.stderr
    assert "Added contact Dana Whitfield (#1)." in added.stdout
    database = tmp_path / "home" / "crm.db"
    engine = create_engine(f"sqlite:///{database}")
    with engine.connect() as connection:
        assert (
            connection.exec_driver_sql("SELECT version_num FROM alembic_version").scalar()
            == SCHEMA_REVISION
        )
    engine.dispose()
    assert list(empty.iterdir()) == []


def test_every_counted_table_has_its_change_triggers(backend: str) -> None:
    """A batch rebuild on SQLite drops a table's triggers; at head they must all be there."""
    database = Database(backend)
    with database.engine.connect() as connection:
        if database.engine.dialect.name == "sqlite":
            query = "SELECT name FROM sqlite_master WHERE type = 'trigger'"
        else:
            query = "SELECT DISTINCT trigger_name FROM information_schema.triggers"
        names = {row[0] for row in connection.exec_driver_sql(query)}
    database.close()
    for table in ("contact", "job", "touchpoint", "task"):
        assert any(name.startswith(f"crm_count_{table}") for name in names), (table, names)


def test_a_write_behind_crms_back_makes_the_plan_run_again(tmp_path: Path) -> None:
    crm = Crm(str(tmp_path / "crm.db"))
    crm("contact", "add", "Dana", "--employer", "Acme")
    assert "nothing new" in crm("remind").stdout
    engine = create_engine(crm.url)
    with engine.begin() as connection:  # an older crm, a restore, a hand edit...
        connection.exec_driver_sql(
            "INSERT INTO job (employer_id, title, status, rejected_on, created_at)"
            " VALUES (1, 'Analyst', 'rejected', '2026-03-01', '2026-03-01 09:00:00')"
        )
    engine.dispose()
    assert "The plan made 3 new tasks." in crm("remind").stdout


def test_sqlite_reads_a_task_list_from_its_covering_index_alone(migrated_file: Path) -> None:
    """The lists people read all day (`task list`, `today`'s sections, `today --json`) take
    every column from ix_task_list, never the table (migration 0013): a column added to the
    one task query (crm/services/agenda.py) must be added to the index too. It holds the open
    tasks only: SQLite uses it because those queries say `status = 'open'` as it does."""
    from crm.services.agenda import OPEN_TASKS_SQL, SECTION_SQL

    section = {"first": "2026-01-01", "last": "2026-03-01", "limit": 20}
    with closing(sqlite3.connect(migrated_file)) as connection:
        for sql, params in ((OPEN_TASKS_SQL, {}), (SECTION_SQL, section)):
            plan = [row[3] for row in connection.execute(f"EXPLAIN QUERY PLAN {sql}", params)]
            assert any("COVERING INDEX ix_task_list" in step for step in plan), plan
            assert not any("TEMP B-TREE" in step for step in plan), plan  # in order as read
        (where,) = connection.execute(
            "SELECT sql FROM sqlite_master WHERE name = 'ix_task_list'"
        ).fetchone()
        assert where.endswith("WHERE status = 'open'")


def test_sqlite_reads_one_contacts_open_tasks_by_the_contact(migrated_file: Path) -> None:
    """`contact show` finds the contact's open tasks through ix_task_contact_status_due, not by
    walking every open task in ix_task_list: its time does not grow with the whole list."""
    from crm.services.contact_card import OPEN_TASKS_SQL

    with closing(sqlite3.connect(migrated_file)) as connection:
        query = f"EXPLAIN QUERY PLAN {OPEN_TASKS_SQL}"
        plan = [row[3] for row in connection.execute(query, {"id": 1})]
    assert any("INDEX ix_task_contact_status_due (contact_id=?)" in step for step in plan), plan


def test_the_plan_reads_its_own_tasks_past_the_users(migrated_file: Path) -> None:
    """The plan reads a batch of contacts' tasks that have a key (its own) through
    ix_task_planned (migration 0015), whose WHERE is the query's: the user's own tasks, however
    many, are never read to be skipped. So with the touches that name a job (0016)."""
    from crm.services.pipeline_rules import touch_jobs_sql
    from crm.services.plan import MADE_FOR_JOB
    from crm.services.plan_batches import Which, own_tasks_sql

    with closing(sqlite3.connect(migrated_file)) as connection:
        for which in (Which(first=1, last=500), Which(ids=[3, 5, 8])):
            sql = own_tasks_sql(which)  # the query the plan runs, not a copy of it
            plan = [row[3] for row in connection.execute(f"EXPLAIN QUERY PLAN {sql}")]
            assert any("INDEX ix_task_planned" in step for step in plan), plan
        # after each write near a rejection: did it make a thank-you? (not a scan of every task)
        params = {"job": 1, "kind": "thank_you"}
        plan = [row[3] for row in connection.execute(f"EXPLAIN QUERY PLAN {MADE_FOR_JOB}", params)]
        assert any("INDEX ix_task_job_id" in step for step in plan), plan
        # which interviews of a batch name a job (migration 0016): only those that do are read
        for which in (Which(first=1, last=500), Which(ids=[3, 5, 8])):
            sql = touch_jobs_sql(which.on("contact_id"))
            params = {"interview": "interview", "meeting": "meeting"}
            plan = [row[3] for row in connection.execute(f"EXPLAIN QUERY PLAN {sql}", params)]
            assert any("INDEX ix_touchpoint_job" in step for step in plan), plan
