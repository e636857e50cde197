"""Names found as people type them: any case, no accents, and a typo that suggests the closest."""

from __future__ import annotations

from pathlib import Path

from sqlalchemy import create_engine, text

from crm import migrations
from crm.db import Database
from crm.services.text import name_key
from tests.conftest import Crm


def test_a_name_key_ignores_case_accents_and_spacing() -> None:
    assert name_key("María  González") == "maria gonzalez"
    assert name_key("JOSÉ") == "jose"
    assert name_key("Müller") == "muller"
    assert name_key("Straße") == "strasse"
    assert name_key("Zoë Lefèvre") == "zoe lefevre"


def test_contacts_and_employers_are_found_without_accents(crm: Crm) -> None:
    crm("contact", "add", "María González", "--employer", "Müller & Söhne")
    crm("contact", "add", "José Ñúñez")
    assert crm.json("contact", "show", "maria")["name"] == "María González"  # type: ignore[index]
    assert crm.json("contact", "show", "MARIA GONZALEZ")["id"] == 1  # type: ignore[index]
    assert crm.json("contact", "show", "jose")["name"] == "José Ñúñez"  # type: ignore[index]
    assert crm.json("contact", "show", "nunez")["id"] == 2  # type: ignore[index]
    assert crm.json("employer", "show", "muller")["name"] == "Müller & Söhne"  # type: ignore[index]
    assert "Logged reply from María González" in crm("log", "reply", "gonzalez").stdout


def test_an_employer_named_again_with_accents_is_the_same_employer(crm: Crm) -> None:
    crm("employer", "add", "Élan Robotics")
    refused = crm("employer", "add", "elan robotics", ok=False)
    assert refused.exit_code == 5
    assert refused.stderr == ("Error: there is already an employer named 'Élan Robotics' (#1)\n")
    out = crm("contact", "add", "Kai Ito", "--employer", "ELAN ROBOTICS").stdout
    assert out == "Added contact Kai Ito (#1) at Élan Robotics.\n"


def test_a_typo_suggests_the_closest_names(crm: Crm) -> None:
    crm("contact", "add", "María González")
    crm("contact", "add", "Mario Gonzaga")
    crm("contact", "add", "Dana Whitfield")
    missed = crm("contact", "show", "maria gonzales", ok=False)
    assert missed.exit_code == 3
    assert missed.stderr == (
        "Error: no contact named 'maria gonzales'; did you mean María González (#1), "
        "Mario Gonzaga (#2)?\n"
    )
    # a typo of one word of the name: the closest first
    for typed, meant in (
        ("maira", "María González (#1)"),
        ("jsoe", None),
        ("whitfeild", "Dana Whitfield (#3)"),
    ):
        error = crm("contact", "show", typed, ok=False).stderr
        if meant is None:
            assert error == f"Error: no contact named '{typed}'\n"
        else:
            assert error.startswith(f"Error: no contact named '{typed}'; did you mean {meant}")


def test_the_migration_folds_stored_names_and_keeps_employers_apart(tmp_path: Path) -> None:
    """Two employers whose names differ only by accents were two rows before; they stay two,
    both found by name, and the error says how to make them one."""
    url = f"sqlite:///{tmp_path / 'old.db'}"
    database = Database(url)
    migrations.downgrade(database.engine, "0006")
    engine = create_engine(url)
    with engine.begin() as connection:
        for id_, name in ((1, "Élan"), (2, "Elan"), (3, "Zoë's Café")):
            connection.execute(
                text(
                    "INSERT INTO employer (id, name, name_key, created_at) "
                    "VALUES (:id, :name, :key, '2026-03-01 09:00:00')"
                ),
                {"id": id_, "name": name, "key": name.casefold()},
            )
        connection.execute(
            text(
                "INSERT INTO contact (name, name_key, role, keep_in_touch, created_at) "
                "VALUES ('María González', 'maría gonzález', 'other', 1, '2026-03-01 09:00:00')"
            )
        )
    migrations.upgrade(database.engine)
    with engine.connect() as connection:
        keys = {i: k for i, k in connection.execute(text("SELECT id, name_key FROM employer"))}
        contact_key = connection.execute(text("SELECT name_key FROM contact")).scalar()
    engine.dispose()
    database.close()
    assert keys == {1: "elan", 2: "elan #2", 3: "zoe's cafe"}
    assert contact_key == "maria gonzalez"
    crm = Crm(str(tmp_path / "old.db"))
    assert crm.json("contact", "show", "maria")["id"] == 1  # type: ignore[index]
    ambiguous = crm("employer", "show", "elan", ok=False)
    assert ambiguous.exit_code == 4
    assert ambiguous.stderr == (
        "Error: 2 employers are named 'elan': Élan (#1), Elan (#2); use #ID; "
        "or make them one: crm employer merge\n"
    )
    crm("employer", "merge", "#1", "#2", "--yes")
    assert crm.json("employer", "show", "elan")["id"] == 1  # type: ignore[index]
