"""`crm export` and `crm import json`: everything out, and back in as it was."""

from __future__ import annotations

import csv
import io
import json
import os
import stat
import zipfile
from pathlib import Path

import pytest

from tests.conftest import Crm, OtherDatabase, replayed
from tests.helpers import acme_story, lines

DATA = Path(__file__).parent / "data"


@replayed
def story(crm: Crm) -> None:
    """A bit of everything: a rejection and its tasks, touches, imports, history, closed tasks."""
    acme_story(crm)
    crm("log", "thank-you", "dana", "--note", "Thanked her for the panel")
    crm("log", "reply", "dana", "--note", "=1+1 she said, @ noon")
    crm("task", "done", "2")
    crm("task", "skip", "3")
    crm("contact", "add", '=HYPERLINK("http://evil.example")', "--phone", "+33 6 12 34 56 78")
    crm("import", "linkedin", str(DATA / "Connections.csv"))
    crm("import", "vcard", str(DATA / "contacts-4.0.vcf"))
    crm("import", "linkedin", str(DATA / "Connections-next-month.csv"), now="2026-03-09")


def mode(path: Path) -> int:
    return stat.S_IMODE(path.stat().st_mode)


def test_export_import_export_gives_the_same_bytes(
    crm: Crm, tmp_path: Path, other_database: OtherDatabase
) -> None:
    story(crm)
    crm("contact", "edit", "dana", "--tag", "Robotics", "--tag", "panel", "--every", "6w")
    first = crm("export").stdout
    document = json.loads(first)
    assert (document["format"], document["version"]) == ("crm-export", 2)
    assert document["exported_at"] == "2026-03-02T09:00:00+00:00"
    assert all(document[t] for t in ("employers", "contacts", "jobs", "touchpoints", "tasks"))
    assert any(e["seen_until"] for e in document["employment"])  # the history came along
    saved = tmp_path / "crm-export.json"
    saved.write_text(first, encoding="utf-8")
    with other_database() as restored:
        out = restored("import", "json", str(saved)).stdout
        counts = {k: len(v) for k, v in document.items() if isinstance(v, list)}
        assert lines(out)[0] == (
            f"Restored crm-export.json: {counts['employers']} employers, "
            f"{counts['contacts']} contacts, 1 job, {counts['touchpoints']} touchpoints, "
            f"{counts['tasks']} tasks, {counts['employment']} employment records, "
            f"{counts['job_moves']} job moves, 2 tags."
        )
        assert restored.json("contact", "list", "--tag", "robotics")[0]["every"] == "6w"  # type: ignore[index]
        assert restored("export").stdout == first
        # new rows take new ids: the restored ids do not collide with what comes next
        added = restored("contact", "add", "Someone New").stdout
        assert f"(#{counts['contacts'] + 1})" in added


def test_an_export_of_version_1_still_restores(
    crm: Crm, tmp_path: Path, other_database: OtherDatabase
) -> None:
    story(crm)
    document = json.loads(crm("export").stdout)
    document["version"] = 1
    for section in ("job_moves", "contact_tags"):
        del document[section]
    for record in document["contacts"]:
        del record["every"]
    for record in document["touchpoints"]:
        del record["job_id"]
    old = tmp_path / "old.json"
    old.write_text(json.dumps(document), encoding="utf-8")
    with other_database() as restored:
        assert "0 job moves, 0 tags." in restored("import", "json", str(old)).stdout
        assert restored.json("job", "list") == crm.json("job", "list")


def test_a_restore_only_goes_into_an_empty_database(crm: Crm, tmp_path: Path) -> None:
    story(crm)
    saved = tmp_path / "crm-export.json"
    saved.write_text(crm("export").stdout, encoding="utf-8")
    before = crm.state()
    result = crm("import", "json", str(saved), ok=False)
    assert result.exit_code == 5
    assert result.stderr.count("\n") == 1
    assert result.stderr.startswith(
        "Error: crm import json restores into an empty database, and this one holds "
    )
    assert "restore into a new one: crm --db NEW.db import json FILE" in result.stderr
    assert ", 1 job, " in result.stderr and "employment records" in result.stderr  # words
    assert crm.state() == before


