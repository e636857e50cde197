"""The follow-up plan's rules as pure functions (crm/services/plan_rules.py): one contact's
history in, the tasks it calls for out, and the changes that bring task rows in line. No
database, no clock: each case is a few touches and a date. The commands and both databases are
tests/test_plan.py's; these say the advice's rules in their smallest form.
"""

from __future__ import annotations

from datetime import UTC, date, datetime

from crm.services.plan_rules import (
    DONE,
    EXPIRED,
    OPEN,
    SKIPPED,
    Changes,
    ContactFacts,
    Rejection,
    Row,
    Want,
    contact_wants,
    employer_wants,
    expired,
    nurture_want,
    reconcile,
)
from crm.services.relationships import Touch
from crm.settings import Plan

PLAN = Plan()
D = date.fromisoformat
REJECTED = Rejection(job_id=7, employer_id=3, on=D("2026-01-30"))
DANA = ContactFacts(
    id=1,
    name="Dana",
    employer_id=3,
    keep_in_touch=True,
    archived=False,
    role="hiring-manager",
    connected_on=None,
    employers=frozenset({3}),
)


def at(day: str) -> datetime:
    return datetime.fromisoformat(day).replace(hour=12, tzinfo=UTC)


def thank_you(touch_id: int, day: str) -> Touch:
    return Touch(touch_id, "thank-you", "out", at(day))


def reply(touch_id: int, day: str) -> Touch:
    return Touch(touch_id, "reply", "in", at(day))


def note(touch_id: int, day: str) -> Touch:
    return Touch(touch_id, "email", "out", at(day))


def wanted(touches: list[Touch], contact: ContactFacts = DANA, plan: Plan = PLAN) -> dict:
    wants, _ = contact_wants(contact, touches, [REJECTED], zone=UTC, plan=plan)
    return {w.kind: (w.due, w.state) for w in wants}


def nurture(touches: list[Touch], today: str, rows: list[Row] | None = None) -> Want | None:
    _, rel = contact_wants(DANA, touches, [REJECTED], zone=UTC, plan=PLAN)
    return nurture_want(DANA, rel, rows or [], employer_id=3, today=D(today), zone=UTC, plan=PLAN)


def test_a_rejection_asks_for_a_thank_you_the_next_day_and_a_sent_one_answers_it() -> None:
    assert wanted([]) == {"thank_you": (D("2026-01-31"), OPEN)}
    assert wanted([thank_you(1, "2026-01-31")]) == {"thank_you": (D("2026-01-31"), DONE)}
    # a thank-you sent before the rejection thanked someone else for something else
    assert wanted([thank_you(1, "2026-01-20")])["thank_you"][1] == OPEN


def test_no_answer_no_linkedin_and_no_interview_request() -> None:
    """The advice: nurture *if* they respond. Silence after the thank-you asks for nothing
    but a gentle note."""
    assert set(wanted([thank_you(1, "2026-01-31")])) == {"thank_you"}
    assert nurture([thank_you(1, "2026-01-31")], "2026-02-01") == Want(
        "nurture:1:1:1:1",
        "nurture",
        D("2026-02-28"),
        "a gentle note (no answer to the thank-you yet)",
        OPEN,
        1,
        3,
    )


def test_an_answer_makes_an_advocate() -> None:
    touches = [thank_you(1, "2026-01-31"), reply(2, "2026-02-07")]
    assert wanted(touches) == {
        "thank_you": (D("2026-01-31"), DONE),
        "linkedin_connect": (D("2026-02-10"), OPEN),  # three days after the answer
        "info_interview": (D("2026-02-28"), OPEN),  # three weeks after it
    }
    made = nurture(touches, "2026-02-08")
    assert made is not None and (made.due, made.rule) == (D("2026-03-07"), "the monthly nurture")


def test_nurture_needs_reply_false_treats_the_thank_you_as_the_start() -> None:
    everyone = PLAN._replace(nurture_needs_reply=False)
    assert wanted([thank_you(1, "2026-01-31")], plan=everyone)["linkedin_connect"] == (
        D("2026-02-03"),
        OPEN,
    )


