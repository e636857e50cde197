"""`crm review`: every figure of a known history, the period's edges, the comparison with the
period before, an empty database, the Markdown file (read back by a real Markdown parser) and
the terminal at 80 columns.

The review runs on Mon 2 Mar 2026 (the conftest's CRM_NOW): this period is Tue 24 Feb to
Mon 2 Mar, the previous one Tue 17 Feb to Mon 23 Feb.
"""

from __future__ import annotations

import os
import sqlite3
import stat
import tempfile
from contextlib import closing
from datetime import UTC, date, datetime, timedelta
from pathlib import Path
from typing import Any

import pytest
from hypothesis import HealthCheck, example, given, settings
from hypothesis import strategies as st
from markdown_it import MarkdownIt

from crm.kinds import Purpose, TouchKind
from crm.lean import Reader
from crm.services.review import Period, _quiet_among, _went_quiet
from crm.settings import Plan
from tests.conftest import Crm, copy_database, replayed
from tests.helpers import acme_story, lines
from tests.test_incremental_plan import EMPLOYERS, KINDS, PEOPLE, START, person, play


def at(moment: str) -> str:
    return f"2026-{moment}:00+00:00"


@replayed
def story(crm: Crm) -> None:
    """Five people at three employers (and one met elsewhere), over three months.

    Ids, in the order things are made: contacts Ravi 1, Kai 2, Zoe 3, Dana 4, Sam 5, Lee 6;
    employers Globex 1, Initech 2, Acme Robotics 3; the tasks as numbered below. The plan is
    the advice's (crm/services/plan.py): a thank-you, then a gentle note a month later; only
    an answer brings the LinkedIn invitation, the interview request and the monthly nurture.
    Commands without a time run at the conftest's moment, Mon 2 Mar 09:00 UTC.
    """
    # Ravi, met at a meetup: one call in December, nothing since (quiet for 72 days)
    crm("contact", "add", "Ravi Shah", now="2025-12-20T12:00:00+00:00")
    crm("log", "call", "ravi", now="2025-12-20T12:00:00+00:00")
    # Globex said no in January (#1 thank-you, #2 and #3 openings checks on Feb 4 and Apr 5);
    # Kai was thanked (#4 gentle note) and answered: #4 moves to Feb 8, #5 LinkedIn (Jan 11),
    # #6 interview request (Jan 29). Left alone, #5 expired on Feb 16 (the first run more than
    # 30 days after it was due) and #6 today (32 days late).
    crm("contact", "add", "Kai Ito", "--employer", "Globex", now=at("01-05T10:00"))
    crm(
        "job",
        "add",
        "Globex",
        "--title",
        "Analyst",
        "--applied",
        "2025-12-01",
        now=at("01-05T10:00"),
    )
    crm("job", "reject", "Globex", "--rank", "3", "--on", "2026-01-05", now=at("01-05T10:00"))
    crm("log", "thank-you", "kai", now=at("01-06T10:00"))
    crm("log", "reply", "kai", now=at("01-08T10:00"))
    # Initech said no in the previous week (#7 thank-you, #8 and #9 checks); Zoe was thanked
    # (#10 gentle note) and answered the next day (#10 moves to Mar 20, #11 LinkedIn on Feb 23,
    # #12 interview request on Mar 13)
    crm("contact", "add", "Zoe Park", "--employer", "Initech", now=at("02-16T10:00"))
    crm("job", "add", "Initech", "--title", "Engineer", now=at("02-16T10:00"))
    crm("job", "reject", "Initech", "--rank", "1", "--on", "2026-02-18", now=at("02-18T10:00"))
    crm("log", "thank-you", "zoe", now=at("02-19T10:00"))
    crm("log", "reply", "zoe", now=at("02-20T10:00"))
    # this week, logged today: Zoe gets a note (#10 done, #13 nurture) and answers it (#13 moves)
    crm("log", "email", "zoe", "--on", "2026-02-25")
    crm("log", "reply", "zoe", "--on", "2026-02-26")
    # Acme said no on Feb 27 (#14, #15 thank-yous for Dana and Sam; #16, #17 checks; Lee is
    # not someone to keep in touch with: no task)
    acme_story(crm)
    crm("log", "thank-you", "dana", "--on", "2026-02-28")  # #14 done, #18 gentle note
    crm("log", "thank-you", "sam", "--on", "2026-02-28")  # #15 done, #19 gentle note (Mar 28)
    # Dana answers: #18 moves, #20 LinkedIn (Mar 4), #21 interview request (Mar 22). Sam has
    # not answered: no LinkedIn invitation, no interview request for him.
    crm("log", "reply", "dana", "--on", "2026-03-01")
    crm("log", "linkedin", "dana")  # today 09:00, after her reply: #20 done, #18 moves again
    crm("log", "note", "sam", "--on", "2026-03-01", "--note", "Likes sailing")
    crm("task", "skip", "21")  # Dana's interview request: not yet
    crm("task", "add", "Coffee with Zoe", "--contact", "zoe", "--due", "2026-03-09")  # #22
    crm("task", "add", "Update the CV", "--due", "2026-03-10")  # #23: a day too far
    # a second chance: Globex posted another job and the user applied
    crm("job", "add", "Globex", "--title", "Senior Analyst", "--applied", "2026-02-25")


def rate(sent: int, answered: int, value: float | None) -> dict[str, Any]:
    return {"sent": sent, "answered": answered, "rate": value}


def change(now: float | None, before: float | None, moved: float | None) -> dict[str, Any]:
    return {"this_period": now, "previous_period": before, "change": moved}


