"""Corrections: after an edit, a delete, a reopen, a merge or an undo, the plan's tasks are
exactly what they would be had the history been recorded that way from the start.

Each test keeps two databases on the same backend: one where something was logged wrong and
then corrected, one where it was entered right in the first place. Their whole task lists
(`task list --all --json`, ids and moments of creation and closing aside) must be equal.
"""

from __future__ import annotations

import json
from collections.abc import Callable, Iterator
from pathlib import Path

import pytest

from tests.conftest import Crm, OtherDatabase
from tests.helpers import acme_story, lines
from tests.test_merge import LINKEDIN, VCARD, two_danas

Story = Callable[[Crm], None]


@pytest.fixture
def right(other_database: OtherDatabase) -> Iterator[Crm]:
    """A second database on the same backend as `crm`: the history entered right."""
    with other_database() as database:
        yield database


def tasks(crm: Crm) -> list[str]:
    """The whole task list, ids and moments aside, in an order that does not depend on ids."""
    docs = crm.json("task", "list", "--all")
    assert isinstance(docs, list)
    for doc in docs:
        for volatile in ("id", "created_at", "closed_at"):
            doc.pop(volatile)
    return sorted(json.dumps(doc, sort_keys=True) for doc in docs)


def same_tasks(wrong: Crm, right: Crm) -> None:
    got, wanted = tasks(wrong), tasks(right)
    assert got == wanted


def touch_ids(crm: Crm, name: str) -> list[int]:
    """The contact's touchpoints, newest first (as `contact show` lists them)."""
    return [t["id"] for t in crm.json("contact", "show", name)["timeline"]]  # type: ignore[index]


def test_deleting_a_thank_you_logged_for_the_wrong_person(crm: Crm, right: Crm) -> None:
    acme_story(crm)
    crm("log", "thank-you", "sam")  # meant for Dana
    [touch] = touch_ids(crm, "sam")
    out = crm("touch", "delete", str(touch), "--yes").stdout
    assert (
        lines(out)[0] == f"Deleted touchpoint #{touch}: thank-you to Sam Ortiz on Mon 02 Mar 2026."
    )
    crm("log", "thank-you", "dana")
    acme_story(right)
    right("log", "thank-you", "dana")
    same_tasks(crm, right)


def test_deleting_a_reply_that_never_came(crm: Crm, right: Crm) -> None:
    for db in (crm, right):
        acme_story(db)
        db("log", "thank-you", "dana", "--on", "2026-02-28")
    crm("log", "reply", "dana")
    crm("touch", "delete", str(touch_ids(crm, "dana")[0]), "--yes")
    same_tasks(crm, right)


@pytest.mark.parametrize(
    ("logged", "edit", "meant"),
    [
        (
            ["email", "--on", "2026-02-28"],
            ["--kind", "thank-you"],
            ["thank-you", "--on", "2026-02-28"],
        ),
        (["thank-you"], ["--on", "2026-02-28"], ["thank-you", "--on", "2026-02-28"]),
        (["thank-you", "--on", "2026-02-28"], ["--kind", "email"], ["email", "--on", "2026-02-28"]),
        (["reply"], ["--kind", "call"], ["call"]),
        (["call"], ["--kind", "reply"], ["reply"]),
    ],
    ids=[
        "email-was-a-thank-you",
        "wrong-day",
        "thank-you-was-an-email",
        "reply-was-a-call",
        "call-was-a-reply",
    ],
)
def test_editing_a_touch(
    crm: Crm, right: Crm, logged: list[str], edit: list[str], meant: list[str]
) -> None:
    acme_story(crm)
    acme_story(right)
    crm("log", logged[0], "dana", *logged[1:])
    crm("touch", "edit", str(touch_ids(crm, "dana")[0]), *edit)
    right("log", meant[0], "dana", *meant[1:])
    same_tasks(crm, right)


