"""`crm today`: the morning screen, exactly as printed, by Typer and by the shortcut alike."""

from __future__ import annotations

import os
import re
import subprocess
import sys
from pathlib import Path

from tests.conftest import Crm, replayed
from tests.helpers import acme_story, lines

STORY_SCREEN = [
    "Monday 02 March 2026",
    "",
    "Overdue",
    "#2  Send a thank-you note           Sam Ortiz · Acme Robotics     2 days late",
    "",
    "Next 7 days",
    "#6  Connect on LinkedIn             Dana Whitfield · Acme Robo…      tomorrow",
    "",
    "Done one? crm draft NAME · crm log thank-you NAME · crm log linkedin NAME",
    "          crm task skip ID",
]


@replayed
def story(crm: Crm) -> None:
    acme_story(crm)
    crm("log", "thank-you", "dana", "--on", "2026-02-28")
    crm("log", "reply", "dana", "--on", "2026-02-28")  # an answer: the advocate's plan starts


def test_the_screen_at_80_columns(crm: Crm) -> None:
    story(crm)
    assert lines(crm("today").stdout) == STORY_SCREEN


def test_the_json_document(crm: Crm) -> None:
    story(crm)
    assert crm.json("today") == {
        "date": "2026-03-02",
        "overdue": [
            {
                "id": 2,
                "kind": "thank_you",
                "title": "Send a thank-you note",
                "due": "2026-02-28",
                "status": "open",
                "contact": "Sam Ortiz",
                "employer": "Acme Robotics",
                "contact_id": 2,
                "employer_id": 1,
                "rule": "a thank-you note after a rejection",
                "created_at": "2026-03-02T09:00:00+00:00",
                "closed_at": None,
            }
        ],
        "today": [],
        "upcoming": [
            {
                "id": 6,
                "kind": "linkedin_connect",
                "title": "Connect on LinkedIn",
                "due": "2026-03-03",
                "status": "open",
                "contact": "Dana Whitfield",
                "employer": "Acme Robotics",
                "contact_id": 1,
                "employer_id": 1,
                "rule": "connect: they answered",
                "created_at": "2026-03-02T09:00:00+00:00",
                "closed_at": None,
            }
        ],
    }
    # one shape for a task, whichever command prints it
    listed = {t["id"]: t for t in crm.json("task", "list")}  # type: ignore[union-attr]
    agenda = crm.json("today")
    assert isinstance(agenda, dict)
    assert all(t == listed[t["id"]] for part in ("overdue", "upcoming") for t in agenda[part])


def test_a_new_database_explains_the_first_steps(crm: Crm) -> None:
    out = lines(crm("today").stdout)
    assert out[0] == "Monday 02 March 2026"
    assert (
        out[1] == "Nothing to follow up yet. crm keeps your follow-ups once it knows whom you met:"
    )
    assert [line.split()[:3] for line in out[2:5]] == [
        ["crm", "job", "add"],
        ["crm", "contact", "add"],
        ["crm", "job", "reject"],
    ]


def test_a_quiet_week_says_what_comes_next(crm: Crm) -> None:
    story(crm)
    for task_id in ("2", "6"):
        crm("task", "skip", task_id)
    assert lines(crm("today").stdout)[1:] == [
        "Nothing due today or in the next 7 days.",
        "Next: Ask for an informational interview (Dana Whitfield), Sat 21 Mar.",
        "When something happens, log it: crm log reply NAME, crm log call NAME ...",
    ]


def test_long_sections_are_cut_with_a_count(crm: Crm) -> None:
    for n in range(25):
        crm("task", "add", f"Chore {n}", "--due", "yesterday")
    out = lines(crm("today").stdout)
    assert out[3].startswith("#1   Chore 0 ")
    assert out[3 + 20] == "… and 5 more: crm task list"


def run_crm(home: Path, *args: str) -> subprocess.CompletedProcess[str]:
    env = dict(os.environ, CRM_HOME=str(home))
    return subprocess.run(
        [sys.executable, "-m", "crm", *args], env=env, capture_output=True, text=True
    )