EXPECTED: dict[str, Any] = {
    "period": {"start": "2026-02-24", "end": "2026-03-02", "days": 7},
    "previous_period": {"start": "2026-02-17", "end": "2026-02-23", "days": 7},
    "empty": False,
    "headline": {
        "touches_out": change(4, 1, 3),  # thank-yous to Dana and Sam, Zoe's email, LinkedIn
        "touches_in": change(2, 1, 1),  # Zoe's and Dana's replies; Zoe's first one before
        "thank_yous_sent": change(2, 1, 1),
        "rejections_received": change(1, 1, 0),  # Acme; Initech the week before
        "people_who_answered": change(2, 1, 1),
        "new_advocates": change(1, 1, 0),  # Dana; Zoe the week before
        # today: #10 (Zoe's note, done by the email), #14 #15 (thank-yous), #20 (Dana's
        # LinkedIn); before: #7 (Zoe's thank-you). Notes moved by a reply or a LinkedIn
        # connection were not done, and do not count.
        # before: also the follow-up on Initech's application, answered by its rejection
        "tasks_done": change(4, 2, 2),
        "tasks_skipped": change(1, 0, 1),  # #21
        "thank_you_reply_rate": change(0.5, 1.0, -0.5),
        "nurture_reply_rate": change(1.0, None, None),
    },
    "activity": {
        "touches": [
            {"kind": "thank-you", "outgoing": 2, "incoming": 0},
            {"kind": "reply", "outgoing": 0, "incoming": 2},
            {"kind": "email", "outgoing": 1, "incoming": 0},
            {"kind": "linkedin", "outgoing": 1, "incoming": 0},
        ],
        "touches_out": 4,
        "touches_in": 2,
        "notes": 1,
        "thank_yous_sent": 2,
        "rejections_received": 1,
        "tasks_done": 4,
        "tasks_skipped": 1,
        "tasks_expired": 1,  # #6, Kai's interview request; #5 expired on Feb 16, before
        "tasks_withdrawn": 0,
        "tasks_overdue": 3,  # #2 (Globex openings), #4 (Kai's note), #11 (Zoe's LinkedIn)
    },
    "replies": {
        "answered": [
            {
                "contact_id": 4,
                "contact": "Dana Whitfield",
                "employer": "Acme Robotics",
                "replies": 1,
                "last_reply": "2026-03-01T12:00:00+00:00",
            },
            {
                "contact_id": 3,
                "contact": "Zoe Park",
                "employer": "Initech",
                "replies": 1,
                "last_reply": "2026-02-26T12:00:00+00:00",
            },
        ],
        # Kai's (2 days), Zoe's (1 day) and Dana's (1 day) thank-yous were answered within
        # 21 days and before any other email; Sam's not
        "thank_you_reply_rate": {
            "this_period": rate(2, 1, 0.5),
            "previous_period": rate(1, 1, 1.0),
            "all_time": rate(4, 3, 0.75),
        },
        # the one nurture note, Zoe's email, was answered the next day. Dana's LinkedIn
        # invitation is not a note, nor Ravi's call (a conversation: itself an answer)
        "nurture_reply_rate": {
            "this_period": rate(1, 1, 1.0),
            "previous_period": rate(0, 0, None),
            "all_time": rate(1, 1, 1.0),
        },
        "new_advocates": [
            {
                "contact_id": 4,
                "contact": "Dana Whitfield",
                "employer": "Acme Robotics",
                "first_reply": "2026-03-01T12:00:00+00:00",
            }
        ],
    },
    # the processes, the most recent first: Globex (a job added today), Acme (rejected
    # Feb 27), Initech (Feb 18). Ravi, met at a meetup, is in no process.
    "funnel": [
        {
            "employer_id": 1,
            "employer": "Globex",
            "met": 1,
            "thanked": 1,
            "replied": 1,
            "linkedin": 0,
            "info_interview_asked": 0,
            "info_interview": 0,
            "nurturing": 0,
            "finalist_rank": 3,
            "rejected_on": "2026-01-05",
            "days_since_rejection": 56,
        },
        {
            "employer_id": 3,
            "employer": "Acme Robotics",
            "met": 3,  # Lee too, though not someone to keep in touch with
            "thanked": 2,
            "replied": 1,
            "linkedin": 1,
            "info_interview_asked": 0,  # Dana's request was skipped
            "info_interview": 0,
            "nurturing": 0,  # Sam's memo is not a touch, Dana's LinkedIn invitation no note
            "finalist_rank": 2,
            "rejected_on": "2026-02-27",
            "days_since_rejection": 3,
        },
        {
            "employer_id": 2,
            "employer": "Initech",
            "met": 1,
            "thanked": 1,
            "replied": 1,
            "linkedin": 0,
            "info_interview_asked": 0,
            "info_interview": 0,
            "nurturing": 1,  # the email of Feb 25
            "finalist_rank": 1,
            "rejected_on": "2026-02-18",
            "days_since_rejection": 12,
        },
    ],
    "going_cold": [
        {
            "contact_id": 1,
            "contact": "Ravi Shah",
            "employer": None,
            "last_touch": "2025-12-20T12:00:00+00:00",
            "days_quiet": 72,  # not yet the 120 days after which a relationship is dormant
            "nurture_due": None,  # no plan for him: never thanked, and he never wrote
            "nurture_days_late": None,
        },
        {
            "contact_id": 2,
            "contact": "Kai Ito",
            "employer": "Globex",
            "last_touch": "2026-01-08T10:00:00+00:00",
            "days_quiet": 53,
            "nurture_due": "2026-02-08",
            "nurture_days_late": 22,
        },
    ],
    "went_quiet": [],  # nobody's notes ran out this week, nobody has been silent 120 days
    # tasks in the shape every task command prints (crm/cli/shapes.py task_doc)
    "expired": [
        {
            "id": 7,
            "kind": "info_interview",
            "title": "Ask for an informational interview",
            "due": "2026-01-29",
            "status": "expired",
            "contact": "Kai Ito",
            "employer": "Globex",
            "contact_id": 2,
            "employer_id": 1,
            "rule": "ask for an informational interview: they answered",
            "created_at": "2026-01-08T10:00:00+00:00",
            "closed_at": "2026-03-02T09:00:00+00:00",
        }
    ],
    "door_reopening": [
        {
            "employer_id": 1,
            "employer": "Globex",
            "rejected_on": "2026-01-05",
            "finalist_rank": 3,
            "check_openings": [
                {"task_id": 3, "title": "Check their openings (day 30)", "due": "2026-02-04"}
            ],
            "new_jobs": [
                {
                    "job_id": 4,
                    "title": "Senior Analyst",
                    "status": "applied",
                    "applied_on": "2026-02-25",
                    "added_on": "2026-03-02",
                }
            ],
        }
    ],
    # Sam has no LinkedIn task to show any more: he never answered
    "next_week": [
        {
            "id": 27,
            "kind": "follow_up",
            "title": "Ask about your application",
            "due": "2026-03-07",
            "status": "open",
            "contact": None,
            "employer": "Globex",
            "contact_id": None,
            "employer_id": 1,
            "rule": "no news 10 days after applying",
            "created_at": "2026-03-02T09:00:00+00:00",
            "closed_at": None,
        },
        {
            "id": 25,
            "kind": "custom",
            "title": "Coffee with Zoe",
            "due": "2026-03-09",
            "status": "open",
            "contact": "Zoe Park",
            "employer": "Initech",
            "contact_id": 3,
            "employer_id": 2,
            "rule": None,
            "created_at": "2026-03-02T09:00:00+00:00",
            "closed_at": None,
        },
    ],
    "pipeline": {
        "by_status": {
            "saved": 0,
            "applied": 1,
            "screening": 0,
            "interviewing": 0,
            "offer": 0,
            "accepted": 0,
            "rejected": 3,
            "withdrawn": 0,
        },
        "moves": [
            {
                "job_id": 4,
                "title": "Senior Analyst",
                "employer": "Globex",
                "status": "applied",
                "on": "2026-02-25",
            },
            {
                "job_id": 3,
                "title": "Data Analyst",
                "employer": "Acme Robotics",
                "status": "rejected",
                "on": "2026-02-27",
            },
        ],
        "answered": 3,
        "waiting": 1,
        "median_days_to_answer": 35,
    },
}


def test_every_figure_of_a_known_history(crm: Crm) -> None:
    story(crm)
    assert crm.json("review") == EXPECTED


def test_days_and_since_choose_the_same_period(crm: Crm) -> None:
    story(crm)
    assert crm.json("review", "--days", "7") == EXPECTED
    assert crm.json("review", "--since", "2026-02-24") == EXPECTED
    assert crm.json("review", "--since", "-6d") == EXPECTED