# the export of the story each bad file is made from, once per kind of database: building the
# story again for each of the thirty files would be most of this module's time
_STORY_EXPORTS: dict[bool, str] = {}


def _exported(crm: Crm) -> dict:  # type: ignore[type-arg]
    on_postgresql = crm.db is not None
    if on_postgresql not in _STORY_EXPORTS:
        acme_story(crm)
        crm("log", "thank-you", "dana")
        _STORY_EXPORTS[on_postgresql] = crm("export").stdout
    document = json.loads(_STORY_EXPORTS[on_postgresql])
    assert isinstance(document, dict)
    return document


def _broken(change):  # type: ignore[no-untyped-def]
    def make(crm: Crm, tmp: Path) -> Path:
        document = _exported(crm)
        change(document)
        path = tmp / "broken.json"
        path.write_text(json.dumps(document), encoding="utf-8")
        return path

    return make


def _text(text: str):  # type: ignore[no-untyped-def]
    def make(crm: Crm, tmp: Path) -> Path:
        path = tmp / "broken.json"
        path.write_bytes(text.encode())
        return path

    return make


BAD = {
    "not JSON": (
        _text('{"format": "crm-export",'),
        "is not JSON (line 1, column 25: Expecting property name",
    ),
    "someone else's JSON": (_text('{"contacts": []}'), 'is not a crm export: it has no "format"'),
    "a newer version": (
        _broken(lambda d: d.update(version=3)),
        "is a crm export of version 3; this crm reads 1 and 2",
    ),
    "a dangling reference": (
        _broken(lambda d: d["contacts"][0].update(employer_id=999)),
        "contacts id 1 points at employers id 999, which is not in the file",
    ),
    "a wrong type": (
        _broken(lambda d: d["tasks"][0].update(due="tomorrow")),
        "tasks[0].due is not a date like 2026-03-02",
    ),
    "an unknown kind": (
        _broken(lambda d: d["touchpoints"][0].update(kind="fax")),
        "touchpoints[0].kind is not one of",
    ),
    "an id twice": (
        _broken(lambda d: d["jobs"].append(dict(d["jobs"][0]))),
        "jobs[1] has the same id as jobs[0]",
    ),
    "a missing field": (
        _broken(lambda d: d["employers"][0].pop("name_key")),
        "employers[0] has no 'name_key'",
    ),
    # hostile documents (issue #18): each refused by its section and index, no traceback
    "an id of 2**64": (
        _broken(lambda d: d["employers"][0].update(id=2**64)),
        "employers[0].id: not a whole number from 1 to 2,147,483,647",
    ),
    "an id PostgreSQL cannot hold": (
        _broken(lambda d: d["touchpoints"][0].update(id=2**31)),
        "touchpoints[0].id: not a whole number from 1 to 2,147,483,647",
    ),
    "a rank of 2**70": (
        _broken(lambda d: d["jobs"][0].update(finalist_rank=2**70)),
        "jobs[0].finalist_rank: not a whole number from 1 to 10,000",
    ),
    "a lone surrogate": (
        _broken(lambda d: d["contacts"][0].update(name="Dana \ud800")),
        "contacts[0].name is not text (UTF-8, no NUL)",
    ),
    "a moment before year 1 in UTC": (
        _broken(lambda d: d["touchpoints"][0].update(happened_at="0001-01-01T00:00:00+14:00")),
        "touchpoints[0].happened_at: crm takes dates from 1900-01-01 to 9000-12-31",
    ),
    "a moment past year 9999 in UTC": (
        _broken(lambda d: d["touchpoints"][0].update(happened_at="9999-12-31T23:00:00-12:00")),
        "touchpoints[0].happened_at: crm takes dates from 1900-01-01 to 9000-12-31",
    ),
    "a due date past crm's range": (
        _broken(lambda d: d["tasks"][0].update(due="9999-12-31")),
        "tasks[0].due: crm takes dates from 1900-01-01 to 9000-12-31",
    ),
    "one employer in two letter cases": (
        _broken(
            lambda d: d["employers"].append(
                dict(d["employers"][0], id=2, name="ACME ROBOTICS", name_key="other")
            )
        ),
        "employers[1] has the same name (letter case and spaces aside) as employers[0]",
    ),
    "an empty name": (
        _broken(lambda d: d["employers"][0].update(name="  ")),
        "employers[0].name: an employer needs a name",
    ),
    "a name like an id": (
        _broken(lambda d: d["contacts"][1].update(name="#12 Sam")),
        "contacts[1].name: a contact's name cannot start with '#'",
    ),
    "a name of 5,000 characters": (
        _broken(lambda d: d["contacts"][2].update(name="Lee " * 1250)),
        "contacts[2].name: the contact's name is 4,999 characters; the most is 200",
    ),
    "an email with a header in it": (
        _broken(lambda d: d["contacts"][0].update(email="dana@acme.example?cc=x\nBcc: y")),
        "contacts[0].email: an email address cannot hold spaces, line breaks",
    ),
    "version true": (
        _broken(lambda d: d.update(version=True)),
        'its "version" is not a whole number; this crm reads 1',
    ),
    "nested too deep": (_text("[" * 100_000 + "]" * 100_000), "is not a crm export"),
    "a number of 5,000 digits": (
        _text('{"format": "crm-export", "version": ' + "9" * 5000 + "}"),
        "is not a crm export: a number or a nesting too large",
    ),
    "a missing file": (lambda crm, tmp: tmp / "nowhere.json", "no such file"),
    "a binary file": (
        lambda crm, tmp: (tmp / "photo.json").write_bytes(bytes(range(256))) and tmp / "photo.json",
        "is not a text file",
    ),
}