@pytest.mark.parametrize(
    ("logged", "edit", "meant", "now"),
    [
        (
            ["reply", "--on", "2026-02-28"],
            ["--on", "2026-03-10"],
            ["reply", "--on", "2026-03-10"],
            "2026-03-12",
        ),
        (
            ["reply", "--on", "2026-03-10"],
            ["--on", "2026-02-28"],
            ["reply", "--on", "2026-02-28"],
            "2026-03-12",
        ),
        (
            ["reply", "--on", "2026-03-01"],
            ["--kind", "email"],
            ["email", "--on", "2026-03-01"],
            "2026-03-02",
        ),
        (
            ["email", "--on", "2026-03-01"],
            ["--kind", "reply"],
            ["reply", "--on", "2026-03-01"],
            "2026-03-02",
        ),
    ],
    ids=["reply-moved-later", "reply-moved-earlier", "reply-was-an-email", "email-was-a-reply"],
)
def test_correcting_an_answer_moves_what_it_made(
    crm: Crm, right: Crm, logged: list[str], edit: list[str], meant: list[str], now: str
) -> None:
    """The LinkedIn invitation and the interview request count from the answer's day, the
    monthly note from the last touch: a corrected answer takes them along. The story logged
    right is entered in one go, so that the plan never made what the wrong day called for."""
    for db in (crm, right):
        acme_story(db)
        db("log", "thank-you", "dana", "--on", "2026-02-28")
    crm("log", logged[0], "dana", *logged[1:], now=now)
    crm("touch", "edit", str(touch_ids(crm, "dana")[0]), *edit, now=now)
    right("log", meant[0], "dana", *meant[1:], now=now)
    if "--kind" not in edit:
        assert tasks(crm) == tasks(right)
        return
    # An email is itself the note the plan asked for: logged as one, it closed the gentle note
    # (done) and a new one began; a reply restarted that same task's clock instead. The open
    # tasks are the same; the closed one is the trace of the path, not of the history.
    assert [t for t in tasks(crm) if '"status": "open"' in t] == [
        t for t in tasks(right) if '"status": "open"' in t
    ]


def test_a_task_made_again_by_a_correction_keeps_its_id(crm: Crm) -> None:
    """Deleting a second thank-you: the note counted from it is counted from the reply before
    it. The same task, moved: the id the user saw still names it."""
    acme_story(crm)
    crm("log", "thank-you", "dana", "--on", "2026-02-28")
    crm("log", "reply", "dana", "--on", "2026-03-01")
    crm("log", "thank-you", "dana")  # meant for Sam
    [note] = [t for t in crm.json("task", "list") if t["kind"] == "nurture"]  # type: ignore[union-attr]
    out = lines(crm("touch", "delete", str(touch_ids(crm, "dana")[0]), "--yes").stdout)
    assert out[1:] == [
        f"  → #{note['id']} Write about a shared interest (Dana Whitfield) · moved: due Wed 01 Apr"  # type: ignore[index]
    ]
    [after] = [t for t in crm.json("task", "list") if t["kind"] == "nurture"]  # type: ignore[union-attr]
    assert (after["id"], after["due"]) == (note["id"], "2026-04-01")  # type: ignore[index]


def test_moving_the_touch_a_note_counts_from_moves_the_same_note(crm: Crm) -> None:
    """Also for someone on a cadence of their own ("6w": a key crm once read as months)."""
    acme_story(crm)
    crm("log", "thank-you", "dana", "--on", "2026-02-28")
    crm("log", "reply", "dana", "--on", "2026-03-01")
    [note] = [t for t in crm.json("task", "list") if t["kind"] == "nurture"]  # type: ignore[union-attr]
    out = lines(crm("touch", "edit", str(touch_ids(crm, "dana")[0]), "--on", "2026-02-28").stdout)
    assert (
        f"  → #{note['id']} Write about a shared interest (Dana Whitfield) · moved: due Sat 28 Mar"
        in out
    )  # type: ignore[index]
    crm("contact", "add", "Ann Lee", "--every", "6w")
    crm("log", "call", "ann", "--on", "2026-02-20")
    out = lines(crm("touch", "edit", str(touch_ids(crm, "ann")[0]), "--on", "2026-02-22").stdout)
    assert out[-1].endswith("Write about a shared interest (Ann Lee) · moved: due Sun 05 Apr")


