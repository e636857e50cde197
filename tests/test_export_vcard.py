"""`crm export --format vcard`: the contacts as vCard 4.0, and back again without a change."""

from __future__ import annotations

import json
import stat
from pathlib import Path
from typing import Any

import pytest

from tests.conftest import Crm, replayed
from tests.helpers import acme_story, lines

DATA = Path(__file__).parent / "data"


@replayed
def story(crm: Crm) -> None:
    acme_story(crm)
    crm("import", "linkedin", str(DATA / "Connections.csv"))
    crm("import", "vcard", str(DATA / "contacts-3.0.vcf"))
    crm("contact", "add", "Ng Wei", "--employer", "Acme", "--email", "wei@acme.example")
    crm("contact", "edit", "Ng Wei", "--tag", "Referral", "--tag", "Fair, 2026")


def contacts(crm: Crm) -> list[dict[str, Any]]:
    document = json.loads(crm("export").stdout)
    employers = {e["id"]: e["name"] for e in document["employers"]}
    return [
        {
            "name": c["name"],
            "employer": employers.get(c["employer_id"]),
            **{k: c[k] for k in ("email", "phone", "position", "linkedin_url", "notes")},
            "tags": sorted(
                t["tag"] for t in document["contact_tags"] if t["contact_id"] == c["id"]
            ),
        }
        for c in document["contacts"]
    ]


def test_the_export_is_vcard_4_that_crm_reads_back_without_a_change(
    crm: Crm, tmp_path: Path
) -> None:
    story(crm)
    before = json.loads(crm("export").stdout)
    path = tmp_path / "crm.vcf"
    out = crm("export", "--format", "vcard", "--output", str(path)).stdout
    count = len(before["contacts"])
    assert lines(out) == [f"Exported {count} contacts to {path}."]
    assert stat.S_IMODE(path.stat().st_mode) == 0o600
    text = path.read_text(encoding="utf-8")
    assert text.count("BEGIN:VCARD") == count == text.count("VERSION:4.0") == 8
    assert "FN:Priya Shah\\, PhD" in text
    assert "ORG:Globex\\, Inc." in text
    assert "CATEGORIES:Fair\\, 2026,Referral" in text  # the tags, a comma in one escaped

    again = crm("import", "vcard", str(path)).stdout
    assert lines(again) == [
        f"Imported crm.vcf: 0 added, 0 updated, {count} unchanged, 0 job changes, 0 skipped."
    ]
    assert json.loads(crm("export").stdout) == before


def test_another_address_book_gets_the_same_people(crm: Crm, tmp_path: Path) -> None:
    story(crm)
    written = crm("export", "--format", "vcard").stdout  # stdout without --output
    path = tmp_path / "from-crm.vcf"
    path.write_text(written, encoding="utf-8")
    elsewhere = Crm(str(tmp_path / "elsewhere.db"))
    out = elsewhere("import", "vcard", str(path)).stdout
    assert lines(out)[0].startswith("Imported from-crm.vcf: 8 added, 0 updated, 0 unchanged")

    def key(c: dict[str, Any]) -> str:
        return str(c["name"])

    assert sorted(contacts(elsewhere), key=key) == sorted(contacts(crm), key=key)
    # the UIDs stay the same from one export to the next, for address books that update
    assert crm("export", "--format", "vcard").stdout == written


def test_no_contacts_is_an_empty_file(crm: Crm, tmp_path: Path) -> None:
    path = tmp_path / "none.vcf"
    assert lines(crm("export", "--format", "vcard", "--output", str(path)).stdout) == [
        f"Exported 0 contacts to {path}."
    ]
    assert path.read_bytes() == b""


def test_cards_are_written_a_batch_at_a_time_with_the_same_bytes(
    crm: Crm, monkeypatch: pytest.MonkeyPatch
) -> None:
    """Contacts are read and written BATCH at a time (memory flat in the data): batches of two
    give the very file one batch gives, tags and employers included."""
    from crm.services import vcard_export

    story(crm)
    whole = crm("export", "--format", "vcard").stdout
    monkeypatch.setattr(vcard_export, "BATCH", 2)
    assert crm("export", "--format", "vcard").stdout == whole
    assert whole.count("BEGIN:VCARD") == len(contacts(crm)) > 4
    assert "CATEGORIES:Fair\\, 2026,Referral" in whole
