"""`crm import linkedin`: LinkedIn's Connections.csv as LinkedIn writes it, month after month."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import pytest

from bench.connections import fake_connections, write_connections_csv
from tests.conftest import Crm
from tests.helpers import lines

DATA = Path(__file__).parent / "data"
FIRST = DATA / "Connections.csv"  # notes, BOM, CRLF, accents, a company with a comma
NEXT_MONTH = DATA / "Connections-next-month.csv"  # Dana moved to Globex; Lee Chen is new
LATER = "2026-04-02T09:00:00+00:00"


def exported(crm: Crm) -> dict[str, Any]:
    document = json.loads(crm("export").stdout)
    assert isinstance(document, dict)
    return document


def by_name(document: dict[str, Any]) -> dict[str, dict[str, Any]]:
    return {c["name"]: c for c in document["contacts"]}


def test_the_first_import_adds_everyone_with_their_employer(crm: Crm) -> None:
    assert FIRST.read_bytes().startswith(b"\xef\xbb\xbfNotes:\r\n")  # as LinkedIn writes it
    out = crm("import", "linkedin", str(FIRST)).stdout
    assert lines(out) == [
        "Imported Connections.csv: 5 added, 0 updated, 0 unchanged, 0 job changes, "
        "1 skipped; 4 new employers.",
        "  skipped line 7: no name (LinkedIn hides it for some members)",
    ]
    document = exported(crm)
    employers = {e["id"]: e["name"] for e in document["employers"]}
    assert sorted(employers.values()) == [
        "Acme Robotics",
        "Globex, Inc.",
        "Initech",
        "Umbrella Health",
    ]
    people = by_name(document)
    assert sorted(people) == [
        "Dana Whitfield",
        "Kai Ito",
        "Priya Shah, PhD",
        "Sam Ortiz",
        "Zoë Lefèvre",
    ]
    zoe = people["Zoë Lefèvre"]
    assert employers[zoe["employer_id"]] == "Globex, Inc."
    assert (zoe["position"], zoe["email"], zoe["linkedin_connected_on"]) == (
        "Senior Recruiter",
        "zoe.lefevre@example.fr",
        "2025-01-05",
    )
    assert zoe["linkedin_url"] == "https://www.linkedin.com/in/zo%C3%AB-lef%C3%A8vre-77a0b1"
    assert people["Dana Whitfield"]["email"] is None  # LinkedIn leaves most emails empty
    assert people["Priya Shah, PhD"]["position"] == "Director, Data Science"
    assert people["Kai Ito"]["employer_id"] is None
    history = [(e["company"], e["position"], e["seen_from"]) for e in document["employment"]]
    assert ("Globex, Inc.", "Senior Recruiter", "2026-03-02") in history
    assert len(history) == 5  # Kai's "no position listed" is remembered too


def test_importing_the_same_file_again_changes_nothing(crm: Crm) -> None:
    crm("import", "linkedin", str(FIRST))
    before = exported(crm)
    out = crm("import", "linkedin", str(FIRST)).stdout
    assert lines(out)[0] == (
        "Imported Connections.csv: 0 added, 0 updated, 5 unchanged, 0 job changes, 1 skipped."
    )
    assert exported(crm) == before


def test_next_months_file_keeps_the_job_history_and_says_congratulate(crm: Crm) -> None:
    crm("import", "linkedin", str(FIRST))
    out = crm("import", "linkedin", str(NEXT_MONTH), now=LATER).stdout
    assert lines(out) == [
        "Imported Connections-next-month.csv: 1 added, 1 updated, 4 unchanged, 1 job change, "
        "1 skipped.",
        "  skipped line 8: no name (LinkedIn hides it for some members)",
        "  Dana Whitfield: Data Lead at Acme Robotics → Head of Data at Globex, Inc.",
        "  + #1 Congratulate on the new role (Head of Data at Globex, Inc.) · due today",
    ]
    document = exported(crm)
    dana = by_name(document)["Dana Whitfield"]
    employers = {e["id"]: e["name"] for e in document["employers"]}
    assert (employers[dana["employer_id"]], dana["position"]) == ("Globex, Inc.", "Head of Data")
    jobs = [
        (e["company"], e["position"], e["seen_from"], e["seen_until"], e["source"])
        for e in document["employment"]
        if e["contact_id"] == dana["id"]
    ]
    assert jobs == [
        ("Acme Robotics", "Data Lead", "2026-03-02", "2026-04-02", "linkedin"),
        ("Globex, Inc.", "Head of Data", "2026-04-02", None, "linkedin"),
    ]
    [task] = crm.json("task", "list", now=LATER)  # type: ignore[misc]
    assert (task["kind"], task["due"], task["contact"], task["employer"]) == (
        "follow_up",
        "2026-04-02",
        "Dana Whitfield",
        "Globex, Inc.",
    )
    assert task["rule"] == "a job change seen in the LinkedIn import"
    again = crm("import", "linkedin", str(NEXT_MONTH), now=LATER).stdout
    assert "0 job changes" in again and "+ task" not in again
    assert len(crm.json("task", "list", "--all", now=LATER)) == 1  # type: ignore[arg-type]


def test_a_contact_typed_by_hand_is_found_and_keeps_what_was_typed(crm: Crm) -> None:
    crm("contact", "add", "Dana Whitfield", "--employer", "Acme", "--email", "dana@acme.example")
    out = crm("import", "linkedin", str(FIRST)).stdout
    assert lines(out)[0].startswith("Imported Connections.csv: 4 added, 1 updated, 0 unchanged")
    dana = by_name(exported(crm))["Dana Whitfield"]
    assert dana["id"] == 1 and dana["email"] == "dana@acme.example"
    assert dana["linkedin_url"] == "https://www.linkedin.com/in/dana-whitfield-4a1b2c"
    assert dana["position"] == "Data Lead"  # it was empty: filled in
    assert dana["employer_id"] == 1  # "Acme", as typed, not LinkedIn's "Acme Robotics"


def test_no_congratulations_for_someone_you_archived(crm: Crm) -> None:
    crm("import", "linkedin", str(FIRST))
    crm("contact", "archive", "dana")
    out = crm("import", "linkedin", str(NEXT_MONTH), now=LATER).stdout
    assert "Dana Whitfield: Data Lead at Acme Robotics → Head of Data at Globex, Inc." in out
    assert "+ task" not in out


@pytest.mark.parametrize("style", ["LF line endings", "no byte-order mark"])
def test_other_ways_of_saving_the_file_read_the_same(crm: Crm, tmp_path: Path, style: str) -> None:
    data = FIRST.read_bytes()
    data = data.replace(b"\r\n", b"\n") if style == "LF line endings" else data[3:]
    saved = tmp_path / "Connections.csv"
    saved.write_bytes(data)
    out = crm("import", "linkedin", str(saved)).stdout
    assert "5 added" in lines(out)[0]


BAD_ROWS = [
    # (line as it replaces Sam's row, the reason the error gives)
    (
        "Sam,Ortiz,https://www.linkedin.com/in/samortiz,,Initech,Engineering Manager,31 Feb 2026",
        "Connected On '31 Feb 2026' is not a date like 12 Mar 2024",
    ),
    (
        "Sam,Ortiz,https://www.linkedin.com/in/samortiz,,Initech,Engineering Manager",
        "6 values where the header has 7",
    ),
    (
        "Sam,Ortiz,samortiz,,Initech,Engineering Manager,28 Feb 2026",
        "'samortiz' is not a LinkedIn profile URL",
    ),
]


def with_sam_row(tmp_path: Path, row: str) -> Path:
    text = FIRST.read_bytes().decode("utf-8")
    broken = tmp_path / "Connections.csv"
    sam = "Sam,Ortiz,https://www.linkedin.com/in/samortiz,,Initech,Engineering Manager,28 Feb 2026"
    broken.write_bytes(text.replace(sam, row).encode("utf-8"))
    return broken


@pytest.mark.parametrize(("row", "reason"), BAD_ROWS, ids=[r for _, r in BAD_ROWS])
def test_a_malformed_row_stops_the_import_and_names_its_line(
    crm: Crm, tmp_path: Path, row: str, reason: str
) -> None:
    crm("contact", "add", "Pat Example")
    before = crm.state()
    broken = with_sam_row(tmp_path, row)
    result = crm("import", "linkedin", str(broken), ok=False)
    assert result.exit_code == 2
    assert result.stderr == (
        f"Error: {broken} line 5: {reason}; nothing imported, --skip-bad imports the rest\n"
    )
    assert crm.state() == before


def test_skip_bad_imports_the_rest_and_lists_what_it_skipped(crm: Crm, tmp_path: Path) -> None:
    broken = with_sam_row(tmp_path, BAD_ROWS[0][0])
    out = crm("import", "linkedin", str(broken), "--skip-bad").stdout
    assert lines(out) == [
        "Imported Connections.csv: 4 added, 0 updated, 0 unchanged, 0 job changes, "
        "2 skipped; 3 new employers.",
        f"  skipped line 5: {BAD_ROWS[0][1]}",
        "  skipped line 7: no name (LinkedIn hides it for some members)",
    ]


def truncated(tmp_path: Path) -> Path:
    cut = tmp_path / "Connections.csv"
    data = FIRST.read_bytes()
    cut.write_bytes(data[: data.index(b'"Shah, PhD') + 5])  # the download stopped mid-value
    return cut


BAD_FILES = {
    "missing": (lambda tmp: tmp / "nowhere.csv", "no such file"),
    "a folder": (lambda tmp: tmp, "is a folder, not a file"),
    "binary": (lambda tmp: _write(tmp / "Connections.csv", bytes(range(256))), "not a text file"),
    "empty": (lambda tmp: _write(tmp / "Connections.csv", b""), "is empty"),
    "a vCard": (
        lambda tmp: DATA / "contacts-3.0.vcf",
        "is not LinkedIn's Connections.csv: no header",
    ),
    "another CSV": (
        lambda tmp: _write(tmp / "Invitations.csv", b"From,To,Sent At,Message\r\nA,B,C,D\r\n"),
        "is not LinkedIn's Connections.csv",
    ),
    "truncated": (truncated, "a quoted value never ends (is the file cut short?)"),
}


def _write(path: Path, data: bytes) -> Path:
    path.write_bytes(data)
    return path


@pytest.mark.parametrize("kind", list(BAD_FILES))
def test_a_bad_file_gets_one_line_and_changes_nothing(crm: Crm, tmp_path: Path, kind: str) -> None:
    crm("import", "linkedin", str(FIRST))
    before = crm.state()
    make, words = BAD_FILES[kind]
    result = crm("import", "linkedin", str(make(tmp_path)), ok=False)
    assert result.exit_code == 2, result.stderr
    assert result.stdout == ""
    assert result.stderr.startswith("Error: ") and result.stderr.count("\n") == 1
    assert words in result.stderr
    assert crm.state() == before


def test_the_benchmarks_file_starts_like_linkedins(tmp_path: Path) -> None:
    made = write_connections_csv(tmp_path / "c.csv", fake_connections(3))
    notes_and_header = FIRST.read_bytes().split(b"\r\nSam,")[0]
    assert made.read_bytes().startswith(notes_and_header + b"\r\n")


@pytest.mark.slow
def test_ten_thousand_connections_import_whole(crm: Crm, tmp_path: Path) -> None:
    """Every row of a real-sized export, over many batches. How fast is the benchmark's row
    "crm import linkedin (10,000 rows)" (bench/RESULTS.md), not a test's: a timed test fails
    on a busy machine and proves nothing on an idle one."""
    big = write_connections_csv(tmp_path / "Connections.csv", fake_connections(10_000))
    out = crm("import", "linkedin", str(big)).stdout
    assert "10,000 added" in out
    people = crm.json("contact", "list")
    assert isinstance(people, list) and len({p["id"] for p in people}) == 10_000


def test_a_profile_url_too_long_to_index_is_a_bad_row(crm: Crm, tmp_path: Path) -> None:
    from bench.connections import write_connections_csv

    url = "https://www.linkedin.com/in/" + "é" * 600
    path = write_connections_csv(
        tmp_path / "c.csv", [["Pat", "Moss", url, "", "", "", "01 Feb 2026"]]
    )
    crm("employer", "add", "Acme")  # a database to compare with
    before = crm.state()
    result = crm("import", "linkedin", str(path), ok=False)
    assert result.exit_code == 2
    assert "the LinkedIn URL is 628 characters; the most is 500" in result.stderr
    assert crm.state() == before


def test_a_large_file_is_inserted_a_batch_at_a_time_with_the_same_result(
    crm: Crm, tmp_path: Path, monkeypatch: pytest.MonkeyPatch, other_database: Any
) -> None:
    """New contacts, employers and jobs go in INSERT_BATCH rows at a time (memory stays
    bounded): batches of three give the very database one batch gives."""
    from crm.services import imports

    path = write_connections_csv(tmp_path / "Connections.csv", fake_connections(25))
    crm("import", "linkedin", str(path))
    whole = crm("export").stdout
    monkeypatch.setattr(imports, "INSERT_BATCH", 3)
    with other_database() as batched:
        batched("import", "linkedin", str(path))
        assert batched("export").stdout == whole
    document = json.loads(whole)
    assert len(document["contacts"]) == 25 and len(document["employment"]) == 25
