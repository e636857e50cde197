"""`crm calendar`: open tasks as an iCalendar feed, read back with the iCalendar library."""

from __future__ import annotations

import os
import re
import stat
from datetime import UTC, date, datetime, timedelta
from pathlib import Path

from icalendar import Calendar

from tests.conftest import Crm
from tests.helpers import acme_story, lines


def events(path: Path) -> dict[str, dict[str, object]]:
    """The feed's events by UID, as a calendar program reads them."""
    calendar = Calendar.from_ical(path.read_bytes())
    assert calendar["VERSION"] == "2.0" and calendar["PRODID"].startswith("-//crm//crm ")
    assert calendar["X-WR-CALNAME"] == "crm follow-ups"
    found = {}
    for event in calendar.walk("VEVENT"):
        found[str(event["UID"])] = {
            "start": event.decoded("DTSTART"),
            "end": event.decoded("DTEND"),
            "stamp": event.decoded("DTSTAMP"),
            "summary": str(event["SUMMARY"]),
            "description": str(event["DESCRIPTION"]),
            "transparent": str(event["TRANSP"]) == "TRANSPARENT",
        }
    return found


def test_each_open_task_is_an_all_day_event_on_its_due_date(crm: Crm, tmp_path: Path) -> None:
    acme_story(crm)
    feed = tmp_path / "crm.ics"
    assert lines(crm("calendar", str(feed)).stdout) == [f"Wrote 4 open tasks to {feed}."]
    tasks = {t["id"]: t for t in crm.json("task", "list")}  # type: ignore[union-attr]
    found = events(feed)
    assert len(found) == len(tasks) == 4
    for uid, event in found.items():
        match = re.fullmatch(r"task-(\d+)-\d{8}T\d{12}Z@crm\.local", uid)
        assert match, uid
        task = tasks[int(match.group(1))]
        due = date.fromisoformat(task["due"])
        assert (event["start"], event["end"]) == (due, due + timedelta(days=1))
        assert type(event["start"]) is date  # all day, not a moment
        assert event["stamp"] == datetime(2026, 3, 2, 9, 0, tzinfo=UTC)
        assert event["transparent"]
        assert f"Employer: {task['employer']}" in str(event["description"])
        assert f"crm task done {task['id']}" in str(event["description"])
    thank_yous = [e for e in found.values() if str(e["summary"]).startswith("Send a thank-you")]
    assert sorted(str(e["summary"]) for e in thank_yous) == [
        "Send a thank-you note · Dana Whitfield",
        "Send a thank-you note · Sam Ortiz",
    ]
    assert "Contact: Dana Whitfield\nEmployer: Acme Robotics\n" in str(
        next(e["description"] for e in thank_yous if "Dana" in str(e["summary"]))
    )


def test_writing_it_again_keeps_each_tasks_uid(crm: Crm, tmp_path: Path) -> None:
    acme_story(crm)
    feed = tmp_path / "crm.ics"
    crm("calendar", str(feed))
    first = events(feed)
    crm("task", "skip", "1")  # (done would log a thank-you, and the plan would add tasks)
    crm("task", "snooze", "2", "--until", "2026-03-10")
    crm("calendar", str(feed), now="2026-03-03T08:00:00+00:00")
    second = events(feed)
    assert set(second) == set(first) - {u for u in first if u.startswith("task-1-")}
    moved = next(e for u, e in second.items() if u.startswith("task-2-"))
    assert moved["start"] == date(2026, 3, 10)


def test_uids_survive_a_restore(crm: Crm, tmp_path: Path) -> None:
    acme_story(crm)
    crm("calendar", str(tmp_path / "before.ics"))
    saved = tmp_path / "crm.json"
    saved.write_text(crm("export").stdout, encoding="utf-8")
    restored = Crm(str(tmp_path / "restored.db"))
    restored("import", "json", str(saved))
    restored("calendar", str(tmp_path / "after.ics"))
    assert set(events(tmp_path / "after.ics")) == set(events(tmp_path / "before.ics"))


