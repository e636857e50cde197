"""A year of the advice, with the clock moving, as `crm today --json` tells it.

Acme Robotics says no on Friday 30 January 2026; the user had met Dana, Sam and Lee. Every task
is done on the day it falls due. Dana answers the thank-you a week later; Sam never answers;
Lee answers two months later, after crm had already let the relationship go quiet. The advice
says to nurture the people who answer, and only them: the plan must follow.
"""

from __future__ import annotations

from datetime import date, timedelta
from pathlib import Path

from tests.conftest import Crm

REJECTED = date(2026, 1, 30)
ANSWERS = {date(2026, 2, 7): "dana", date(2026, 3, 31): "lee"}  # Sam never answers
END = REJECTED + timedelta(days=365)


def test_a_year_nurtures_those_who_answer_and_never_pesters_the_silent(crm: Crm) -> None:
    crm("employer", "add", "Acme Robotics", now="2026-01-05")
    for name, role in (("Dana Whitfield", "hiring manager"), ("Sam Ortiz", "recruiter")):
        crm("contact", "add", name, "--employer", "acme", "--role", role, now="2026-01-05")
    crm(
        "contact",
        "add",
        "Lee Chen",
        "--employer",
        "acme",
        "--role",
        "interviewer",
        now="2026-01-05",
    )
    crm(
        "job", "add", "acme", "--title", "Data Analyst", "--applied", "2025-12-01", now="2026-01-05"
    )
    crm("job", "reject", "acme", "--rank", "2", now=REJECTED.isoformat())

    worst_overdue, done = _a_year_of_doing_each_task_on_its_day(crm, ANSWERS)
    every = crm.json("task", "list", "--all", now=END.isoformat())
    assert isinstance(every, list)
    by_person = _by_person(every)

    # Sam: the thank-you, then two gentle notes a month apart, then quiet. No LinkedIn
    # invitation, no interview request, nothing more for the rest of the year.
    assert by_person["Sam Ortiz"] == [
        ("thank_you", "2026-01-31"),
        ("nurture", "2026-02-28"),
        ("nurture", "2026-03-28"),
    ]
    # Dana answered a week after the thank-you: the advocate's plan from that day; the monthly
    # note a month after the last touch (the interview request of Feb 28), until three went
    # unanswered, then quarterly, then (two more unanswered) quiet.
    assert by_person["Dana Whitfield"] == [
        ("thank_you", "2026-01-31"),
        ("linkedin_connect", "2026-02-10"),
        ("info_interview", "2026-02-28"),
        ("nurture", "2026-03-28"),
        ("nurture", "2026-04-28"),
        ("nurture", "2026-05-28"),
        ("nurture", "2026-08-28"),
        ("nurture", "2026-11-28"),
    ]
    # Lee's two gentle notes went unanswered (quiet from Mar 28); the answer on Mar 31 wakes
    # the relationship and starts the advocate's plan from the day of the answer.
    assert by_person["Lee Chen"] == [
        ("thank_you", "2026-01-31"),
        ("nurture", "2026-02-28"),
        ("nurture", "2026-03-28"),
        ("linkedin_connect", "2026-04-03"),
        ("info_interview", "2026-04-21"),
        ("nurture", "2026-05-21"),
        ("nurture", "2026-06-21"),
        ("nurture", "2026-07-21"),
        ("nurture", "2026-10-21"),
        ("nurture", "2027-01-21"),
    ]
    # the application of Dec 1 had no news for ten days: the follow-up asked about it (made on
    # Jan 5, when the job was added), and the rejection answered it
    assert by_person["Acme Robotics"] == [
        ("follow_up", "2025-12-11"),
        ("check_openings", "2026-03-01"),
        ("check_openings", "2026-04-30"),
    ]
    assert all(task["status"] == "done" for task in every)
    assert worst_overdue == 0 and done + 1 == len(every)
    stages = {
        name: crm.json("contact", "show", name, now=END.isoformat())["stage"]  # type: ignore[index]
        for name in ("dana", "sam", "lee")
    }
    assert stages == {"dana": "quiet", "sam": "quiet", "lee": "quiet"}


