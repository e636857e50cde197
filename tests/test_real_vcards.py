"""Address books as other programs write them: every file in ../shared/testdata/real-vcards.

Each file is read where it lies (never copied into the project); the table says, per file, how
many people it holds, which cards are not people, and what one person in it looks like after
the import: name, employer, position, first email and phone, and lines of the notes.
"""

from __future__ import annotations

import json
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import pytest

from tests.conftest import Crm

REAL = Path(__file__).resolve().parents[1].parent / "shared/testdata/real-vcards"
JOHN = "Mr. John Richter James Doe Sr."  # the ez-vcard John Doe, as most exporters write him
BSD = "THIS SOFTWARE IS PROVIDED BY THE COPYRIGHT HOLDERS AND CONTRIBUTORS"
N = "Ñ"


@dataclass
class Expected:
    added: int
    skipped: list[str] = field(default_factory=list)  # "line N: reason"
    # one person: name → {field: value}; "notes" is a list of lines the notes must hold, "tags"
    # the CATEGORIES that became tags
    person: dict[str, dict[str, Any]] = field(default_factory=dict)


EXPECTED: dict[str, Expected] = {
    "ezvcard-John_Doe_ANDROID.vcf": Expected(
        6,  # two cards with only an EMAIL, QP UTF-8 names, a broken photo, a bad byte
        person={
            # CATEGORIES:My Contacts, Android's group of every contact: not a tag
            "john.doe@company.com": {
                "email": "john.doe@company.com",
                "employer": None,
                "tags": [],
            },
            f"{N} {N} {N} {N}": {
                "email": "bob@company.com",
                "phone": "123456",
                "employer": N * 12,
                "notes": [
                    f"Other email addresses: {N * 14}",
                    "Web: www.company.com, http://www.company.com",
                ],
            },
            N * 4: {"email": "henry@company.com", "employer": N * 44},
        },
    ),
    "ezvcard-John_Doe_BLACK_BERRY.vcf": Expected(
        1, person={"John Doe": {"employer": "Acme Solutions", "phone": "+96123456789"}}
    ),
    "ezvcard-John_Doe_EVOLUTION.vcf": Expected(
        1,
        person={
            "Mr. John Richter, James Doe Sr.": {
                "tags": ["VIP"],
                "employer": "IBM",
                "position": "Money Counter",
                "email": "john.doe@ibm.com",
                "phone": "905-666-1234",
            }
        },
    ),
    "ezvcard-John_Doe_GMAIL.vcf": Expected(
        1,
        person={
            "Mr. John Richter, James Doe Sr.": {
                "employer": "IBM",
                "position": "Money Counter",
                "email": "john.doe@ibm.com",
                "phone": "905-555-1234",
            }
        },
    ),
    "ezvcard-John_Doe_IPHONE.vcf": Expected(  # CR CR LF line ends, a folded photo
        1,
        person={
            JOHN: {
                "employer": "IBM",
                "position": "Money Counter",
                "email": "john.doe@ibm.com",
                "phone": "905-555-1234",
                "notes": ["Department: Accounting", "Web: http://www.ibm.com"],
            }
        },
    ),
    "ezvcard-John_Doe_LOTUS_NOTES.vcf": Expected(  # PROFILE:VCard
        1,
        person={
            "Mr. Doe John I Johny": {
                "employer": "IBM",
                "position": "Generic Accountant",
                "email": "john.doe@ibm.com",
                "phone": "+1 (212) 204-34456",
                "notes": ["Department: SUN"],
            }
        },
    ),
    "ezvcard-John_Doe_MAC_ADDRESS_BOOK.vcf": Expected(  # \: escapes
        1,
        person={
            "Mr. John Richter,James Doe Sr.": {
                "employer": "IBM",
                "position": "Money Counter",
                "email": "john.doe@ibm.com",
                "notes": [
                    "Favotire Color: Blue",
                    "Department: Accounting",
                    "Web: http://www.ibm.com",
                ],
            }
        },
    ),
    "ezvcard-John_Doe_MS_OUTLOOK.vcf": Expected(
        1,
        person={
            JOHN: {
                "employer": "IBM",
                "position": "Money Counter",
                "email": "john.doe@ibm.cm",
                "phone": "(905) 555-1234",
            }
        },
    ),
    "ezvcard-fullcontact.vcf": Expected(  # two TITLEs, two ORGs
        1,
        person={
            "Prefix FirstName MiddleName LastName Suffix": {
                "tags": ["Tag"],
                "employer": "Organization1",
                "position": "Title1 / Title2",
                "email": "home@example.com",
                "phone": "555-555-1111",
                "notes": [
                    "Notes line 1",
                    "Notes line 2",
                    "Department: Department1",
                    "Other organisations: Organization2, Department2",
                ],
            }
        },
    ),
    "ezvcard-gmail-list.vcf": Expected(
        3, person={"Chris Beatle": {"email": "chrisy55d@yahoo.com"}}
    ),
    "ezvcard-gmail-single.vcf": Expected(
        1,
        person={
            "Greg Dartmouth": {
                "employer": "TheCompany",
                "position": "TheJobTitle",
                "email": "gdartmouth@hotmail.com",
                "phone": "555 555 1111",
                "notes": ["This is GMail's note field.", "It should be added as a NOTE type."],
            }
        },
    ),
    "ezvcard-gmail-single2.vcf": Expected(
        1,
        person={
            "VCard Test": {
                "employer": "TheCompany",
                "email": "email@example.com",
                "notes": ["note line 1", "note line 2"],
            }
        },
    ),
    "ezvcard-issue114.vcf": Expected(
        1, person={"Dummy, Dummy": {"employer": "Dummy GmbH", "phone": "+49 1234 56789"}}
    ),
    "ezvcard-outlook-2003.vcf": Expected(  # =0D=0A in the note
        1,
        person={
            "John Doe III": {
                "employer": "Company, The",
                "position": "The Job Title",
                "email": "jdoe@hotmail.com",
                "notes": ["This is the note field!!", "Second line", "", "Third line is empty"],
            }
        },
    ),
    "ezvcard-outlook-2007.vcf": Expected(
        1,
        person={
            "Mr. Michael Angstadt Jr.": {
                "employer": "TheCompany",
                "position": "TheJobTitle",
                "email": "mike.angstadt@gmail.com",
                "notes": ["I assume it encodes this text inside a NOTE vCard type."],
            }
        },
    ),
    "ezvcard-rfc2426-example.vcf": Expected(
        2,
        person={
            "Frank Dawson": {
                "employer": "Lotus Development Corporation",
                "email": "Frank_Dawson@Lotus.com",
                "phone": "+1-919-676-9515",
            }
        },
    ),
    "ezvcard-rfc6350-example.vcf": Expected(
        1,
        person={
            "Simon Perreault": {
                "employer": "Viagenie",
                "email": "simon.perreault@viagenie.ca",
                "phone": "+1-418-656-9254;ext=102",
            }
        },
    ),
    "ezvcard-thunderbird-MoreFunctionsForAddressBook-extension.vcf": Expected(
        1,
        person={
            "John Doe": {
                "employer": "TheOrganization",
                "position": "TheTitle",
                "email": "doe.john@hotmail.com",
                "notes": ["This is the notes field.", "Second Line", "", "Fourth Line"],
            }
        },
    ),
    "khard-altid.vcf": Expected(1, person={"altid": {"employer": None}}),
    "khard-labels.vcf": Expected(1, person={"labeled guy": {"employer": "Test Inc"}}),
    "khard-org.vcf": Expected(0, skipped=["line 1: an organisation, not a person"]),
    "khard-photov4.vcf": Expected(1, person={"with photo v4": {"email": None}}),
    "khard-tel-value-uri.vcf": Expected(1, person={"bug 195": {"phone": "67545678"}}),
    "khard-unparsable.vcf": Expected(
        0, skipped=["line 1: the card beginning here never ends (is the file cut short?)"]
    ),
    "monica-vcard_stub.vcf": Expected(  # a card with only a NICKNAME
        3,
        person={
            "Bono": {
                "employer": "U2",
                "position": "Lead vocalist",
                "notes": ["Lorem ipsum dolor sit amet"],
            },
            "Johnny": {"email": None},
        },
    ),
    "nextcloud-forrest-gump.vcf": Expected(
        1,
        person={
            "Forrest Gump": {
                "employer": "Sheri Nom Co.",
                "position": "Ultimate Warrior",
                "email": "sherinnom@example.com",
            }
        },
    ),
    "radicale-broken-vcards.vcf": Expected(  # SOGo cards with only an EMAIL
        2,
        person={"test-misses-N-or-FN@example.com": {"email": "test-misses-N-or-FN@example.com"}},
    ),
    "radicale-contact4-with-bday-no-year.vcf": Expected(
        1, person={"Test bday without year Thunderbird CardBook": {"email": None}}
    ),
    "radicale-contact_photo_with_data_uri.vcf": Expected(1, person={"Contact": {"email": None}}),
    "radicale-vcard-quoted-printable1.vcf": Expected(  # QP CJK, a QP soft break in the URL
        1, person={"黄世勇": {"notes": ["Web: http://weibo.com/3094900433?闪闪H红星"]}}
    ),
    "vobject-more_tests-qp-latin1.vcf": Expected(  # QP Latin-1 without CHARSET
        1, person={"é": {"phone": "0111111111"}}
    ),
    "vobject-vcard40_full.vcf": Expected(
        1,
        person={
            "Dr. John Q. Public, III": {
                "tags": ["BUSINESS", "NETWORKING"],
                "employer": "Example Corp.",
                "position": "CEO",
                "email": "johnny@personal.example.org",
                "phone": "+1-555-555-5555",
                "notes": ["This is a note about John.", "He likes vCards."],
            }
        },
    ),
    "vobject-vcard40_group.vcf": Expected(0, skipped=["line 1: a group of contacts, not a person"]),
    "vobject-vcard40_location.vcf": Expected(0, skipped=["line 1: a place, not a person"]),
    "vobject-vcard40_multilang.vcf": Expected(1, person={"Yamada Taro": {"email": None}}),
    "vobject-vcard40_org.vcf": Expected(0, skipped=["line 1: an organisation, not a person"]),
}
# the one card no program could read: a file cut short
UNREADABLE = {"khard-unparsable.vcf"}


