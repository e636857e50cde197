"""The whole job search: the pipeline's moves and rules, a cadence for anyone, tags."""

from __future__ import annotations

from typing import Any

from tests.conftest import Crm
from tests.helpers import lines


def tasks(crm: Crm, now: str) -> list[tuple[str, str, str | None, str]]:
    """Open tasks as (kind, title, contact or employer, due)."""
    doc: Any = crm.json("task", "list", now=now)
    return [(t["kind"], t["title"], t["contact"] or t["employer"], t["due"]) for t in doc]


def test_one_process_from_saved_to_rejected_and_another_accepted(crm: Crm) -> None:
    crm(
        "job",
        "add",
        "Acme Robotics",
        "--title",
        "Data Analyst",
        "--status",
        "saved",
        now="2026-01-02",
    )
    crm("contact", "add", "Dana Whitfield", "--employer", "acme", "--role", "hiring manager")
    crm("contact", "add", "Sam Ortiz", "--employer", "acme", "--role", "recruiter")
    assert tasks(crm, "2026-01-05") == []  # a saved job asks for nothing yet

    crm("job", "move", "acme", "applied", "--on", "2026-01-05", now="2026-01-05")
    assert tasks(crm, "2026-01-14") == [
        ("follow_up", "Ask about your application", "Acme Robotics", "2026-01-15")
    ]  # nine days of silence: not yet overdue, but there
    out = crm("job", "move", "acme", "screening", "--on", "2026-01-16", now="2026-01-16").stdout
    assert lines(out) == [
        "Moved 'Data Analyst' at Acme Robotics (#1) to screening on 2026-01-16.",
        "  ✓ #1 Ask about your application · done",
    ]
    crm("job", "move", "acme", "interviewing", now="2026-01-20")
    out = crm("log", "interview", "dana", "--note", "Panel on the robot arm", now="2026-01-22")
    assert "  + #2 Thank them for the interview (Dana Whitfield) · due tomorrow" in lines(
        out.stdout
    )
    # a meeting while interviewing is an interview too
    crm("log", "meeting", "sam", now="2026-01-23T15:00")
    assert tasks(crm, "2026-01-23T16:00")[:2] == [
        ("thank_you", "Thank them for the interview", "Dana Whitfield", "2026-01-23"),
        ("thank_you", "Thank them for the interview", "Sam Ortiz", "2026-01-24"),
    ]
    crm("log", "thank-you", "dana", now="2026-01-23T18:00")
    assert ("thank_you", "Thank them for the interview", "Dana Whitfield", "2026-01-23") not in (
        tasks(crm, "2026-01-23T19:00")
    )
    out = crm("job", "move", "acme", "offer", "--deadline", "2026-02-06", now="2026-01-30")
    assert "  + #5 Answer the offer by Fri 06 Feb · due Wed 04 Feb" in lines(out.stdout)
    out = crm("job", "reject", "acme", "--on", "2026-02-03", now="2026-02-03").stdout
    assert "  ✓ #5 Answer the offer by Fri 06 Feb · done" in lines(out)
    # Sam was never thanked for the interview: the rejection's thank-you replaces that one
    assert [t[:3] for t in tasks(crm, "2026-02-03") if t[0] == "thank_you"] == [
        ("thank_you", "Send a thank-you note", "Dana Whitfield"),
        ("thank_you", "Send a thank-you note", "Sam Ortiz"),
    ]

    crm("job", "add", "Globex", "--title", "Engineer", "--applied", "2026-01-26", now="2026-02-03")
    crm("job", "add", "Initech", "--title", "Analyst", "--applied", "2026-01-10", now="2026-02-03")
    out = crm("job", "move", "initech", "accepted", "--on", "2026-02-10", now="2026-02-10").stdout
    assert lines(out) == [
        "Moved 'Analyst' at Initech (#3) to accepted on 2026-02-10.",
        "  ✓ #11 Ask about your application · done",
        "  - #8 Check their openings (day 30) · withdrawn",
        "  - #9 Check their openings (day 90) · withdrawn",
        "  - #10 Ask about your application · withdrawn",
    ]
    # the search is over; the relationships go on
    assert {t[0] for t in tasks(crm, "2026-02-10")} == {"thank_you", "nurture"}

    assert lines(crm("job", "show", "#1", now="2026-02-10").stdout)[:9] == [
        "Data Analyst at Acme Robotics (#1) · rejected",
        "Moves",
        "on               status",
        "Fri 02 Jan 2026  saved",
        "Mon 05 Jan 2026  applied",
        "Fri 16 Jan 2026  screening",
        "Tue 20 Jan 2026  interviewing",
        "Fri 30 Jan 2026  offer (answer by 2026-02-06)",
        "Tue 03 Feb 2026  rejected",
    ]
    doc: Any = crm.json("job", "show", "acme", now="2026-02-10")
    assert [(m["status"], m["on"]) for m in doc["moves"]] == [
        ("saved", "2026-01-02"),
        ("applied", "2026-01-05"),
        ("screening", "2026-01-16"),
        ("interviewing", "2026-01-20"),
        ("offer", "2026-01-30"),
        ("rejected", "2026-02-03"),
    ]
    assert [p["name"] for p in doc["people"]] == ["Dana Whitfield", "Sam Ortiz"]
    assert [(t["kind"], t["contact"]) for t in doc["touchpoints"]] == [
        ("interview", "Dana Whitfield"),
        ("meeting", "Sam Ortiz"),
        ("thank-you", "Dana Whitfield"),
    ]
    assert [j["status"] for j in crm.json("job", "list", "--status", "accepted")] == ["accepted"]  # type: ignore[index, union-attr]


