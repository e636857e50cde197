"""A write re-plans only what it touched; that must always give what a full run gives.

Hypothesis types random sequences of the commands a user types (people met at two employers,
rejections, touches of every kind, tasks done, skipped, snoozed and reopened, touches moved and
deleted, jobs through the pipeline, an own cadence, edits, archiving, undo, the clock moving on)
and, after each sequence, runs the whole plan from scratch in the same database, at the same
moment: it must find nothing to change. On SQLite and PostgreSQL.
"""

from __future__ import annotations

import tempfile
from contextlib import AbstractContextManager, nullcontext
from datetime import date, timedelta
from pathlib import Path
from typing import Any

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from tests.conftest import NO_POSTGRES, POSTGRES_URL, Crm, copy_database

PEOPLE = ["Dana", "Sam", "Lee", "Kim"]
EMPLOYERS = ["Acme", "Initech"]
KINDS = ["thank-you", "reply", "email", "linkedin", "call", "meeting", "info-interview", "note"]
START = date(2026, 1, 5)
STATUSES = ["applied", "screening", "interviewing", "offer", "accepted", "withdrawn"]

person = st.sampled_from(PEOPLE)
step = st.one_of(
    st.tuples(st.just("add"), person, st.sampled_from(EMPLOYERS)),
    st.tuples(st.just("reject"), st.sampled_from(EMPLOYERS), st.integers(0, 60)),
    st.tuples(st.just("log"), person, st.sampled_from(KINDS)),
    st.tuples(st.just("done"), st.integers(0, 30), st.booleans()),
    st.tuples(st.just("archive"), person, st.booleans()),
    st.tuples(st.just("wait"), st.integers(1, 40), st.just(None)),
    st.tuples(st.just("correct"), person, st.integers(-1, 20)),  # -1: delete the touch
    st.tuples(st.just("snooze"), st.integers(0, 30), st.integers(1, 20)),
    st.tuples(st.just("reopen"), st.integers(0, 30), st.just(None)),
    st.tuples(st.just("job"), st.sampled_from(EMPLOYERS), st.sampled_from(STATUSES)),
    st.tuples(st.just("every"), person, st.sampled_from(["6w", "2m", "off"])),
    st.tuples(st.just("undo"), st.just(None), st.just(None)),
)


def play(crm: Crm, steps: list[tuple[str, Any, Any]]) -> str:
    day, added = START, set()
    for number, (action, a, b) in enumerate(steps):
        now = day.isoformat()
        if action == "add" and a not in added:
            crm("contact", "add", a, "--employer", b, now=now)
            added.add(a)
        elif action == "reject":
            on = max(START, day - timedelta(days=b)).isoformat()
            crm("job", "reject", a, "--title", f"Job {number}", "--on", on, now=now)
        elif action == "log" and a in added:
            crm("log", b, a, now=now)
        elif action == "done":
            open_tasks = crm.json("task", "list", now=now)
            assert isinstance(open_tasks, list)
            if open_tasks:
                task = open_tasks[a % len(open_tasks)]
                crm("task", "done" if b else "skip", str(task["id"]), now=now)
        elif action == "archive" and a in added:
            crm("contact", "edit", a, "--no-keep-in-touch" if b else "--keep-in-touch", now=now)
        elif action == "wait":
            day += timedelta(days=a)
            crm("today", now=day.isoformat())  # a new day: the calendar's part of the plan
        elif action == "correct" and a in added:
            timeline = crm.json("contact", "show", a, now=now)["timeline"]  # type: ignore[index]
            if timeline:
                touch = str(timeline[number % len(timeline)]["id"])
                if b < 0:
                    crm("touch", "delete", touch, "--yes", now=now)
                else:
                    on = max(START, day - timedelta(days=b)).isoformat()
                    crm("touch", "edit", touch, "--on", on, now=now)
        elif action in ("snooze", "reopen"):
            listed = crm.json("task", "list", *(["--all"] if action == "reopen" else []), now=now)
            assert isinstance(listed, list)
            if action == "snooze" and listed:
                until = (day + timedelta(days=b)).isoformat()
                task = str(listed[a % len(listed)]["id"])
                crm("task", "snooze", task, "--until", until, now=now, ok=False)  # or refused
            closed = [t for t in listed if t["status"] in ("done", "skipped")]
            if action == "reopen" and closed:
                crm("task", "reopen", str(closed[a % len(closed)]["id"]), now=now, ok=False)
        elif action == "job":
            if b == "applied":
                crm("job", "add", a, "--title", f"Role {number}", "--applied", now, now=now)
            else:
                crm("job", "move", a, b, now=now, ok=False)  # refused with no job in progress
        elif action == "every" and a in added:
            crm("contact", "edit", a, "--every", b, now=now)
        elif action == "undo":
            crm("undo", now=now, ok=False)  # refused when there is nothing to take back
            listed = crm.json("contact", "list", now=now)  # an add undone takes them away
            assert isinstance(listed, list)
            added = {c["name"] for c in listed}
    return day.isoformat()


def full_run_changes(url: str, now: str) -> list[str]:
    """What a full run of the plan, from scratch, would still change (rolled back): its tasks,
    and the reply tallies it keeps."""
    from sqlalchemy import text

    from crm.clock import parse_moment
    from crm.db import Database
    from crm.plain import plan_lines
    from crm.services.plan import follow_up_plan
    from crm.settings import Settings

    settings = Settings()
    moment = parse_moment(now, None, what="now")
    database = Database(url)
    tallies = text("SELECT * FROM reply_tally ORDER BY contact_id")
    try:
        with database.session(write=False) as session:  # rolled back at the end
            kept = session.execute(tallies).all()
            result = follow_up_plan(
                session=session,
                now=moment,
                plan=settings.plan,
                fingerprint=settings.plan_fingerprint(),
            )
            again = session.execute(tallies).all()
            tallied = [f"tallies: {kept} became {again}"] if again != kept else []
            return plan_lines(result, moment.date()) + tallied
    finally:
        database.close()


def database(backend: str, request: pytest.FixtureRequest) -> AbstractContextManager[str]:
    """A database of its own for one example, at the current schema (a copy of the migrated
    one: migrating each of them would take most of the test's time)."""
    if backend == "postgresql":
        return request.getfixturevalue("postgres_pool").database()
    path = Path(tempfile.mkdtemp(prefix="crm-incremental-")) / "crm.db"
    copy_database(request.getfixturevalue("migrated_file"), path)
    return nullcontext(f"sqlite:///{path}")


@pytest.mark.parametrize(
    ("backend", "examples"),
    [
        ("sqlite", 15),
        pytest.param(
            "postgresql",
            6,
            marks=pytest.mark.skipif(not POSTGRES_URL, reason=NO_POSTGRES),
        ),
    ],
)
def test_the_incremental_plan_equals_a_full_run(
    backend: str, examples: int, request: pytest.FixtureRequest
) -> None:
    @settings(
        max_examples=examples,
        deadline=None,
        suppress_health_check=[HealthCheck.too_slow, HealthCheck.function_scoped_fixture],
    )
    @given(st.lists(step, min_size=4, max_size=14))
    def check(steps: list[tuple[str, Any, Any]]) -> None:
        with database(backend, request) as url:
            crm = Crm(url)
            now = play(crm, steps)
            assert full_run_changes(url, now) == []

    check()