@pytest.mark.parametrize("kind", list(BAD))
def test_a_bad_export_file_gets_one_line_and_restores_nothing(
    crm: Crm, tmp_path: Path, kind: str, other_database: OtherDatabase
) -> None:
    make, words = BAD[kind]
    path = make(crm, tmp_path)
    with other_database() as target:
        target("contact", "list")  # the empty database exists
        before = target.state()
        result = target("import", "json", str(path), ok=False)
        assert result.exit_code == 2, result.stderr
        assert result.stderr.startswith("Error: ") and result.stderr.count("\n") == 1
        assert words in result.stderr
        assert target.state() == before
        for private in ("Dana", "Whitfield", "dana@", "Sam Ortiz", "Lee Chen"):  # no one's data
            assert private not in result.stderr


def read_zip(path: Path) -> dict[str, list[list[str]]]:
    with zipfile.ZipFile(path) as archive:
        return {
            name: list(csv.reader(io.StringIO(archive.read(name).decode("utf-8-sig"))))
            for name in archive.namelist()
        }


def test_csv_in_a_zip_one_file_per_table_safe_for_spreadsheets(
    sqlite_crm: Crm, tmp_path: Path
) -> None:
    os.umask(0o022)
    story(sqlite_crm)
    target = tmp_path / "crm.zip"
    out = sqlite_crm("export", "--format", "csv", "--output", str(target)).stdout
    assert lines(out)[0].startswith("Exported 5 employers, 9 contacts, 1 job, 3 touchpoints,")
    assert mode(target) == 0o600
    tables = read_zip(target)
    assert sorted(tables) == [
        "contact_tags.csv",
        "contacts.csv",
        "employers.csv",
        "employment.csv",
        "job_moves.csv",
        "jobs.csv",
        "tasks.csv",
        "touchpoints.csv",
    ]
    with zipfile.ZipFile(target) as archive:
        assert archive.read("contacts.csv").startswith(b"\xef\xbb\xbfid,name,name_key,")
    contacts = tables["contacts.csv"]
    header = contacts[0]
    evil = next(row for row in contacts if "HYPERLINK" in row[1])
    assert evil[header.index("name")] == '\'=HYPERLINK("http://evil.example")'
    assert evil[header.index("phone")] == "'+33 6 12 34 56 78"
    touches = tables["touchpoints.csv"]
    summary = touches[0].index("summary")
    assert [row[summary] for row in touches[1:]] == [
        "Thanked her for the panel",
        "'=1+1 she said, @ noon",
        "done: task #2",
    ]
    dana = next(row for row in contacts if row[1] == "Dana Whitfield")
    assert dana[header.index("keep_in_touch")] == "true"
    assert dana[header.index("archived_at")] == ""