def test_news_from_the_employer_answers_the_application(crm: Crm) -> None:
    crm("contact", "add", "Kai Ito", "--employer", "Globex", now="2026-03-01")
    crm("job", "add", "globex", "--title", "Analyst", "--applied", "2026-03-01", now="2026-03-01")
    assert [t[0] for t in tasks(crm, "2026-03-02")] == ["follow_up"]
    out = crm("log", "reply", "kai", "--note", "We'll be in touch", now="2026-03-05").stdout
    assert "  ✓ #1 Ask about your application · done" in lines(out)


def test_the_board_fits_80_columns(crm: Crm) -> None:
    crm("job", "add", "Acme Robotics", "--title", "Data Analyst", "--applied", "2026-02-20")
    crm("job", "add", "Globex", "--title", "Robotics Engineer", "--status", "saved")
    crm("job", "add", "Initech", "--title", "PM", "--applied", "2026-02-01")
    crm("job", "move", "initech", "offer", "--deadline", "2026-03-09", "--on", "2026-02-27")
    crm("job", "reject", "Hooli", "--title", "Analyst")
    board = lines(crm("job", "board").stdout)
    assert board == [
        "saved           applied         screening       interviewing    offer",
        "1               1               0               0               1",
        "",
        "#2 Globex       #1 Acme                                         #3 Initech",
        "Robotics        Robotics                                        PM",
        "Engineer        Data Analyst                                    3 days",
        "today           10 days                                         answer by 09 Mar",
        "Closed: 1 rejected (crm job list)",
    ]
    assert all(len(line) <= 80 for line in board)
    doc = crm.json("job", "board")
    assert isinstance(doc, dict)
    cards = {
        status: [(j["id"], j["employer"], j["since"], j["deadline"]) for j in jobs]
        for status, jobs in doc["columns"].items()
    }
    assert cards == {
        "saved": [(2, "Globex", "2026-03-02", None)],
        "applied": [(1, "Acme Robotics", "2026-02-20", None)],
        "screening": [],
        "interviewing": [],
        "offer": [(3, "Initech", "2026-02-27", "2026-03-09")],
    }
    assert doc["closed"] == {"accepted": 0, "rejected": 1, "withdrawn": 0}


def test_rejecting_an_employer_without_an_open_job_says_what_to_type(crm: Crm) -> None:
    crm("employer", "add", "Initech")
    result = crm("job", "reject", "initech", ok=False)
    assert (result.exit_code, result.stderr) == (
        3,
        "Error: Initech has no open job to reject; name it: crm job reject Initech --title TITLE\n",
    )
    crm("job", "reject", "initech", "--title", "PM")
    again = crm("job", "reject", "initech", ok=False)  # the one there is, rejected already
    assert (again.exit_code, again.stderr) == (
        5,
        "Error: Initech has no open job: 'PM' was already rejected on 2026-03-02; "
        "another: crm job reject Initech --title TITLE\n",
    )