def test_a_longer_period_is_compared_with_as_long_a_period_before(crm: Crm) -> None:
    story(crm)
    doc = crm.json("review", "--days", "14")
    assert isinstance(doc, dict)
    assert doc["period"] == {"start": "2026-02-17", "end": "2026-03-02", "days": 14}
    assert doc["previous_period"] == {"start": "2026-02-03", "end": "2026-02-16", "days": 14}
    head = doc["headline"]
    assert head["touches_out"] == change(5, 0, 5)
    assert head["touches_in"] == change(3, 0, 3)
    assert head["rejections_received"] == change(2, 0, 2)
    assert head["new_advocates"] == change(2, 0, 2)
    assert head["thank_you_reply_rate"] == change(0.6667, None, None)  # Zoe, Dana; not Sam
    assert head["nurture_reply_rate"] == change(1.0, None, None)  # Zoe's email
    # #7 (Zoe's thank-you, Feb 19), #10 (her note, done by the email), #14 #15 #20
    # with the follow-up on Initech's application, answered by its rejection
    assert head["tasks_done"] == change(6, 0, 6)
    # #6 (Kai's LinkedIn) expired on Feb 16, the previous period's last day; #7 today (ids
    # after the follow-up on Globex's application, #1)
    assert [t["id"] for t in doc["expired"]] == [7]
    assert doc["activity"]["tasks_expired"] == 1


def test_the_period_runs_from_midnight_of_its_first_day_to_the_end_of_today(crm: Crm) -> None:
    crm("contact", "add", "Dana Whitfield", now=at("02-01T12:00"))
    for moment in (
        "2026-02-16T23:59:59+00:00",  # in neither period
        "2026-02-17T00:00:00+00:00",  # the previous period's first moment
        "2026-02-23T23:59:59+00:00",  # its last
        "2026-02-24T00:00:00+00:00",  # this period's first moment
        "2026-03-02T23:59:59+00:00",  # its last
        "2026-03-03T00:00:00+00:00",  # the day after: not counted
    ):
        crm("log", "email", "dana", now=moment)
    doc = crm.json("review", now=at("03-02T23:59"))
    assert isinstance(doc, dict)
    assert doc["headline"]["touches_out"] == change(2, 2, 0)
    assert [k["outgoing"] for k in doc["activity"]["touches"]] == [2]


def test_the_period_is_in_local_days(crm: Crm, crm_home: Path) -> None:
    """In New York, 04:59 UTC on Feb 24 is still Feb 23: the previous period."""
    crm_home.mkdir(exist_ok=True)
    (crm_home / "config.toml").write_text('timezone = "America/New_York"\n')
    crm("contact", "add", "Dana Whitfield", now="2026-02-20T12:00:00-05:00")
    for moment in (
        "2026-02-16T23:59:59-05:00",  # in neither period
        "2026-02-17T00:00:00-05:00",  # the previous period's first moment
        "2026-02-23T23:59:59-05:00",  # 2026-02-24T04:59:59Z: still the previous period
        "2026-02-24T00:00:00-05:00",  # this period's first moment
        "2026-03-02T23:59:59-05:00",  # its last
        "2026-03-03T00:00:00-05:00",  # the day after
    ):
        crm("log", "email", "dana", now=moment)
    doc = crm.json("review", now="2026-03-02T09:00:00-05:00")
    assert isinstance(doc, dict)
    assert doc["period"]["start"] == "2026-02-24"
    assert doc["headline"]["touches_out"] == change(2, 2, 0)


def test_an_empty_database_is_a_calm_report(crm: Crm) -> None:
    doc = crm.json("review")
    assert isinstance(doc, dict)
    assert doc["empty"] is True
    zero = change(0, 0, 0)
    none = change(None, None, None)
    assert doc["headline"] == {
        name: none if name.endswith("_rate") else zero for name in EXPECTED["headline"]
    }
    for which in ("thank_you_reply_rate", "nurture_reply_rate"):
        assert doc["replies"][which] == {
            "this_period": rate(0, 0, None),
            "previous_period": rate(0, 0, None),
            "all_time": rate(0, 0, None),
        }
    assert doc["activity"] == {
        "touches": [],
        "touches_out": 0,
        "touches_in": 0,
        "notes": 0,
        "thank_yous_sent": 0,
        "rejections_received": 0,
        "tasks_done": 0,
        "tasks_skipped": 0,
        "tasks_expired": 0,
        "tasks_withdrawn": 0,
        "tasks_overdue": 0,
    }
    sections = ("funnel", "going_cold", "went_quiet", "expired", "door_reopening", "next_week")
    assert [doc[k] for k in sections] == [[]] * 6
    assert lines(crm("review").stdout) == [
        "Review of Tue 24 Feb to Mon 02 Mar 2026 (7 days)",
        "Nothing yet: there is no one, no job and no touch to review. Start with:",
        "command                                           what for",
        'crm job add Acme --title "Data Analyst"           the job you applied for',
        'crm contact add "Dana Whitfield" --employer Acme  each person you met there',
        "crm job reject Acme --rank 2                      when the answer is no",
        "crm log thank-you dana                            each thank-you you send",
        "Next week's review shows what you did, who answered and what comes next.",
    ]


def test_the_terminal_report_at_80_columns(crm: Crm) -> None:
    acme_story(crm)
    crm("log", "thank-you", "dana", "--on", "2026-02-28")
    crm("log", "thank-you", "sam", "--on", "2026-02-28")
    crm("log", "reply", "dana", "--on", "2026-03-01", "--note", "Happy to stay in touch")
    out = crm("review").stdout
    assert max(len(line) for line in out.splitlines()) <= 80
    # Dana answered on Mar 1: her LinkedIn invitation (#7) is due 3 days after the answer;
    # Sam has not answered, so he has none
    assert lines(out) == [
        "Review of Tue 24 Feb to Mon 02 Mar 2026 (7 days)",
        "12 weeks: out ▁▁▁▁▁▁▁▁▁▁▁█  in ▁▁▁▁▁▁▁▁▁▁▁█  done ▁▁▁▁▁▁▁▁▁▁▁█",
        "",
        "At a glance",
        "                      this period  previous  change",
        "touches out                     2         0      +2",
        "touches in                      1         0      +1",
        "thank-yous sent                 2         0      +2",
        "rejections received             1         0      +1",
        "people who answered             1         0      +1",
        "new advocates                   1         0      +1",
        "tasks done                      2         0      +2",
        "tasks skipped                   0         0       0",
        "thank-you reply rate          50%       n/a     n/a",
        "nurture reply rate            n/a       n/a     n/a",
        "Previous: the 7 days before, Tue 17 Feb to Mon 23 Feb 2026.",
        "",
        "Activity",
        "kind         out  in",
        "thank-you      2   0",
        "reply          0   1",
        "all touches    2   1",
        "2 thank-yous sent against 1 rejection received.",
        "Tasks: 2 done, 0 skipped, 0 expired, 0 still overdue.",
        "",
        "Replies",
        "who             employer       replies  last",
        "Dana Whitfield  Acme Robotics        1  yesterday",
        "reply rate        this period   all time",
        "on thank-yous     1 of 2 (50%)  1 of 2 (50%)",
        "on nurture notes  none sent     none sent",
        "New advocates: Dana Whitfield (Acme Robotics).",
        "",
        "Funnel by employer",
        "employer       met  thanked  replied  LinkedIn  info  nurture  rank  rejected",
        "Acme Robotics    3        2        1         0     0        0     2  3 days ago",
        "",
        "Pipeline",
        "Jobs: 1 rejected.",
        "Employers answered 1 application after 48 days (median); 0 still without an",
        "answer.",
        "on          job              employer       moved to",
        "Fri 27 Feb  #1 Data Analyst  Acme Robotics  rejected",
        "",
        "Going cold",
        "Nobody is going cold.",
        "",
        "Went quiet",
        "Nobody went quiet in this period.",
        "",
        "Expired",
        "No task expired in this period.",
        "",
        "Door reopening",
        "No door to check yet: a rejection brings checks of the employer's openings.",
        "",
        "Next week",
        "id  to do                who                             due",
        "#7  Connect on LinkedIn  Dana Whitfield · Acme Robotics  Wed 04 Mar",
    ]


