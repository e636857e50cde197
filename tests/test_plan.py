"""The follow-up plan, rule by rule, through the commands a user types (time moves by CRM_NOW)."""

from __future__ import annotations

from pathlib import Path

import pytest

from tests.conftest import Crm


def tasks(
    crm: Crm, *, now: str | None = None, every: bool = False
) -> list[tuple[str, str, str, str]]:
    """(kind, who, due, status) for each task, in due order."""
    args = ["task", "list"] + (["--all"] if every else [])
    return [
        (t["kind"], t["contact"] or t["employer"], t["due"], t["status"])
        for t in crm.json(*args, now=now)  # type: ignore[union-attr]
    ]


def open_kinds(crm: Crm, who: str, *, now: str | None = None) -> list[tuple[str, str]]:
    return [(k, due) for k, w, due, _ in tasks(crm, now=now) if w == who]


def met(crm: Crm, *names: str, employer: str = "Acme", **flags: bool) -> None:
    for name in names:
        extra = [] if flags.get("liked", True) else ["--no-keep-in-touch"]
        crm("contact", "add", name, "--employer", employer, *extra)


def test_a_rejection_with_nobody_met_still_checks_the_openings(crm: Crm) -> None:
    crm("job", "add", "Acme", "--title", "Analyst")
    crm("job", "reject", "acme", "--on", "2026-01-30")
    assert tasks(crm) == [
        ("check_openings", "Acme", "2026-03-01", "open"),
        ("check_openings", "Acme", "2026-04-30", "open"),
    ]


def test_a_rejection_that_made_no_thank_you_says_why(crm: Crm, crm_home: Path) -> None:
    """The plan says why it made nothing (PlanResult.unthanked) and `job reject` passes it on:
    nobody met there yet, or the rejection too long ago; also when the first write after a
    settings change re-plans everything."""
    crm("employer", "add", "Acme")
    nobody = crm("job", "reject", "acme", "--title", "Analyst").stdout
    assert "Nobody to thank yet. Add each person you met there:" in nobody
    assert "crm contact add NAME --employer Acme" in nobody
    crm("contact", "add", "Dana", "--employer", "Acme")
    late = crm("job", "reject", "acme", "--title", "Engineer", "--on", "2026-01-02").stdout
    assert "No thank-you tasks: the rejection was 59 days ago" in late
    crm("employer", "add", "Globex")
    crm_home.mkdir(exist_ok=True)  # on PostgreSQL nothing else made it
    (crm_home / "config.toml").write_text("[plan]\ncheck_openings_after_days = [30, 60]\n")
    wider = crm("job", "reject", "globex", "--title", "Analyst").stdout  # re-plans everything
    assert "Nobody to thank yet." in wider
    crm("employer", "add", "Soylent")
    crm("contact", "add", "Unliked", "--employer", "Soylent", "--no-keep-in-touch")
    crm("contact", "add", "Imported", "--employer", "Soylent", "--role", "connection")
    unkept = crm("job", "reject", "soylent", "--title", "Analyst").stdout
    assert "No thank-you tasks: nobody you met there is kept in touch" in unkept
    assert "Nobody to thank yet" not in unkept
    crm("employer", "add", "Pre")
    crm("contact", "add", "Early Bird", "--employer", "Pre")
    crm("log", "thank-you", "early bird")  # thanked the day of the rejection, before it
    thanked = crm("job", "reject", "pre", "--title", "Analyst").stdout
    assert "No thank-you tasks" not in thanked and "Nobody to thank" not in thanked


def test_a_rejection_asks_for_a_thank_you_to_each_person_you_liked(crm: Crm) -> None:
    met(crm, "Dana", "Sam")
    met(crm, "Pat", liked=False)
    crm("contact", "add", "Ola", "--employer", "Initech")  # another employer: not this rejection
    crm("job", "add", "Acme", "--title", "Analyst")
    crm("job", "reject", "acme", "--on", "2026-02-27")
    thank = [(w, due) for k, w, due, _ in tasks(crm) if k == "thank_you"]
    assert thank == [("Dana", "2026-02-28"), ("Sam", "2026-02-28")]


