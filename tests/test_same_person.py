"""The same person from two sources, or from one source twice: one contact, one history."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import pytest

from tests.conftest import Crm

REAL = Path(__file__).resolve().parents[1].parent / "shared/testdata/real-vcards"
BLACK_BERRY = REAL / "ezvcard-John_Doe_BLACK_BERRY.vcf"  # John Doe, ORG:Acme Solutions


def card(path: Path, name: str, org: str | None = None, email: str | None = None) -> Path:
    lines = ["BEGIN:VCARD", "VERSION:3.0", f"FN:{name}"]
    lines += [f"ORG:{org}"] if org else []
    lines += [f"EMAIL:{email}"] if email else []
    path.write_text("\r\n".join([*lines, "END:VCARD", ""]), newline="")
    return path


def document(crm: Crm) -> dict[str, Any]:
    return json.loads(crm("export").stdout)  # type: ignore[no-any-return]


def congratulations(crm: Crm) -> list[str]:
    return [t["title"] for t in document(crm)["tasks"] if t["title"].startswith("Congratulate")]


def test_a_card_without_org_never_closes_a_job_nor_makes_a_congratulation(
    crm: Crm, tmp_path: Path
) -> None:
    """The repro of #16: alternately the BlackBerry card and the same name without ORG, a day
    apart each time, made a new congratulation every round."""
    if not BLACK_BERRY.is_file():
        pytest.skip(f"{BLACK_BERRY} is not there")
    bare = card(tmp_path / "bare.vcf", "John Doe")
    for day in range(2, 8):
        crm("import", "vcard", str(BLACK_BERRY), now=f"2026-03-{day:02}T09:00:00+00:00")
        out = crm("import", "vcard", str(bare), now=f"2026-03-{day:02}T12:00:00+00:00").stdout
        assert "0 added" in out and "0 job changes" in out
    doc = document(crm)
    assert [c["name"] for c in doc["contacts"]] == ["John Doe"]
    assert [(e["company"], e["seen_from"], e["seen_until"]) for e in doc["employment"]] == [
        ("Acme Solutions", "2026-03-02", None)
    ]
    assert congratulations(crm) == []


def test_a_move_seen_again_is_congratulated_once(crm: Crm, tmp_path: Path) -> None:
    path = tmp_path / "kim.vcf"
    rounds = ["Initech", "Globex", "Initech", "Globex", "Globex"]
    for day, org in enumerate(rounds, start=2):
        card(path, "Alex Kim", org, "alex@example.com")
        crm("import", "vcard", str(path), now=f"2026-03-{day:02}T09:00:00+00:00")
    # Initech → Globex is news; back to Initech is a job the history holds (an old card
    # imported after a newer one), and Globex again the same move: one task
    assert congratulations(crm) == ["Congratulate on the new role (at Globex)"]
    assert len(document(crm)["employment"]) == 4


def test_people_are_matched_by_profile_then_email_then_name_and_employer(
    crm: Crm, tmp_path: Path
) -> None:
    crm("contact", "add", "Alex Kim", "--employer", "Initech")
    crm("contact", "add", "Alex Kim", "--employer", "Globex")
    crm("contact", "add", "Robin Lee", "--email", "robin@globex.example")
    cards = tmp_path / "cards.vcf"
    cards.write_text(
        "BEGIN:VCARD\r\nVERSION:3.0\r\nFN:Alex Kim\r\nORG:Globex\r\nTEL:+1 555 0100\r\n"
        "END:VCARD\r\n"
        # another name, the same address: the address wins
        "BEGIN:VCARD\r\nVERSION:3.0\r\nFN:Robin Lee-Hart\r\nEMAIL:robin@globex.example\r\n"
        "TEL:+1 555 0101\r\nEND:VCARD\r\n"
        # a namesake at an employer neither Alex works at: not either of them
        "BEGIN:VCARD\r\nVERSION:3.0\r\nFN:Alex Kim\r\nORG:Hooli\r\nEND:VCARD\r\n",
        newline="",
    )
    out = crm("import", "vcard", str(cards)).stdout
    assert out.startswith("Imported cards.vcf: 1 added, 2 updated, 0 unchanged")
    doc = document(crm)
    employers = {e["id"]: e["name"] for e in doc["employers"]}
    people = sorted(
        (c["name"], employers.get(c["employer_id"]), c["phone"]) for c in doc["contacts"]
    )
    assert people == [
        ("Alex Kim", "Globex", "+1 555 0100"),
        ("Alex Kim", "Hooli", None),
        ("Alex Kim", "Initech", None),
        ("Robin Lee", None, "+1 555 0101"),
    ]
