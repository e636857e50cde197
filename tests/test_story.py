"""The whole story of the advice, with the clock moving forward, as `crm today --json` tells it.

Acme Robotics: four people met (Pat not liked), a rejection at rank 2 on Friday Jan 30 2026,
thank-yous on Jan 31 (a month end), LinkedIn and informational-interview tasks, one reply,
monthly nurtures, the 30- and 90-day openings checks, and the slow-down for Lee, who never
answers.
"""

from __future__ import annotations

from tests.conftest import Crm


def agenda(crm: Crm, now: str) -> dict[str, list[tuple[str, str | None, str]]]:
    doc = crm.json("today", now=now)
    assert isinstance(doc, dict)
    assert doc["date"] == now[:10]
    return {
        part: [(t["kind"], t["contact"] or t["employer"], t["due"]) for t in doc[part]]
        for part in ("overdue", "today", "upcoming")
    }


def test_the_whole_story(crm: Crm) -> None:
    day = "2026-01-05"
    crm("employer", "add", "Acme Robotics", now=day)
    for name, role in (
        ("Dana Whitfield", "hiring manager"),
        ("Sam Ortiz", "recruiter"),
        ("Lee Chen", "interviewer"),
    ):
        crm("contact", "add", name, "--employer", "acme", "--role", role, now=day)
    crm("contact", "add", "Pat Moss", "--employer", "acme", "--no-keep-in-touch", now=day)
    crm("job", "add", "acme", "--title", "Data Analyst", "--applied", "2025-12-01", now=day)
    assert agenda(crm, day) == {"overdue": [], "today": [], "upcoming": []}

    # Friday: the answer is no. Number 2.
    crm("job", "reject", "acme", "--rank", "2", now="2026-01-30")
    assert agenda(crm, "2026-01-30") == {
        "overdue": [],
        "today": [],
        "upcoming": [
            ("thank_you", "Dana Whitfield", "2026-01-31"),
            ("thank_you", "Sam Ortiz", "2026-01-31"),
            ("thank_you", "Lee Chen", "2026-01-31"),
        ],
    }

    # Saturday: three separate thank-you notes.
    for name in ("dana", "sam", "lee"):
        crm("log", "thank-you", name, now="2026-01-31T10:00")
    assert agenda(crm, "2026-01-31T18:00") == {
        "overdue": [],
        "today": [],
        "upcoming": [
            ("linkedin_connect", "Dana Whitfield", "2026-02-03"),
            ("linkedin_connect", "Sam Ortiz", "2026-02-03"),
            ("linkedin_connect", "Lee Chen", "2026-02-03"),
        ],
    }

    # Tuesday: connected with Dana and Sam; Lee's invitation is still to send.
    crm("log", "linkedin", "dana", now="2026-02-03")
    crm("log", "linkedin", "sam", now="2026-02-03")
    assert agenda(crm, "2026-02-05") == {
        "overdue": [("linkedin_connect", "Lee Chen", "2026-02-03")],
        "today": [],
        "upcoming": [],
    }
    crm("log", "linkedin", "lee", now="2026-02-05")

    # Sam answers: an advocate, and Sam's clock restarts.
    crm("log", "reply", "sam", "--note", "Keep in touch!", now="2026-02-10")
    sam = crm.json("contact", "show", "sam", now="2026-02-10")
    assert (
        isinstance(sam, dict) and sam["stage"] == "advocate" and sam["next_nurture"] == "2026-03-10"
    )

    # Three weeks after the thank-yous: ask for informational interviews.
    assert agenda(crm, "2026-02-21") == {
        "overdue": [],
        "today": [
            ("info_interview", "Dana Whitfield", "2026-02-21"),
            ("info_interview", "Sam Ortiz", "2026-02-21"),
            ("info_interview", "Lee Chen", "2026-02-21"),
        ],
        "upcoming": [],
    }
    crm("log", "info-interview", "sam", now="2026-02-21")
    skip = [
        t["id"]
        for t in crm.json("task", "list", now="2026-02-21")  # type: ignore[union-attr]
        if t["kind"] == "info_interview"
    ]
    for task_id in skip:
        crm("task", "skip", str(task_id), now="2026-02-21")

    # The 30-day check on the openings; the monthly notes come due.
    assert agenda(crm, "2026-03-01") == {
        "overdue": [],
        "today": [("check_openings", "Acme Robotics", "2026-03-01")],
        "upcoming": [
            ("nurture", "Dana Whitfield", "2026-03-03"),
            ("nurture", "Lee Chen", "2026-03-05"),
        ],
    }
    [check] = [t["id"] for t in crm.json("today", now="2026-03-01")["today"]]  # type: ignore[index]
    crm("task", "done", str(check), now="2026-03-01")  # openings checked: nothing yet

    # The monthly notes, as they happen.
    crm("log", "email", "dana", now="2026-03-03")
    crm("log", "email", "lee", now="2026-03-05")
    crm("log", "email", "sam", now="2026-03-21")
    crm("log", "email", "lee", now="2026-04-05")

    # The 90-day check on Apr 30; Dana's and Sam's notes are late.
    assert agenda(crm, "2026-04-30") == {
        "overdue": [
            ("nurture", "Dana Whitfield", "2026-04-03"),
            ("nurture", "Sam Ortiz", "2026-04-21"),
        ],
        "today": [("check_openings", "Acme Robotics", "2026-04-30")],
        "upcoming": [("nurture", "Lee Chen", "2026-05-05")],
    }

    # Lee never answers: after the third note the cadence slows to every three months.
    crm("log", "email", "lee", now="2026-05-05")
    lee = crm.json("contact", "show", "lee", now="2026-05-05")
    assert (
        isinstance(lee, dict)
        and lee["next_nurture"] == "2026-08-05"
        and lee["stage"] == "nurturing"
    )

    # Pat, not liked, was never asked for anything.
    every = crm.json("task", "list", "--all", now="2026-05-05")
    assert all(t["contact"] != "Pat Moss" for t in every)  # type: ignore[union-attr]
