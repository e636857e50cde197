"""The record-keeping commands through the CLI, with the exact output a user sees at 80 columns."""

import pytest

from tests.conftest import Crm
from tests.helpers import acme_story, lines


def test_adding_an_employer_contacts_and_a_job(crm: Crm) -> None:
    assert lines(crm("employer", "add", "Acme Robotics").stdout) == [
        "Added employer Acme Robotics (#1)."
    ]
    out = crm("contact", "add", "Dana Whitfield", "--employer", "acme robotics").stdout
    assert lines(out) == ["Added contact Dana Whitfield (#1) at Acme Robotics."]
    out = crm("contact", "add", "Kai Ito", "--employer", "Globex").stdout
    assert lines(out) == ["Added employer Globex (#2).", "Added contact Kai Ito (#2) at Globex."]
    out = crm("job", "add", "Globex", "--title", "Analyst", "--applied", "-1w").stdout
    assert lines(out) == [
        "Added job 'Analyst' at Globex (#1).",
        "  + #1 Ask about your application · due Thu 05 Mar",
    ]
    [job] = crm.json("job", "list")  # type: ignore[misc]
    assert job == {
        "id": 1,
        "employer": "Globex",
        "employer_id": 2,
        "title": "Analyst",
        "url": None,
        "applied_on": "2026-02-23",
        "status": "applied",
        "rejected_on": None,
        "finalist_rank": None,
    }


def test_lists_are_aligned_tables(crm: Crm) -> None:
    acme_story(crm)
    assert lines(crm("employer", "list").stdout) == [
        "id  employer       people  jobs  careers page",
        "#1  Acme Robotics  3       1     https://acme.example/jobs",
    ]
    assert lines(crm("contact", "list").stdout) == [
        "id  name                     employer       role            stage",
        "#1  Dana Whitfield           Acme Robotics  hiring manager  new",
        "#3  Lee Chen (no reminders)  Acme Robotics  interviewer     new",
        "#2  Sam Ortiz                Acme Robotics  recruiter       new",
    ]
    assert lines(crm("job", "list").stdout) == [
        "id  employer       job           status    applied     rejected    rank",
        "#1  Acme Robotics  Data Analyst  rejected  2026-01-10  2026-02-27  2",
    ]


def test_contact_show_has_stage_tasks_and_timeline(crm: Crm) -> None:
    acme_story(crm)
    crm("log", "thank-you", "dana", "--on", "2026-02-28", "--note", "Thanked her for the panel")
    assert lines(crm("contact", "show", "dana").stdout) == [
        "Dana Whitfield (#1) · hiring manager at Acme Robotics",
        "  stage     thanked",
        "  email     dana@acme.example",
        "  next note Sat 28 Mar",
        "Open tasks",
        "id  to do                          due",
        "#5  Write about a shared interest  Sat 28 Mar",
        "Timeline",
        "id  when                 kind       summary",
        "#1  2026-02-28 12:00  →  thank-you  Thanked her for the panel",
    ]
    doc = crm.json("contact", "show", "#1")
    assert isinstance(doc, dict)
    assert doc["stage"] == "thanked" and doc["next_nurture"] == "2026-03-28"
    # no answer yet: no LinkedIn, no interview request, only a gentle note a month on
    assert [t["kind"] for t in doc["open_tasks"]] == ["nurture"]
    assert doc["timeline"] == [
        {
            "id": 1,
            "contact_id": 1,
            "kind": "thank-you",
            "direction": "out",
            "when": "2026-02-28T12:00:00+00:00",
            "summary": "Thanked her for the panel",
            "body": None,
            "topic": None,
        }
    ]


def test_employer_show_lists_jobs_and_people(crm: Crm) -> None:
    acme_story(crm)
    doc = crm.json("employer", "show", "ACME")
    assert isinstance(doc, dict)
    assert doc["name"] == "Acme Robotics" and doc["careers_url"] == "https://acme.example/jobs"
    assert [p["name"] for p in doc["contacts"]] == ["Dana Whitfield", "Lee Chen", "Sam Ortiz"]
    assert [j["finalist_rank"] for j in doc["jobs"]] == [2]