def test_wrong_moves_are_refused_and_change_nothing(crm: Crm) -> None:
    crm("job", "add", "Acme", "--title", "Analyst", "--applied", "2026-02-20")
    before = crm.state()
    for args, error in [
        (("job", "move", "acme", "hired"), "'hired' is not a job status; use one of: saved"),
        (("job", "move", "acme", "screening", "--deadline", "+1w"), "--deadline is an offer's"),
        (("job", "move", "acme", "applied"), "'Analyst' is already applied (since 2026-02-20)"),
        (("job", "move", "#9", "offer"), "no job with id #9"),
        (("job", "show", "Globex"), "no employer named 'Globex'"),
        (("log", "interview", "nobody", "--job", "#1"), "no contact named 'nobody'"),
    ]:
        result = crm(*args, ok=False)
        assert result.exit_code != 0 and result.stderr.startswith(f"Error: {error}"), result
        assert len(result.stderr.splitlines()) == 1
    assert crm.state() == before


def test_a_cadence_of_two_weeks_for_someone_in_no_process(crm: Crm) -> None:
    crm("contact", "add", "Rita Moreno", "--every", "2w", now="2026-03-02")
    assert tasks(crm, "2026-03-02") == [
        ("nurture", "Write about a shared interest", "Rita Moreno", "2026-03-16")
    ]
    crm("log", "email", "rita", "--on", "2026-03-10", now="2026-03-10")
    assert tasks(crm, "2026-03-10") == [
        ("nurture", "Write about a shared interest", "Rita Moreno", "2026-03-24")
    ]
    doc: Any = crm.json("contact", "show", "rita", now="2026-03-10")
    assert (doc["every"], doc["next_nurture"]) == ("2w", "2026-03-24")
    out = crm("contact", "edit", "rita", "--every", "off", now="2026-03-10").stdout
    assert "  - #2 Write about a shared interest (Rita Moreno) · withdrawn" in lines(out)
    assert tasks(crm, "2026-06-10") == []
    crm("log", "call", "rita", now="2026-06-10")
    assert tasks(crm, "2026-06-10") == []  # off: no keep-in-touch notes, whatever happens


def test_an_own_cadence_is_month_end_safe(crm: Crm) -> None:
    crm("contact", "add", "Lee Chen", "--every", "1m", now="2026-01-31T10:00")
    crm("log", "call", "lee", "--on", "2026-01-31", now="2026-01-31T11:00")
    assert tasks(crm, "2026-02-01") == [
        ("nurture", "Write about a shared interest", "Lee Chen", "2026-02-28")
    ]
    crm("task", "skip", "1", now="2026-02-28")
    # the next period from the same touch: Mar 31, not Mar 28
    assert tasks(crm, "2026-02-28") == [
        ("nurture", "Write about a shared interest", "Lee Chen", "2026-03-31")
    ]


def test_cadence_overrides_the_default_for_an_advocate(crm: Crm) -> None:
    crm("job", "reject", "Acme", "--title", "Analyst", now="2026-03-01")
    crm("contact", "add", "Dana", "--employer", "acme", "--every", "6w", now="2026-03-01")
    crm("log", "thank-you", "dana", now="2026-03-02")
    crm("log", "reply", "dana", now="2026-03-03")
    nurture = [t for t in tasks(crm, "2026-03-03") if t[0] == "nurture"]
    assert nurture == [("nurture", "Write about a shared interest", "Dana", "2026-04-14")]


def test_tags_on_add_edit_list_and_json(crm: Crm) -> None:
    crm("contact", "add", "Dana", "--tag", "robotics", "--tag", "Referral")
    crm("contact", "add", "Sam", "--tag", "Robotics")
    crm("contact", "add", "Lee")
    assert [c["name"] for c in crm.json("contact", "list", "--tag", "ROBOTICS")] == ["Dana", "Sam"]  # type: ignore[index, union-attr]
    crm("contact", "edit", "sam", "--untag", "robotics", "--tag", "python")
    doc: Any = crm.json("contact", "show", "sam")
    assert doc["tags"] == ["python"]
    assert [c["tags"] for c in crm.json("contact", "list")] == [  # type: ignore[index, union-attr]
        ["Referral", "robotics"],
        [],
        ["python"],
    ]
    assert lines(crm("contact", "list", "--tag", "nobody").stdout) == [
        "Nobody is tagged 'nobody'. Tag someone: crm contact edit NAME --tag T"
    ]
    bad = crm("contact", "edit", "lee", "--untag", "robotics", ok=False)
    assert bad.stderr == "Error: Lee has no tag 'robotics'\n"


