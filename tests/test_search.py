"""`crm search`: accents and case ignored, prefixes, every touchpoint's text, ranked hits."""

from __future__ import annotations

from pathlib import Path

from sqlalchemy import create_engine

from crm import migrations
from crm.db import Database
from tests.conftest import Crm
from tests.helpers import lines


def people(crm: Crm) -> None:
    crm("employer", "add", "Acme Robotics", "--notes", "Met José's team at the fair")
    crm("contact", "add", "José Ñúñez", "--employer", "acme", "--role", "recruiter")
    crm(
        "contact",
        "add",
        "Dana Whitfield",
        "--employer",
        "acme",
        "--notes",
        "Introduced by Jose from the meetup",
        "--tag",
        "Referral",
    )
    crm("log", "call", "dana", "--on", "2026-02-20", "--file", str(note(crm)))


def note(crm: Crm) -> Path:
    assert crm.home is not None
    path = crm.home.parent / "call.txt"
    path.write_text("Quick call\nShe asked who mentioned the robot arm demo at the expo.\n")
    return path


def test_accents_and_case_are_ignored_and_a_name_comes_before_a_note(crm: Crm) -> None:
    people(crm)
    hits = crm.json("search", "JOSE")
    assert [(h["kind"], h["id"], h["field"]) for h in hits] == [  # type: ignore[index, union-attr]
        ("contact", 1, "name"),
        ("contact", 2, "notes"),
        ("employer", 1, "notes"),
    ]
    assert hits[0]["label"] == "José Ñúñez"  # type: ignore[index]
    assert hits[1]["snippet"] == "Introduced by Jose from the meetup"  # type: ignore[index]
    assert crm.json("search", "ñunez")[0]["id"] == 1  # type: ignore[index]


def test_prefixes_words_in_any_order_and_a_touchpoint_body(crm: Crm) -> None:
    people(crm)
    hits = crm.json("search", "demo", "rob")
    assert hits == [
        {
            "kind": "touchpoint",
            "id": 1,
            "field": "body",
            "snippet": "…call She asked who mentioned the robot arm demo at the expo.",
            "label": "call with Dana Whitfield",
            "contact_id": 2,
            "employer_id": 1,
            "when": "2026-02-20T12:00:00+00:00",
        }
    ]
    robo = crm.json("search", "robo")
    assert [(h["kind"], h["field"]) for h in robo] == [  # type: ignore[index, union-attr]
        ("employer", "name"),
        ("touchpoint", "body"),
    ]
    assert [h["label"] for h in crm.json("search", "referral")] == ["Dana Whitfield"]  # type: ignore[index, union-attr]
    assert [h["field"] for h in crm.json("search", "recruit")] == ["role"]  # type: ignore[index, union-attr]


def test_the_index_follows_edits_and_deletions(crm: Crm) -> None:
    people(crm)
    crm("contact", "edit", "dana", "--notes", "Loves sailing", "--untag", "referral")
    assert crm.json("search", "referral") == []
    assert [h["id"] for h in crm.json("search", "introduced")] == []  # type: ignore[index, union-attr]
    assert [h["field"] for h in crm.json("search", "sail")] == ["notes"]  # type: ignore[index, union-attr]
    crm("contact", "edit", "dana", "--name", "Dana Sörensen")
    assert [h["label"] for h in crm.json("search", "sorensen")] == ["Dana Sörensen"]  # type: ignore[index, union-attr]


def test_what_a_person_sees(crm: Crm) -> None:
    people(crm)
    assert lines(crm("search", "arm", "demo").stdout) == [
        "touchpoint #1 call with Dana Whitfield · 2026-02-20 · body",
        "  …call She asked who mentioned the robot arm demo at the expo.",
    ]
    assert lines(crm("search", "nobody").stdout) == [
        "Nothing matches 'nobody'. Fewer words, or their first letters, find more."
    ]
    bad = crm("search", "--", "-- ...", ok=False)
    assert bad.exit_code != 0 and bad.stdout == ""
    assert (
        bad.stderr == "Error: nothing to search for in '-- ...': type a word or its first letters\n"
    )