def test_edit_and_archive(crm: Crm) -> None:
    acme_story(crm)
    crm(
        "employer",
        "edit",
        "acme",
        "--name",
        "Acme Robotics GmbH",
        "--website",
        "https://acme.example",
    )
    crm("contact", "edit", "sam", "--email", "sam@acme.example", "--role", "Hiring-Manager")
    sam = crm.json("contact", "show", "sam")
    assert isinstance(sam, dict)
    assert (sam["email"], sam["role"], sam["employer"]) == (
        "sam@acme.example",
        "hiring-manager",
        "Acme Robotics GmbH",
    )
    out = crm("contact", "archive", "sam").stdout
    assert lines(out) == [
        "Archived contact Sam Ortiz (#2).",
        "  - #2 Send a thank-you note (Sam Ortiz) · withdrawn",
    ]
    names = [c["name"] for c in crm.json("contact", "list")]  # type: ignore[union-attr]
    assert names == ["Dana Whitfield", "Lee Chen"]
    everyone = crm.json("contact", "list", "--archived")
    assert [c["archived"] for c in everyone] == [False, False, True]  # type: ignore[union-attr]


def test_names_match_in_any_case_by_word_start_or_by_id(crm: Crm) -> None:
    acme_story(crm)
    for typed in ("Dana Whitfield", "DANA WHITFIELD", "dana", "whit", "#1", "  dana  "):
        doc = crm.json("contact", "show", typed)
        assert isinstance(doc, dict) and doc["id"] == 1, typed


def test_log_records_every_kind_with_its_direction(crm: Crm) -> None:
    acme_story(crm)
    kinds = ["thank-you", "reply", "email", "linkedin", "call", "meeting", "info-interview", "note"]
    for kind in kinds:
        crm("log", kind, "sam")
    crm("log", "email", "sam", "--in", "--note", "She wrote first")
    timeline = crm.json("contact", "show", "sam")["timeline"]  # type: ignore[index]
    got = sorted((t["kind"], t["direction"]) for t in timeline)
    assert got == sorted([(k, "in" if k == "reply" else "out") for k in kinds] + [("email", "in")])


def test_log_takes_the_note_from_a_file(crm: Crm, tmp_path) -> None:  # type: ignore[no-untyped-def]
    acme_story(crm)
    note = tmp_path / "note.txt"
    note.write_text("\ufeffDear Dana,\n\nThank you for letting me know.\n", encoding="utf-8")
    crm("log", "thank-you", "dana", "--file", str(note))
    [touch] = crm.json("contact", "show", "dana")["timeline"]  # type: ignore[index]
    assert touch["summary"] == "Dear Dana,"
    assert touch["body"] == "Dear Dana,\n\nThank you for letting me know."


def test_empty_lists_say_what_to_do(crm: Crm) -> None:
    assert "crm employer add" in crm("employer", "list").stdout
    assert "crm contact add" in crm("contact", "list").stdout
    assert "crm job add" in crm("job", "list").stdout
    assert crm.json("contact", "list") == []


def test_help_and_version(crm: Crm) -> None:
    from crm import __version__

    assert crm("--version").stdout == f"crm {__version__}\n"
    out = crm("--help").stdout
    for command in (
        "today",
        "employer",
        "contact",
        "job",
        "log",
        "task",
        "remind",
        "daemon",
        "config",
        "db",
    ):
        assert f"  {command} " in out


@pytest.mark.fresh_database
def test_db_current_and_upgrade(crm: Crm) -> None:
    from crm.db import SCHEMA_REVISION

    first = lines(crm("db", "current").stdout)
    assert first[0].startswith("database  ")
    assert first[1] in (
        "revision  none: the file does not exist yet (any crm command creates it)",
        f"revision  none (empty) (this crm expects {SCHEMA_REVISION})",
    )
    assert lines(crm("db", "upgrade").stdout)[1] == f"revision  {SCHEMA_REVISION} (current)"
    assert lines(crm("db", "current").stdout)[1] == f"revision  {SCHEMA_REVISION} (current)"


def test_names_print_as_typed_even_with_brackets(crm: Crm) -> None:
    out = crm("contact", "add", "Robin [the recruiter] Vega", "--employer", "[Stealth]").stdout
    assert lines(out) == [
        "Added employer [Stealth] (#1).",
        "Added contact Robin [the recruiter] Vega (#1) at [Stealth].",
    ]
    assert lines(crm("contact", "show", "robin").stdout)[0] == (
        "Robin [the recruiter] Vega (#1) · [Stealth]"
    )