def test_the_funnel_counts_answers_and_nurture_after_the_thank_you(crm: Crm) -> None:
    acme_story(crm)
    crm("log", "email", "sam", "--in", "--on", "2026-02-20")  # Sam wrote before the no
    crm("log", "call", "sam", "--on", "2026-02-21")  # and the user called back
    crm("log", "thank-you", "sam", "--on", "2026-02-28")
    crm("log", "info-interview", "dana", "--on", "2026-02-25")  # a stage, thanked or not
    crm("contact", "archive", "lee")
    doc = crm.json("review")
    assert isinstance(doc, dict)
    assert doc["funnel"] == [
        {
            "employer_id": 1,
            "employer": "Acme Robotics",
            "met": 2,
            "thanked": 1,
            "replied": 0,
            "linkedin": 0,
            "info_interview_asked": 1,  # held: asked for, one way or another
            "info_interview": 1,
            "nurturing": 0,
            "finalist_rank": 2,
            "rejected_on": "2026-02-27",
            "days_since_rejection": 3,
        }
    ]


def test_a_reply_logged_for_the_day_of_the_thank_you_answers_it(crm: Crm) -> None:
    """Both are logged at midday of that day: a reply at the same moment counts as after it."""
    crm("contact", "add", "Dana Whitfield")
    crm("log", "thank-you", "dana", "--on", "2026-02-25")
    crm("log", "reply", "dana", "--on", "2026-02-25")
    doc = crm.json("review")
    assert isinstance(doc, dict)
    assert doc["replies"]["thank_you_reply_rate"]["this_period"] == rate(1, 1, 1.0)


def test_going_cold_starts_at_60_quiet_days_or_a_note_15_days_late(crm: Crm) -> None:
    for name, kind, on in (
        ("Quiet Sixty", "call", "2026-01-01"),  # 60 days ago
        ("Quiet Fiftynine", "call", "2026-01-02"),
        ("Late Fifteen", "reply", "2026-01-15"),  # a note was due Feb 15
        ("Late Fourteen", "reply", "2026-01-16"),
    ):
        crm("contact", "add", name)
        crm("log", kind, name, "--on", on)
    crm("log", "note", "quiet sixty", "--on", "2026-02-20")  # a memo to oneself touches no one
    crm("contact", "add", "Never Touched", now="2025-06-01T12:00:00+00:00")  # never warm
    crm("contact", "add", "Not Liked", "--no-keep-in-touch")
    crm("log", "call", "not liked", "--on", "2025-12-01")
    crm("contact", "add", "Gone Away")
    crm("log", "call", "gone away", "--on", "2025-12-01")
    crm("contact", "archive", "gone away")
    doc = crm.json("review")
    assert isinstance(doc, dict)
    cold = [(c["contact"], c["days_quiet"], c["nurture_days_late"]) for c in doc["going_cold"]]
    assert cold == [("Quiet Sixty", 60, None), ("Late Fifteen", 46, 15)]


def test_a_second_chance_is_a_job_after_the_first_no(crm: Crm) -> None:
    crm(
        "job",
        "add",
        "Globex",
        "--title",
        "Analyst",
        "--applied",
        "2026-01-02",
        now=at("01-02T12:00"),
    )
    crm("job", "add", "Globex", "--title", "Designer", "--applied", "2026-01-03")  # before it
    crm(
        "job", "reject", "Globex", "--title", "Analyst", "--on", "2026-01-05", now=at("01-05T12:00")
    )
    crm("job", "add", "Globex", "--title", "Lead", now=at("01-05T18:00"))  # the same day
    crm("job", "add", "Globex", "--title", "Senior Analyst", now=at("02-10T12:00"))
    crm("job", "add", "Initech", "--title", "Engineer")  # no rejection there
    doc = crm.json("review")
    assert isinstance(doc, dict)
    assert doc["door_reopening"] == [
        {
            "employer_id": 1,
            "employer": "Globex",
            "rejected_on": "2026-01-05",
            "finalist_rank": None,
            "check_openings": [
                {"task_id": 2, "title": "Check their openings (day 30)", "due": "2026-02-04"}
            ],
            "new_jobs": [
                {
                    "job_id": 4,
                    "title": "Senior Analyst",
                    "status": "applied",
                    "applied_on": None,
                    "added_on": "2026-02-10",
                }
            ],
        }
    ]
    out = lines(crm("review").stdout)
    door = out.index("Door reopening")
    assert out[door + 1 : door + 4] == [
        "employer  what                               when",
        "Globex    ★ a second chance: Senior Analyst  added 20 days ago",
        "Globex    #2 Check their openings (day 30)   26 days late",
    ]


def test_long_names_give_way_so_figures_and_dates_stay_whole(crm: Crm) -> None:
    person, employer = "Maximiliane von Hohenberg-Schwarzenau", "International Business Machines"
    crm("contact", "add", person, "--employer", employer)
    crm(
        "job",
        "reject",
        "international",
        "--title",
        "Scientist",
        "--on",
        "2026-02-26",
        "--rank",
        "12",
    )
    crm("log", "thank-you", "maxi", "--on", "2026-02-27")  # #1 done, #4 a gentle note
    crm("log", "reply", "maxi", "--on", "2026-02-27")  # #5 LinkedIn (today), #6 interview
    crm("task", "add", "Send Maximiliane the article about ML platforms", "--contact", "maxi")
    out = lines(crm("review").stdout)
    assert max(len(line) for line in out) <= 80
    funnel = out.index("Funnel by employer")
    assert out[funnel + 1 : funnel + 3] == [
        "employer        met  thanked  replied  LinkedIn  info  nurture  rank  rejected",
        "International…    1        1        1         0     0        0    12  4 days ago",
    ]
    assert out[-3:] == [
        "id  to do                              who                                 due",
        "#5  Connect on LinkedIn                Maximiliane von Hohenberg-Schwarz…  today",
        "#7  Send Maximiliane the article abo…  Maximiliane von Hohenberg-Schwarz…  today",
    ]


def markdown_tables(text: str) -> list[tuple[list[str], list[list[str]]]]:
    """Each table as (header cells, body rows), the cells as a reader sees them."""
    tokens = MarkdownIt("commonmark").enable("table").parse(text)
    tables: list[tuple[list[str], list[list[str]]]] = []
    row: list[str] = []
    for token in tokens:
        if token.type == "table_open":
            tables.append(([], []))
        elif token.type == "tr_open":
            row = []
        elif token.type == "inline" and tables and token.level >= 4:
            kinds = {child.type for child in token.children or []}
            assert kinds <= {"text", "text_special"}, (token.content, kinds)  # no markup
            row.append("".join(child.content for child in token.children or []))
        elif token.type == "tr_close":
            header, body = tables[-1]
            if not header:
                header.extend(row)
            else:
                body.append(row)
    return tables


def headings(text: str) -> list[tuple[str, str]]:
    tokens = MarkdownIt("commonmark").enable("table").parse(text)
    return [
        (token.tag, tokens[i + 1].content)
        for i, token in enumerate(tokens)
        if token.type == "heading_open"
    ]


