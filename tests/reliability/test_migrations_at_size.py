"""Migrations with a job search's worth of history in place: every row survives, unchanged.

Downgrading to base drops every table, so "the same rows after base and back" cannot hold
literally. What is checked instead:
1. base → 0001, then 10,000 contacts, 1,000 employers and jobs, 100,000 touchpoints and 5,000
   tasks written at that first schema; up to head, down to 0001 (on SQLite that rebuilds
   `contact`, which most rows point at) and up to head again: every row of every table,
   column for column, the same at each step.
2. At head, the columns and table only later revisions have filled in too (a position and a
   connection day for every contact, an employment row each); down to the revision before head
   and up again: the same rows, all of them.
3. An empty database from base to head, to base, and to head again: exactly the same schema.
"""

from __future__ import annotations

import time
from collections.abc import Iterator
from contextlib import contextmanager
from typing import Any

import pytest
from alembic.script import ScriptDirectory
from sqlalchemy import Engine, inspect, text

from crm import migrations
from crm.db import make_engine, sqlite_path
from tests.conftest import Crm
from tests.reliability.common import scale, sqlite_health
from tests.reliability.conftest import Record

# from base, through every revision: the fixtures' databases stay empty
pytestmark = [pytest.mark.reliability, pytest.mark.slow, pytest.mark.fresh_database]

EMPLOYERS = 1_000
CONTACTS = 10_000
TOUCHPOINTS = 100_000
TASKS = 5_000
FIRST = "0001"
ROUNDS = scale(1, 3)  # down to 0001 and up again, this many times
STAMP = "2026-01-15 09:00:00.000000"
KINDS = ["thank-you", "reply", "email", "linkedin", "call", "meeting", "info-interview", "note"]


@contextmanager
def engine_for(url: str) -> Iterator[Engine]:
    engine = make_engine(url)
    try:
        yield engine
    finally:
        engine.dispose()


def fill_first_schema(engine: Engine) -> None:
    """A long job search, written in one transaction in the first schema's columns."""
    employers = [
        {"id": n, "name": f"Employer {n}", "key": f"employer {n}", "at": STAMP}
        for n in range(1, EMPLOYERS + 1)
    ]
    contacts = [
        {
            "id": n,
            "name": f"Person {n}",
            "key": f"person {n}",
            "employer": n % EMPLOYERS + 1,
            "email": f"person{n}@example.com" if n % 3 else None,
            "url": f"https://www.linkedin.com/in/person-{n}" if n % 2 else None,
            "keep": n % 7 != 0,
            "at": STAMP,
        }
        for n in range(1, CONTACTS + 1)
    ]
    jobs = [
        {
            "id": n,
            "employer": n,
            "title": f"Analyst {n}",
            "status": "rejected" if n % 2 else "applied",
            "rejected": "2026-01-10" if n % 2 else None,
            "at": STAMP,
        }
        for n in range(1, EMPLOYERS + 1)
    ]
    touches = [
        {
            "id": n,
            "contact": n % CONTACTS + 1,
            "kind": KINDS[n % len(KINDS)],
            "direction": "in" if KINDS[n % len(KINDS)] == "reply" else "out",
            "when": f"2025-{n % 12 + 1:02d}-{n % 28 + 1:02d} 12:00:00.000000",
            "summary": f'touch {n}: ünïcode, commas, "quotes"' if n % 5 == 0 else None,
            "at": STAMP,
        }
        for n in range(1, TOUCHPOINTS + 1)
    ]
    tasks = [
        {
            "id": n,
            "kind": "nurture",
            "title": "Write about a shared interest",
            "due": f"2026-{n % 12 + 1:02d}-01",
            "status": ["open", "done", "skipped"][n % 3],
            "contact": n,
            "employer": n % EMPLOYERS + 1,
            "key": f"nurture:{n}:2025-01-01:1:1",
            "at": STAMP,
        }
        for n in range(1, TASKS + 1)
    ]
    with engine.begin() as connection:
        run = connection.execute
        run(
            text(
                "INSERT INTO employer (id, name, name_key, created_at)"
                " VALUES (:id, :name, :key, :at)"
            ),
            employers,
        )
        run(
            text(
                "INSERT INTO contact (id, name, name_key, employer_id, role, email, linkedin_url,"
                " keep_in_touch, created_at) VALUES (:id, :name, :key, :employer, 'other',"
                " :email, :url, :keep, :at)"
            ),
            contacts,
        )
        run(
            text(
                "INSERT INTO job (id, employer_id, title, status, rejected_on, created_at)"
                " VALUES (:id, :employer, :title, :status, :rejected, :at)"
            ),
            jobs,
        )
        run(
            text(
                "INSERT INTO touchpoint (id, contact_id, kind, direction, happened_at, summary,"
                " created_at) VALUES (:id, :contact, :kind, :direction, :when, :summary, :at)"
            ),
            touches,
        )
        run(
            text(
                "INSERT INTO task (id, kind, title, due, status, contact_id, employer_id, rule,"
                " key, created_at) VALUES (:id, :kind, :title, :due, :status, :contact,"
                " :employer, 'the monthly nurture', :key, :at)"
            ),
            tasks,
        )
        if engine.dialect.name == "postgresql":  # ids given explicitly: move the sequences on
            for table in ("employer", "contact", "job", "touchpoint", "task"):
                run(
                    text(
                        f"SELECT setval(pg_get_serial_sequence('{table}', 'id'), MAX(id))"
                        f" FROM {table}"
                    )
                )


