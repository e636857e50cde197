"""A story the tests share (tests/helpers.py: acme_story) is put back from what its first run
in the process left (`Crm.replay`, tests/conftest.py). What the tests read after it must be
what its commands make, on either database; and it is put back only on the scene it began in:
a database as the fixture handed it out, the same clock, settings and code."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import pytest

from crm.services import plan_rules
from tests.conftest import STORIES, Crm, OtherDatabase, place_of
from tests.helpers import acme_story

by_hand = acme_story.__wrapped__  # type: ignore[attr-defined]  # the story's commands, run


def everything(crm: Crm) -> dict[str, list[tuple[Any, ...]]]:
    """Every row of every table, in a stable order; not the undo journal's `tx`, PostgreSQL's
    number of the transaction that wrote a row, which no two runs share."""
    from sqlalchemy import create_engine, inspect, text

    engine = create_engine(crm.url)
    try:
        with engine.connect() as connection:
            schema = inspect(connection)
            found = {}
            for table in sorted(schema.get_table_names()):
                names = [c["name"] for c in schema.get_columns(table) if c["name"] != "tx"]
                listed = ", ".join(f'"{name}"' for name in names)
                rows = connection.execute(text(f"SELECT {listed} FROM {table}"))
                found[table] = sorted((tuple(row) for row in rows), key=repr)
            return found
    finally:
        engine.dispose()


def test_a_story_put_back_holds_what_its_commands_make(
    crm: Crm, other_database: OtherDatabase
) -> None:
    acme_story(crm)  # run, or put back if a test before ran it in this process
    with other_database() as second, other_database() as third:
        assert STORIES.key(by_hand, place_of(second)) in STORIES.left  # so put back below
        acme_story(second)
        by_hand(third)
        made = everything(third)
        assert made["task"] and made["contact"] and made["undo_entry"]
        assert everything(crm) == made
        assert everything(second) == made
        # and what comes next is numbered as after the commands (SQLite's sqlite_sequence,
        # PostgreSQL's sequences)
        for each in (second, third):
            each("contact", "add", "Noor Haddad")
            each("log", "thank-you", "Noor Haddad")
        assert everything(second) == everything(third)


def test_a_story_is_not_put_back_on_another_scene(
    crm: Crm, other_database: OtherDatabase, crm_home: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    acme_story(crm)
    usual = everything(crm)
    with other_database() as first, other_database() as second:
        # a database that holds more than the fixture made: the commands run on it
        first("contact", "add", "Noor Haddad")
        acme_story(first)
        names = sorted(c["name"] for c in first.json("contact", "list"))  # type: ignore[union-attr]
        assert names == ["Dana Whitfield", "Lee Chen", "Noor Haddad", "Sam Ortiz"]
        # another clock, then other settings: scenes of their own, never the usual rows
        monkeypatch.setenv("CRM_NOW", "2026-04-01T09:00:00+00:00")
        _own_scene(second, other_database, usual)
        monkeypatch.setenv("CRM_NOW", "2026-03-02T09:00:00+00:00")
        crm_home.mkdir(exist_ok=True)  # (PostgreSQL's crm has made no file there)
        (crm_home / "config.toml").write_text("[plan]\nthank_you_after_days = 3\n")
        with other_database() as third:
            _own_scene(third, other_database, usual)


def _own_scene(crm: Crm, other_database: OtherDatabase, usual: object) -> None:
    acme_story(crm)
    assert everything(crm) != usual
    with other_database() as commands_run:
        by_hand(commands_run)
        assert everything(crm) == everything(commands_run)


def test_a_story_is_run_where_the_test_patched_the_code(
    crm: Crm, other_database: OtherDatabase, monkeypatch: pytest.MonkeyPatch
) -> None:
    acme_story(crm)  # kept, for the usual scene
    titles = dict(plan_rules.TITLES)
    titles[plan_rules.TaskKind.THANK_YOU] = "Say thanks"
    monkeypatch.setattr(plan_rules, "TITLES", titles)
    with other_database() as patched:
        acme_story(patched)
        tasks = patched.json("task", "list")
        assert "Say thanks" in {t["title"] for t in tasks}  # type: ignore[union-attr]