def test_the_markdown_report_is_read_back_as_tables(crm: Crm, tmp_path: Path) -> None:
    story(crm)
    path = tmp_path / "review.md"
    out = crm("review", "--output", str(path)).stdout
    assert lines(out) == [f"Wrote the review of Tue 24 Feb to Mon 02 Mar 2026 (7 days) to {path}."]
    text = path.read_text(encoding="utf-8")
    assert headings(text) == [
        ("h1", "Review of Tue 24 Feb to Mon 02 Mar 2026 (7 days)"),
        ("h2", "At a glance"),
        ("h2", "Activity"),
        ("h2", "Replies"),
        ("h2", "Funnel by employer"),
        ("h2", "Pipeline"),
        ("h2", "Going cold"),
        ("h2", "Went quiet"),
        ("h2", "Expired"),
        ("h2", "Door reopening"),
        ("h2", "Next week"),
    ]
    tables = markdown_tables(text)
    shapes = [(header, len(body)) for header, body in tables]
    assert shapes == [
        (["", "this period", "previous", "change"], 10),
        (["kind", "out", "in"], 5),
        (["who", "employer", "replies", "last"], 2),
        (["reply rate", "this period", "all time"], 2),
        (
            [
                "employer",
                "met",
                "thanked",
                "replied",
                "LinkedIn",
                "info",
                "nurture",
                "rank",
                "rejected",
            ],
            3,
        ),
        (["on", "job", "employer", "moved to"], 2),
        (["id", "who", "employer", "last touch", "next note"], 2),
        (["id", "to do", "who", "was due"], 1),  # went quiet has no table: nobody did
        (["employer", "what", "when"], 2),
        (["id", "to do", "who", "due"], 2),  # with the follow-up on Globex's new application
    ]
    glance, *_, funnel, _, _, expired, doors, _ = [body for _, body in tables]
    assert glance[8] == ["thank-you reply rate", "50%", "100%", "-50 pts"]
    assert glance[9] == ["nurture reply rate", "100%", "n/a", "n/a"]
    assert [row[0] for row in funnel] == ["Globex", "Acme Robotics", "Initech"]
    assert funnel[1] == ["Acme Robotics", "3", "2", "1", "1", "0", "0", "2", "3 days ago"]
    assert expired == [
        ["#7", "Ask for an informational interview", "Kai Ito · Globex", "Thu 29 Jan"]
    ]
    assert doors == [
        ["Globex", "★ a second chance: Senior Analyst", "applied 5 days ago"],
        ["Globex", "#3 Check their openings (day 30)", "26 days late"],
    ]


def test_markdown_cells_keep_the_users_text_as_written(crm: Crm, tmp_path: Path) -> None:
    odd = "Pipe | Works *Ltd* _x_ <b>1</b> [a](b) `c` &amp; ~~s~~ \\"
    crm("contact", "add", "Dana Whitfield", "--employer", odd)
    crm("job", "reject", odd, "--title", "Analyst | ML", "--on", "2026-03-01")
    crm("task", "add", "Call Dana\nabout the | role", "--contact", "dana", "--due", "+2d")
    path = tmp_path / "odd.md"
    crm("review", "--output", str(path))
    tables = markdown_tables(path.read_text(encoding="utf-8"))
    funnel = next(body for header, body in tables if header[0] == "employer" and len(header) == 9)
    assert funnel[0][0] == odd
    next_week = tables[-1][1]
    assert ["#4", "Call Dana about the | role", f"Dana Whitfield · {odd}", "Wed 04 Mar"] in (
        next_week
    )


def test_the_markdown_file_is_private_and_replaces_an_old_one(
    sqlite_crm: Crm, tmp_path: Path
) -> None:
    os.umask(0o022)
    (tmp_path / "reviews").mkdir()
    path = tmp_path / "reviews" / "review.md"
    path.write_text("last week's review\n")
    path.chmod(0o644)
    sqlite_crm("review", "--output", str(path))
    assert stat.S_IMODE(path.stat().st_mode) == 0o600
    assert path.read_text().startswith("# Review of Tue 24 Feb to Mon 02 Mar 2026 (7 days)\n")
    assert [p.name for p in path.parent.iterdir()] == ["review.md"]  # no temporary file left


ERRORS = [
    (["--days", "0"], "--days is a number of days from 1 to 3660, not 0"),
    (["--days", "3661"], "--days is a number of days from 1 to 3660, not 3661"),
    (["--days", "7", "--since", "monday"], "give --days or --since, not both"),
    (["--since", "tomorrow"], "'tomorrow' is 2026-03-03, after today: a review looks back"),
    (["--since", "2016-02-01"], "--since reaches back at most 3660 days, to 2016-02-24"),
    (["--since", "last week"], "'last week' is not a date"),
    (["--json", "--output", "r.md"], "give --json or --output, not both"),
    (["--output", "/nonexistent/r.md"], "cannot write /nonexistent/r.md: the folder"),
]


@pytest.mark.parametrize(("argv", "words"), ERRORS, ids=[" ".join(a) for a, _ in ERRORS])
def test_bad_input_is_one_line_and_changes_nothing(crm: Crm, argv: list[str], words: str) -> None:
    acme_story(crm)
    before = crm.state()
    result = crm("review", *argv, ok=False)
    assert result.exit_code == 2, result.stderr
    assert result.stdout == ""
    assert result.stderr.count("\n") == 1 and result.stderr.startswith("Error: ")
    assert words in result.stderr
    assert crm.state() == before


def test_a_review_with_good_input_writes_nothing(crm: Crm, tmp_path: Path) -> None:
    acme_story(crm)
    before = crm.state()
    crm("review")
    crm("review", "--json")
    crm("review", "--output", str(tmp_path / "r.md"))
    assert crm.state() == before


def test_an_output_that_is_a_folder(sqlite_crm: Crm, tmp_path: Path) -> None:
    result = sqlite_crm("review", "--output", str(tmp_path), ok=False)
    assert (result.exit_code, result.stderr) == (
        2,
        f"Error: {tmp_path} is a folder; give a file name (or {tmp_path}/ for crm to name it)\n",
    )


def test_the_review_reads_the_same_rows_however_long_the_history(
    sqlite_crm: Crm, crm_home: Path
) -> None:
    """Aggregates, not a loop over the touchpoints: 5,000 more, not one more row read. The
    plan's reading of relationships (went quiet, going cold) is asked only for the contacts a
    bounded query names, Lee, in the funnel's process, is counted by the database, and the
    all-time reply rates add up what the plan keeps per contact."""
    from sqlalchemy import event, insert

    from crm.db import Database
    from crm.models import Touchpoint
    from crm.services.review import Rate, period_of, weekly_review

    rate_of = Rate.of
    story(sqlite_crm)
    database = Database(sqlite_crm.url)
    read = {"statements": 0, "rows": 0}

    def counted(_cursor: object, row: tuple[object, ...]) -> tuple[object, ...]:
        read["rows"] += 1
        return row

    def checkout(dbapi_connection: Any, *_: object) -> None:
        dbapi_connection.row_factory = counted  # sqlite3 calls it for every row fetched

    def execute(*_: object) -> None:
        read["statements"] += 1

    event.listen(database.engine, "checkout", checkout)
    event.listen(database.engine, "before_cursor_execute", execute)
    now = datetime(2026, 3, 2, 9, tzinfo=UTC)
    period = period_of(today=now.date())

    def review() -> tuple[dict[str, int], Any]:
        read.update(statements=0, rows=0)
        with database.session(write=False) as session:
            found = weekly_review(session=session, now=now, period=period, plan=Plan())
        return dict(read), found

    small, before = review()
    start = datetime(2025, 1, 1, tzinfo=UTC)
    rows = [
        {
            "contact_id": 6,  # Lee, whom the user chose not to keep in touch with
            "kind": "note" if i % 2 else "email",  # memos, and notes that were never answered
            "direction": "out",
            "happened_at": start + timedelta(minutes=i),
            "created_at": start,
        }
        for i in range(5000)
    ]
    with database.session(write=True) as session:
        session.execute(insert(Touchpoint), rows)
    sqlite_crm("remind")  # the plan reads what was written behind its back, as before a review
    large, after = review()
    database.close()
    assert small["rows"] > 10 and small == large
    assert (after.activity, after.funnel) == (before.activity, before.funnel)
    assert (after.went_quiet, after.going_cold) == (before.went_quiet, before.going_cold)
    nurture = after.replies.nurture_reply_rate
    assert (nurture.this_period, nurture.all_time) == (rate_of(1, 1), rate_of(2501, 1))


