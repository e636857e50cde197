"""Hostile text, secrets in URLs, extreme dates and the small things of issue #18.

Control characters are kept in the data (an export gives them back) and shown as escapes on
every output path; credentials of a database URL never reach any output; dates outside
1900-01-01..9000-12-31 are refused where they come in, and nothing inside that range crashes.
"""

from __future__ import annotations

import json
import os
import signal
import stat
import subprocess
import sys
import time
from pathlib import Path

import pytest

from tests.conftest import NO_POSTGRES, POSTGRES_URL, Crm, replayed
from tests.helpers import acme_story

ESCAPES = "\x1b[2J\x1b[31m"  # clear the screen, then red
EVE = f"Eve{ESCAPES}RED"
LINK = "Pay \x1b]8;;http://evil.example\x1b\\invoice"  # an OSC 8 hyperlink, hidden
C1 = "Bad\x9bCo"  # 0x9b: a one-byte CSI on some terminals


def no_raw_controls(text: str) -> None:
    raw = [c for c in text if (ord(c) < 32 and c not in "\n") or 0x7F <= ord(c) <= 0x9F]
    assert raw == [], (raw, text)


@replayed
def hostile_story(crm: Crm) -> None:
    acme_story(crm)
    crm("contact", "add", EVE, "--employer", C1, "--notes", f"line one\n{ESCAPES}line two")
    crm("task", "add", LINK, "--contact", "eve")
    crm("log", "note", "eve", "--note", f"said {ESCAPES}hello")


SCREENS = [
    ["today"],
    ["task", "list"],
    ["task", "list", "--all"],
    ["contact", "list"],
    ["contact", "show", "eve"],
    ["employer", "list"],
    ["employer", "show", "bad"],
    ["job", "list"],
    ["review"],
    ["draft", "eve", "--yes", "--json"],
]


@pytest.mark.parametrize("argv", SCREENS, ids=[" ".join(a) for a in SCREENS])
def test_control_characters_never_reach_the_terminal(crm: Crm, argv: list[str]) -> None:
    hostile_story(crm)
    result = crm(*argv)
    no_raw_controls(result.stdout + result.stderr)


def test_they_are_shown_as_escapes_even_in_a_cut_cell(crm: Crm) -> None:
    hostile_story(crm)
    listed = crm("contact", "list").stdout
    assert "Eve\\x1b[2J\\x1b[31mRED" in listed and "Bad\\x9bCo" in listed
    today = crm("today").stdout
    assert "Pay \\x1b]8;;http://ev" in today and "…" in today  # cut after escaping
    shown = crm("contact", "show", "eve").stdout
    assert "line one\n" in shown and "\\x1b[2J\\x1b[31mline two" in shown


def test_what_the_plan_made_is_shown_with_them_escaped(crm: Crm) -> None:
    """Found by the long fuzzing run: a contact added where a rejection waits for thank-yous
    printed the new task's line ("+ #10 Send a thank-you note (NAME)") with the name raw."""
    acme_story(crm)
    added = crm("contact", "add", EVE, "--employer", "acme")
    assert "Send a thank-you note (Eve\\x1b[2J\\x1b[31mRED)" in added.stdout
    no_raw_controls(added.stdout + added.stderr)
    logged = crm("log", "thank-you", "eve")  # the task it closed, on its line too
    no_raw_controls(logged.stdout + logged.stderr)


def test_errors_and_hints_show_them_as_escapes_too(crm: Crm) -> None:
    hostile_story(crm)
    result = crm("contact", "show", f"nobody{ESCAPES}", ok=False)
    assert result.stderr.startswith("Error: no contact named 'nobody\\x1b[2J\\x1b[31m'")
    no_raw_controls(result.stderr)
    result = crm("job", "reject", f"New{ESCAPES}Co", ok=False)
    no_raw_controls(result.stderr)


