"""`crm log` and `crm task done|skip` on SQLite with nothing but the standard library
(crm/lean.py's writer, crm/cli/record_view.py), and without Typer in their plain forms
(crm/cli/shortcut.py): the same rows, the same words, the same errors as through a session."""

import re
import sqlite3
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path

import pytest

from crm.cli.env import Env
from tests.conftest import Crm, copy_database
from tests.helpers import acme_story
from tests.test_files_and_startup import heavy, imported
from tests.test_today import run_crm

# Records of every kind the quick path takes, on several days: a new day makes the write
# re-plan those the calendar can change too; a task done logs the touch it asked for; an
# undo takes back what the quick path wrote.
WRITES: list[tuple[str | None, list[str]]] = [
    (None, ["log", "thank-you", "dana"]),
    (None, ["log", "note", "sam", "--note", "Met at the fair; [likes] robots"]),
    ("2026-03-05T10:00:00+00:00", ["log", "reply", "dana", "--on", "2026-03-04"]),
    ("2026-03-05T10:00:00+00:00", ["log", "meeting", "lee", "--topic", "the robot arm demo"]),
    ("2026-03-06T10:00:00+00:00", ["log", "interview", "sam"]),
    ("2026-03-06T10:00:00+00:00", ["log", "email", "lee", "--in", "--note=Thanks!"]),
    ("2026-03-20T10:00:00+00:00", ["task", "done", "5"]),
    ("2026-03-20T10:00:00+00:00", ["task", "skip", "#6"]),
    ("2026-03-20T10:00:00+00:00", ["undo"]),
    ("2026-04-30T10:00:00+00:00", ["log", "call", "Dana Whitfield", "--on", "yesterday"]),
]


def rows(database: Path) -> dict[str, list[tuple[object, ...]]]:
    """Every row of every table, as stored (text dates and moments on SQLite)."""
    with sqlite3.connect(database) as connection:
        tables = [
            name
            for (name,) in connection.execute(
                "SELECT name FROM sqlite_master WHERE type = 'table' AND name NOT LIKE "
                "'search_index%' AND name <> 'sqlite_sequence' ORDER BY name"
            )
        ]
        return {t: connection.execute(f"SELECT * FROM {t} ORDER BY 1").fetchall() for t in tables}


@contextmanager
def no_lean_writer() -> Iterator[None]:
    """Every write through a session, as on PostgreSQL."""

    @contextmanager
    def never(self: Env, lean: bool = True) -> Iterator[None]:
        yield None

    with pytest.MonkeyPatch.context() as patch:
        patch.setattr(Env, "_lean_transaction", never)
        yield


def test_the_standard_library_writes_what_a_session_writes(
    migrated_file: Path, tmp_path: Path
) -> None:
    quick, slow = Crm(str(tmp_path / "quick.db")), Crm(str(tmp_path / "slow.db"))
    for each in (quick, slow):
        copy_database(migrated_file, Path(str(each.db)))
        acme_story(each)
    for now, argv in WRITES:
        said = quick(*argv, now=now)
        with no_lean_writer():
            assert said == slow(*argv, now=now), argv
    assert rows(Path(str(quick.db))) == rows(Path(str(slow.db)))
    assert rows(Path(str(quick.db)))["touchpoint"][-1][2:4] == ("call", "out")  # written at all
    # and stored as SQLAlchemy stores them (the story's contacts were added through the ORM):
    # text that sorts as time does, every moment alike
    with sqlite3.connect(str(quick.db)) as connection:
        (added,) = connection.execute("SELECT created_at FROM contact WHERE id = 1").fetchone()
        stored = connection.execute(
            "SELECT happened_at, created_at FROM touchpoint UNION ALL SELECT closed_at, created_at"
            " FROM task WHERE closed_at IS NOT NULL UNION ALL SELECT done_at, ran_at FROM"
            " undo_entry, plan_state"
        ).fetchall()
        days = connection.execute("SELECT due FROM task UNION SELECT planned_on FROM plan_state")
        assert {len(day) for (day,) in days} == {10}
    assert MOMENT.fullmatch(added)
    assert len(stored) > 10 and all(MOMENT.fullmatch(m) for row in stored for m in row)


MOMENT = re.compile(r"\d{4}-\d\d-\d\d \d\d:\d\d:\d\d\.\d{6}")  # UTC, as SQLAlchemy writes it