def test_a_thank_you_is_answered_within_the_window_and_before_the_next_email(
    crm: Crm, crm_home: Path
) -> None:
    """The answer must come within `reply_window_days` (21) of the thank-you, and before the
    user wrote again: an answer to a later email answers that email."""
    crm("job", "add", "Acme", "--title", "Analyst")
    crm("job", "reject", "acme", "--on", "2026-01-31")
    for name, answer in (
        ("Kai Ito", ("reply", "2026-02-22")),  # 21 days after the thank-you: answered
        ("Dana Whitfield", ("reply", "2026-02-23")),  # 22 days: too late to be the answer
        ("Zoe Park", ("call", "2026-02-03")),  # a call is a conversation: an answer
    ):
        crm("contact", "add", name, "--employer", "acme")
        crm("log", "thank-you", name, "--on", "2026-02-01")
        crm("log", answer[0], name, "--on", answer[1])
    crm("contact", "add", "Sam Ortiz", "--employer", "acme")
    crm("log", "thank-you", "sam", "--on", "2026-02-01")
    crm("log", "email", "sam", "--on", "2026-02-05")  # a gentle note...
    crm("log", "reply", "sam", "--on", "2026-02-06")  # ...and its answer, not the thank-you's
    doc = crm.json("review", "--since", "2026-02-01")
    assert isinstance(doc, dict)
    assert doc["replies"]["thank_you_reply_rate"]["this_period"] == rate(4, 2, 0.5)
    assert doc["replies"]["nurture_reply_rate"]["this_period"] == rate(1, 1, 1.0)
    # the four answered, and only Sam's note went out: Sam, Kai, Dana and Zoe are advocates
    assert doc["headline"]["people_who_answered"]["this_period"] == 4
    crm_home.mkdir(exist_ok=True)
    (crm_home / "config.toml").write_text("[plan]\nreply_window_days = 30\n")
    doc = crm.json("review", "--since", "2026-02-01")
    assert isinstance(doc, dict)
    assert doc["replies"]["thank_you_reply_rate"]["this_period"] == rate(4, 3, 0.75)  # + Dana


def test_an_sqlite_before_3_35_gets_the_same_reply_rates(
    sqlite_crm: Crm, monkeypatch: pytest.MonkeyPatch
) -> None:
    """The reply rates ask SQLite to keep each step MATERIALIZED, which it reads from 3.35;
    an older one is asked without the hint and answers the same."""
    import sqlite3

    acme_story(sqlite_crm)
    sqlite_crm("log", "thank-you", "dana", "--on", "2026-02-28")
    sqlite_crm("log", "reply", "dana", "--on", "2026-03-01")
    sqlite_crm("log", "thank-you", "sam", "--on", "2026-02-28")
    sqlite_crm("log", "email", "sam", "--on", "2026-03-01")
    doc = sqlite_crm.json("review")
    assert isinstance(doc, dict)
    assert doc["replies"]["thank_you_reply_rate"]["this_period"] == rate(2, 1, 0.5)
    monkeypatch.setattr(sqlite3, "sqlite_version_info", (3, 34, 1))
    assert sqlite_crm.json("review") == doc


def test_interview_requests_and_interviews_held_are_apart(crm: Crm) -> None:
    """`task done` on "Ask for an informational interview" logs the request, an email; only
    `crm log info-interview` records one held. Neither is a nurture note, nor LinkedIn."""
    acme_story(crm)
    crm("log", "thank-you", "dana", "--on", "2026-02-28")
    crm("log", "reply", "dana", "--on", "2026-02-28")  # an advocate: LinkedIn, interview request
    crm("log", "linkedin", "dana", "--on", "2026-03-01")  # out, never answered
    [ask] = [
        t["id"]
        for t in crm.json("task", "list")  # type: ignore[union-attr]
        if t["kind"] == "info_interview"
    ]
    crm("task", "done", str(ask))  # the request: an email with its purpose, today 09:00
    doc = crm.json("review")
    assert isinstance(doc, dict)
    assert doc["activity"]["touches"] == [
        {"kind": "thank-you", "outgoing": 1, "incoming": 0},
        {"kind": "reply", "outgoing": 0, "incoming": 1},
        {"kind": "linkedin", "outgoing": 1, "incoming": 0},
        {"kind": "info-interview-request", "outgoing": 1, "incoming": 0},
    ]
    # the LinkedIn invitation and the request are no nurture notes: none was sent
    assert doc["replies"]["nurture_reply_rate"]["all_time"] == rate(0, 0, None)
    [acme] = doc["funnel"]
    assert (acme["info_interview_asked"], acme["info_interview"]) == (1, 0)
    crm("log", "info-interview", "dana")  # today, after the request: held
    doc = crm.json("review")
    assert isinstance(doc, dict)
    assert doc["activity"]["touches"][-2:] == [
        {"kind": "info-interview-request", "outgoing": 1, "incoming": 0},
        {"kind": "info-interview", "outgoing": 1, "incoming": 0},
    ]
    [acme] = doc["funnel"]
    assert (acme["info_interview_asked"], acme["info_interview"]) == (1, 1)