Snapshot = dict[str, list[tuple[Any, ...]]]

# the plan's bookkeeping (its state, the reply tallies), the undo journal and the search index
# (kept by triggers, built again by its migration): not the user's data
BOOKKEEPING = {
    "alembic_version",
    "change_counter",
    "plan_state",
    "reply_tally",
    "undo_row",
    "undo_entry",
}


def columns(engine: Engine) -> dict[str, list[str]]:
    with engine.connect() as connection:
        inspector = inspect(connection)
        return {
            table: sorted(c["name"] for c in inspector.get_columns(table))
            for table in inspector.get_table_names()
            if table not in BOOKKEEPING and not table.startswith("search_index")
        }


def snapshot(engine: Engine, shape: dict[str, list[str]]) -> Snapshot:
    """Every row of the tables in `shape`, in its columns, by id."""
    with engine.connect() as connection:
        return {
            table: [
                tuple(row)
                for row in connection.execute(
                    text(f"SELECT {', '.join(names)} FROM {table} ORDER BY id")
                )
            ]
            for table, names in shape.items()
        }


def counts(shot: Snapshot) -> dict[str, int]:
    return {table: len(rows) for table, rows in shot.items()}


def schema(engine: Engine) -> dict[str, Any]:
    """Tables, columns, indexes, foreign keys and (SQLite) triggers, as the database has them."""
    with engine.connect() as connection:
        inspector = inspect(connection)
        shape: dict[str, Any] = {
            table: (
                [(c["name"], str(c["type"]), c["nullable"]) for c in inspector.get_columns(table)],
                sorted((i["name"], tuple(i["column_names"])) for i in inspector.get_indexes(table)),
                sorted(str(fk) for fk in inspector.get_foreign_keys(table)),
            )
            for table in sorted(inspector.get_table_names())
        }
        if engine.dialect.name == "sqlite":
            query = "SELECT name, sql FROM sqlite_master WHERE type = 'trigger' ORDER BY name"
        else:
            query = (
                "SELECT trigger_name, event_manipulation FROM information_schema.triggers"
                " ORDER BY 1, 2"
            )
        shape["triggers"] = [tuple(r) for r in connection.exec_driver_sql(query)]
        return shape


class Stopwatch:
    def __init__(self) -> None:
        self.seconds: dict[str, float] = {}

    @contextmanager
    def __call__(self, step: str) -> Iterator[None]:
        started = time.perf_counter()
        yield
        self.seconds[step] = round(self.seconds.get(step, 0) + time.perf_counter() - started, 2)


def healthy_if_sqlite(url: str) -> None:
    path = sqlite_path(url)
    if path is not None:
        integrity, orphans = sqlite_health(path)
        assert integrity == [("ok",)] and orphans == [], (integrity, orphans[:5])