def test_archived_people_get_no_tasks_and_lose_the_open_ones(crm: Crm) -> None:
    met(crm, "Dana", "Sam")
    crm("contact", "archive", "sam")
    crm("job", "reject", "acme", "--title", "Analyst")
    assert [w for k, w, _, _ in tasks(crm) if k == "thank_you"] == ["Dana"]
    crm("contact", "edit", "dana", "--no-keep-in-touch")
    assert [w for k, w, _, _ in tasks(crm) if k == "thank_you"] == []
    assert ("thank_you", "Dana", "2026-03-03", "skipped") in tasks(crm, every=True)


def test_a_thank_you_before_the_rejection_does_not_count(crm: Crm) -> None:
    met(crm, "Dana")
    crm("log", "thank-you", "dana", "--on", "2026-02-10")  # after the interview
    crm("job", "reject", "acme", "--title", "Analyst", "--on", "2026-02-27")
    assert ("thank_you", "2026-02-28") in open_kinds(crm, "Dana")


def test_someone_added_after_the_rejection_is_thanked_too(crm: Crm) -> None:
    crm("job", "reject", "acme", "--title", "Analyst", "--on", "2026-02-27")
    met(crm, "Dana")
    assert ("thank_you", "2026-02-28") in open_kinds(crm, "Dana")


def test_a_thank_you_waits_for_an_answer_and_the_answer_starts_the_rest(crm: Crm) -> None:
    met(crm, "Dana")
    crm("job", "reject", "acme", "--title", "Analyst", "--on", "2026-02-27")
    out = crm("log", "thank-you", "dana", "--on", "2026-02-28").stdout
    assert "✓ #1 Send a thank-you note (Dana) · done" in out
    # "If you get a response": until then, only a gentle note a month on
    assert open_kinds(crm, "Dana") == [("nurture", "2026-03-28")]
    crm("log", "reply", "dana", "--on", "2026-03-02")
    assert open_kinds(crm, "Dana") == [
        ("linkedin_connect", "2026-03-05"),
        ("info_interview", "2026-03-23"),
        ("nurture", "2026-04-02"),
    ]


def test_no_linkedin_task_when_already_connected(crm: Crm) -> None:
    met(crm, "Dana")
    crm("log", "linkedin", "dana", "--on", "2026-01-15")
    crm("job", "reject", "acme", "--title", "Analyst", "--on", "2026-02-27")
    crm("log", "thank-you", "dana", "--on", "2026-02-28")
    crm("log", "reply", "dana", "--on", "2026-03-01")
    assert [k for k, _ in open_kinds(crm, "Dana")] == ["info_interview", "nurture"]


@pytest.mark.parametrize(
    ("thanked", "nurture_due"),
    [
        ("2026-01-31", "2026-02-28"),  # month end
        ("2028-01-31", "2028-02-29"),  # leap year
        ("2026-03-31", "2026-04-30"),
        ("2026-12-31", "2027-01-31"),
        ("2026-08-29", "2026-09-29"),
    ],
)
def test_nurture_is_one_calendar_month_after_the_last_touch(
    crm: Crm, thanked: str, nurture_due: str
) -> None:
    met(crm, "Dana")
    crm("job", "reject", "acme", "--title", "Analyst", "--on", thanked, now=thanked)
    crm("log", "thank-you", "dana", now=thanked)
    assert ("nurture", nurture_due) in open_kinds(crm, "Dana")


def test_a_skipped_nurture_gives_way_to_the_next_month_from_the_same_touch(crm: Crm) -> None:
    met(crm, "Dana")
    crm("job", "reject", "acme", "--title", "Analyst", "--on", "2026-01-30", now="2026-01-30")
    crm("log", "thank-you", "dana", now="2026-01-31")
    [nurture] = [t for t in crm.json("task", "list") if t["kind"] == "nurture"]  # type: ignore[union-attr]
    assert nurture["due"] == "2026-02-28"
    crm("task", "skip", str(nurture["id"]), now="2026-03-01")
    # Jan 31 + 2 months = Mar 31, not Feb 28 + 1 month = Mar 28: never chained
    assert ("nurture", "2026-03-31") in open_kinds(crm, "Dana")
    assert [k for k, _ in open_kinds(crm, "Dana")].count("nurture") == 1


def test_a_call_is_an_answer_that_moves_the_nurture_and_a_memo_is_no_touch(crm: Crm) -> None:
    met(crm, "Dana")
    crm("job", "reject", "acme", "--title", "Analyst", "--on", "2026-01-30", now="2026-01-30")
    crm("log", "thank-you", "dana", now="2026-01-31")
    crm("log", "call", "dana", now="2026-02-20")
    crm("log", "note", "dana", "--note", "Her team ships in April", now="2026-02-21")  # not a touch
    nurtures = [(due, st) for k, w, due, st in tasks(crm, every=True) if k == "nurture"]
    assert nurtures == [("2026-03-20", "open")]
    assert crm.json("contact", "show", "dana", now="2026-02-21")["stage"] == "advocate"  # type: ignore[index]


