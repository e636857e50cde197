"""Correcting what was recorded, command by command, with what the user sees."""

# ruff: noqa: E501  (a table of whole error lines reads best one a line)

from __future__ import annotations

from pathlib import Path

from tests.conftest import Crm
from tests.helpers import acme_story, lines


def test_log_and_the_timeline_show_touch_ids(crm: Crm) -> None:
    acme_story(crm)
    out = crm("log", "thank-you", "dana", "--note", "Thanked her for the panel").stdout
    assert lines(out)[0] == "Logged thank-you to Dana Whitfield on Mon 02 Mar 2026 (#1)."
    crm("log", "reply", "dana", "--note", "Happy to stay in touch")
    shown = lines(crm("contact", "show", "dana").stdout)
    timeline = shown[shown.index("Timeline") + 1 :]
    assert timeline == [
        "id  when                 kind       summary",
        "#2  2026-03-02 09:00  ←  reply      Happy to stay in touch",
        "#1  2026-03-02 09:00  →  thank-you  Thanked her for the panel",
    ]


def test_touch_edit_changes_day_kind_note_text_and_topic(crm: Crm, tmp_path: Path) -> None:
    acme_story(crm)
    crm("log", "call", "dana", "--note", "A quick call")
    out = crm("touch", "edit", "1", "--on", "2026-02-27", "--kind", "meeting", "--topic",
              "the robot arm demo").stdout  # fmt: skip
    assert lines(out)[0] == (
        "Updated touchpoint #1: meeting to Dana Whitfield on Fri 27 Feb 2026 (A quick call)."
    )
    (tmp_path / "minutes.txt").write_text("We met at the lab.\nShe showed the arm.\n")
    crm("touch", "edit", "#1", "--file", str(tmp_path / "minutes.txt"))
    [touch] = crm.json("contact", "show", "dana")["timeline"]  # type: ignore[index]
    assert touch == {
        "id": 1,
        "contact_id": 1,
        "kind": "meeting",
        "direction": "out",
        "when": "2026-02-27T12:00:00+00:00",
        "summary": "A quick call",  # typed by the user: a new text does not replace it
        "body": "We met at the lab.\nShe showed the arm.",
        "topic": "the robot arm demo",
    }
    crm("touch", "edit", "1", "--kind", "reply", "--topic", "")
    [touch] = crm.json("contact", "show", "dana")["timeline"]  # type: ignore[index]
    assert (touch["kind"], touch["direction"], touch["topic"]) == ("reply", "in", None)


def test_touch_edit_and_delete_refuse_bad_input_and_change_nothing(crm: Crm) -> None:
    acme_story(crm)
    crm("log", "thank-you", "dana")
    before = crm.state()
    for argv, status, message in [
        (["touch", "edit", "1"], 2, "nothing to change; give --on, --kind, --note, --file or --topic"),
        (["touch", "edit", "99", "--kind", "call"], 3, "no touchpoint with id #99; crm contact show NAME lists them"),
        (["touch", "edit", "x1", "--kind", "call"], 2, "'x1' is not a touchpoint id; ids look like 12 or #12 (crm contact show NAME)"),
        (["touch", "edit", "1", "--kind", "fax"], 2, "'fax' is not a kind of touch; use one of: thank-you reply email linkedin call meeting interview info-interview note"),
        (["touch", "edit", "1", "--on", "tomorrow"], 2, None),
        (["touch", "edit", "1", "--note", "a", "--file", "x.txt"], 2, "give --note or --file, not both"),
        (["touch", "delete", "1"], 2, "Delete touchpoint #1: thank-you to Dana Whitfield on Mon 02 Mar 2026: not done, nobody to ask; add --yes to do it without asking"),
        (["touch", "delete", "7", "--yes"], 3, "no touchpoint with id #7; crm contact show NAME lists them"),
    ]:  # fmt: skip
        result = crm(*argv, ok=False)
        assert result.exit_code == status, (argv, result.stderr)
        assert result.stderr.count("\n") == 1 and result.stderr.startswith("Error: "), argv
        if message is not None:
            assert result.stderr == f"Error: {message}\n", argv
    assert crm.state() == before


