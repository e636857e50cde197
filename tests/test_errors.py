"""Every error a user can cause: one line on stderr, a documented exit status, no traceback,
and the database byte-for-byte as it was."""

from pathlib import Path

import pytest

from tests.conftest import Crm, Result, replayed
from tests.helpers import acme_story, fingerprint

CASES = [
    # (what the user typed, exit status, words the one line must contain)
    (["log", "reply", "Zed Nobody"], 3, "no contact named 'Zed Nobody'"),
    (["log", "reply", "dana whitfeld"], 3, "did you mean Dana Whitfield (#1)?"),
    (["log", "reply", "alex"], 4, "could be Alex Kim (#4), Alex Kim (#5)"),
    (
        ["log", "reply", "alex kim"],
        4,
        "2 contacts are named 'alex kim': Alex Kim (#4), Alex Kim (#5); use #ID",
    ),
    (["log", "reply", "#99"], 3, "no contact with id #99"),
    (["log", "reply", "#x1"], 2, "'#x1' is not an id"),
    (["log", "reply", "dana", "--on", "next tuesday"], 2, "'next tuesday' is not a date"),
    (["log", "reply", "dana", "--on", "2026-02-30"], 2, "'2026-02-30' is not a date"),
    (["log", "wave", "dana"], 2, "'wave' is not a kind of touch"),
    (["log", "thank-you", "dana", "--file", "/nonexistent/note.txt"], 2, "no such file"),
    (
        ["log", "thank-you", "dana", "--note", "x", "--file", "y"],
        2,
        "give --note or --file, not both",
    ),
    (
        ["employer", "add", "ACME robotics"],
        5,
        "there is already an employer named 'Acme Robotics' (#1)",
    ),
    (["employer", "add", "  "], 2, "an employer needs a name"),
    (["employer", "show", "Initech"], 3, "no employer named 'Initech'"),
    (
        ["contact", "add", "Pat", "--employer", "Acme Robotix"],
        3,
        "did you mean Acme Robotics (#1)?",
    ),
    (["contact", "add", "Pat", "--role", "boss"], 2, "'boss' is not a role"),
    (
        ["contact", "add", "alex  KIM", "--employer", "acme robotics"],
        5,
        "there is already a contact named Alex Kim at Acme Robotics (#4, archived); "
        "a namesake needs a name that tells them apart",
    ),
    (["contact", "add", "Alex Kim"], 5, "already a contact named Alex Kim with no employer (#5)"),
    (["contact", "edit", "#5", "--employer", "acme"], 5, "named Alex Kim at Acme Robotics (#4"),
    (
        ["contact", "edit", "dana", "--name", "SAM ortiz"],
        5,
        "named Sam Ortiz at Acme Robotics (#2)",
    ),
    (["contact", "archive", "#4"], 5, "Alex Kim (#4) is already archived"),
    (
        ["job", "reject", "acme"],
        5,
        "Acme Robotics has no open job: 'Data Analyst' was already rejected on 2026-02-27; "
        "another: crm job reject 'Acme Robotics' --title TITLE",
    ),
    (["job", "reject", "acme", "--title", "Data Analyst"], 5, "was already rejected on 2026-02-27"),
    (["job", "reject", "acme", "--title", "X", "--rank", "0"], 2, "--rank is your place"),
    (["job", "add", "acme", "--title", "X", "--applied", "someday"], 2, "'someday' is not a date"),
]


@replayed
def story_with_twins(crm: Crm) -> None:
    acme_story(crm)
    crm("contact", "add", "Alex Kim", "--employer", "acme")
    crm("contact", "add", "Alex Kim")
    crm("contact", "archive", "#4")


def check_one_clean_line(result, words: str) -> None:  # type: ignore[no-untyped-def]
    assert result.stdout == ""
    assert result.stderr.count("\n") == 1, result.stderr
    assert result.stderr.startswith("Error: ")
    assert words in result.stderr
    assert "Traceback" not in result.stderr


@pytest.mark.parametrize(("argv", "status", "words"), CASES, ids=[" ".join(c[0]) for c in CASES])
def test_bad_input_changes_nothing(
    crm: Crm, crm_home: Path, argv: list[str], status: int, words: str
) -> None:
    story_with_twins(crm)
    before = crm.state()
    result = crm(*argv, ok=False)
    assert result.exit_code == status, result.stderr
    check_one_clean_line(result, words)
    assert crm.state() == before


def test_task_errors(crm: Crm, crm_home: Path) -> None:
    acme_story(crm)
    crm("task", "done", "1")
    before = crm.state()
    for argv, status, words in [
        (["task", "done", "1"], 5, "task #1 is already done (2026-03-02)"),
        (["task", "skip", "#1"], 5, "task #1 is already done"),
        (["task", "done", "404"], 3, "no task with id #404"),
        (["task", "done", "one"], 2, "'one' is not a task id"),
        (["task", "snooze", "2", "--until", "yesterday"], 2, "snoozing moves a task later"),
        (["task", "add", "Call", "--contact", "nobody"], 3, "no contact named 'nobody'"),
    ]:
        result = crm(*argv, ok=False)
        assert result.exit_code == status, (argv, result.stderr)
        check_one_clean_line(result, words)
    assert crm.state() == before


def test_a_database_that_is_a_folder(tmp_path: Path) -> None:
    result = Crm(str(tmp_path))("contact", "list", ok=False)
    assert result.exit_code == 1
    check_one_clean_line(result, f"{tmp_path} is a folder, not a database file")


def test_a_database_where_nothing_can_be_written(tmp_path: Path) -> None:
    result = Crm("/proc/crm.db")("contact", "list", ok=False)  # not even root can create it
    assert result.exit_code == 1
    check_one_clean_line(result, "cannot create /proc/crm.db")


def test_a_database_in_a_folder_that_does_not_exist(tmp_path: Path) -> None:
    result = Crm(str(tmp_path / "no" / "crm.db"))("contact", "list", ok=False)
    check_one_clean_line(result, "the folder")
    assert not (tmp_path / "no").exists()


def test_a_file_that_is_not_a_database(tmp_path: Path) -> None:
    notes = tmp_path / "notes.txt"
    notes.write_text("my notes, not a database\n" * 100)
    before = fingerprint(notes)
    result = Crm(str(notes))("contact", "list", ok=False)
    assert result.exit_code == 1
    check_one_clean_line(result, "file is not a database")
    assert fingerprint(notes) == before


def test_a_database_server_that_is_not_there() -> None:
    url = "postgresql+psycopg://crm:s3cret@127.0.0.1:9/crm"
    result = Crm(url)("contact", "list", ok=False)
    assert result.exit_code == 1
    check_one_clean_line(
        result, "cannot use the database postgresql+psycopg://crm:***@127.0.0.1:9/crm"
    )
    assert "s3cret" not in result.stderr


def test_usage_errors_exit_2_without_traceback(crm: Crm) -> None:
    result = crm("contact", "add", ok=False)
    assert result.exit_code == 2
    assert "Missing argument 'NAME'" in result.stderr and "Traceback" not in result.stderr


def test_db_current_on_a_server_that_is_not_there() -> None:
    result = Crm("postgresql+psycopg://crm:s3cret@127.0.0.1:9/crm")("db", "current", ok=False)
    assert result.exit_code == 1
    assert result.stdout.startswith("database  postgresql+psycopg://crm:***@127.0.0.1:9/crm")
    check_one_clean_line(Result(1, "", result.stderr), "cannot use the database")
    assert "s3cret" not in result.stdout + result.stderr