SHORTCUTS = (
    ["today"],
    ["today", "--json"],
    ["today", "--brief"],
    ["task", "list"],
    ["task", "list", "--all"],
    ["task", "list", "--json", "--all"],
    ["contact", "show", "dana"],
    ["contact", "show", "#2", "--json"],
    ["contact", "show", "--json", "Sam Ortiz"],
)


def test_the_shortcut_prints_what_typer_prints(sqlite_crm: Crm, crm_home: Path) -> None:
    """`crm today` and `crm task list` in their plain forms skip Typer (crm/cli/shortcut.py);
    the in-process runner goes through Typer: the same bytes either way."""
    story(sqlite_crm)  # closed tasks among the open ones, for `--all`
    for args in SHORTCUTS:
        fast = run_crm(crm_home, *args)
        assert fast.returncode == 0 and fast.stderr == ""
        assert fast.stdout == sqlite_crm(*args).stdout, args
    by_path = run_crm(crm_home, "--db", str(crm_home / "crm.db"), "task", "list")
    assert by_path.stdout == sqlite_crm("task", "list").stdout
    fast, typer = crm_home / "fast.ics", crm_home / "typer.ics"
    shown = run_crm(crm_home, "calendar", str(fast)).stdout
    assert shown.replace("fast.ics", "typer.ics") == sqlite_crm("calendar", str(typer)).stdout
    stamp = re.compile(rb"DTSTAMP:\d{8}T\d{6}Z\r\n")  # the moment each was written
    assert stamp.sub(b"", fast.read_bytes()) == stamp.sub(b"", typer.read_bytes())
    assert fast.read_bytes().count(b"BEGIN:VEVENT") == 6  # the story's open tasks


def test_the_shortcut_reports_errors_in_one_line(tmp_path: Path, crm_home: Path) -> None:
    done = run_crm(crm_home, "--db", str(tmp_path), "today")
    assert done.returncode == 1
    assert done.stderr == f"Error: {tmp_path} is a folder, not a database file\n"


def test_contact_show_fails_the_same_way_by_either_path(sqlite_crm: Crm, crm_home: Path) -> None:
    """An unknown, a mistyped, an ambiguous name and a bad id: one line, the same status."""
    story(sqlite_crm)
    sqlite_crm("contact", "add", "Dana Novak")
    for name in ("nobody", "dan whitfeld", "dana", "#x", "#99"):
        fast = run_crm(crm_home, "contact", "show", name)
        typer = sqlite_crm("contact", "show", name, ok=False)
        assert (fast.returncode, fast.stdout, fast.stderr) == (
            typer.exit_code,
            "",
            typer.stderr,
        ), name
        assert fast.returncode != 0 and fast.stderr.count("\n") == 1, name
    typo = run_crm(crm_home, "contact", "show", "dan whitfeld")
    assert "did you mean Dana Whitfield (#1)" in typo.stderr


def test_contact_show_brings_the_plan_up_to_date_first(crm: Crm, crm_home: Path) -> None:
    """The open tasks `contact show` lists are those `task list` lists, even when nothing has
    run the plan since the settings changed (the lean path is taken only on a current plan)."""
    story(crm)
    crm("employer", "add", "Globex")
    crm("contact", "edit", "dana", "--employer", "Globex", "--since", "2026-03-01")
    listed = [t for t in crm.json("task", "list") if t["contact_id"] == 1]  # type: ignore[index, union-attr]
    assert crm.json("contact", "show", "dana")["open_tasks"] == listed  # the same items
    assert {t["employer"] for t in listed} == {"Acme Robotics"}  # the process she was met in
    before = crm.json("contact", "show", "sam")["open_tasks"]  # type: ignore[index]
    assert [t["due"] for t in before] == ["2026-02-28"]  # type: ignore[index]
    crm_home.mkdir(exist_ok=True)  # on PostgreSQL nothing else made it
    (crm_home / "config.toml").write_text("[plan]\nthank_you_expires_days = 1\n")
    assert crm.json("contact", "show", "sam")["open_tasks"] == []  # type: ignore[index]
    assert [t["status"] for t in crm.json("task", "list", "--all") if t["contact_id"] == 2] == [  # type: ignore[index, union-attr]
        "expired"
    ]