def test_two_unanswered_notes_then_quiet() -> None:
    sent = [thank_you(1, "2026-01-31"), note(2, "2026-02-28"), note(3, "2026-03-28")]
    assert nurture(sent, "2026-03-29") is None  # the allowance is used up
    assert nurture([*sent, reply(4, "2026-04-02")], "2026-04-03") is not None  # woken


def test_an_advocates_notes_slow_to_quarterly_after_three_unanswered() -> None:
    touches = [thank_you(1, "2026-01-31"), reply(2, "2026-02-07")]
    touches += [
        note(3 + n, day) for n, day in enumerate(["2026-03-07", "2026-04-07", "2026-05-07"])
    ]
    made = nurture(touches, "2026-05-08")
    assert made is not None
    assert (made.due, made.rule) == (D("2026-08-07"), "the quarterly nurture (no answer lately)")


def test_not_kept_in_touch_skips_and_an_own_cadence_counts_from_the_adding() -> None:
    unliked = DANA._replace(keep_in_touch=False)
    assert wanted([], contact=unliked) == {"thank_you": (D("2026-01-31"), SKIPPED)}
    own = DANA._replace(every="6w", added_at=at("2026-01-05"))
    _, rel = contact_wants(own, [], [], zone=UTC, plan=PLAN)
    made = nurture_want(own, rel, [], employer_id=3, today=D("2026-01-06"), zone=UTC, plan=PLAN)
    assert made is not None and (made.key, made.due) == ("nurture:1:0:6w:1", D("2026-02-16"))
    off = own._replace(every="off")
    assert (
        nurture_want(off, rel, [], employer_id=3, today=D("2026-01-06"), zone=UTC, plan=PLAN)
        is None
    )


def test_left_alone_a_task_expires_and_is_never_born_expired() -> None:
    assert not expired("thank_you", D("2026-01-31"), D("2026-02-14"), PLAN)
    assert expired("thank_you", D("2026-01-31"), D("2026-02-15"), PLAN)  # 14 days
    assert expired("nurture", D("2026-01-31"), D("2026-03-03"), PLAN)  # 30 days
    changes = Changes()
    (want,) = contact_wants(DANA, [], [REJECTED], zone=UTC, plan=PLAN)[0]
    reconcile([], [want], changes, today=D("2026-03-01"), plan=PLAN)
    assert changes.inserts == []  # born expired: not made at all
    row = Row(9, want.key, want.kind, OPEN, None, want.due, "Send a thank-you note", 1)
    reconcile([row], [want], changes, today=D("2026-03-01"), plan=PLAN)
    assert changes.closes[EXPIRED] == [row]


def test_reconcile_closes_what_was_answered_and_removes_what_lost_its_reason() -> None:
    want = Want("thank_you:1:7", "thank_you", D("2026-01-31"), "why", DONE, 1, 3, 7)
    open_row = Row(9, "thank_you:1:7", "thank_you", OPEN, None, D("2026-01-31"), "t", 1)
    changes = Changes()
    reconcile([open_row], [want], changes, today=D("2026-02-01"), plan=PLAN)
    assert changes.closes[DONE] == [open_row]
    changes = Changes()
    reconcile([open_row], [], changes, today=D("2026-02-01"), plan=PLAN)
    assert changes.deletes == [open_row]  # the rejection is gone: as if never made
    users = open_row._replace(status=DONE, closed_by="user")
    changes = Changes()
    reconcile([users], [], changes, today=D("2026-02-01"), plan=PLAN)
    assert changes.deletes == []  # the user's word is history: never changed


def test_check_openings_after_each_rejection() -> None:
    assert [(w.key, w.due) for w in employer_wants([REJECTED], PLAN)] == [
        ("check_openings:7:30", D("2026-03-01")),
        ("check_openings:7:90", D("2026-04-30")),
    ]
