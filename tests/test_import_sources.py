"""LinkedIn's files as people keep them (re-saved by a spreadsheet, an old export without
URLs, messages.csv beside Connections.csv) and Google Contacts' CSV."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

from tests.conftest import Crm
from tests.helpers import lines

DATA = Path(__file__).parent / "data"
FIRST = DATA / "Connections.csv"


def exported(crm: Crm) -> dict[str, Any]:
    return json.loads(crm("export").stdout)  # type: ignore[no-any-return]


def people(crm: Crm) -> dict[str, dict[str, Any]]:
    document = exported(crm)
    employers = {e["id"]: e["name"] for e in document["employers"]}
    return {
        c["name"]: dict(c, employer=employers.get(c["employer_id"])) for c in document["contacts"]
    }


def test_dates_a_spreadsheet_wrote_are_read(crm: Crm, tmp_path: Path) -> None:
    resaved = tmp_path / "Connections.csv"
    text = FIRST.read_text(encoding="utf-8-sig")
    for linkedins, spreadsheets in (
        ("28 Feb 2026", "28-Feb-26"),  # LibreOffice, Excel (en-GB)
        ("05 Jan 2025", "1/5/2025"),  # Excel (en-US): month first
        ("30 Sep 2023", "30/9/2023"),  # day first: 30 cannot be a month
        ("12 Mar 2024", "2024-03-12"),
    ):
        assert linkedins in text
        text = text.replace(linkedins, spreadsheets)
    resaved.write_text(text, encoding="utf-8")
    crm("import", "linkedin", str(resaved))
    connected = {n: p["linkedin_connected_on"] for n, p in people(crm).items()}
    assert connected == {
        "Sam Ortiz": "2026-02-28",
        "Zoë Lefèvre": "2025-01-05",
        "Priya Shah, PhD": "2023-09-30",
        "Dana Whitfield": "2024-03-12",
        "Kai Ito": "2022-11-17",
    }


def test_a_date_in_no_known_form_is_refused(crm: Crm, tmp_path: Path) -> None:
    bad = tmp_path / "Connections.csv"
    bad.write_text(FIRST.read_text(encoding="utf-8-sig").replace("28 Feb 2026", "13/13/2026"))
    result = crm("import", "linkedin", str(bad), ok=False)
    assert result.exit_code == 2
    assert "Connected On '13/13/2026' is not a date like 12 Mar 2024;" in result.stderr


def test_an_old_export_without_urls_matches_by_name_and_company(crm: Crm, tmp_path: Path) -> None:
    crm("contact", "add", "Sam Ortiz", "--employer", "Initech", "--email", "sam@initech.example")
    crm("contact", "add", "Priya Shah", "--employer", "Umbrella Health")
    old = tmp_path / "Connections.csv"
    old.write_text(
        "First Name,Last Name,Email Address,Company,Position,Connected On\r\n"
        "Sam,Ortiz,,Initech,Engineering Manager,28 Feb 2016\r\n"
        'Priya,"Shah, PhD",,Umbrella Health,Director,30 Sep 2015\r\n'
        "Kai,Ito,,,,17 Nov 2014\r\n",
        newline="",
    )
    out = crm("import", "linkedin", str(old)).stdout
    assert lines(out) == [
        "Imported Connections.csv: 2 added, 1 updated, 0 unchanged, 0 job changes, 0 skipped.",
        "  no profile URLs in this export: 2 matched no contact by name and company, added as new:",
        "    line 3: Priya Shah, PhD (Umbrella Health)",
        "    line 4: Kai Ito",
    ]
    sam = people(crm)["Sam Ortiz"]
    assert (sam["email"], sam["position"], sam["linkedin_connected_on"], sam["linkedin_url"]) == (
        "sam@initech.example",
        "Engineering Manager",
        "2016-02-28",
        None,
    )


GOOGLE_NOW = (
    "First Name,Middle Name,Last Name,Phonetic First Name,Phonetic Middle Name,"
    "Phonetic Last Name,Name Prefix,Name Suffix,Nickname,File As,Organization Name,"
    "Organization Title,Organization Department,Birthday,Notes,Photo,Labels,"
    "E-mail 1 - Label,E-mail 1 - Value,E-mail 2 - Label,E-mail 2 - Value,"
    "Phone 1 - Label,Phone 1 - Value,Website 1 - Label,Website 1 - Value\r\n"
    'Dana,,Whitfield,,,,,,,,Acme Robotics,Head of Data,Data,,"Met at the panel; kind, direct.",,'
    "* myContacts ::: Panel 2026 ::: * starred,* Work,dana@acme.example,Home,dana@example.com,"
    "Mobile,+1 555 0100 ::: +1 555 0199,"
    "Profile,https://www.linkedin.com/in/dana-whitfield-4a1b2c\r\n"
    ",,,,,,,,,,,,,,,,* myContacts,,solo@example.org,,,,,,\r\n"
)
GOOGLE_BEFORE_2024 = (
    "Name,Given Name,Additional Name,Family Name,Yomi Name,Given Name Yomi,"
    "Additional Name Yomi,Family Name Yomi,Name Prefix,Name Suffix,Initials,Nickname,"
    "Short Name,Maiden Name,Birthday,Gender,Location,Billing Information,Directory Server,"
    "Mileage,Occupation,Hobby,Sensitivity,Priority,Subject,Notes,Language,Photo,"
    "Group Membership,E-mail 1 - Type,E-mail 1 - Value,Phone 1 - Type,Phone 1 - Value,"
    "Organization 1 - Type,Organization 1 - Name,Organization 1 - Yomi Name,"
    "Organization 1 - Title,Organization 1 - Department,Organization 1 - Symbol,"
    "Organization 1 - Location,Organization 1 - Job Description\r\n"
    "Sam Ortiz,Sam,,Ortiz,,,,,,,,,,,,,,,,,,,,,,,,,* myContacts ::: Recruiters,* Work,"
    "sam@initech.example,"
    "Work,+1 555 0200,,Initech,,Engineering Manager,,,,\r\n"
)


def test_google_contacts_csv_in_either_layout(crm: Crm, tmp_path: Path) -> None:
    now = tmp_path / "contacts.csv"
    now.write_text(GOOGLE_NOW, newline="")
    before = tmp_path / "google.csv"
    before.write_text(GOOGLE_BEFORE_2024, newline="")
    out = crm("import", "google", str(now)).stdout
    assert lines(out)[0] == (
        "Imported contacts.csv: 2 added, 0 updated, 0 unchanged, 0 job changes, 0 skipped; "
        "1 new employer."
    )
    # given to the LinkedIn command, it is recognised rather than refused
    out = crm("import", "linkedin", str(before)).stdout
    assert lines(out)[:2] == [
        "google.csv is a Google Contacts export: importing it as crm import google would.",
        "Imported google.csv: 1 added, 0 updated, 0 unchanged, 0 job changes, 0 skipped; "
        "1 new employer.",
    ]
    found = people(crm)
    dana = found["Dana Whitfield"]
    assert (dana["employer"], dana["position"], dana["email"], dana["phone"]) == (
        "Acme Robotics",
        "Head of Data",
        "dana@acme.example",
        "+1 555 0100",
    )
    assert dana["linkedin_url"] == "https://www.linkedin.com/in/dana-whitfield-4a1b2c"
    assert dana["notes"] == (
        "Met at the panel; kind, direct.\nDepartment: Data\n"
        "Other email addresses: dana@example.com\nOther phone numbers: +1 555 0199"
    )
    assert found["solo@example.org"]["email"] == "solo@example.org"
    sam = found["Sam Ortiz"]
    assert (sam["employer"], sam["position"], sam["phone"]) == (
        "Initech",
        "Engineering Manager",
        "+1 555 0200",
    )
    # labels are tags, Google's own groups (`* myContacts`, `* starred`) left out
    tags = {(t["contact_id"], t["tag"]) for t in exported(crm)["contact_tags"]}
    assert tags == {(dana["id"], "Panel 2026"), (sam["id"], "Recruiters")}
    # Dana from LinkedIn is the same Dana: her profile
    crm("import", "linkedin", str(FIRST))
    assert len([n for n in people(crm) if n == "Dana Whitfield"]) == 1
    again = crm("import", "google", str(now)).stdout
    assert "0 added, 0 updated, 2 unchanged" in again


MESSAGES = (
    "CONVERSATION ID,CONVERSATION TITLE,FROM,SENDER PROFILE URL,TO,RECIPIENT PROFILE URLS,"
    "DATE,SUBJECT,CONTENT,FOLDER,ATTACHMENTS\r\n"
    "2-abc,,Sam Ortiz,https://www.linkedin.com/in/samortiz,Ana Lima,"
    "https://www.linkedin.com/in/ana-lima,2026-02-28 16:20:00 UTC,,"
    '"Thanks Ana, happy to stay in touch.\nLet\'s talk in spring.",INBOX,\r\n'
    "2-abc,,Ana Lima,https://www.linkedin.com/in/ana-lima,Sam Ortiz,"
    "https://www.linkedin.com/in/samortiz,2026-02-28 15:02:11 UTC,,"
    "Thank you for Tuesday!,INBOX,\r\n"
    "2-def,,Ana Lima,https://www.linkedin.com/in/ana-lima,Zoë Lefèvre,"
    "https://www.linkedin.com/in/ACoAAAnotHerVanityUrl,2026-03-01 09:00:00 UTC,Coffee?,"
    "Would you have 20 minutes next week?,INBOX,\r\n"
    "2-ghi,,Rex Recruiter,https://www.linkedin.com/in/rex,Ana Lima,"
    "https://www.linkedin.com/in/ana-lima,2026-03-01 10:00:00 UTC,Opportunity,"
    "Great role for you!,INBOX,\r\n"
    "2-jkl,,Priya Shah,https://www.linkedin.com/in/priya-shah-phd,Ana Lima,"
    "https://www.linkedin.com/in/ana-lima,2026-03-01 11:00:00 UTC,,Buy followers,SPAM,\r\n"
)


def test_linkedin_messages_become_touchpoints_once(crm: Crm, tmp_path: Path) -> None:
    crm("import", "linkedin", str(FIRST))
    path = tmp_path / "messages.csv"
    path.write_text(MESSAGES, encoding="utf-8", newline="")
    out = crm("import", "linkedin", str(path)).stdout
    assert lines(out) == [
        "Read 5 messages: 3 touchpoints added.",
        "  Sam Ortiz: 1 reply, 1 email",
        "  Zoë Lefèvre: 1 email",  # by her name: this URL is not the one Connections.csv has
        "Skipped 2 messages:",
        "    1  in LinkedIn's spam folder",
        "    1  not with a known contact",
        # a contact who answered is one to keep in touch with (the plan's rule)
        "  + #1 Write about a shared interest (Sam Ortiz) · due Sat 28 Mar",
    ]
    document = exported(crm)
    names = {c["id"]: c["name"] for c in document["contacts"]}
    assert sorted(
        (names[t["contact_id"]], t["kind"], t["direction"], t["happened_at"], t["body"])
        for t in document["touchpoints"]
    ) == [
        ("Sam Ortiz", "email", "out", "2026-02-28T15:02:11+00:00", "Thank you for Tuesday!"),
        (
            "Sam Ortiz",
            "reply",
            "in",
            "2026-02-28T16:20:00+00:00",
            "Thanks Ana, happy to stay in touch.\nLet's talk in spring.",
        ),
        (
            "Zoë Lefèvre",
            "email",
            "out",
            "2026-03-01T09:00:00+00:00",
            "Would you have 20 minutes next week?",
        ),
    ]
    again = crm("import", "linkedin", str(path)).stdout
    assert lines(again)[0] == "Read 5 messages: 0 touchpoints added."
    assert "    3  already imported" in lines(again)


def test_a_malformed_message_row_is_refused_or_skipped(crm: Crm, tmp_path: Path) -> None:
    crm("import", "linkedin", str(FIRST))
    path = tmp_path / "messages.csv"
    path.write_text(MESSAGES.replace("2026-03-01 09:00:00 UTC", "yesterday"), newline="")
    before = crm.state()
    result = crm("import", "linkedin", str(path), ok=False)
    assert result.exit_code == 2
    assert result.stderr == (
        f"Error: {path} line 5: DATE 'yesterday' is not a time like 2024-03-12 14:05:33 UTC; "
        "nothing imported, --skip-bad imports the rest\n"
    )
    assert crm.state() == before
    out = crm("import", "linkedin", str(path), "--skip-bad").stdout
    assert lines(out)[0] == "Read 4 messages: 2 touchpoints added."
    assert "  skipped line 5: DATE 'yesterday' is not a time like 2024-03-12 14:05:33 UTC" in lines(
        out
    )