def on_a_terminal(home: Path, **env: str) -> str:
    """What `crm today` writes when its output is a terminal (a pseudo-terminal here)."""
    import pty

    leader, follower = pty.openpty()
    environment = {k: v for k, v in os.environ.items() if k != "NO_COLOR"}
    environment.update(CRM_HOME=str(home), TERM="xterm", **env)
    done = subprocess.run(
        [sys.executable, "-m", "crm", "today"],
        env=environment,
        stdout=follower,
        stderr=subprocess.PIPE,
        text=True,
    )
    os.close(follower)
    assert done.returncode == 0, done.stderr
    chunks = []
    while True:
        try:
            chunk = os.read(leader, 65536)
        except OSError:
            break
        if not chunk:
            break
        chunks.append(chunk)
    os.close(leader)
    return b"".join(chunks).decode()


def test_colour_only_on_a_terminal_and_never_under_no_color(
    sqlite_crm: Crm, crm_home: Path
) -> None:
    story(sqlite_crm)
    assert "\x1b[" not in run_crm(crm_home, "today").stdout
    assert "\x1b[31m 2 days late\x1b[0m" in on_a_terminal(crm_home)
    assert "\x1b[" not in on_a_terminal(crm_home, NO_COLOR="1")


def test_task_list_one_line_a_task(crm: Crm) -> None:
    story(crm)
    assert lines(crm("task", "list").stdout) == [
        "id  to do                           who                                   due",
        "#2  Send a thank-you note           Sam Ortiz · Acme Robotics     2 days late",
        "#6  Connect on LinkedIn             Dana Whitfield · Acme Robo…      tomorrow",
        "#7  Ask for an informational inte…  Dana Whitfield · Acme Robo…    Sat 21 Mar",
        "#5  Write about a shared interest   Dana Whitfield · Acme Robo…    Sat 28 Mar",
        "#3  Check their openings (day 30)   Acme Robotics                  Sun 29 Mar",
        "#4  Check their openings (day 90)   Acme Robotics                  Thu 28 May",
    ]
    every = lines(crm("task", "list", "--all").stdout)
    assert every[0].endswith("due  status")
    assert (
        every[1] == "#1  Send a thank-you note       Dana Whitfield · Acme R…   28 Feb 2026  done"
    )
    doc = crm.json("task", "list", "--all")
    assert isinstance(doc, list) and [t["status"] for t in doc][:2] == ["done", "open"]
    assert doc[0]["closed_at"] == "2026-03-02T09:00:00+00:00"


def test_a_reader_that_goes_early_gets_the_same_status_from_either_path(
    sqlite_crm: Crm, crm_home: Path
) -> None:
    """`crm task list --json | head -1`: quiet, and the same exit status whether the shortcut
    or Typer ran it (a pipeline under `set -o pipefail` must not depend on which)."""
    import sqlite3

    sqlite_crm("task", "add", "First")
    with sqlite3.connect(crm_home / "crm.db") as database:  # enough to overflow a pipe's buffer
        database.executemany(
            "INSERT INTO task (kind, title, due, status, created_at) "
            "VALUES ('custom', ?, '2026-03-09', 'open', '2026-03-02 09:00:00.000000')",
            [(f"Chore {n} " + "x" * 60,) for n in range(3000)],
        )
    statuses = []
    for args in (["task", "list", "--json"], ["task", "list", "--json", "--json"]):
        env = dict(os.environ, CRM_HOME=str(crm_home))
        process = subprocess.Popen(
            [sys.executable, "-m", "crm", *args],
            env=env,
            stdout=subprocess.PIPE,
            stderr=subprocess.PIPE,
        )
        assert process.stdout is not None and process.stderr is not None
        process.stdout.readline()
        process.stdout.close()  # the reader goes
        statuses.append((process.wait(60), process.stderr.read()))
    assert statuses == [(1, b""), (1, b"")]
