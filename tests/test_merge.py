"""Merging a person (or an employer) recorded twice: one record, every touchpoint, no duplicate
task, and clean errors."""

from __future__ import annotations

from collections import Counter
from pathlib import Path

from tests.conftest import Crm
from tests.helpers import lines

VCARD = """BEGIN:VCARD
VERSION:3.0
FN:Dana Whitfield
N:Whitfield;Dana;;;
EMAIL:dana@acme.example
TEL:+1 555 0100
ORG:Acme Robotics
TITLE:Head of Data
END:VCARD
"""
# LinkedIn writes her name with her degree: the import cannot know it is the same person
LINKEDIN = (
    "First Name,Last Name,URL,Email Address,Company,Position,Connected On\n"
    'Dana,"Whitfield, PhD",https://www.linkedin.com/in/dana-w,,Acme Robotics,Data Lead,'
    "20 Feb 2026\n"
)


def two_danas(crm: Crm, tmp_path: Path) -> None:
    (tmp_path / "dana.vcf").write_text(VCARD)
    (tmp_path / "Connections.csv").write_text(LINKEDIN)
    crm("import", "vcard", str(tmp_path / "dana.vcf"))
    crm("import", "linkedin", str(tmp_path / "Connections.csv"))
    crm("contact", "edit", "#1", "--role", "hiring manager")
    crm("contact", "edit", "#2", "--role", "interviewer")
    crm("job", "add", "acme", "--title", "Data Analyst", "--applied", "2026-01-10")
    crm("job", "reject", "acme", "--on", "2026-02-27")
    crm("log", "thank-you", "#2", "--on", "2026-02-28", "--note", "Thanks for the panel")
    crm("log", "reply", "#1", "--note", "Glad to stay in touch")


def test_a_person_from_a_vcard_and_from_linkedin_becomes_one(crm: Crm, tmp_path: Path) -> None:
    two_danas(crm, tmp_path)
    out = crm("contact", "merge", "#1", "#2", "--yes").stdout
    assert lines(out)[:6] == [
        "Merged Dana Whitfield, PhD (#2) into Dana Whitfield (#1).",
        "  moved: 1 touchpoint, 1 employment, 1 task",
        "  filled from Dana Whitfield, PhD: linkedin_url, linkedin_connected_on",
        "  kept role 'hiring-manager', not 'interviewer'",
        "  kept position 'Head of Data', not 'Data Lead'",
        '  (change what you want: crm contact edit "#1" ...)',
    ]
    people = crm.json("contact", "list")
    assert [p["name"] for p in people] == ["Dana Whitfield"]  # type: ignore[index, union-attr]
    dana = crm.json("contact", "show", "dana")
    assert dana["linkedin_url"] == "https://www.linkedin.com/in/dana-w"  # type: ignore[index]
    assert dana["email"] == "dana@acme.example"  # type: ignore[index]
    assert [t["kind"] for t in dana["timeline"]] == ["reply", "thank-you"]  # type: ignore[index]
    assert len(dana["employment"]) == 2  # type: ignore[index, arg-type]
    tasks = crm.json("task", "list", "--all")
    kinds = Counter((t["kind"], t["status"]) for t in tasks if t["contact_id"])  # type: ignore[union-attr, index]
    # one of each: the thank-you done (by the PhD's note), the rest of the plan once
    assert all(n == 1 for n in kinds.values()), kinds
    assert {t["contact_id"] for t in tasks if t["contact_id"]} == {1}  # type: ignore[union-attr, index]
    assert [k for k, s in kinds if s == "open"].count("nurture") == 1


def test_merging_asks_first_and_refuses_without_a_terminal(crm: Crm, tmp_path: Path) -> None:
    two_danas(crm, tmp_path)
    before = crm.state()
    refused = crm("contact", "merge", "#1", "#2", ok=False)
    assert refused.exit_code == 2
    assert refused.stderr == (
        "Error: Merge Dana Whitfield, PhD (#2) into Dana Whitfield (#1): not done, nobody to "
        "ask; add --yes to do it without asking\n"
    )
    assert crm.state() == before


def test_merging_into_itself_or_an_unknown_name_is_a_clean_error(crm: Crm) -> None:
    crm("contact", "add", "Dana Whitfield")
    crm("employer", "add", "Acme")
    before = crm.state()
    itself = crm("contact", "merge", "dana", "#1", "--yes", ok=False)
    assert (itself.exit_code, itself.stderr) == (
        2,
        "Error: cannot merge Dana Whitfield (#1) into itself\n",
    )
    unknown = crm("contact", "merge", "dana", "nobody", "--yes", ok=False)
    assert (unknown.exit_code, unknown.stderr) == (3, "Error: no contact named 'nobody'\n")
    same = crm("employer", "merge", "acme", "ACME", "--yes", ok=False)
    assert same.stderr == "Error: cannot merge Acme (#1) into itself\n"
    assert crm.state() == before


def test_two_employers_become_one(crm: Crm) -> None:
    crm("employer", "add", "Acme", "--website", "https://acme.example")
    crm("employer", "add", "Acme, Inc.", "--careers-url", "https://acme.example/jobs")
    crm("contact", "add", "Dana Whitfield", "--employer", "Acme, Inc.")
    crm("contact", "add", "Sam Ortiz", "--employer", "#1")
    crm("job", "add", "Acme, Inc.", "--title", "Analyst")
    crm("job", "reject", "Acme, Inc.", "--on", "2026-03-01")
    open_before = len(crm.json("task", "list"))  # type: ignore[arg-type]
    out = crm("employer", "merge", "acme", "Acme, Inc.", "--yes").stdout
    assert lines(out)[:3] == [
        "Merged Acme, Inc. (#2) into Acme (#1).",
        "  moved: 1 contact, 1 job, 4 tasks",  # the application's follow-up (#15) is the 4th
        "  filled from Acme, Inc.: careers_url",
    ]
    [acme] = crm.json("employer", "list")  # type: ignore[misc]
    assert (acme["name"], acme["contacts"], acme["jobs"]) == ("Acme", 2, 1)
    assert acme["careers_url"] == "https://acme.example/jobs"
    tasks = crm.json("task", "list")
    assert {t["employer_id"] for t in tasks} == {1}  # type: ignore[union-attr, index]
    # Sam, met at the same employer now, is owed a thank-you too: the plan sees one employer
    assert len(tasks) == open_before + 1  # type: ignore[arg-type]