def test_the_table_covers_every_file_in_the_folder() -> None:
    if not REAL.is_dir():
        pytest.skip(f"{REAL} is not there (the shared test data lives beside the project)")
    assert sorted(p.name for p in REAL.glob("*.vcf")) == sorted(EXPECTED)


def contacts(crm: Crm) -> dict[str, dict[str, Any]]:
    document = json.loads(crm("export").stdout)
    employers = {e["id"]: e["name"] for e in document["employers"]}
    tags: dict[int, list[str]] = {}
    for tag in document["contact_tags"]:
        tags.setdefault(tag["contact_id"], []).append(tag["tag"])
    return {
        c["name"]: dict(
            c, employer=employers.get(c["employer_id"]), tags=sorted(tags.get(c["id"], []))
        )
        for c in document["contacts"]
    }


@pytest.mark.parametrize("name", sorted(EXPECTED))
def test_a_real_address_book(sqlite_crm: Crm, name: str) -> None:
    path = REAL / name
    if not path.is_file():
        pytest.skip(f"{path} is not there")
    expected = EXPECTED[name]
    args = ["import", "vcard", str(path)] + (["--skip-bad"] if name in UNREADABLE else [])
    out = sqlite_crm(*args).stdout.splitlines()
    assert out[0].startswith(f"Imported {name}: {expected.added} added, 0 updated, 0 unchanged")
    assert f"{len(expected.skipped)} skipped" in out[0]
    assert [line.strip().removeprefix("skipped ") for line in out[1:]] == expected.skipped
    found = contacts(sqlite_crm)
    assert len(found) == expected.added
    for person, fields in expected.person.items():
        assert person in found, sorted(found)
        contact = found[person]
        for key, value in fields.items():
            if key == "notes":
                held = (contact["notes"] or "").split("\n")
                assert [line for line in value if line not in held] == [], contact["notes"]
            else:
                assert contact[key] == value, (key, contact)
    # importing the same file again finds every person it added
    again = sqlite_crm(*args).stdout.splitlines()[0]
    assert f"0 added, 0 updated, {expected.added} unchanged" in again


def test_an_unreadable_card_costs_only_itself(sqlite_crm: Crm, tmp_path: Path) -> None:
    """A card cut short between two files' cards: --skip-bad keeps the neighbours."""
    parts = ["nextcloud-forrest-gump.vcf", "khard-unparsable.vcf", "monica-vcard_stub.vcf"]
    if not all((REAL / p).is_file() for p in parts):
        pytest.skip(f"{REAL} is not there")
    joined = tmp_path / "joined.vcf"
    joined.write_bytes(b"".join((REAL / p).read_bytes() for p in parts))
    refused = sqlite_crm("import", "vcard", str(joined), ok=False)
    assert refused.exit_code == 2
    assert "line 13: the card beginning here never ends (no END:VCARD)" in refused.stderr
    out = sqlite_crm("import", "vcard", str(joined), "--skip-bad").stdout.splitlines()
    assert out[0].startswith("Imported joined.vcf: 4 added, 0 updated, 0 unchanged")
    assert out[1] == "  skipped line 13: the card beginning here never ends (no END:VCARD)"
    assert sorted(contacts(sqlite_crm)) == ["Bono", "Forrest Gump", "John Doe", "Johnny"]