def test_your_own_note_completes_the_nurture_and_schedules_the_next(crm: Crm) -> None:
    met(crm, "Dana")
    crm("job", "reject", "acme", "--title", "Analyst", "--on", "2026-01-30", now="2026-01-30")
    crm("log", "thank-you", "dana", now="2026-01-31")
    crm("log", "reply", "dana", now="2026-02-02")
    crm("log", "email", "dana", now="2026-02-20")
    nurtures = [(due, st) for k, w, due, st in tasks(crm, every=True) if k == "nurture"]
    assert nurtures == [("2026-03-02", "done"), ("2026-03-20", "open")]


def nurtures(crm: Crm, who: str, now: str) -> list[str]:
    return [due for kind, due in open_kinds(crm, who, now=now) if kind == "nurture"]


def test_an_advocate_who_stops_answering_slows_to_quarterly_then_goes_quiet(crm: Crm) -> None:
    met(crm, "Lee")
    crm("job", "reject", "acme", "--title", "Analyst", "--on", "2026-01-30", now="2026-01-30")
    crm("log", "thank-you", "lee", now="2026-01-31")
    crm("log", "reply", "lee", now="2026-02-05")
    for day in ("2026-03-05", "2026-04-05"):
        crm("log", "email", "lee", now=day)
    assert nurtures(crm, "Lee", "2026-04-05") == ["2026-05-05"]
    crm("log", "email", "lee", now="2026-05-05")  # the third unanswered note
    assert nurtures(crm, "Lee", "2026-05-05") == ["2026-08-05"]  # quarterly now
    crm("log", "email", "lee", now="2026-08-05")
    assert nurtures(crm, "Lee", "2026-08-05") == ["2026-11-05"]
    crm("log", "email", "lee", now="2026-11-05")  # 3 + unanswered_notes_limit: quiet
    assert nurtures(crm, "Lee", "2026-11-05") == []
    assert crm.json("contact", "show", "lee", now="2026-11-05")["stage"] == "quiet"  # type: ignore[index]
    crm("log", "reply", "lee", now="2026-11-20")  # an answer wakes it, monthly again
    assert nurtures(crm, "Lee", "2026-11-20") == ["2026-12-20"]


def test_someone_who_never_answers_gets_two_gentle_notes_then_quiet(crm: Crm) -> None:
    met(crm, "Kim")
    crm("job", "reject", "acme", "--title", "Analyst", "--on", "2026-01-30", now="2026-01-30")
    crm("log", "thank-you", "kim", now="2026-01-31")
    assert open_kinds(crm, "Kim", now="2026-01-31") == [("nurture", "2026-02-28")]
    crm("log", "email", "kim", now="2026-02-28")
    assert open_kinds(crm, "Kim", now="2026-02-28") == [("nurture", "2026-03-28")]
    crm("log", "email", "kim", now="2026-03-28")
    assert open_kinds(crm, "Kim", now="2026-03-28") == []  # no LinkedIn, no interview: quiet
    assert crm.json("contact", "show", "kim", now="2026-03-28")["stage"] == "quiet"  # type: ignore[index]
    crm("log", "email", "kim", now="2026-06-01")  # writing again wakes a smaller round
    assert open_kinds(crm, "Kim", now="2026-06-01") == [("nurture", "2026-07-01")]
    crm("log", "reply", "kim", now="2026-06-10")  # months later, an answer: an advocate now
    assert open_kinds(crm, "Kim", now="2026-06-10") == [
        ("linkedin_connect", "2026-06-13"),
        ("info_interview", "2026-07-01"),
        ("nurture", "2026-07-10"),
    ]