def test_deleting_a_touch_says_what_went_and_what_came_back(crm: Crm) -> None:
    acme_story(crm)
    crm("log", "thank-you", "dana")
    out = crm("touch", "delete", "1", "--yes").stdout
    assert lines(out) == [
        "Deleted touchpoint #1: thank-you to Dana Whitfield on Mon 02 Mar 2026.",
        "  ↺ #1 Send a thank-you note (Dana Whitfield) · reopened: 2 days late",
        "  - #5 Write about a shared interest (Dana Whitfield) · removed: its reason is gone",
    ]


def test_deleting_the_touch_a_task_done_logged_reopens_the_task(crm: Crm) -> None:
    acme_story(crm)
    crm("task", "done", "1")
    [touch] = crm.json("contact", "show", "dana")["timeline"]  # type: ignore[index]
    out = crm("touch", "delete", str(touch["id"]), "--yes").stdout
    assert "  ↺ #1 Send a thank-you note · open again" in lines(out)
    statuses = {t["id"]: t["status"] for t in crm.json("task", "list", "--all")}  # type: ignore[union-attr, index]
    assert statuses[1] == "open"


def test_task_edit_and_reopen(crm: Crm) -> None:
    acme_story(crm)
    out = crm("task", "edit", "1", "--title", "Thank Dana for the panel", "--due", "friday").stdout
    assert out == "Updated #1 Thank Dana for the panel (due Fri 06 Mar 2026).\n"
    crm("task", "skip", "3")
    assert crm("task", "reopen", "#3").stdout.startswith(
        "Reopened #3 Check their openings (day 30) (due Sun 29 Mar)."
    )
    again = crm("task", "reopen", "3", ok=False)
    assert (again.exit_code, again.stderr) == (
        5,
        "Error: task #3 is already open (due 2026-03-29)\n",
    )
    nothing = crm("task", "edit", "3", ok=False)
    assert nothing.stderr == "Error: nothing to change; give --title or --due\n"


def test_job_edit_by_employer_or_id(crm: Crm) -> None:
    acme_story(crm)
    out = crm("job", "edit", "acme", "--title", "Senior Data Analyst", "--rank", "1").stdout
    assert out.splitlines()[0] == "Updated job #1 'Senior Data Analyst'."
    crm("job", "edit", "#1", "--url", "https://acme.example/jobs/7", "--applied", "2026-01-12")
    [job] = crm.json("job", "list")  # type: ignore[misc]
    assert (job["title"], job["finalist_rank"], job["url"], job["applied_on"]) == (
        "Senior Data Analyst",
        1,
        "https://acme.example/jobs/7",
        "2026-01-12",
    )
    crm("job", "add", "acme", "--title", "BI Developer")
    # the employer's one job in progress is the one meant (#15's pipeline reads names so)
    assert crm("job", "edit", "acme", "--rank", "2").stdout.startswith("Updated job #2")
    crm("job", "add", "acme", "--title", "Data Engineer")
    several = crm("job", "edit", "acme", "--rank", "2", ok=False)
    assert several.exit_code == 4
    assert several.stderr == (
        "Error: Acme Robotics has several jobs: #2 'BI Developer' (applied), "
        "#3 'Data Engineer' (applied); add --title or use #ID\n"
    )
    assert crm("job", "edit", "#9", "--rank", "2", ok=False).exit_code == 3
    assert crm("job", "edit", "#1", "--rank", "0", ok=False).exit_code == 2


def test_contact_show_has_position_and_employment_history(crm: Crm) -> None:
    crm("contact", "add", "María González", "--employer", "Globex")
    crm("contact", "edit", "maria", "--position", "Director, Data")
    crm("contact", "edit", "maria", "--employer", "Umbrella Corp", "--position", "VP Data",
        "--since", "2026-03-01")  # fmt: skip
    shown = lines(crm("contact", "show", "maria").stdout)
    assert shown[:4] == [
        "María González (#1) · Umbrella Corp",
        "  stage     new",
        "  position  VP Data",
        "  worked    Director, Data at Globex → VP Data at Umbrella Corp since 1 Mar 2026",
    ]
    doc = crm.json("contact", "show", "maria")
    assert doc["position"] == "VP Data"  # type: ignore[index]
    assert doc["employment"] == [  # type: ignore[index]
        {"employer": "Globex", "employer_id": 1, "position": "Director, Data",
         "from": "2026-03-01", "until": "2026-03-01", "source": "edit"},
        {"employer": "Umbrella Corp", "employer_id": 2, "position": "VP Data",
         "from": "2026-03-01", "until": None, "source": "edit"},
    ]  # fmt: skip