def test_the_feed_is_private_and_may_be_empty(sqlite_crm: Crm, tmp_path: Path) -> None:
    os.umask(0o022)
    feed = tmp_path / "crm.ics"
    assert lines(sqlite_crm("calendar", str(feed)).stdout) == [f"Wrote 0 open tasks to {feed}."]
    assert stat.S_IMODE(feed.stat().st_mode) == 0o600
    assert events(feed) == {}


def test_a_feed_where_it_cannot_be_written(crm: Crm, tmp_path: Path) -> None:
    result = crm("calendar", str(tmp_path / "no" / "crm.ics"), ok=False)
    assert result.exit_code == 2
    assert result.stderr == (
        f"Error: cannot write {tmp_path / 'no' / 'crm.ics'}: "
        f"the folder {tmp_path / 'no'} does not exist\n"
    )
    result = crm("calendar", str(tmp_path), ok=False)
    assert result.stderr == (
        f"Error: {tmp_path} is a folder; give a file name (or {tmp_path}/ for crm to name it)\n"
    )


def physical_lines(path: Path) -> list[bytes]:
    data = path.read_bytes()
    assert data.endswith(b"\r\n") and b"\n" not in data.replace(b"\r\n", b"")
    return data.split(b"\r\n")[:-1]


def test_long_titles_fold_at_75_octets_between_characters(sqlite_crm: Crm, tmp_path: Path) -> None:
    title = "Écrire à Zoë; dire merci, \\ pour l'entretien 🙂 " * 4 + "€" * 30
    sqlite_crm("contact", "add", "Zoë Ångström-Þórsdóttir")
    sqlite_crm("task", "add", title, "--contact", "zoë", "--due", "2026-03-05")
    feed = tmp_path / "crm.ics"
    sqlite_crm("calendar", str(feed))
    folded = physical_lines(feed)
    assert max(len(line) for line in folded) == 75
    for line in folded:
        assert len(line) <= 75
        line.decode("utf-8")  # never a character cut in two
    (event,) = events(feed).values()
    assert event["summary"] == f"{title} · Zoë Ångström-Þórsdóttir"
    assert event["start"] == date(2026, 3, 5)


def test_control_characters_never_reach_the_feed(sqlite_crm: Crm, tmp_path: Path) -> None:
    sqlite_crm("task", "add", "Pay\x1b[2J the\x07 invoice\ttoday")
    feed = tmp_path / "crm.ics"
    sqlite_crm("calendar", str(feed))
    assert not re.search(rb"[\x00-\x08\x0b-\x1f\x7f]", feed.read_bytes().replace(b"\r\n", b""))
    (event,) = events(feed).values()
    assert event["summary"] == "Pay[2J the invoice\ttoday"


def test_a_task_due_on_the_last_day_there_is(sqlite_crm: Crm, tmp_path: Path) -> None:
    # crm takes dates to 9000-12-31 now (issue #18); an older crm could store this one
    import sqlite3
    from contextlib import closing

    sqlite_crm("task", "add", "Retire", "--due", "9000-12-31")
    with closing(sqlite3.connect(sqlite_crm.url.removeprefix("sqlite:///"))) as db, db:
        db.execute("UPDATE task SET due = '9999-12-31'")
    feed = tmp_path / "crm.ics"
    sqlite_crm("calendar", str(feed))
    calendar = Calendar.from_ical(feed.read_bytes())
    (event,) = calendar.walk("VEVENT")
    assert event.decoded("DTSTART") == date(9999, 12, 31) and "DTEND" not in event


def test_after_a_settings_change_the_feed_is_the_plans(crm: Crm, crm_home: Path) -> None:
    acme_story(crm)
    crm_home.mkdir(exist_ok=True)  # on PostgreSQL nothing else made it
    (crm_home / "config.toml").write_text("[plan]\ncheck_openings_after_days = [30, 60, 90]\n")
    feed = crm_home / "crm.ics"
    crm("calendar", str(feed), now="2026-04-28T09:00:00+00:00")
    listed = crm.json("task", "list", now="2026-04-28T09:00:00+00:00")
    assert {int(uid.split("-")[1]) for uid in events(feed)} == {t["id"] for t in listed}  # type: ignore[index]