def test_the_funnel_lists_processes_not_the_address_book(crm: Crm, tmp_path: Path) -> None:
    """Employers with a job added, applied for or rejected in the period, or a rejection in the
    last 90 days, the most recent first; people at the employer where they were met; imported
    connections nobody met are not "met"."""
    from bench.connections import write_connections_csv

    def person(first: str, last: str, company: str) -> list[str]:
        url = f"https://www.linkedin.com/in/{first.lower()}"
        return [first, last, url, "", company, "Engineer", "01 Jan 2026"]

    people = [person("Sam", "Ortiz", "Acme"), person("Lee", "Chen", "Acme")]
    people += [person("Kai", "Ito", "Acme"), person("Ann", "Bell", "Hooli")]
    crm("import", "linkedin", str(write_connections_csv(tmp_path / "a.csv", people)))
    crm("contact", "edit", "sam", "--role", "recruiter")  # met in Acme's process
    crm("job", "add", "Globex", "--title", "Analyst", now=at("01-02T12:00"))
    crm("job", "reject", "globex", "--on", "2025-12-01")  # 91 days ago: not listed
    crm("job", "add", "Acme", "--title", "Analyst", now=at("01-02T12:00"))
    crm("job", "reject", "acme", "--on", "2026-02-27")
    crm("log", "thank-you", "sam", "--on", "2026-02-28")
    crm("log", "thank-you", "lee", "--on", "2026-02-28")  # a connection, thanked: met after all
    # Sam has moved to Initech since, and Initech has a job the user applied for this week
    people[0] = person("Sam", "Ortiz", "Initech")
    crm("import", "linkedin", str(write_connections_csv(tmp_path / "b.csv", people)))
    crm("job", "add", "Initech", "--title", "Engineer", "--applied", "2026-03-01")
    doc = crm.json("review")
    assert isinstance(doc, dict)
    found = [(f["employer"], f["met"], f["thanked"], f["linkedin"]) for f in doc["funnel"]]
    # Initech first (a job added today); Sam counts at Acme where he was met, and Kai, an
    # imported connection at Acme nobody met, does not count
    assert found == [("Initech", 0, 0, 0), ("Acme", 2, 2, 2)]
    out = lines(crm("review").stdout)
    funnel = out.index("Funnel by employer")
    assert out[funnel + 1 : funnel + 4] == [
        "employer  met  thanked  replied  LinkedIn  info  nurture  rank  rejected",
        "Initech     0        0        0         0     0        0",
        "Acme        2        2        0         2     0        0        3 days ago",
    ]


def test_went_quiet_lists_each_relationship_once(crm: Crm) -> None:
    """Sam's two gentle notes go unanswered (quiet on the second, Feb 25); Ravi, who wrote on
    Oct 30, has had no touch for more than 120 days on Feb 28 (dormant); Kai's turn came on
    Feb 18, the week before. Lee is not kept in touch with: no news."""
    crm("contact", "add", "Sam Ortiz", "--employer", "Acme", now=at("01-01T12:00"))
    crm("job", "add", "Acme", "--title", "Analyst", now=at("01-01T12:00"))
    crm("job", "reject", "acme", "--on", "2026-01-02", now=at("01-02T12:00"))
    crm("log", "thank-you", "sam", "--on", "2026-01-03", now=at("01-03T12:00"))
    crm("log", "email", "sam", "--on", "2026-02-03", now=at("02-03T12:00"))
    crm("log", "email", "sam", "--on", "2026-02-25", now=at("02-25T12:00"))
    for name, wrote in (("Ravi Shah", "2025-10-30"), ("Kai Ito", "2025-10-20")):
        crm("contact", "add", name, now=f"{wrote}T12:00:00+00:00")
        crm("log", "reply", name, "--on", wrote, now=f"{wrote}T12:00:00+00:00")
    crm("contact", "add", "Lee Chen", "--no-keep-in-touch", now=at("01-01T12:00"))
    crm("log", "email", "lee", "--on", "2026-02-24", now=at("02-24T12:00"))
    crm("log", "email", "lee", "--on", "2026-02-25", now=at("02-25T12:00"))

    def quiet(*argv: str, now: str = at("03-02T09:00")) -> list[tuple[str, str, str, int]]:
        doc = crm.json("review", *argv, now=now)
        assert isinstance(doc, dict)
        return [(q["contact"], q["on"], q["why"], q["unanswered"]) for q in doc["went_quiet"]]

    assert quiet() == [
        ("Sam Ortiz", "2026-02-25", "unanswered", 2),
        ("Ravi Shah", "2026-02-28", "dormant", 0),  # Oct 30 + 121 days
    ]
    assert quiet(now=at("02-23T09:00")) == [("Kai Ito", "2026-02-18", "dormant", 0)]
    assert quiet("--days", "14") == [
        ("Kai Ito", "2026-02-18", "dormant", 0),
        ("Sam Ortiz", "2026-02-25", "unanswered", 2),
        ("Ravi Shah", "2026-02-28", "dormant", 0),
    ]
    assert quiet(now=at("03-09T09:00")) == []  # once: not again the week after
    out = lines(crm("review").stdout)
    section = out.index("Went quiet")
    assert out[section + 1 : section + 5] == [
        "id  who        employer  why                   since",
        "#1  Sam Ortiz  Acme      2 notes unanswered    5 days ago",
        "#2  Ravi Shah            no touch in 121 days  2 days ago",
        "A new touch, either way, wakes the plan for them again.",
    ]
    # Sam, quiet since Feb 25, is no longer "going cold" when 60 days have passed
    doc = crm.json("review", now="2026-05-01T09:00:00+00:00")
    assert isinstance(doc, dict)
    assert [c["contact"] for c in doc["going_cold"]] == []


def test_tasks_the_plan_withdrew_are_not_counted_as_skipped(crm: Crm) -> None:
    """Archiving Dana withdraws her thank-you (stored as skipped, closed by the plan): not
    skipped; Sam's, which the user skips, is."""

    def tasks() -> tuple[int, int, int]:
        doc = crm.json("review")
        assert isinstance(doc, dict)
        activity = doc["activity"]
        skipped = doc["headline"]["tasks_skipped"]["this_period"]
        return activity["tasks_skipped"], activity["tasks_withdrawn"], skipped

    acme_story(crm)
    crm("contact", "archive", "dana")  # withdraws #1
    assert tasks() == (0, 1, 0)
    crm("task", "skip", "2")  # Sam's thank-you
    assert tasks() == (1, 1, 1)
    assert "Tasks: 0 done, 1 skipped, 0 expired, 1 withdrawn, 0 still overdue." in lines(
        crm("review").stdout
    )


def test_expired_tasks_are_listed_in_the_week_they_expired(crm: Crm) -> None:
    """Dana's thank-you, due Jan 2 and never sent, expires 14 days later: the first run of
    the plan after Jan 16 (this review, on Jan 20) closes it, and only that week lists it."""
    crm("contact", "add", "Dana Whitfield", "--employer", "Acme", now=at("01-01T09:00"))
    crm("job", "reject", "acme", "--title", "Analyst", "--on", "2026-01-01", now=at("01-01T09:00"))
    doc = crm.json("review", now=at("01-20T09:00"))
    assert isinstance(doc, dict)
    [expired] = doc["expired"]
    assert {k: expired[k] for k in ("id", "kind", "due", "status", "contact", "employer")} == {
        "id": 1,
        "kind": "thank_you",
        "due": "2026-01-02",
        "status": "expired",
        "contact": "Dana Whitfield",
        "employer": "Acme",
    }
    assert expired["closed_at"].startswith("2026-01-20T")  # expired by this review's plan run
    assert doc["activity"]["tasks_expired"] == 1
    out = lines(crm("review", now=at("01-20T09:00")).stdout)
    assert "Tasks: 0 done, 0 skipped, 1 expired, 0 still overdue." in out
    section = out.index("Expired")
    assert out[section + 1 : section + 3] == [
        "id  to do                  who                    was due",
        "#1  Send a thank-you note  Dana Whitfield · Acme  Fri 02 Jan",
    ]
    later = crm.json("review", now=at("01-27T09:00"))
    assert isinstance(later, dict)
    assert (later["expired"], later["activity"]["tasks_expired"]) == ([], 0)