def test_tasks_left_alone_expire_and_today_stays_a_list_to_act_on(crm: Crm) -> None:
    """Nobody does anything for a year: no task in `crm today` is ever more than 30 days late
    (a thank-you not sent within 14 days of its due date is gone from it)."""
    crm("contact", "add", "Dana Whitfield", "--employer", "Acme", now="2026-01-05")
    crm("log", "reply", "dana", now="2026-01-06")  # she wrote first: an advocate to nurture
    crm("job", "reject", "acme", "--title", "Analyst", now=REJECTED.isoformat())
    day, worst = REJECTED, {"thank_you": 0, "other": 0}
    while day <= END:
        agenda = crm.json("today", now=day.isoformat())
        assert isinstance(agenda, dict)
        for task in agenda["overdue"]:
            late = (day - date.fromisoformat(task["due"])).days
            kind = "thank_you" if task["kind"] == "thank_you" else "other"
            worst[kind] = max(worst[kind], late)
        day += timedelta(days=9)
    assert worst["thank_you"] <= 14 and worst["other"] <= 30
    statuses = {t["status"] for t in crm.json("task", "list", "--all", now=END.isoformat())}  # type: ignore[union-attr]
    assert statuses == {"expired"}


def test_nurture_needs_reply_false_nurtures_everyone_thanked_within_the_same_limits(
    crm: Crm, crm_home: Path
) -> None:
    """The literal reading (rule 6): the advocate's plan after the thank-you, answer or not;
    the silent still go quiet after `unanswered_notes_limit` notes."""
    crm_home.mkdir(parents=True, exist_ok=True)
    (crm_home / "config.toml").write_text("[plan]\nnurture_needs_reply = false\n")
    crm("contact", "add", "Sam Ortiz", "--employer", "Acme Robotics", now="2026-01-05")
    crm("job", "add", "acme", "--title", "Data Analyst", now="2026-01-05")
    crm("job", "reject", "acme", now=REJECTED.isoformat())
    worst_overdue, _ = _a_year_of_doing_each_task_on_its_day(crm, {})
    every = crm.json("task", "list", "--all", now=END.isoformat())
    assert isinstance(every, list)
    assert _by_person(every)["Sam Ortiz"] == [
        ("thank_you", "2026-01-31"),
        ("linkedin_connect", "2026-02-03"),
        ("info_interview", "2026-02-21"),
        ("nurture", "2026-03-21"),
        ("nurture", "2026-04-21"),
    ]
    assert worst_overdue == 0
    assert crm.json("contact", "show", "sam", now=END.isoformat())["stage"] == "quiet"  # type: ignore[index]


def _a_year_of_doing_each_task_on_its_day(crm: Crm, answers: dict[date, str]) -> tuple[int, int]:
    """From the rejection for a year: whoever `answers` answers on their day, and every task
    shown in `crm today` is done the day it is due. The most days a task was ever overdue, and
    how many were done."""
    day, worst_overdue, done = REJECTED, 0, 0
    while day <= END:
        now = day.isoformat()
        if day in answers:
            crm("log", "reply", answers[day], "--note", "Thank you, let's stay in touch", now=now)
        agenda = crm.json("today", now=now)
        assert isinstance(agenda, dict)
        for task in agenda["overdue"]:
            worst_overdue = max(worst_overdue, (day - date.fromisoformat(task["due"])).days)
        for task in agenda["today"]:
            crm("task", "done", str(task["id"]), now=now)
            done += 1
        _card_and_list_agree(crm, now)
        day = _next_day(crm, day, answers)
    return worst_overdue, done


def _card_and_list_agree(crm: Crm, now: str) -> None:
    """`contact show` reads one person with plain SQL (crm/services/contact_card.py), `contact
    list` everyone through the plan's loader: where each stands must be the same."""
    listed = crm.json("contact", "list", now=now)
    assert isinstance(listed, list)
    for row in listed:
        card = crm.json("contact", "show", f"#{row['id']}", now=now)
        assert isinstance(card, dict)
        for key in ("stage", "advocate", "last_touch"):
            assert card[key] == row[key], (now, row["name"], key)


def _by_person(tasks: list[dict[str, str]]) -> dict[str, list[tuple[str, str]]]:
    found: dict[str, list[tuple[str, str]]] = {}
    for task in tasks:
        found.setdefault(task["contact"] or task["employer"], []).append(
            (task["kind"], task["due"])
        )
    return found


def _next_day(crm: Crm, day: date, answers: dict[date, str]) -> date:
    """The next day something happens: a task falls due, or someone answers."""
    tasks = crm.json("task", "list", now=day.isoformat())
    assert isinstance(tasks, list)
    later = [date.fromisoformat(t["due"]) for t in tasks]
    later += [d for d in answers if d > day]
    later = [d for d in later if d > day]
    return min(later, default=END + timedelta(days=1))