def test_a_reply_makes_an_advocate_and_restarts_the_clock(crm: Crm) -> None:
    met(crm, "Sam")
    crm("job", "reject", "acme", "--title", "Analyst", "--on", "2026-01-30", now="2026-01-30")
    crm("log", "thank-you", "sam", now="2026-01-31")
    assert crm.json("contact", "show", "sam", now="2026-02-01")["stage"] == "thanked"  # type: ignore[index]
    crm("log", "reply", "sam", now="2026-02-10")
    sam = crm.json("contact", "show", "sam", now="2026-02-11")
    assert isinstance(sam, dict)
    assert (sam["stage"], sam["advocate"], sam["next_nurture"]) == ("advocate", True, "2026-03-10")
    crm("log", "email", "sam", now="2026-03-10")
    assert crm.json("contact", "show", "sam", now="2026-03-11")["stage"] == "nurturing"  # type: ignore[index]
    assert crm.json("contact", "show", "sam", now="2026-08-01")["stage"] == "quiet"  # type: ignore[index]


def test_the_plan_never_makes_a_task_twice(crm: Crm) -> None:
    met(crm, "Dana", "Sam")
    crm("job", "reject", "acme", "--title", "Analyst", "--on", "2026-02-27")
    crm("log", "thank-you", "dana")
    crm("log", "thank-you", "dana")  # logged twice by mistake
    crm("log", "reply", "dana")
    before = tasks(crm, every=True)
    assert "nothing new" in crm("remind").stdout
    crm("remind")
    assert tasks(crm, every=True) == before
    assert len([k for k, w, _, _ in before if (k, w) == ("linkedin_connect", "Dana")]) == 1


def test_marking_a_plan_task_done_logs_the_touch(crm: Crm) -> None:
    met(crm, "Dana")
    crm("job", "reject", "acme", "--title", "Analyst", "--on", "2026-02-27")
    out = crm("task", "done", "1").stdout
    assert "+ #4 Write about a shared interest (Dana) · due Thu 02 Apr" in out
    [touch] = crm.json("contact", "show", "dana")["timeline"]  # type: ignore[index]
    assert (touch["kind"], touch["summary"]) == ("thank-you", "done: task #1")


def test_changed_intervals_are_caught_up_by_today(crm: Crm, crm_home: Path) -> None:
    crm("job", "reject", "acme", "--title", "Analyst", "--on", "2026-02-27")
    crm_home.mkdir(exist_ok=True)  # on PostgreSQL nothing else made it
    (crm_home / "config.toml").write_text("[plan]\ncheck_openings_after_days = [30, 60, 90]\n")
    due = [t["due"] for t in crm.json("today", now="2026-04-28")["today"]]  # type: ignore[index]
    assert due == ["2026-04-28"]  # the new 60-day check, made by today's catch-up run


def test_old_history_typed_in_today_makes_no_stale_reminders(crm: Crm) -> None:
    met(crm, "Dana")
    crm("job", "reject", "acme", "--title", "Analyst", "--on", "2025-12-02")  # 90 days ago
    # the thank-you and the 30-day check would be 89 and 60 days late: not made; the 90-day
    # check is due today
    assert tasks(crm) == [("check_openings", "Acme", "2026-03-02", "open")]


def test_a_contact_gone_quiet_gets_no_new_nurture(crm: Crm) -> None:
    met(crm, "Dana")
    crm("log", "reply", "dana", "--on", "2025-08-01")  # 213 days ago: dormant
    assert open_kinds(crm, "Dana") == []
    assert crm.json("contact", "show", "dana")["stage"] == "quiet"  # type: ignore[index]


def test_missed_nurture_periods_do_not_pile_up(crm: Crm) -> None:
    met(crm, "Dana")
    crm("log", "reply", "dana", "--on", "2025-12-20")  # 72 days ago
    # Jan 20 is 41 days late (missed); Feb 20 is the one to do, 10 days late
    assert open_kinds(crm, "Dana") == [("nurture", "2026-02-20")]


def test_a_waiting_nurture_stays_the_same_task_until_it_expires(crm: Crm) -> None:
    met(crm, "Dana")
    crm("log", "reply", "dana", now="2026-01-05")
    [first] = crm.json("task", "list", now="2026-01-05")  # type: ignore[misc]
    crm("remind", now="2026-03-07")  # 30 days late, and nothing was done: still the same
    assert [(t["id"], t["due"]) for t in crm.json("task", "list", now="2026-03-07")] == [  # type: ignore[union-attr]
        (first["id"], "2026-02-05")
    ]
    out = crm("remind", now="2026-03-08").stdout  # 31 days late: expired, the next one comes
    assert f"× #{first['id']} Write about a shared interest (Dana) · expired" in out
    [status] = [
        t["status"]
        for t in crm.json("task", "list", "--all", now="2026-03-08")  # type: ignore[union-attr]
        if t["id"] == first["id"]
    ]
    assert status == "expired"
    assert open_kinds(crm, "Dana", now="2026-03-08") == [("nurture", "2026-03-05")]