def test_a_move_ends_the_place_an_import_saw_and_a_correction_fixes_the_recorded_one(
    crm: Crm, tmp_path: Path
) -> None:
    card = tmp_path / "jose.vcf"
    card.write_text("BEGIN:VCARD\r\nVERSION:3.0\r\nFN:José Ruiz\r\nORG:Initech\r\n"
                    "TITLE:Recruiter\r\nEND:VCARD\r\n")  # fmt: skip
    crm("import", "vcard", str(card), now="2026-03-01")
    crm("contact", "edit", "jose", "--employer", "Umbrella Corp", "--position", "Head Recruiter",
        "--since", "2026-04-02", now="2026-04-10")  # fmt: skip
    places = crm.json("contact", "show", "jose", now="2026-04-10")["employment"]  # type: ignore[index]
    assert [(p["employer"], p["from"], p["until"], p["source"]) for p in places] == [
        ("Initech", "2026-03-01", "2026-04-02", "vcard"),  # ended by the move, not left open
        ("Umbrella Corp", "2026-04-02", None, "edit"),
    ]
    # without --since an edit corrects the record: the place the move recorded says so too
    crm("contact", "edit", "jose", "--position", "Senior Recruiter", now="2026-04-11")
    shown = lines(crm("contact", "show", "jose", now="2026-04-11").stdout)
    assert shown[3:5] == [
        "  worked    Recruiter at Initech",
        "            → Senior Recruiter at Umbrella Corp since 2 Apr 2026",
    ]


def test_a_move_on_the_day_of_the_import_ends_what_the_import_saw(crm: Crm, tmp_path: Path) -> None:
    card = tmp_path / "dana.vcf"
    card.write_text("BEGIN:VCARD\r\nVERSION:3.0\r\nFN:Dana Park\r\nORG:Acme Robotics\r\n"
                    "TITLE:Data Lead\r\nEND:VCARD\r\n")  # fmt: skip
    crm("import", "vcard", str(card), now="2025-03-10")
    crm("contact", "edit", "dana", "--employer", "Umbrella", "--since", "2025-03-10",
        now="2025-03-10")  # fmt: skip
    places = crm.json("contact", "show", "dana", now="2025-03-10")["employment"]  # type: ignore[index]
    assert [(p["employer"], p["until"]) for p in places] == [
        ("Acme Robotics", "2025-03-10"),
        ("Umbrella", None),
    ]


def _at_a_terminal(argv: list[str], answer: str, home: Path) -> str:
    """Run crm with a terminal for stdin and stdout, type `answer`, return what it showed."""
    import os
    import pty
    import subprocess
    import sys

    main, child = pty.openpty()
    env = dict(os.environ, CRM_HOME=str(home))
    crm_bin = str(Path(sys.executable).parent / "crm")
    process = subprocess.Popen([crm_bin, *argv], stdin=child, stdout=child, stderr=child, env=env)
    os.close(child)
    shown = b""
    while b"[y/N]" not in shown:
        shown += os.read(main, 1024)
    os.write(main, answer.encode() + b"\n")
    while True:
        try:
            chunk = os.read(main, 1024)
        except OSError:  # the terminal closed with crm
            break
        if not chunk:
            break
        shown += chunk
    assert process.wait(timeout=30) == 0
    os.close(main)
    return shown.decode().replace("\r\n", "\n")


def test_delete_and_merge_ask_at_a_terminal(sqlite_crm: Crm, crm_home: Path) -> None:
    acme_story(sqlite_crm)
    sqlite_crm("log", "thank-you", "sam")
    before = sqlite_crm.state()
    shown = _at_a_terminal(["touch", "delete", "1"], "n", crm_home)
    assert "Delete touchpoint #1: thank-you to Sam Ortiz on Mon 02 Mar 2026? [y/N]" in shown
    assert shown.endswith("Nothing changed.\n")
    assert sqlite_crm.state() == before
    shown = _at_a_terminal(["touch", "delete", "1"], "y", crm_home)
    assert "Deleted touchpoint #1: thank-you to Sam Ortiz on Mon 02 Mar 2026." in shown
    assert sqlite_crm.json("contact", "show", "sam")["timeline"] == []  # type: ignore[index]
    shown = _at_a_terminal(["contact", "merge", "dana", "sam"], "y", crm_home)
    assert "Merge Sam Ortiz (#2) into Dana Whitfield (#1)? [y/N]" in shown