def test_the_data_keeps_them_and_json_escapes_them(crm: Crm, tmp_path: Path) -> None:
    hostile_story(crm)
    raw = crm("contact", "list", "--json").stdout
    assert "\\u009b" in raw and "\x9b" not in raw  # JSON escapes C1 controls as well
    people = json.loads(raw)
    assert {p["name"] for p in people} >= {EVE}  # type: ignore[union-attr]
    exported = crm("export").stdout
    restored = Crm(str(tmp_path / "restored.db"))
    (tmp_path / "export.json").write_text(exported, encoding="utf-8")
    restored("import", "json", str(tmp_path / "export.json"))
    assert restored("export").stdout == exported  # byte for byte: nothing was lost


def test_a_linkedin_row_with_escapes_prints_escaped(crm: Crm, tmp_path: Path) -> None:
    csv = tmp_path / "Connections.csv"
    csv.write_text(
        "First Name,Last Name,URL,Email Address,Company,Position,Connected On\n"
        f"Eve{ESCAPES},RED,https://www.linkedin.com/in/eve,,Acme,Boss,12 Mar 2024\n",
        encoding="utf-8",
    )
    result = crm("import", "linkedin", str(csv))
    no_raw_controls(result.stdout)
    no_raw_controls(crm("contact", "list").stdout)


# --- secrets --------------------------------------------------------------------------------

SECRET = "S3cretPW"
# what no output may hold: the password, and the pieces a misreading would show
PIECES = ["S3cret", "cretPW", "S3cr", "tPW", "S3cr@t"]
# every form SQLAlchemy and psycopg accept a credential in; port 9 has no server
FORMS = {
    "user:password": f"postgresql+psycopg://u:{SECRET}@127.0.0.1:9/crm",
    "password in the query": f"postgresql+psycopg://u@127.0.0.1:9/crm?password={SECRET}",
    "an unencoded @": "postgresql+psycopg://u:S3cr@tPW@127.0.0.1:9/crm",
    "an encoded @": "postgresql+psycopg://u:S3cr%40tPW@127.0.0.1:9/crm",
    "no user": f"postgresql+psycopg://:{SECRET}@127.0.0.1:9/crm",
    "sslpassword": f"postgresql+psycopg://u@127.0.0.1:9/crm?sslmode=disable&sslpassword={SECRET}",
    "a bad port": f"postgresql+psycopg://u:{SECRET}@127.0.0.1:notaport/crm",
    "a broken IPv6 host": f"postgresql+psycopg://u:{SECRET}@[::1/x",
    "a socket folder": f"postgresql+psycopg://u:{SECRET}@/crm?host=/nonexistent",
    "no driver": f"nosuchdb://u:{SECRET}@h/crm",
    # found by the fuzzer: SQLAlchemy reads "&tPW" as the host, and the driver names it
    "an @ and an & in the query's password": "postgresql+psycopg://u@127.0.0.1:9?password=S3cr@&tPW",
    # an @ in the user, a / in the password and no path: the last @ ends the user part
    "an @ in the user, a / in the password": "postgresql+psycopg://p@ss:S3cr/tPW@127.0.0.1:9",
    # an unencoded & before something like a parameter, then the real one
    "a & in both passwords": "postgresql+psycopg://u:S3cr&x=tPW@127.0.0.1:9?passfile=S3cr&x=tPW",
}
PRINTING = [
    ["today"],
    ["today", "--json"],
    ["config"],
    ["config", "--json"],
    ["db", "current"],
    ["db", "upgrade"],
    ["backup"],
    ["daemon", "--every", "1"],
    ["contact", "list"],
    ["export"],
]


def secrets_in(text: str) -> list[str]:
    return [piece for piece in PIECES if piece in text]


@pytest.mark.parametrize("form", list(FORMS))
def test_no_credential_form_is_ever_printed(form: str, crm_home: Path) -> None:
    url = FORMS[form]
    for argv in PRINTING:
        for how in ("--db", "CRM_DATABASE", "config.toml"):
            crm_home.mkdir(exist_ok=True)
            config = crm_home / "config.toml"
            config.unlink(missing_ok=True)
            if how == "config.toml":
                config.write_text(f"database = {json.dumps(url)}\n")
            runner = Crm(url if how == "--db" else None, home=crm_home)
            env = {"CRM_DATABASE": url} if how == "CRM_DATABASE" else {}
            raw = runner.runner.invoke(
                __import__("crm.cli.app", fromlist=["app"]).app,
                (["--db", url] if how == "--db" else []) + argv,
                env=env,
            )
            shown = raw.stdout + raw.stderr
            assert raw.exception is None or isinstance(raw.exception, SystemExit), shown
            assert "Traceback" not in shown
            assert secrets_in(shown) == [], (argv, how, shown)