def test_a_job_change_does_not_end_the_plan_for_someone_you_thanked(
    crm: Crm, tmp_path: Path
) -> None:
    """Sam was met at Acme, thanked after Acme's rejection, then moved to Globex (seen in a
    LinkedIn export): the informational interview and the monthly note still come."""
    from bench.connections import write_connections_csv

    url = "https://www.linkedin.com/in/sam-ortiz"
    before = write_connections_csv(
        tmp_path / "before.csv", [["Sam", "Ortiz", url, "", "Acme", "Recruiter", "01 Feb 2026"]]
    )
    after = write_connections_csv(
        tmp_path / "after.csv", [["Sam", "Ortiz", url, "", "Globex", "Recruiter", "01 Feb 2026"]]
    )
    crm("import", "linkedin", str(before), now="2026-02-01")
    crm("job", "reject", "acme", "--title", "Analyst", "--on", "2026-02-20", now="2026-02-20")
    crm("log", "thank-you", "sam", now="2026-02-21")
    crm("log", "reply", "sam", now="2026-02-22")
    crm("import", "linkedin", str(after), now="2026-02-25")
    kinds = [k for k, _ in open_kinds(crm, "Sam Ortiz")]
    assert "info_interview" in kinds and "nurture" in kinds


def test_imported_connections_are_not_asked_for_a_thank_you_until_met(
    crm: Crm, tmp_path: Path
) -> None:
    from bench.connections import write_connections_csv

    export = write_connections_csv(
        tmp_path / "c.csv",
        [["Kai", "Ito", "https://www.linkedin.com/in/kai", "", "Acme", "CTO", "01 Feb 2026"]],
    )
    crm("import", "linkedin", str(export))
    crm("job", "reject", "acme", "--title", "Analyst", "--on", "2026-02-27")
    assert [k for k, w, _, _ in tasks(crm) if k == "thank_you"] == []
    assert crm.json("contact", "show", "kai")["role"] == "connection"  # type: ignore[index]
    crm("contact", "edit", "kai", "--role", "interviewer")  # "yes, I met Kai on the panel"
    assert ("thank_you", "Kai Ito", "2026-02-28", "open") in tasks(crm)


def test_a_reply_moves_the_nurture_and_a_note_of_yours_completes_it(crm: Crm) -> None:
    met(crm, "Dana")
    crm("job", "reject", "acme", "--title", "Analyst", "--on", "2026-01-30", now="2026-01-30")
    crm("log", "thank-you", "dana", now="2026-01-31")
    [nurture] = [t for t in crm.json("task", "list") if t["kind"] == "nurture"]  # type: ignore[union-attr]
    out = crm("log", "reply", "dana", now="2026-02-10").stdout
    assert f"→ #{nurture['id']} Write about a shared interest (Dana) · moved: due Tue 10 Mar" in out
    still = [t for t in crm.json("task", "list", now="2026-02-10") if t["kind"] == "nurture"]  # type: ignore[union-attr]
    assert [(t["id"], t["due"], t["status"]) for t in still] == [
        (nurture["id"], "2026-03-10", "open")
    ]
    out = crm("log", "email", "dana", now="2026-03-05").stdout
    assert f"✓ #{nurture['id']} Write about a shared interest (Dana) · done" in out


def test_no_linkedin_task_for_someone_an_import_shows_connected(crm: Crm, tmp_path: Path) -> None:
    from bench.connections import write_connections_csv

    export = write_connections_csv(
        tmp_path / "c.csv",
        [
            [
                "Sam",
                "Ortiz",
                "https://www.linkedin.com/in/sam",
                "",
                "Acme",
                "Recruiter",
                "01 Feb 2026",
            ]
        ],
    )
    crm("import", "linkedin", str(export))
    crm("contact", "edit", "sam", "--role", "recruiter")
    crm("job", "reject", "acme", "--title", "Analyst", "--on", "2026-02-27")
    crm("log", "thank-you", "sam", "--on", "2026-02-28")
    crm("log", "reply", "sam", "--on", "2026-03-01")
    assert [k for k, _ in open_kinds(crm, "Sam Ortiz")] == ["info_interview", "nurture"]