def test_the_quick_path_is_taken_and_imports_neither_typer_nor_the_orm(
    sqlite_crm: Crm, crm_home: Path
) -> None:
    acme_story(sqlite_crm)
    open_tasks = sqlite_crm.json("task", "list")
    assert isinstance(open_tasks, list)
    for argv in (
        ("log", "note", "dana", "--note", "quick"),
        ("log", "--in", "email", "sam", "--on", "2026-03-01", "--topic", "robots"),
        ("task", "done", str(open_tasks[0]["id"])),
        ("task", "skip", str(open_tasks[1]["id"])),
    ):
        modules = imported(*argv, home=crm_home)
        assert heavy(modules) == set() and "typer" not in modules and "rich" not in modules, argv
    undone = sqlite_crm("undo").stdout
    assert undone.startswith(f"Undid `crm task skip {open_tasks[1]['id']}`")


def test_the_shortcut_prints_what_typer_prints(
    migrated_file: Path, tmp_path: Path, crm_home: Path
) -> None:
    by_typer, by_shortcut = tmp_path / "typer.db", tmp_path / "shortcut.db"
    for database in (by_typer, by_shortcut):
        copy_database(migrated_file, database)
        acme_story(Crm(str(database)))
    for now, argv in WRITES:
        if argv == ["undo"]:
            continue
        typer = Crm(str(by_typer))(*argv, now=now)
        with pytest.MonkeyPatch.context() as patch:
            patch.setenv("CRM_NOW", now or "2026-03-02T09:00:00+00:00")
            fast = run_crm(crm_home, "--db", str(by_shortcut), *argv)
        assert (fast.returncode, fast.stdout, fast.stderr) == (0, typer.stdout, ""), argv
    assert rows(by_typer) == rows(by_shortcut)


@pytest.mark.parametrize(
    ("argv", "error"),
    [
        (["log", "note", "nobody"], "Error: no contact named 'nobody'"),
        (["log", "note", "dan whitfeld"], "did you mean Dana Whitfield (#1)?"),
        (["log", "thanks", "#99"], "Error: no contact with id #99"),
        (["log", "hug", "dana"], "Error: 'hug' is not a kind of touch"),
        (["log", "note", "dana"], "Error: 'dana' could be Dana Whitfield (#1), Dana Novak"),
        (["log", "note", "sam", "--on", "someday"], "Error: "),
        (["log", "note", "sam", "--on", "2026-03-09"], "Error: "),
        (["log", "note", "sam", "--topic", "robots"], "Error: a memo is for you alone"),
        (["log", "reply", "sam", "--note", "x" * 100_001], "Error: "),
        (["task", "done", "99"], "Error: no task with id #99"),
        (["task", "skip", "12x"], "Error: '12x' is not a task id"),
        (["task", "done", "99999999999"], "Error: no task with id #99999999999"),
    ],
)
def test_bad_input_fails_the_same_way_by_either_path_and_changes_nothing(
    sqlite_crm: Crm, crm_home: Path, argv: list[str], error: str
) -> None:
    acme_story(sqlite_crm)
    sqlite_crm("contact", "add", "Dana Novak")
    before = sqlite_crm.state()
    fast = run_crm(crm_home, *argv)
    typer = sqlite_crm(*argv, ok=False)
    assert (fast.returncode, fast.stdout, fast.stderr) == (typer.exit_code, "", typer.stderr)
    assert fast.returncode != 0 and fast.stderr.count("\n") == 1 and error in fast.stderr
    assert sqlite_crm.state() == before


def test_a_task_already_closed_says_when_by_either_path(sqlite_crm: Crm, crm_home: Path) -> None:
    acme_story(sqlite_crm)
    sqlite_crm("task", "done", "2")
    before = sqlite_crm.state()
    fast = run_crm(crm_home, "task", "skip", "2")
    assert (fast.returncode, fast.stderr) == (5, "Error: task #2 is already done (2026-03-02)\n")
    assert sqlite_crm("task", "skip", "2", ok=False).stderr == fast.stderr
    assert sqlite_crm.state() == before


def test_what_the_shortcut_does_not_take_goes_through_typer(
    sqlite_crm: Crm, crm_home: Path
) -> None:
    """A thank-you's text is checked through the session; --job, --file, a repeated option
    and --help are Typer's to read."""
    acme_story(sqlite_crm)
    note = crm_home / "note.txt"
    note.write_text("Thank you, Dana, for the interview.\n", encoding="utf-8")
    checked = run_crm(crm_home, "log", "thank-you", "dana", "--file", str(note))
    assert checked.returncode == 0 and "Warning:" in checked.stderr  # the six elements
    twice = run_crm(crm_home, "log", "note", "dana", "--note", "a", "--note", "b")
    assert twice.returncode == 0  # Click takes the last one
    assert sqlite_crm("contact", "show", "dana").stdout.count("note") >= 1
    assert run_crm(crm_home, "log", "--help").stdout.startswith("Usage: crm log")
    job = run_crm(crm_home, "log", "interview", "dana", "--job", "#1")
    assert job.returncode == 0, job.stderr


