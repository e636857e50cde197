"""Private files stay private, and the quick commands stay quick (what they import)."""

from __future__ import annotations

import json
import os
import stat
import subprocess
import sys
from pathlib import Path

import pytest

from tests.conftest import Crm


def mode(path: Path) -> int:
    return stat.S_IMODE(path.stat().st_mode)


@pytest.mark.fresh_database
def test_the_default_database_is_private(sqlite_crm: Crm, crm_home: Path) -> None:
    os.umask(0o022)
    sqlite_crm("contact", "add", "Dana Whitfield")
    assert mode(crm_home) == 0o700
    assert mode(crm_home / "crm.db") == 0o600
    for side in ("crm.db-wal", "crm.db-shm"):
        if (crm_home / side).exists():
            assert mode(crm_home / side) == 0o600


def test_a_database_named_with_db_is_private_too(tmp_path: Path) -> None:
    os.umask(0o022)
    Crm(str(tmp_path / "mine.db"))("employer", "add", "Acme")
    assert mode(tmp_path / "mine.db") == 0o600


def imported(*argv: str, home: Path) -> set[str]:
    """The modules a real `crm` process has loaded when it finishes."""
    probe = (
        "import sys, json, atexit\n"
        "report = lambda: sys.__stderr__.write('\\nMODULES ' + json.dumps(sorted(sys.modules)))\n"
        "atexit.register(report)\n"
        "from crm.cli import main\n"
        f"sys.argv = ['crm', *{list(argv)!r}]\n"
        "main()\n"
    )
    env = dict(os.environ, CRM_HOME=str(home))
    done = subprocess.run([sys.executable, "-c", probe], env=env, capture_output=True, text=True)
    assert done.returncode == 0, done.stderr
    return set(json.loads(done.stderr.rsplit("MODULES ", 1)[1]))


HEAVY = ("sqlalchemy", "sqlmodel", "alembic", "apscheduler")  # typer itself needs pydantic


def heavy(modules: set[str]) -> set[str]:
    return {m for m in modules if m.split(".")[0] in HEAVY}


def test_help_and_version_import_nothing_heavy(crm_home: Path) -> None:
    assert heavy(imported("--help", home=crm_home)) == set()
    assert heavy(imported("--version", home=crm_home)) == set()


def test_today_task_list_and_calendar_read_with_the_standard_library_once_the_plan_is_current(
    sqlite_crm: Crm, crm_home: Path
) -> None:
    sqlite_crm("contact", "add", "Dana Whitfield", "--employer", "Acme")
    sqlite_crm("job", "reject", "acme", "--title", "Analyst")
    feed = str(crm_home / "crm.ics")
    for argv in (
        ("today",),
        ("today", "--json"),
        ("task", "list"),
        ("task", "list", "--json"),
        ("calendar", feed),
    ):
        modules = imported(*argv, home=crm_home)
        assert heavy(modules) == set() and "typer" not in modules and "rich" not in modules, argv


def test_the_review_reads_with_the_standard_library_once_the_plan_is_current(
    sqlite_crm: Crm, crm_home: Path, tmp_path: Path
) -> None:
    """SQLAlchemy and SQLModel alone are ~40 MB and ~0.35 s of a review's ~1 s at the
    benchmark's 1x: its SQL runs on sqlite3 (crm/store.py `Reads`), the same as on PostgreSQL."""
    sqlite_crm("contact", "add", "Dana Whitfield", "--employer", "Acme")
    sqlite_crm("job", "reject", "acme", "--title", "Analyst")
    sqlite_crm("log", "thank-you", "dana")
    for argv in (
        ("review",),
        ("review", "--json"),
        ("review", "--output", str(tmp_path / "week.md")),
        ("review", "--output", str(tmp_path / "week.html")),
    ):
        assert heavy(imported(*argv, home=crm_home)) == set(), argv
    for argv in (("review",), ("review", "--json")):  # the shortcut's forms: no Typer either
        modules = imported(*argv, home=crm_home)  # nor Rich: the report fits in plain lines
        assert "typer" not in modules and "rich" not in modules, argv
    for shortcut, through_typer in (
        (["review"], ["review", "--days", "7"]),
        (["review", "--json"], ["review", "--json", "--days", "7"]),
    ):
        assert sqlite_crm(*shortcut).stdout == sqlite_crm(*through_typer).stdout


def test_a_command_on_sqlite_loads_no_other_database_nor_tzlocal(
    sqlite_crm: Crm, crm_home: Path
) -> None:
    """A model's partial index named PostgreSQL's WHERE, which made every ORM command load
    SQLAlchemy's PostgreSQL dialect (~3 MB of an import's 80); and TZ (here) or the link of
    /etc/localtime names the zone, where tzlocal's search cost ~30 ms."""
    sqlite_crm("contact", "add", "Dana Whitfield", "--employer", "Acme")
    modules = imported("contact", "add", "Sam Ortiz", "--employer", "Acme", home=crm_home)
    assert "sqlmodel" in modules  # the ORM's path
    assert {m for m in modules if "postgresql" in m} == set()
    assert "tzlocal" not in modules


def test_search_reads_with_the_standard_library_and_without_typer(
    sqlite_crm: Crm, crm_home: Path
) -> None:
    sqlite_crm("contact", "add", "Dana Whitfield", "--employer", "Acme", "--tag", "robotics")
    for argv in (("search", "dana"), ("search", "robo", "--json")):
        modules = imported(*argv, home=crm_home)
        assert heavy(modules) == set() and "typer" not in modules and "rich" not in modules


def test_the_screens_read_all_day_import_no_more_of_the_standard_library_than_they_use(
    sqlite_crm: Crm, crm_home: Path
) -> None:
    """Each import is paid on every `crm today` in a prompt: dataclasses brings inspect (~8 ms
    of a ~60 ms `crm today`), hashlib OpenSSL, shutil the compression modules."""
    sqlite_crm("contact", "add", "Dana Whitfield", "--employer", "Acme")
    sqlite_crm("job", "reject", "acme", "--title", "Analyst")
    for argv in (("today",), ("task", "list"), ("search", "dana")):
        modules = imported(*argv, home=crm_home)  # piped: no terminal's width to ask for
        assert {"dataclasses", "inspect", "hashlib", "shutil"} & modules == set(), argv


def test_today_on_a_new_database_takes_the_full_path_but_never_alembic_twice(
    crm_home: Path,
) -> None:
    first = imported("today", home=crm_home)  # creates and migrates: alembic is needed once
    assert "alembic" in first
    second = imported("today", home=crm_home)
    assert heavy(second) == set()


def test_a_new_day_and_a_settings_change_replan_with_the_standard_library(
    sqlite_crm: Crm, crm_home: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """The plan itself runs on sqlite3 (crm/store.py): the first `crm today` of a day, and a
    `crm remind` after new settings, re-plan without importing SQLAlchemy."""
    sqlite_crm("contact", "add", "Dana Whitfield", "--employer", "Acme")
    sqlite_crm("job", "reject", "acme", "--title", "Analyst")
    monkeypatch.setenv("CRM_NOW", "2026-03-20T09:00:00+00:00")  # her thank-you expires
    modules = imported("today", home=crm_home)
    assert heavy(modules) == set() and "typer" not in modules
    assert "Send a thank-you note" not in sqlite_crm("today").stdout
    (crm_home / "config.toml").write_text("[plan]\nthank_you_expires_days = 30\n")
    assert heavy(imported("remind", home=crm_home)) == set()
    assert "Send a thank-you note" in sqlite_crm("today").stdout  # back: 30 days now