def test_the_domain_never_imports_a_renderer() -> None:
    """crm/services/ returns results; crm/views/ and crm/cli/ turn them into text (#17)."""
    import ast

    services = Path(__file__).resolve().parent.parent / "crm" / "services"
    found = []
    for path in sorted(services.glob("*.py")):
        for node in ast.walk(ast.parse(path.read_text(encoding="utf-8"))):
            names = []
            if isinstance(node, ast.Import):
                names = [alias.name for alias in node.names]
            elif isinstance(node, ast.ImportFrom) and node.module:
                names = [node.module]
            found += [
                f"{path.name}: {name}"
                for name in names
                if name.split(".")[0] == "rich"
                or name.startswith(("crm.render", "crm.views", "crm.cli"))
            ]
    assert found == []


# everyone met and thanked for, then what wakes a relationship or puts it to sleep: touches of
# every kind (several on one day: at the same moment), memos, silences, corrections
MET = [("add", name, EMPLOYERS[n % 2]) for n, name in enumerate(PEOPLE)]
MET += [("reject", employer, 0) for employer in EMPLOYERS]
QUIET_STEPS = st.one_of(
    st.tuples(st.just("log"), person, st.sampled_from(KINDS)),
    st.tuples(st.just("log"), person, st.sampled_from(["email", "reply"])),
    st.tuples(st.just("wait"), st.integers(1, 40), st.just(None)),
    st.tuples(st.just("correct"), person, st.integers(-1, 20)),
    st.tuples(st.just("archive"), person, st.booleans()),
    st.tuples(st.just("every"), person, st.sampled_from(["6w", "off"])),
)
TIGHT = Plan(dormant_after_days=20, unanswered_notes_limit=1, unanswered_before_slowing=1)


@settings(
    max_examples=8,
    deadline=None,
    suppress_health_check=[HealthCheck.too_slow, HealthCheck.function_scoped_fixture],
)
@given(steps=st.lists(QUIET_STEPS, min_size=4, max_size=20))
# the note that quiets Dana (tight plan: the first), then a memo, which wakes nothing
@example(steps=[("log", "Dana", "thank-you"), ("wait", 1, None), *[("log", "Dana", "email")] * 2,
                ("log", "Dana", "note"), ("wait", 3, None)])  # fmt: skip
# the note that quiets Dana sent at the same moment as a LinkedIn message before it
@example(steps=[("log", "Dana", "thank-you"), ("wait", 1, None), ("log", "Dana", "email"),
                ("wait", 1, None), ("log", "Dana", "linkedin"), ("log", "Dana", "email"),
                ("wait", 3, None)])  # fmt: skip
def test_went_quiet_names_everyone_the_plan_would(
    steps: list[tuple[str, Any, Any]], request: pytest.FixtureRequest
) -> None:
    """The bounded query that names who may have gone quiet leaves nobody out: over random
    histories, the section equals the plan's reading of every contact kept in touch, for
    periods of 2, 7 and 30 days ending every other day from the first step to 60 days after
    the last, with the default plan and a tight one (quiet after one unanswered note, dormant
    after 20 days)."""
    with tempfile.TemporaryDirectory(prefix="crm-quiet-") as folder:
        path = Path(folder) / "crm.db"
        copy_database(request.getfixturevalue("migrated_file"), path)
        last = date.fromisoformat(play(Crm(f"sqlite:///{path}"), MET + steps))
        with closing(sqlite3.connect(path)) as connection:
            db = Reader(connection)
            everyone = dict(
                db.rows("SELECT id, name FROM contact WHERE keep_in_touch AND archived_at IS NULL")
            )
            for plan in (Plan(), TIGHT):
                for n in range(0, (last - START).days + 60, 2):
                    end = START + timedelta(days=n)
                    now = datetime(end.year, end.month, end.day, 18, tzinfo=UTC)
                    for days in (2, 7, 30):
                        period = Period(end - timedelta(days=days - 1), end, days)
                        assert _went_quiet(db, now, period, plan) == _quiet_among(
                            db, everyone, now, period, plan
                        ), (plan, period)


# one touch: (whose, kind, direction, purpose, day, minute): few days and minutes, so that
# touches often share a moment, the case where "at or after" and "between" differ
TOUCH = st.tuples(
    st.sampled_from([1, 2]),
    st.sampled_from([kind.value for kind in TouchKind]),
    st.sampled_from(["out", "in"]),
    st.sampled_from([None, None, Purpose.INFO_INTERVIEW_REQUEST.value]),
    st.integers(0, 40),
    st.integers(0, 1),
)


@replayed
def dana_and_sam(crm: Crm) -> None:
    crm("contact", "add", "Dana")
    crm("contact", "add", "Sam")


@settings(max_examples=60, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(
    touches=st.lists(TOUCH, max_size=14),
    window=st.sampled_from([0, 1, 7, 21]),
)
# answered at the very moment of the thank-you, by a reply recorded before it (a smaller id)
@example(touches=[(1, "reply", "in", None, 3, 0), (1, "thank-you", "out", None, 3, 0)], window=0)
# an email at the moment of the answer comes between: the answer is the email's
@example(touches=[(1, "thank-you", "out", None, 0, 0), (1, "email", "out", None, 2, 0),
                  (1, "reply", "in", None, 2, 0)], window=7)  # fmt: skip
# a memo between the thank-you and the answer asks nothing
@example(touches=[(1, "thank-you", "out", None, 0, 0), (1, "note", "out", None, 1, 0),
                  (1, "reply", "in", None, 2, 0)], window=7)  # fmt: skip
# a memo "in" answers nothing
@example(touches=[(2, "thank-you", "out", None, 0, 0), (2, "note", "in", None, 1, 0)], window=7)
def test_the_kept_reply_tallies_add_up_to_what_the_touches_say(
    touches: list[tuple[int, str, str, str | None, int, int]],
    window: int,
    tmp_path_factory: pytest.TempPathFactory,
    migrated_file: Path,
) -> None:
    """What the plan keeps per contact for the all-time reply rates equals the review's own
    count over every touch ever recorded: random histories of two people, memos, requests,
    touches at one moment, windows of 0 to 21 days."""
    from crm.lean import Writer
    from crm.services.plan import Scope, follow_up_plan
    from crm.services.reply_tally import all_time
    from crm.services.review import _Window, sent_and_answered

    path = tmp_path_factory.mktemp("tally") / "crm.db"
    copy_database(migrated_file, path)
    dana_and_sam(Crm(f"sqlite:///{path}"))
    start = datetime(2026, 1, 5, 9, tzinfo=UTC)
    plan = Plan(reply_window_days=window)
    with closing(sqlite3.connect(path)) as connection:
        connection.executemany(
            "INSERT INTO touchpoint (contact_id, kind, direction, purpose, happened_at,"
            " created_at) VALUES (?, ?, ?, ?, ?, ?)",
            [
                (whose, kind, direction, purpose, f"{moment:%Y-%m-%d %H:%M:%S.%f}", "2026-01-05")
                for whose, kind, direction, purpose, day, minute in touches
                for moment in [start + timedelta(days=day, minutes=minute)]
            ],
        )
        now = start + timedelta(days=60)
        follow_up_plan(session=Writer(connection, Scope()), now=now, plan=plan, fingerprint="")
        db = Reader(connection)
        this = _Window(Period(now.date(), now.date(), 1), UTC)
        counted = sent_and_answered(
            db, this, this, window, since=start - timedelta(days=1), until=now
        )
        kept = all_time(db)
    thank_yous, notes = counted.get("thank_you", [0, 0]), counted.get("nurture", [0, 0])
    assert kept == (thank_yous[0], thank_yous[1], notes[0], notes[1])