@pytest.mark.slow
def test_the_fast_today_and_the_daemon_log_mask_them(crm_home: Path) -> None:
    if not POSTGRES_URL:
        pytest.skip(NO_POSTGRES)
    from tests.conftest import postgres_database

    with postgres_database() as base:
        # the server trusts local connections: these credentials are ignored, and printed never
        user, _, rest = base.partition("@")
        for url in (f"{base}?password={SECRET}", f"{user}:S3cr%40tPW@{rest}"):
            env = dict(os.environ, CRM_HOME=str(crm_home))
            fast = subprocess.run(
                [sys.executable, "-m", "crm", "--db", url, "today"],
                capture_output=True,
                text=True,
                env=env,
            )
            assert fast.returncode == 0 and secrets_in(fast.stdout + fast.stderr) == []
            daemon = subprocess.Popen(
                [sys.executable, "-m", "crm", "--db", url, "daemon", "--every", "1"],
                stdout=subprocess.PIPE,
                stderr=subprocess.PIPE,
                text=True,
                env=env,
            )
            time.sleep(6)
            daemon.send_signal(signal.SIGTERM)
            out, err = daemon.communicate(timeout=60)
            assert "started on postgresql+psycopg://" in err, err
            assert secrets_in(out + err) == [], err


# --- extreme dates --------------------------------------------------------------------------


@pytest.mark.parametrize("now", ["9000-12-31", "9000-12-31T23:59:59+00:00", "1900-01-01"])
def test_nothing_crashes_at_the_ends_of_the_range(crm: Crm, now: str) -> None:
    acme_story(crm)
    Path(os.environ["CRM_HOME"]).mkdir(exist_ok=True)
    for argv in (
        ["today"],
        ["review"],
        ["remind"],
        ["contact", "add", "Far Away", "--employer", "Acme"],
        ["task", "list"],
        ["calendar", str(Path(os.environ["CRM_HOME"]) / "crm.ics")],
    ):
        crm(*argv, now=now)
    for due in ("eow", "monday", "eom", "+1y"):
        result = crm("task", "add", "Far", "--due", due, now=now, ok=False)
        assert result.exit_code in (0, 2), result
        if result.exit_code == 2:
            assert result.stderr.endswith("crm takes dates from 1900-01-01 to 9000-12-31\n")


@pytest.mark.parametrize(
    "now", ["9999-12-28", "9999-12-31T23:00:00-12:00", "0001-01-01", "0001-01-02", "1899-12-31"]
)
def test_crm_now_outside_the_range_is_refused_in_one_line(crm: Crm, now: str) -> None:
    acme_story(crm)
    for argv in (["today"], ["review"], ["contact", "add", "Zed"]):
        result = crm(*argv, now=now, ok=False)
        assert result.exit_code == 2
        assert result.stderr.startswith("Error: CRM_NOW is ")
        assert result.stderr.endswith("; crm takes dates from 1900-01-01 to 9000-12-31\n")


@pytest.mark.parametrize("typed", ["9999-12-31", "0001-01-01", "9001-01-01", "+7000y", "-200y"])
def test_dates_outside_the_range_are_refused_at_input(crm: Crm, typed: str) -> None:
    acme_story(crm)
    before = crm.state()
    for argv in (
        ["task", "add", "Far", "--due", typed],
        ["task", "snooze", "1", "--until", typed],
        ["log", "note", "dana", "--on", typed],
        ["job", "add", "acme", "--title", "X", "--applied", typed],
    ):
        result = crm(*argv, ok=False)
        assert result.exit_code == 2, result
        assert "crm takes dates from 1900-01-01 to 9000-12-31" in result.stderr
        assert result.stderr.count("\n") == 1
    assert crm.state() == before