def test_the_draft_after_an_interview_is_short_and_not_the_rejection_note(crm: Crm) -> None:
    crm("job", "add", "Umbrella", "--title", "Data Engineer", "--applied", "2026-02-02")
    crm("contact", "add", "Ada Byron", "--employer", "umbrella", "--role", "interviewer")
    crm("job", "move", "umbrella", "interviewing", "--on", "2026-02-20")
    crm("log", "interview", "ada", "--topic", "the streaming pipeline", now="2026-02-27")
    draft = crm("draft", "ada", now="2026-02-28")
    assert lines(draft.stdout) == [
        "Subject: Thank you for the interview: Data Engineer",
        "",
        "Dear Ada,",
        "",
        "Thank you for taking the time to talk with me on Friday 27 February about the Data "
        "Engineer position. I especially enjoyed our conversation about the streaming pipeline.",
        "",
        "It made me all the more keen to join Umbrella, and I look forward to hearing about the "
        "next steps.",
        "",
        "Best regards,",
    ]
    assert draft.stderr == ""  # the six elements are those of the note after a rejection
    crm("job", "reject", "umbrella", "--on", "2026-03-02")
    after = crm("draft", "ada").stdout
    assert after.startswith("Subject: Thank you: Data Engineer at Umbrella\n")
    assert "disappointed" in after and "keep me in mind" in after


def test_the_review_has_the_pipeline_and_each_persons_cadence(crm: Crm) -> None:
    crm("job", "add", "Acme", "--title", "Analyst", "--applied", "2026-02-02", now="2026-02-02")
    crm("job", "add", "Globex", "--title", "Engineer", "--applied", "2026-02-10", now="2026-02-10")
    crm("job", "add", "Initech", "--title", "PM", "--status", "saved", now="2026-02-10")
    crm("job", "move", "acme", "screening", "--on", "2026-02-26", now="2026-02-26")
    crm("contact", "add", "Kai Ito", "--employer", "Globex", now="2026-02-10")
    crm("log", "reply", "kai", "--on", "2026-02-16", now="2026-02-16")
    crm("contact", "add", "Rita", "--every", "2w", now="2026-02-01")
    crm("log", "call", "rita", "--on", "2026-02-12", now="2026-02-12")
    crm("contact", "add", "Lee", "--every", "3m", now="2026-01-01")
    crm("log", "call", "lee", "--on", "2026-01-02", now="2026-01-02")
    crm("contact", "add", "Ola", "--every", "1m", now="2025-10-01")
    crm("log", "call", "ola", "--on", "2025-10-01", now="2025-10-01")
    doc: Any = crm.json("review", now="2026-03-02")
    pipeline = doc["pipeline"]
    assert {k: v for k, v in pipeline["by_status"].items() if v} == {
        "saved": 1,
        "applied": 1,
        "screening": 1,
    }
    assert pipeline["moves"] == [
        {
            "job_id": 1,
            "title": "Analyst",
            "employer": "Acme",
            "status": "screening",
            "on": "2026-02-26",
        }
    ]
    # Acme answered after 24 days (a move), Globex after 6 (Kai's reply): the median is 15
    assert (pipeline["answered"], pipeline["waiting"]) == (2, 0)
    assert pipeline["median_days_to_answer"] == 15
    # Rita: quiet 18 days, more than her two weeks; Lee: 59 days, not yet his three months;
    # Ola: 152 days, long past her month (an own cadence never lets a relationship go dormant)
    assert [c["contact"] for c in doc["going_cold"]] == ["Ola", "Rita"]
    text = lines(crm("review", now="2026-03-02").stdout)
    start = text.index("Pipeline")
    assert text[start : start + 6] == [
        "Pipeline",
        "Jobs: 1 saved, 1 applied, 1 screening.",
        "Employers answered 2 applications after 15 days (median); 0 still without an",
        "answer.",
        "on          job         employer  moved to",
        "Thu 26 Feb  #1 Analyst  Acme      screening",
    ]


def test_a_new_deadline_replaces_the_offers_reminder(crm: Crm) -> None:
    crm("job", "add", "Acme", "--title", "Analyst", "--applied", "2026-02-20")
    crm("job", "move", "acme", "offer", "--deadline", "2026-03-20")
    out = crm("job", "move", "acme", "offer", "--deadline", "2026-03-10").stdout
    assert lines(out) == [
        "Moved 'Analyst' at Acme (#1) to offer on 2026-03-02, answer by 2026-03-10.",
        "  + #3 Answer the offer by Tue 10 Mar · due Sun 08 Mar",
        "  - #2 Answer the offer by Fri 20 Mar · withdrawn",
    ]
