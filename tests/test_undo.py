"""`crm undo`: each record-keeping command taken back, row for row, and refused after a change."""

from __future__ import annotations

from pathlib import Path

from sqlalchemy import create_engine, text

from tests.conftest import Crm
from tests.helpers import acme_story, lines

REPO = Path(__file__).resolve().parent.parent
# What the user recorded; plan_state, change_counter and the journal are bookkeeping.
TABLES = ["employer", "contact", "job", "touchpoint", "task", "employment"]


def rows(crm: Crm) -> dict[str, list[tuple]]:  # type: ignore[type-arg]
    engine = create_engine(crm.url)
    try:
        with engine.connect() as connection:
            return {
                table: [
                    tuple(r) for r in connection.execute(text(f"SELECT * FROM {table} ORDER BY id"))
                ]
                for table in TABLES
            }
    finally:
        engine.dispose()


def write_behind_crms_back(crm: Crm, sql: str) -> None:
    engine = create_engine(crm.url)
    with engine.begin() as connection:
        connection.exec_driver_sql(sql)
    engine.dispose()


# Every record-keeping command, in an order where each finds what it needs.
COMMANDS = [
    ["log", "thank-you", "dana", "--note", "Thanks for the panel"],
    ["log", "reply", "dana", "--on", "2026-03-01"],
    ["task", "done", "2"],
    ["task", "skip", "3"],
    ["task", "snooze", "4", "--until", "2026-06-30"],
    ["task", "reopen", "3"],
    ["task", "add", "Read Acme's annual report", "--contact", "sam", "--due", "friday"],
    ["task", "edit", "4", "--title", "Look at Acme's openings", "--due", "2026-05-01"],
    ["contact", "add", "María González", "--employer", "Globex", "--role", "recruiter"],
    ["contact", "edit", "maria", "--email", "maria@globex.example", "--name", "María G."],
    ["contact", "edit", "maria", "--employer", "Acme", "--since", "2026-03-01"],
    ["employer", "add", "Initech", "--website", "https://initech.example"],
    ["employer", "edit", "initech", "--notes", "Met them at a fair", "--name", "Initech Ltd"],
    ["job", "add", "Initech", "--title", "Analyst", "--applied", "2026-02-01"],
    ["job", "edit", "initech", "--rank", "3", "--url", "https://initech.example/jobs/1"],
    ["job", "reject", "Initech", "--on", "2026-03-01"],
    # ids of touchpoints by age (PostgreSQL never gives an id twice: a redone log has a new one)
    ["touch", "edit", "{touch 0}", "--on", "2026-02-28", "--kind", "email"],
    ["touch", "delete", "{touch 1}", "--yes"],
    ["import", "linkedin", str(REPO / "tests" / "data" / "Connections.csv")],
    ["import", "vcard", str(REPO / "tests" / "data" / "contacts-4.0.vcf")],
    ["contact", "merge", "dana", "sam", "--yes"],
    ["employer", "merge", "acme", "globex", "--yes"],
    ["contact", "archive", "lee"],
]


def test_undo_after_each_record_keeping_command_restores_every_row(crm: Crm) -> None:
    acme_story(crm)
    for template in COMMANDS:
        argv = [_touch_id(crm, word) for word in template]
        before = rows(crm)
        crm(*argv)
        assert rows(crm) != before, argv
        listed = crm("undo", "--list").stdout
        assert listed.startswith("Would undo `crm "), (argv, listed)
        undone = crm("undo").stdout
        assert undone.startswith(f"Undid `crm {argv[0]} "), (argv, undone)
        assert rows(crm) == before, argv
        # once: the command before it is not undone as well
        assert crm("undo", ok=False).stderr.startswith("Error: nothing to undo"), argv
        crm(*argv)  # and the story goes on, as if it had been typed once


def _touch_id(crm: Crm, word: str) -> str:
    if not word.startswith("{touch "):
        return word
    ids = sorted(row[0] for row in rows(crm)["touchpoint"])
    return str(ids[int(word[len("{touch ") : -1])])


def test_undo_says_what_it_undid(crm: Crm) -> None:
    acme_story(crm)
    crm("log", "thank-you", "dana")
    assert lines(crm("undo", "--list").stdout) == [
        "Would undo `crm log thank-you dana` (2026-03-02 09:00):",
        "  removed 1 touchpoint: #1",
        "  restored 1 task: #1",
        "  removed 1 task: #5",
    ]
    assert crm.json("undo", "--list") == {
        "command": "crm log thank-you dana",
        "done_at": "2026-03-02T09:00:00+00:00",
        "undone": False,
        "effects": [
            {"effect": "removed", "table": "touchpoint", "ids": [1]},
            {"effect": "restored", "table": "task", "ids": [1]},
            {"effect": "removed", "table": "task", "ids": [5]},
        ],
    }
    assert lines(crm("undo").stdout)[0] == "Undid `crm log thank-you dana` (2026-03-02 09:00):"
    statuses = {t["id"]: t["status"] for t in crm.json("task", "list", "--all")}  # type: ignore[union-attr, index]
    assert statuses == {1: "open", 2: "open", 3: "open", 4: "open"}


def test_undo_refuses_after_a_change_behind_its_back(crm: Crm) -> None:
    acme_story(crm)
    crm("log", "thank-you", "dana")
    write_behind_crms_back(crm, "UPDATE contact SET notes = 'typed elsewhere' WHERE id = 2")
    before = rows(crm)
    refused = crm("undo", ok=False)
    assert refused.exit_code == 5
    assert refused.stderr == (
        "Error: cannot undo `crm log thank-you dana`: the database changed since (changed 1 "
        "contact), by another crm, the daemon or a plan run; nothing was undone\n"
    )
    assert rows(crm) == before


def test_undo_refuses_after_an_employer_changed_which_the_counter_does_not_count(
    crm: Crm,
) -> None:
    acme_story(crm)
    crm("log", "thank-you", "dana")
    write_behind_crms_back(crm, "UPDATE employer SET notes = 'typed elsewhere'")
    assert "changed 1 employer" in crm("undo", ok=False).stderr


def test_reading_is_not_a_change(crm: Crm) -> None:
    acme_story(crm)
    crm("log", "thank-you", "dana")
    crm("today")
    crm("task", "list", "--all")
    crm("contact", "show", "dana")
    crm("review")
    assert crm("undo").stdout.startswith("Undid `crm log thank-you dana`")


def test_a_command_that_failed_leaves_the_one_before_undoable(crm: Crm) -> None:
    acme_story(crm)
    crm("log", "thank-you", "dana")
    assert crm("log", "reply", "nobody", ok=False).exit_code == 3
    assert crm("undo").stdout.startswith("Undid `crm log thank-you dana`")


def test_nothing_to_undo_on_a_new_database(crm: Crm) -> None:
    refused = crm("undo", ok=False)
    assert refused.exit_code == 3
    assert refused.stderr.startswith("Error: nothing to undo")


def test_a_password_in_db_is_not_kept_in_the_label(sqlite_crm: Crm, tmp_path: Path) -> None:
    other = Crm(str(tmp_path / "other.db"))
    other("contact", "add", "Dana")
    assert other.json("undo", "--list")["command"] == "crm contact add Dana"  # type: ignore[index]