def test_the_migration_indexes_what_was_stored_before(backend: str) -> None:
    database = Database(backend)
    migrations.downgrade(database.engine, "0005")
    engine = create_engine(backend)
    with engine.begin() as connection:
        connection.exec_driver_sql(
            "INSERT INTO employer (id, name, name_key, created_at) "
            "VALUES (1, 'Zoë Labs', 'zoë labs', '2026-01-05 10:00:00')"
        )
        connection.exec_driver_sql(
            "INSERT INTO contact (id, name, name_key, employer_id, role, keep_in_touch, notes, "
            "created_at) VALUES (1, 'Amélie Durand', 'amélie durand', 1, 'interviewer', true, "
            "'Knows the warehouse robots', '2026-01-05 10:00:00')"
        )
        connection.exec_driver_sql(
            "INSERT INTO touchpoint (id, contact_id, kind, direction, happened_at, summary, body, "
            "created_at) VALUES (1, 1, 'email', 'out', '2026-01-06 10:00:00', 'Thanks', "
            "'Loved the lidar calibration story', '2026-01-06 10:00:00')"
        )
        connection.exec_driver_sql(
            "INSERT INTO job (id, employer_id, title, status, created_at) "
            "VALUES (1, 1, 'Perception Engineer', 'hired', '2026-01-05 10:00:00')"
        )
    engine.dispose()
    migrations.upgrade(database.engine)
    database.close()
    crm = Crm(backend)
    assert [(h["kind"], h["field"]) for h in crm.json("search", "amelie")] == [  # type: ignore[index, union-attr]
        ("contact", "name")
    ]
    assert [h["kind"] for h in crm.json("search", "zoe")] == ["employer"]  # type: ignore[index, union-attr]
    assert [h["id"] for h in crm.json("search", "lidar", "calib")] == [1]  # type: ignore[index, union-attr]
    assert [h["field"] for h in crm.json("search", "interviewer")] == ["role"]  # type: ignore[index, union-attr]
    assert [h["kind"] for h in crm.json("search", "percep")] == ["job"]  # type: ignore[index, union-attr]
    [job] = crm.json("job", "show", "#1", "--json")["moves"]  # type: ignore[index]
    assert job == {"status": "accepted", "on": "2026-01-05", "deadline": None}


def test_the_shortcut_and_typer_give_the_same_answer(sqlite_crm: Crm) -> None:
    """`crm search WORDS [--json]` skips Typer (crm/cli/shortcut.py); same output either way."""
    import subprocess
    import sys

    people(sqlite_crm)
    for args in (["jose"], ["--json", "robo"], ["demo", "arm", "--json"]):
        fast = subprocess.run(
            [sys.executable, "-m", "crm", "search", *args], capture_output=True, text=True
        )
        assert fast.returncode == 0, fast.stderr
        assert fast.stdout == sqlite_crm("search", *args).stdout
    bad = subprocess.run(
        [sys.executable, "-m", "crm", "search", "..."], capture_output=True, text=True
    )
    assert (bad.returncode, bad.stdout) == (2, "")
    assert bad.stderr == "Error: nothing to search for in '...': type a word or its first letters\n"


def test_a_touchs_topic_is_found_and_follows_its_edits(crm: Crm) -> None:
    """The topic given on a meeting is what people remember it by (0011 indexes it)."""
    people(crm)
    crm("log", "meeting", "jose", "--on", "2026-02-25", "--topic", "the warehouse lidar rig")
    [hit] = crm.json("search", "lidar", "ware")
    assert (hit["kind"], hit["id"], hit["field"]) == ("touchpoint", 2, "topic")  # type: ignore[index]
    assert hit["snippet"] == "the warehouse lidar rig"  # type: ignore[index]
    crm("touch", "edit", "2", "--topic", "the conveyor belt retrofit")
    assert crm.json("search", "lidar") == []
    assert [h["field"] for h in crm.json("search", "conveyor")] == ["topic"]  # type: ignore[index, union-attr]
    crm("touch", "delete", "2", "--yes")
    assert crm.json("search", "conveyor") == []


def test_the_topics_stored_before_0011_are_indexed_and_a_downgrade_takes_them_out(
    backend: str,
) -> None:
    database = Database(backend)
    migrations.downgrade(database.engine, "0010")
    engine = create_engine(backend)
    with engine.begin() as connection:
        connection.exec_driver_sql(
            "INSERT INTO contact (id, name, name_key, role, keep_in_touch, created_at) "
            "VALUES (1, 'Amélie Durand', 'amelie durand', 'interviewer', true, "
            "'2026-01-05 10:00:00')"
        )
        connection.exec_driver_sql(
            "INSERT INTO touchpoint (id, contact_id, kind, direction, happened_at, summary, "
            "topic, created_at) VALUES (1, 1, 'meeting', 'both', '2026-01-06 10:00:00', "
            "'Coffee', 'the robot arm demo', '2026-01-06 10:00:00')"
        )
    migrations.upgrade(database.engine)
    crm = Crm(backend)
    assert [(h["id"], h["field"]) for h in crm.json("search", "robot", "arm")] == [(1, "topic")]  # type: ignore[index, union-attr]
    migrations.downgrade(database.engine, "0010")
    with engine.begin() as connection:
        key = "rowid" if backend.startswith("sqlite") else "id"
        left = connection.exec_driver_sql(f"SELECT {key} FROM search_index").scalars().all()
    assert sorted(left) == [64 + 0, 64 + 1, 64 + 3 * 8 + 0]  # name, role, the touch's summary
    engine.dispose()
    database.close()