def test_a_snoozed_task_keeps_its_day_when_the_answer_is_corrected(crm: Crm) -> None:
    acme_story(crm)
    crm("log", "thank-you", "dana", "--on", "2026-02-28")
    crm("log", "reply", "dana", "--on", "2026-03-01")
    linkedin = next(t for t in crm.json("task", "list") if t["kind"] == "linkedin_connect")  # type: ignore[union-attr]
    crm("task", "snooze", str(linkedin["id"]), "--until", "2026-03-20")  # type: ignore[index]
    crm("touch", "edit", str(touch_ids(crm, "dana")[0]), "--on", "2026-03-02")
    after = next(t for t in crm.json("task", "list") if t["kind"] == "linkedin_connect")  # type: ignore[union-attr]
    assert after["due"] == "2026-03-20"  # type: ignore[index]


def test_reopening_a_task_done_by_mistake(crm: Crm, right: Crm) -> None:
    acme_story(crm)
    acme_story(right)
    crm("task", "done", "1")  # logs the thank-you, which makes the plan's next tasks
    out = crm("task", "reopen", "1").stdout
    assert lines(out)[:2] == [
        "Reopened #1 Send a thank-you note (due Sat 28 Feb).",
        "  - touchpoint #1 (thank-you) deleted: it was the task's",
    ]
    same_tasks(crm, right)
    assert touch_ids(crm, "dana") == []


def test_reopening_a_task_skipped_by_mistake(crm: Crm, right: Crm) -> None:
    acme_story(crm)
    acme_story(right)
    crm("task", "skip", "3")
    crm("task", "reopen", "3")
    same_tasks(crm, right)


def test_a_task_answered_by_a_touch_cannot_be_reopened(crm: Crm) -> None:
    acme_story(crm)
    crm("log", "thank-you", "dana")
    before = crm.state()
    refused = crm("task", "reopen", "1", ok=False)
    assert refused.exit_code == 5
    assert "answered by what is recorded" in refused.stderr
    assert crm.state() == before


def test_a_contact_marked_not_keep_in_touch_by_mistake(crm: Crm, right: Crm) -> None:
    for db in (crm, right):
        acme_story(db)
        db("log", "thank-you", "dana", "--on", "2026-02-28")
        db("log", "reply", "dana")
    crm("contact", "edit", "dana", "--no-keep-in-touch")
    crm("contact", "edit", "dana", "--keep-in-touch")
    same_tasks(crm, right)


def test_a_contact_added_at_the_wrong_employer(crm: Crm, right: Crm) -> None:
    for db, where in ((crm, "Globex"), (right, "Acme")):
        db("employer", "add", "Acme")
        db("employer", "add", "Globex")
        db("contact", "add", "Dana Whitfield", "--employer", where)
        db("job", "add", "acme", "--title", "Data Analyst")
        db("job", "reject", "acme", "--on", "2026-02-27")
    crm("contact", "edit", "dana", "--employer", "acme")
    same_tasks(crm, right)


def test_a_job_applied_on_the_wrong_day(crm: Crm, right: Crm) -> None:
    crm("job", "add", "Acme", "--title", "Analyst", "--applied", "2026-03-01")
    crm("job", "edit", "acme", "--applied", "2026-02-01")
    right("job", "add", "Acme", "--title", "Analyst", "--applied", "2026-02-01")
    same_tasks(crm, right)


def test_one_person_recorded_twice_and_merged(crm: Crm, right: Crm, tmp_path: Path) -> None:
    two_danas(crm, tmp_path)
    crm("contact", "merge", "#1", "#2", "--yes")
    (tmp_path / "one.vcf").write_text(VCARD)
    (tmp_path / "one.csv").write_text(LINKEDIN.replace('"Whitfield, PhD"', "Whitfield"))
    right("import", "vcard", str(tmp_path / "one.vcf"))
    right("import", "linkedin", str(tmp_path / "one.csv"))  # the same Dana: found by name
    right("contact", "edit", "#1", "--role", "hiring manager")
    right("job", "add", "acme", "--title", "Data Analyst", "--applied", "2026-01-10")
    right("job", "reject", "acme", "--on", "2026-02-27")
    right("log", "thank-you", "#1", "--on", "2026-02-28", "--note", "Thanks for the panel")
    right("log", "reply", "#1", "--note", "Glad to stay in touch")
    same_tasks(crm, right)


def test_an_undone_log(crm: Crm, right: Crm) -> None:
    acme_story(crm)
    acme_story(right)
    crm("log", "thank-you", "sam")
    crm("undo")
    same_tasks(crm, right)