def test_a_large_history_survives_every_migration(backend: str, figures: Record) -> None:
    head = migrations.head()
    assert head is not None
    previous = ScriptDirectory.from_config(migrations.alembic_config()).get_revision(head)
    before_head = str(previous.down_revision)
    clock = Stopwatch()
    with engine_for(backend) as engine:
        migrations.upgrade(engine, FIRST)
        first_schema = schema(engine)
        with clock("fill at 0001"):
            fill_first_schema(engine)
        first = columns(engine)
        with clock("snapshot"):
            rows = snapshot(engine, first)
        assert counts(rows) == {
            "employer": EMPLOYERS,
            "contact": CONTACTS,
            "job": EMPLOYERS,
            "touchpoint": TOUCHPOINTS,
            "task": TASKS,
        }
        with clock(f"upgrade 0001 → {head} (first)"):
            migrations.upgrade(engine)
        head_schema = schema(engine)
        assert snapshot(engine, first) == rows
        for _ in range(ROUNDS):
            with clock(f"downgrade {head} → 0001"):
                migrations.downgrade(engine, FIRST)
            assert schema(engine) == first_schema
            assert snapshot(engine, first) == rows
            healthy_if_sqlite(backend)
            with clock(f"upgrade 0001 → {head} (again)"):
                migrations.upgrade(engine)
            assert schema(engine) == head_schema
            assert snapshot(engine, first) == rows
            healthy_if_sqlite(backend)

        # what only later revisions can hold, round the last migration and back
        with engine.begin() as connection:
            connection.execute(
                text(
                    "UPDATE contact SET position = 'Engineer ' || id,"
                    " linkedin_connected_on = '2024-03-12'"
                )
            )
            connection.execute(
                text(
                    "INSERT INTO employment (contact_id, employer_id, company, position,"
                    " seen_from, source, created_at) SELECT id, employer_id, 'Employer ' ||"
                    " employer_id, 'Engineer ' || id, '2024-03-12', 'linkedin', created_at"
                    " FROM contact"
                )
            )
        everything = columns(engine)
        full = snapshot(engine, everything)
        with clock(f"downgrade {head} → {before_head}"):
            migrations.downgrade(engine, before_head)
        older = columns(engine)
        assert snapshot(engine, older) == projected(full, everything, older)
        with clock(f"upgrade {before_head} → {head}"):
            migrations.upgrade(engine)
        assert schema(engine) == head_schema
        assert snapshot(engine, everything) == full
        healthy_if_sqlite(backend)

    # and crm works on the result
    crm = Crm(backend)
    with clock("crm today after the migrations (plans 10,000 contacts)"):
        agenda = crm.json("today")
    assert isinstance(agenda, dict) and agenda["overdue"]
    crm("contact", "add", "After the migrations", "--employer", "Employer 1")
    with engine_for(backend) as engine:
        assert migrations.current(engine) == head
    figures(
        f"migrations at size ({'SQLite' if backend.startswith('sqlite') else 'PostgreSQL'})",
        rows=sum(counts(rows).values()),
        round_trips_to_0001=ROUNDS,
        rows_changed=0,
        **{f"{step} (s)": seconds for step, seconds in clock.seconds.items()},
    )


def projected(full: Snapshot, names: dict[str, list[str]], shape: dict[str, list[str]]) -> Snapshot:
    """`full` (taken in the columns `names`) cut down to the tables and columns of `shape`."""
    out = {}
    for table, wanted in shape.items():
        at = [names[table].index(column) for column in wanted]
        out[table] = [tuple(row[i] for i in at) for row in full[table]]
    return out


def test_base_head_base_head_gives_the_same_schema(backend: str) -> None:
    with engine_for(backend) as engine:
        migrations.upgrade(engine)
        once = schema(engine)
        migrations.downgrade(engine, "base")
        with engine.connect() as connection:
            assert set(inspect(connection).get_table_names()) <= {"alembic_version"}
        migrations.upgrade(engine)
        assert schema(engine) == once
        assert migrations.current(engine) == migrations.head()