def test_a_stored_task_due_on_the_calendars_last_day_does_not_break_the_feed(
    sqlite_crm: Crm, crm_home: Path
) -> None:
    """An older crm could store one: `crm calendar` used to raise OverflowError."""
    import sqlite3
    from contextlib import closing

    acme_story(sqlite_crm)
    with closing(sqlite3.connect(crm_home / "crm.db")) as db, db:
        db.execute("UPDATE task SET due = '9999-12-31' WHERE id = 1")
    sqlite_crm("calendar", str(crm_home / "crm.ics"))
    assert "DTSTART;VALUE=DATE:99991231" in (crm_home / "crm.ics").read_text()


def test_a_huge_daemon_interval_is_a_usage_error(crm: Crm) -> None:
    result = crm("daemon", "--every", "99999999999999999999", ok=False)
    assert result.exit_code == 2 and "Traceback" not in result.stderr


# --- the small ones -------------------------------------------------------------------------


def test_far_late_and_next_year_dates_read_as_a_person_says_them(crm: Crm) -> None:
    acme_story(crm)
    crm("task", "add", "Old", "--due", "1900-01-01")
    crm("task", "add", "Months", "--due", "2025-06-01")
    listed = crm("task", "list").stdout
    assert "126 yrs late" in listed and "9 mo late" in listed
    assert "days late" not in listed.split("Old")[1].splitlines()[0]
    result = crm("task", "snooze", "1", "--until", "9000-12-31")
    assert result.stdout.startswith("Snoozed #1 Send a thank-you note until Wed 31 Dec 9000.")


@pytest.mark.parametrize("typed", ["２０２６-03-04", "+٣d", "2026-03-0٤"])
def test_non_ascii_digits_are_no_date_as_they_are_no_id(crm: Crm, typed: str) -> None:
    acme_story(crm)
    result = crm("task", "add", "X", "--due", typed, ok=False)
    assert result.exit_code == 2 and "is not a date" in result.stderr
    result = crm("task", "done", "١", ok=False)
    assert result.exit_code == 2 and "is not a task id" in result.stderr


@pytest.mark.parametrize(
    "email",
    [
        "x?cc=boss@acme.example",
        "dana@acme.example\nBcc: all@acme.example",
        "dana@acme.example\r\nBcc: all@acme.example",
        "dana @acme.example",
        "dana@@acme.example",
        "dana@acme@example",
        "dana",
        "@acme.example",
        "dana@",
        "a@b.example,c@d.example",
        "dana\x1b[2J@acme.example",
    ],
)
def test_an_email_address_is_one_address(crm: Crm, email: str) -> None:
    acme_story(crm)
    before = crm.state()
    for argv in (
        ["contact", "add", "Zed", "--email", email],
        ["contact", "edit", "dana", "--email", email],
    ):
        result = crm(*argv, ok=False)
        assert result.exit_code == 2, result
        assert result.stderr.startswith("Error: an email address ")
        assert result.stderr.count("\n") == 1
    assert crm.state() == before


def test_hint_commands_quote_names_for_the_shell(crm: Crm) -> None:
    acme_story(crm)
    crm("contact", "add", "Bob $(touch PWNED)")
    shown = crm("contact", "show", "bob").stdout
    assert "crm log thank-you 'Bob $(touch PWNED)'" in shown
    result = crm("job", "reject", "Evil $(touch PWNED) Inc", ok=False)
    assert "crm job reject 'Evil $(touch PWNED) Inc' --title TITLE" in result.stderr


def test_folders_crm_creates_are_0700_under_umask_000(tmp_path: Path, monkeypatch) -> None:  # type: ignore[no-untyped-def]
    home = tmp_path / "home"
    home.mkdir(mode=0o755)
    monkeypatch.delenv("CRM_HOME")
    monkeypatch.setenv("XDG_DATA_HOME", str(home / ".local" / "share"))
    monkeypatch.setenv("XDG_CONFIG_HOME", str(home / ".config"))
    old = os.umask(0)
    try:
        Crm()("contact", "list")
    finally:
        os.umask(old)
    for folder in (home / ".local", home / ".local" / "share", home / ".local" / "share" / "crm"):
        assert stat.S_IMODE(folder.stat().st_mode) == 0o700, folder
    assert stat.S_IMODE(home.stat().st_mode) == 0o755  # one that was there: left alone