def test_csv_into_a_folder(sqlite_crm: Crm, tmp_path: Path) -> None:
    os.umask(0o022)
    story(sqlite_crm)
    folder = tmp_path / "crm-export"
    sqlite_crm("export", "--format", "csv", "--output", str(folder))
    assert mode(folder) == 0o700
    files = sorted(folder.iterdir())
    names = [f.name for f in files]
    assert names[:3] == ["contact_tags.csv", "contacts.csv", "employers.csv"] and len(files) == 8
    assert all(mode(f) == 0o600 for f in files)


def test_json_into_a_file_readable_by_you_alone(sqlite_crm: Crm, tmp_path: Path) -> None:
    os.umask(0o022)
    acme_story(sqlite_crm)
    target = tmp_path / "crm.json"
    out = sqlite_crm("export", "--output", str(target)).stdout
    assert lines(out) == [
        f"Exported 1 employer, 3 contacts, 1 job, 0 touchpoints, 4 tasks, "
        f"0 employment records, 2 job moves, 0 tags to {target}."
    ]
    assert mode(target) == 0o600
    assert json.loads(target.read_text())["format"] == "crm-export"


@pytest.mark.parametrize(
    ("argv", "words"),
    [
        (["--format", "xml"], "--format is json, csv or vcard, not 'xml'"),
        (["--format", "csv"], "give --output FOLDER or --output FILE.zip"),
        (["--output", "/nonexistent/folder/crm.json"], "cannot write /nonexistent/folder"),
    ],
)
def test_export_mistakes(crm: Crm, argv: list[str], words: str) -> None:
    acme_story(crm)
    result = crm("export", *argv, ok=False)
    assert result.exit_code == 2
    assert result.stderr.startswith("Error: ") and result.stderr.count("\n") == 1
    assert words in result.stderr


def test_the_json_export_is_one_record_a_line(sqlite_crm: Crm) -> None:
    story(sqlite_crm)
    text = sqlite_crm("export").stdout
    document = json.loads(text)
    records = text.splitlines()
    # compact, as SQLite's json_object writes each record (and Python's encoder elsewhere)
    assert (
        records[0]
        == '{"format":"crm-export","version":2,"exported_at":"2026-03-02T09:00:00+00:00",'
    )
    assert records[-1] == "}"
    for section in ("employers", "contacts", "jobs", "touchpoints", "tasks", "employment"):
        rows = document[section]
        assert rows  # the story has some of each
        start = records.index(f'"{section}":[')
        lines_ = records[start + 1 : start + 1 + len(rows)]
        assert [json.loads(line.removesuffix(",")) for line in lines_] == rows
        assert records[start + 1 + len(rows)] in ("],", "]")


HOSTILE = 'Zoë \x1b[2J\x00\x7f\x9b \u2028 \\ " / </script> 😀 \t\r\n ß'