@pytest.mark.slow
def test_changing_the_time_zone_changes_no_task(crm: Crm, crm_home: Path) -> None:
    """Regression (#12): alternating TZ (or the timezone setting) marked nurtures done that
    nobody did, and moved the next one a month on, each time. The plan is a function of the
    history: a zone may move what "today" is, never what happened."""
    import os
    import subprocess
    import sys

    def in_zone(tz: str, *args: str) -> None:  # a process of its own: TZ is read at start
        env = dict(os.environ, TZ=tz, CRM_HOME=str(crm_home))
        done = subprocess.run(
            [sys.executable, "-m", "crm", "--db", crm.db or crm.url, *args],
            env=env,
            capture_output=True,
            text=True,
        )
        assert done.returncode == 0, done.stderr

    def plan_tasks() -> list[tuple[int, str, str, str]]:
        every = crm.json("task", "list", "--all")
        return [(t["id"], t["kind"], t["due"], t["status"]) for t in every if t["rule"]]  # type: ignore[union-attr,index]

    crm("contact", "add", "Dana", "--employer", "Acme")
    crm("job", "reject", "acme", "--title", "Analyst", "--on", "2026-02-10")
    # 20:00 UTC is the next morning in Tokyo and midday in Los Angeles: another local day
    crm("log", "thank-you", "dana", now="2026-02-11T20:00:00+00:00")
    crm("log", "call", "dana", now="2026-02-20T20:00:00+00:00")
    before = plan_tasks()
    assert ("nurture", "open") in {(kind, status) for _, kind, _, status in before}
    for tz in ("Asia/Tokyo", "America/Los_Angeles", "Asia/Tokyo", "America/Los_Angeles"):
        in_zone(tz, "task", "add", "x")
    crm_home.mkdir(exist_ok=True)
    for zone in ("Asia/Tokyo", "America/Los_Angeles", "Asia/Tokyo", "America/Los_Angeles"):
        (crm_home / "config.toml").write_text(f'timezone = "{zone}"\n')
        crm("task", "add", "y")  # a new zone is a new fingerprint: the whole plan runs again
    (crm_home / "config.toml").unlink()
    assert plan_tasks() == before


def test_a_look_ahead_with_crm_now_changes_nothing_once_back_to_today(crm: Crm) -> None:
    """What-if planning (CRM_NOW months ahead) expires the tasks left alone by then; back on the
    real day, they are open again, and no second nurture was made."""
    met(crm, "Dana")
    crm("log", "reply", "dana", now="2026-01-05")
    before = tasks(crm, now="2026-02-10", every=True)
    crm("today", now="2026-06-01")  # a look ahead: the waiting nurture is long expired then
    assert {status for *_, status in tasks(crm, now="2026-06-01", every=True)} >= {"expired"}
    assert tasks(crm, now="2026-02-10", every=True) == before
    crm("today", now="2026-04-01")  # two periods on: the first expired, the next one waits
    assert tasks(crm, now="2026-04-01") == [("nurture", "Dana", "2026-03-05", "open")]
    assert tasks(crm, now="2026-02-10") == before


def test_the_plan_runs_without_the_cycle_collector_and_gives_it_back(
    sqlite_crm: Crm, crm_home: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """Off while the plan reads every history (its tuples are in no cycle), on again after it,
    after a failed run too; a caller who turned it off keeps it off."""
    import gc
    import sqlite3
    from contextlib import closing
    from datetime import UTC, datetime

    from crm.lean import Writer
    from crm.services import plan, plan_batches
    from crm.settings import Plan

    sqlite_crm("contact", "add", "Dana")
    seen: list[bool] = []

    def tally(touches: object, window: object) -> None:
        seen.append(gc.isenabled())
        if len(seen) == 2:
            raise RuntimeError("the second run fails")

    monkeypatch.setattr(plan_batches, "tally", tally)

    def run() -> None:
        with closing(sqlite3.connect(crm_home / "crm.db")) as connection:
            writer = Writer(connection, plan.Scope())
            now = datetime(2026, 3, 2, 9, tzinfo=UTC)
            plan.follow_up_plan(session=writer, now=now, plan=Plan(), fingerprint="")

    assert gc.isenabled()
    run()
    with pytest.raises(RuntimeError):
        run()
    assert seen == [False, False]
    assert gc.isenabled()
    gc.disable()
    try:
        run()
        assert not gc.isenabled()
    finally:
        gc.enable()
