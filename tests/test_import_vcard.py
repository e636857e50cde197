"""`crm import vcard`: many cards in one file, as phones, Google, Apple and Nextcloud write them."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import pytest

from tests.conftest import Crm
from tests.helpers import lines

DATA = Path(__file__).parent / "data"
V3 = DATA / "contacts-3.0.vcf"  # iPhone and Google style; folded lines, a photo, escapes
V4 = DATA / "contacts-4.0.vcf"  # Nextcloud style: tel: URIs, PREF=1, KIND, a group card
LATER = "2026-04-02T09:00:00+00:00"


def people(crm: Crm) -> dict[str, dict[str, Any]]:
    document = json.loads(crm("export").stdout)
    employers = {e["id"]: e["name"] for e in document["employers"]}
    return {
        c["name"]: dict(c, employer=employers.get(c["employer_id"])) for c in document["contacts"]
    }


def test_a_vcard_3_file_of_several_cards(crm: Crm) -> None:
    raw = V3.read_bytes()
    assert b"\r\n " in raw and max(len(line) for line in raw.split(b"\r\n")) == 75  # folded
    out = crm("import", "vcard", str(V3)).stdout
    assert lines(out) == [
        "Imported contacts-3.0.vcf: 3 added, 0 updated, 0 unchanged, 0 job changes, "
        "0 skipped; 3 new employers."
    ]
    found = people(crm)
    zoe = found["Zoë Lefèvre"]
    assert (zoe["employer"], zoe["position"]) == ("Globex, Inc.", "Senior Recruiter")
    assert zoe["email"] == "zoe.lefevre@globex.example"  # the one marked pref
    assert zoe["phone"] == "+33 6 12 34 56 78"
    assert zoe["linkedin_url"] == "https://www.linkedin.com/in/zo%C3%AB-lef%C3%A8vre-77a0b1"
    assert zoe["notes"] == (
        "Met her at the Globex panel on 27 Feb; she said the team reopens the analyst role in "
        "the spring, and that I should write to her then.\n"
        "Department: Talent Acquisition\n"  # ORG:Globex\, Inc.;Talent Acquisition
        "Other email addresses: zoe@example.fr"
    )
    mei = found["Mei Tanaka"]
    assert mei["position"] == "Director, Data Science"
    assert mei["notes"] == "Other phone numbers: +81 3-1234-5678\nWeb: https://mei.example.com"
    assert found["Sam Ortiz"]["employer"] == "Initech"  # "ORG:Initech;" has an empty unit


def test_a_vcard_4_file_with_a_group_card(crm: Crm) -> None:
    out = crm("import", "vcard", str(V4)).stdout
    assert lines(out) == [
        "Imported contacts-4.0.vcf: 2 added, 0 updated, 0 unchanged, 0 job changes, "
        "1 skipped; 2 new employers.",
        "  skipped line 18: a group of contacts, not a person",
    ]
    jurgen = people(crm)["Jürgen Groß"]
    assert jurgen["employer"] == "Müller, Schmidt & Co. KG"
    assert jurgen["email"] == "juergen.gross@mueller-schmidt.example"  # PREF=1
    assert jurgen["phone"] == "+49-151-2345-6789"  # from the tel: URI
    assert jurgen["linkedin_url"] == "https://www.linkedin.com/in/j%C3%BCrgen-gro%C3%9F-714a56"
    assert jurgen["notes"] == (
        "Gesprächspartner beim Vorstellungsgespräch für die Stelle als Datenanalyst – "
        "freundlich, hilfsbereit.\nFragt gern nach Fußball.\n"
        "Other email addresses: jgross@example.de"
    )


def test_the_same_people_from_linkedin_and_from_the_phone_are_one_contact_each(
    crm: Crm,
) -> None:
    crm("import", "linkedin", str(DATA / "Connections.csv"))
    out = crm("import", "vcard", str(V3)).stdout
    # Zoë by her LinkedIn profile, Sam by his name; Mei is new
    assert lines(out)[0].startswith("Imported contacts-3.0.vcf: 1 added, 2 updated, 0 unchanged")
    found = people(crm)
    assert len(found) == 6
    zoe = found["Zoë Lefèvre"]
    assert zoe["email"] == "zoe.lefevre@example.fr"  # LinkedIn's came first: kept
    assert zoe["phone"] == "+33 6 12 34 56 78"  # was empty: filled in
    assert "Other email addresses: zoe.lefevre@globex.example, zoe@example.fr" in zoe["notes"]
    again = crm("import", "vcard", str(V3)).stdout
    assert "0 added, 0 updated, 3 unchanged" in again


def test_a_new_organisation_on_the_card_is_a_job_change(crm: Crm, tmp_path: Path) -> None:
    crm("import", "vcard", str(V3))
    moved = tmp_path / "contacts.vcf"
    moved.write_bytes(V3.read_bytes().replace(b"ORG:Initech;", b"ORG:Hooli;"))
    out = crm("import", "vcard", str(moved), now=LATER).stdout
    assert lines(out) == [
        "Imported contacts.vcf: 0 added, 1 updated, 2 unchanged, 1 job change, 0 skipped; "
        "1 new employer.",
        "  Sam Ortiz: Engineering Manager at Initech → Engineering Manager at Hooli",
        "  + #1 Congratulate on the new role (Engineering Manager at Hooli) · due today",
    ]


def test_a_card_that_went_back_and_forth_is_congratulated_once(crm: Crm, tmp_path: Path) -> None:
    """Initech, then Hooli (news), then the older file again: back to a job the history
    holds, recorded, and no congratulation on the old job."""
    crm("import", "vcard", str(V3))
    moved = tmp_path / "contacts.vcf"
    moved.write_bytes(V3.read_bytes().replace(b"ORG:Initech;", b"ORG:Hooli;"))
    crm("import", "vcard", str(moved), now=LATER)
    back = crm("import", "vcard", str(V3), now=LATER).stdout
    assert lines(back)[1:] == [
        "  Sam Ortiz: Engineering Manager at Hooli → Engineering Manager at Initech",
    ]
    again = crm("import", "vcard", str(moved), now=LATER).stdout
    assert "+ #" not in again
    tasks = crm.json("task", "list", "--all", now=LATER)
    assert isinstance(tasks, list)
    assert [t["title"] for t in tasks] == [
        "Congratulate on the new role (Engineering Manager at Hooli)"
    ]


def test_a_congratulation_left_alone_expires_as_the_plans_tasks_do(
    crm: Crm, tmp_path: Path
) -> None:
    """Rule 7 holds for the import's task too: 30 days overdue it is still there; a day more
    and it expires (out of `crm today`, named once); a look back with CRM_NOW reopens it."""
    crm("import", "vcard", str(V3))
    moved = tmp_path / "contacts.vcf"
    moved.write_bytes(V3.read_bytes().replace(b"ORG:Initech;", b"ORG:Hooli;"))
    crm("import", "vcard", str(moved), now=LATER)  # due Apr 2

    def congratulation(now: str) -> str:
        tasks = crm.json("task", "list", "--all", now=now)
        assert isinstance(tasks, list)
        [task] = [t for t in tasks if t["title"].startswith("Congratulate")]
        return str(task["status"])

    assert congratulation("2026-05-02T09:00:00+00:00") == "open"  # 30 days late
    assert lines(crm("remind", now="2026-05-03").stdout) == [
        "The plan expired 1.",
        "  × #1 Congratulate on the new role (Engineering Manager at Hooli) (Sam Ortiz)"
        " · expired (31 days late)",
    ]
    assert congratulation("2026-05-03T09:00:00+00:00") == "expired"
    assert "Congratulate" not in crm("today", now="2026-05-03T09:00:00+00:00").stdout
    assert congratulation("2026-05-02T09:00:00+00:00") == "open"  # the calendar brings it back


def test_androids_vcard_2_1_with_quoted_printable(crm: Crm, tmp_path: Path) -> None:
    android = tmp_path / "00001.vcf"
    android.write_bytes(
        b"BEGIN:VCARD\r\nVERSION:2.1\r\n"
        b"N;CHARSET=UTF-8;ENCODING=QUOTED-PRINTABLE:Lef=C3=A8vre;Zo=C3=AB;;;\r\n"
        b"FN;CHARSET=UTF-8;ENCODING=QUOTED-PRINTABLE:Zo=C3=AB Lef=C3=A8vre\r\n"
        b"TEL;CELL;PREF:+33612345678\r\n"
        b"NOTE;CHARSET=UTF-8;ENCODING=QUOTED-PRINTABLE:Recruteuse chez Globex, tr=C3=A8s =\r\n"
        b"aimable.\r\n"
        b"END:VCARD\r\n"
    )
    crm("import", "vcard", str(android))
    zoe = people(crm)["Zoë Lefèvre"]
    assert (zoe["phone"], zoe["notes"]) == ("+33612345678", "Recruteuse chez Globex, très aimable.")


def test_a_comma_the_exporter_did_not_escape_is_kept(crm: Crm, tmp_path: Path) -> None:
    """vobject alone cuts a value at its first bare comma; crm escapes them first."""
    sloppy = tmp_path / "sloppy.vcf"
    sloppy.write_bytes(
        b"BEGIN:VCARD\r\nVERSION:3.0\r\nFN:Priya Shah, PhD\r\nN:Shah;Priya;;;PhD\r\n"
        b"ORG:Acme, Inc.\r\nTITLE:Director, Data Science\r\n"
        b"URL:https://maps.example/@48.1,11.5\r\nNOTE:Kind, helpful\\, and quick.\r\n"
        b"END:VCARD\r\n"
    )
    crm("import", "vcard", str(sloppy))
    priya = people(crm)["Priya Shah, PhD"]
    assert (priya["employer"], priya["position"]) == ("Acme, Inc.", "Director, Data Science")
    assert priya["notes"] == "Kind, helpful, and quick.\nWeb: https://maps.example/@48.1,11.5"


def broken(tmp_path: Path, old: bytes, new: bytes) -> Path:
    path = tmp_path / "contacts.vcf"
    data = V3.read_bytes()
    assert old in data
    path.write_bytes(data.replace(old, new, 1))
    return path


BAD_CARDS = [
    # (what is wrong, old bytes, new bytes, line, reason)
    (
        "a line that is not a property",
        b"TITLE:Engineering Manager\r\n",
        b"Engineering Manager\r\n",
        32,
        "'Engineering Manager' is not a vCard property (NAME:value)",
    ),
    (
        # a card with only an email address or a nickname is known by it (the real-vCard tests)
        "no name",
        b"N:Ortiz;Sam;;;\r\nFN:Sam Ortiz\r\nORG:Initech;\r\nTITLE:Engineering Manager\r\n"
        b"EMAIL;TYPE=INTERNET:sam.ortiz@initech.example\r\n",
        b"",
        27,
        "the card has no name (FN, N, NICKNAME or EMAIL)",
    ),
    (
        "an unknown version",
        b"VERSION:3.0\r\nN:Ortiz",
        b"VERSION:5.0\r\nN:Ortiz",
        27,
        "vCard version 5.0; crm reads 2.1, 3.0, 4.0",
    ),
    (
        "a card that never ends",
        b"END:VCARD\r\nBEGIN:VCARD\r\nVERSION:3.0\r\nN:Ortiz",
        b"BEGIN:VCARD\r\nVERSION:3.0\r\nN:Ortiz",
        1,
        "the card beginning here never ends (no END:VCARD)",
    ),
]


@pytest.mark.parametrize(
    ("old", "new", "line", "reason"), [c[1:] for c in BAD_CARDS], ids=[c[0] for c in BAD_CARDS]
)
def test_a_bad_card_stops_the_import_and_names_its_line(
    crm: Crm, tmp_path: Path, old: bytes, new: bytes, line: int, reason: str
) -> None:
    crm("contact", "add", "Pat Example")
    before = crm.state()
    path = broken(tmp_path, old, new)
    result = crm("import", "vcard", str(path), ok=False)
    assert result.exit_code == 2
    assert result.stderr == (
        f"Error: {path} line {line}: {reason}; nothing imported, --skip-bad imports the rest\n"
    )
    assert crm.state() == before


def test_skip_bad_imports_the_other_cards(crm: Crm, tmp_path: Path) -> None:
    _, old, new, line, reason = BAD_CARDS[0]
    out = crm("import", "vcard", str(broken(tmp_path, old, new)), "--skip-bad").stdout
    assert lines(out) == [
        "Imported contacts.vcf: 2 added, 0 updated, 0 unchanged, 0 job changes, 1 skipped; "
        "2 new employers.",
        f"  skipped line {line}: {reason}",
    ]


def _write(path: Path, data: bytes) -> Path:
    path.write_bytes(data)
    return path


BAD_FILES = {
    "missing": (lambda tmp: tmp / "nowhere.vcf", "no such file"),
    "binary": (
        lambda tmp: _write(tmp / "photo.vcf", b"\xff\xd8\xff\xe0\x00\x10JFIF"),
        "not a text",
    ),
    "empty": (lambda tmp: _write(tmp / "empty.vcf", b"\r\n"), "is empty"),
    "LinkedIn's CSV": (
        lambda tmp: DATA / "Connections.csv",
        "is not a vCard file: it has no BEGIN:VCARD ... END:VCARD",
    ),
    "truncated": (
        lambda tmp: _write(tmp / "cut.vcf", V3.read_bytes()[: V3.read_bytes().rindex(b"URL:")]),
        "line 36: the card beginning here never ends (is the file cut short?)",
    ),
    "not UTF-8": (
        lambda tmp: _write(
            tmp / "latin1.vcf", "BEGIN:VCARD\nFN:Zoë\nEND:VCARD\n".encode("latin-1")
        ),
        "is not UTF-8 text",
    ),
}


@pytest.mark.parametrize("kind", list(BAD_FILES))
def test_a_bad_file_gets_one_line_and_changes_nothing(crm: Crm, tmp_path: Path, kind: str) -> None:
    crm("import", "vcard", str(V4))
    before = crm.state()
    make, words = BAD_FILES[kind]
    result = crm("import", "vcard", str(make(tmp_path)), ok=False)
    assert result.exit_code == 2, result.stderr
    assert result.stdout == ""
    assert result.stderr.startswith("Error: ") and result.stderr.count("\n") == 1
    assert words in result.stderr
    assert crm.state() == before


def test_categories_are_tags_added_to_what_a_contact_has(crm: Crm, tmp_path: Path) -> None:
    crm("contact", "add", "Dana Whitfield", "--tag", "Referral")
    path = tmp_path / "tags.vcf"
    path.write_text(
        "BEGIN:VCARD\r\nVERSION:3.0\r\nFN:Dana Whitfield\r\nCATEGORIES:referral,Fair 2026\r\n"
        "END:VCARD\r\nBEGIN:VCARD\r\nVERSION:3.0\r\nFN:Lee Park\r\nN:Park;Lee;;;\r\n"
        "CATEGORIES:Mentors\r\nEND:VCARD\r\n",
        encoding="utf-8",
    )
    out = crm("import", "vcard", str(path)).stdout
    assert out.startswith("Imported tags.vcf: 1 added, 1 updated, 0 unchanged")
    assert crm.json("contact", "show", "dana")["tags"] == ["Fair 2026", "Referral"]  # type: ignore[index]
    assert crm.json("contact", "show", "lee")["tags"] == ["Mentors"]  # type: ignore[index]
    again = crm("import", "vcard", str(path)).stdout
    assert again.startswith("Imported tags.vcf: 0 added, 0 updated, 2 unchanged")