def test_sqlite_writes_the_bytes_python_writes(sqlite_crm: Crm, crm_home: Path) -> None:
    """On SQLite each record is written by SQLite's json_object, elsewhere by Python's
    encoder: the same bytes, for text that needs escaping, true and false, nulls, and a moment
    stored in a form crm never writes (the row is then encoded by Python)."""
    import sqlite3
    from datetime import UTC, datetime

    from crm.lean import schema_reader
    from crm.services.exports import write_json

    story(sqlite_crm)
    sqlite_crm("log", "note", "dana", "--note", HOSTILE.replace("\x00", ""))
    sqlite_crm(
        "contact", "add", "Eve", "--notes", HOSTILE.replace("\x00", ""), "--no-keep-in-touch"
    )
    path = crm_home / "crm.db"
    with sqlite3.connect(path) as database:  # the NUL only raw SQL can store
        database.execute("UPDATE employer SET notes = ? WHERE id = 1", (HOSTILE,))
        database.execute(
            "UPDATE touchpoint SET created_at = '2026-03-01T10:00:00+02:00' WHERE id = 1"
        )
        database.execute(
            "UPDATE touchpoint SET happened_at = '2026-02-28 12:00:00.012300' WHERE id = 2"
        )
    now = datetime(2026, 3, 2, 9, tzinfo=UTC)
    written = []
    with schema_reader(path) as reader:
        assert reader is not None
        for sqlite in (True, False):
            out = io.BytesIO()
            write_json(out, stream=reader.stream, now=now, sqlite=sqlite)
            written.append(out.getvalue())
    assert written[0] == written[1]
    document = json.loads(written[0])
    assert document["employers"][0]["notes"] == HOSTILE
    assert document["touchpoints"][0]["created_at"] == "2026-03-01T08:00:00+00:00"
    second = next(t for t in document["touchpoints"] if t["id"] == 2)
    assert second["happened_at"] == "2026-02-28T12:00:00.012300+00:00"
    assert [c["keep_in_touch"] for c in document["contacts"]][-1] is False
    assert sqlite_crm("export").stdout.encode() == written[0]


def test_sqlite_and_postgresql_export_the_same_bytes(
    sqlite_crm: Crm, tmp_path: Path, request: pytest.FixtureRequest
) -> None:
    """What SQLite wrote, restored into PostgreSQL and exported by Python's encoder there."""
    from tests.conftest import NO_POSTGRES, POSTGRES_URL

    if not POSTGRES_URL:
        pytest.skip(NO_POSTGRES)
    story(sqlite_crm)
    sqlite_crm(
        "contact", "add", "Eve", "--notes", HOSTILE.replace("\x00", ""), "--no-keep-in-touch"
    )
    first = sqlite_crm("export").stdout
    saved = tmp_path / "crm-export.json"
    saved.write_text(first, encoding="utf-8")
    with request.getfixturevalue("postgres_pool").database() as url:
        postgres = Crm(url)
        postgres("import", "json", str(saved))
        assert postgres("export").stdout == first


def test_a_name_key_in_the_file_is_computed_again_not_trusted(
    crm: Crm, tmp_path: Path, other_database: OtherDatabase
) -> None:
    acme_story(crm)
    document = json.loads(crm("export").stdout)
    document["employers"][0]["name_key"] = "something else"  # type: ignore[index]
    path = tmp_path / "edited.json"
    path.write_text(json.dumps(document), encoding="utf-8")
    with other_database() as target:
        target("import", "json", str(path))
        assert target.json("employer", "show", "acme robotics")["name"] == "Acme Robotics"  # type: ignore[index]


def test_the_sections_are_the_models() -> None:
    """crm/services/exports.py names each table's columns itself (it is read without SQLModel,
    on the lean path): they must be the models' columns, in their order, with their kinds."""
    from datetime import date, datetime

    from crm.services.exports import SECTIONS
    from crm.services.restore import SECTIONS as MODELS
    from crm.services.restore import _columns, _kind

    assert [s.name for s in SECTIONS] == [name for name, _ in MODELS]
    for section, (_, model) in zip(SECTIONS, MODELS, strict=True):
        assert section.table == model.__tablename__
        assert list(section.columns) == _columns(model)
        kinds = {datetime: "moment", date: "day", bool: "flag"}
        assert [section.kind(c) for c in section.columns] == [
            kinds.get(_kind(model, c)[0]) for c in section.columns
        ], section.name