def test_a_calendar_feed_is_still_written_after_a_quick_record(
    sqlite_crm: Crm, crm_home: Path
) -> None:
    """The feed is written once the quick record is committed, as after any other write."""
    acme_story(sqlite_crm)
    feed = crm_home / "tasks.ics"
    (crm_home / "config.toml").write_text(f'[notify]\ncalendar_file = "{feed}"\n')
    assert run_crm(crm_home, "log", "note", "dana", "--note", "x").returncode == 0
    assert feed.read_bytes().count(b"BEGIN:VEVENT") == 4  # the story's open tasks
    assert b"Write about a shared interest" not in feed.read_bytes()
    assert run_crm(crm_home, "log", "thank-you", "dana").returncode == 0
    assert b"Write about a shared interest" in feed.read_bytes()  # the note after her thanks


def test_an_output_encoding_without_the_names_letters_escapes_them(
    sqlite_crm: Crm, crm_home: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """LANG=C or PYTHONIOENCODING=ascii: the record is kept and said, "é" escaped; no
    traceback after a committed write."""
    sqlite_crm("contact", "add", "José Müller")
    monkeypatch.setenv("PYTHONIOENCODING", "ascii")
    for number, argv in enumerate((["log", "call", "jose"], ["log", "call", "jose", "--in"])):
        done = run_crm(crm_home, *argv)
        assert (done.returncode, done.stderr) == (0, ""), argv
        assert done.stdout.startswith(f"Logged call {'from' if number else 'to'} Jos\\xe9 M\\xfc")
    said = run_crm(crm_home, "log", "note", "jose", "--note", "x").stdout
    assert said == "Logged note to Jos\\xe9 M\\xfcller on Mon 02 Mar 2026 (#3).\n"


def test_remind_by_the_shortcut_prints_and_plans_what_typer_does(
    migrated_file: Path, tmp_path: Path, crm_home: Path
) -> None:
    """`crm remind [--verbose]` skips Typer (crm/cli/shortcut.py): on a new day, after new
    settings, and with nothing new, the same report and the same rows either way."""
    by_typer, by_shortcut = tmp_path / "typer.db", tmp_path / "shortcut.db"
    for database in (by_typer, by_shortcut):
        copy_database(migrated_file, database)
        acme_story(Crm(str(database)))
    days = [
        ("2026-03-02T09:00:00+00:00", ["remind"]),  # the story's writes planned it: current
        ("2026-03-20T09:00:00+00:00", ["remind"]),  # a new day: the thank-yous expire
        ("2026-06-01T09:00:00+00:00", ["remind", "--verbose"]),
        ("2026-06-01T09:00:00+00:00", ["remind", "-v"]),
    ]
    reports = []
    for now, argv in days:
        typer = Crm(str(by_typer))(*argv, now=now)
        with pytest.MonkeyPatch.context() as patch:
            patch.setenv("CRM_NOW", now)
            fast = run_crm(crm_home, "--db", str(by_shortcut), *argv)
        assert (fast.returncode, fast.stdout, fast.stderr) == (0, typer.stdout, ""), argv
        reports.append(fast.stdout)
    assert reports[0] == reports[3] == "The plan is up to date: nothing new to do.\n"
    assert "expired" in reports[1]
    crm_home.mkdir(exist_ok=True)  # the databases are elsewhere: nothing else made it
    (crm_home / "config.toml").write_text("[plan]\nthank_you_expires_days = 200\n")
    typer = Crm(str(by_typer))("remind", now=days[-1][0])
    with pytest.MonkeyPatch.context() as patch:
        patch.setenv("CRM_NOW", days[-1][0])
        fast = run_crm(crm_home, "--db", str(by_shortcut), "remind")
    assert fast.stdout == typer.stdout and "reopened" in fast.stdout
    assert rows(by_typer) == rows(by_shortcut)


def test_remind_on_a_current_plan_loads_neither_typer_nor_the_plan(
    sqlite_crm: Crm, crm_home: Path
) -> None:
    """Cron runs `crm remind` every morning: on a plan already current it is a read."""
    acme_story(sqlite_crm)
    modules = imported("remind", home=crm_home)
    assert heavy(modules) == set() and "typer" not in modules and "rich" not in modules
    assert "crm.services.plan" not in modules
    assert "typer" in imported("remind", "--notify", home=crm_home)  # Typer's, as before
