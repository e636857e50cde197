"""The date words people type, and CRM_NOW: every word, month ends, leap years, refusals."""

from collections.abc import Iterator
from datetime import UTC, date, datetime, timedelta
from pathlib import Path
from zoneinfo import ZoneInfo

import pytest

from crm import clock
from crm.dates import parse_date
from crm.errors import BadInput

THU = date(2026, 3, 5)  # a Thursday


@pytest.mark.parametrize(
    ("typed", "today", "expected"),
    [
        ("2026-04-01", THU, date(2026, 4, 1)),
        ("today", THU, THU),
        ("TODAY", THU, THU),
        ("  yesterday ", THU, date(2026, 3, 4)),
        ("tomorrow", THU, date(2026, 3, 6)),
        ("+3d", THU, date(2026, 3, 8)),
        ("-3d", THU, date(2026, 3, 2)),
        ("+2w", THU, date(2026, 3, 19)),
        ("-2w", THU, date(2026, 2, 19)),
        ("+1m", THU, date(2026, 4, 5)),
        ("+1y", THU, date(2027, 3, 5)),
        ("+0d", THU, THU),
        # month ends: one calendar month from the 31st is the last day of a short month
        ("+1m", date(2026, 1, 31), date(2026, 2, 28)),
        ("+1m", date(2028, 1, 31), date(2028, 2, 29)),
        ("-1m", date(2026, 3, 31), date(2026, 2, 28)),
        ("+1m", date(2026, 12, 31), date(2027, 1, 31)),
        ("+1y", date(2028, 2, 29), date(2029, 2, 28)),
        ("tomorrow", date(2028, 2, 28), date(2028, 2, 29)),
        ("tomorrow", date(2026, 12, 31), date(2027, 1, 1)),
        # weekdays: the next one after today, a week ahead when it is today
        ("monday", THU, date(2026, 3, 9)),
        ("thu", THU, date(2026, 3, 12)),
        ("Friday", THU, date(2026, 3, 6)),
        ("sun", THU, date(2026, 3, 8)),
        ("eow", THU, date(2026, 3, 8)),
        ("eow", date(2026, 3, 8), date(2026, 3, 8)),
        ("eom", THU, date(2026, 3, 31)),
        ("eom", date(2028, 2, 3), date(2028, 2, 29)),
        ("2028-02-29", THU, date(2028, 2, 29)),
    ],
)
def test_date_words(typed: str, today: date, expected: date) -> None:
    assert parse_date(typed, today=today) == expected


@pytest.mark.parametrize(
    "typed",
    [
        "",
        "2026-02-30",
        "2027-02-29",
        "03/04/2026",
        "2026-3-4",
        "in 2 weeks",
        "next monday",
        "+3",
        "3d",
        "+3x",
        "+99999d",
        "mondays",
        "tomorow",
        "4",
        "2026-03-04T10:00",
        "\x00",
    ],
)
def test_anything_else_is_refused_not_guessed(typed: str) -> None:
    with pytest.raises(BadInput, match="is not a date"):
        parse_date(typed, today=THU)


def test_offsets_past_the_calendar_are_refused() -> None:
    with pytest.raises(BadInput, match="too far away"):
        parse_date("+9999y", today=THU)


def test_crm_now_takes_a_date_as_midday_local(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("CRM_NOW", "2026-01-31")
    berlin = ZoneInfo("Europe/Berlin")
    assert clock.now(berlin) == datetime(2026, 1, 31, 12, 0, tzinfo=berlin)


def test_crm_now_takes_a_datetime_with_or_without_offset(monkeypatch: pytest.MonkeyPatch) -> None:
    tokyo = ZoneInfo("Asia/Tokyo")
    monkeypatch.setenv("CRM_NOW", "2026-01-31T23:30:00-05:00")
    moment = clock.now(tokyo)
    assert moment.date() == date(2026, 2, 1)  # the same instant is already Feb 1 in Tokyo
    assert moment.utcoffset() == timedelta(hours=9)
    monkeypatch.setenv("CRM_NOW", "2026-01-31T08:15")
    assert clock.now(tokyo) == datetime(2026, 1, 31, 8, 15, tzinfo=tokyo)


def test_bad_crm_now_is_a_clear_error(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("CRM_NOW", "next tuesday")
    with pytest.raises(BadInput, match="CRM_NOW must be an ISO date"):
        clock.now(None)


def test_without_crm_now_the_real_clock_is_read(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.delenv("CRM_NOW")
    before = datetime.now(UTC)
    assert before <= clock.now(None) <= datetime.now(UTC)


@pytest.fixture
def berlin(monkeypatch: pytest.MonkeyPatch) -> Iterator[None]:
    """The system zone is Europe/Berlin (tzlocal remembers a process's first answer)."""
    import tzlocal

    monkeypatch.setenv("TZ", "Europe/Berlin")
    tzlocal.reload_localzone()
    yield
    monkeypatch.setenv("TZ", "UTC")
    tzlocal.reload_localzone()


def test_moments_in_another_season_land_on_their_local_day(
    monkeypatch: pytest.MonkeyPatch, berlin: None
) -> None:
    """A touch at 00:30 on a Berlin summer night is on that day, seen from winter too: the
    named zone converts it, not January's +01:00 (which would say 23:30 the day before)."""
    from crm.cli.env import Env

    monkeypatch.setenv("CRM_NOW", "2026-01-15T10:00")
    e = Env()
    summer_night = datetime(2025, 7, 1, 22, 30, tzinfo=UTC)  # 00:30 on July 2 in Berlin
    assert summer_night.astimezone(e.now.tzinfo).date() == date(2025, 7, 2)
    assert e.today == date(2026, 1, 15)


@pytest.mark.parametrize(
    ("tz", "link", "expected"),
    [
        (None, "/usr/share/zoneinfo/America/New_York", "America/New_York"),  # systemd
        (None, "../usr/share/zoneinfo/Europe/Berlin", "Europe/Berlin"),  # relative
        (None, "/var/db/timezone/zoneinfo/Asia/Tokyo", "Asia/Tokyo"),  # macOS
        (None, "/usr/share/zoneinfo/posix/Europe/Berlin", "Europe/Berlin"),  # Debian's copies
        (None, "/usr/share/zoneinfo/right/Europe/Berlin", "Europe/Berlin"),
        (":Asia/Tokyo", "/usr/share/zoneinfo/Europe/Berlin", "Asia/Tokyo"),  # TZ comes first
        ("Europe/Berlin", None, "Europe/Berlin"),
        (None, "/etc/somewhere/else", None),  # no zone in the name: tzlocal's to find
        (None, "/usr/share/zoneinfo/Mars/Olympus", None),
        ("CET-1CEST", "/usr/share/zoneinfo/Europe/Berlin", None),  # a POSIX rule: tzlocal's
        (None, None, None),  # no /etc/localtime
    ],
)
def test_the_system_zone_is_named_by_tz_or_the_localtime_link(
    tmp_path: Path, tz: str | None, link: str | None, expected: str | None
) -> None:
    localtime = tmp_path / "localtime"
    if link is not None:
        localtime.symlink_to(link)
    zone = clock._named_zone(tz, localtime)
    assert (zone.key if zone else None) == expected


def test_a_copied_zone_file_is_left_to_tzlocal(tmp_path: Path) -> None:
    localtime = tmp_path / "localtime"
    localtime.write_bytes(b"TZif")  # some systems copy the zone's file: no name to read
    assert clock._named_zone(None, localtime) is None


@pytest.mark.parametrize("tz", [None, "UTC", "Europe/Berlin", "America/Los_Angeles"])
def test_the_quick_reading_agrees_with_tzlocal(
    monkeypatch: pytest.MonkeyPatch, tz: str | None
) -> None:
    """None: this machine's own /etc/localtime, as a user's shell leaves TZ unset."""
    import tzlocal

    if tz is None:
        monkeypatch.delenv("TZ")
    else:
        monkeypatch.setenv("TZ", tz)
    ours, theirs = clock.system_zone(), tzlocal.reload_localzone()
    try:  # the same rules, if not always the same name (UTC is a link to Etc/UTC)
        for moment in (
            datetime(2026, 1, 15, 12, tzinfo=UTC),
            datetime(2026, 7, 15, 12, tzinfo=UTC),
        ):
            assert moment.astimezone(ours).utcoffset() == moment.astimezone(theirs).utcoffset()
    finally:
        monkeypatch.setenv("TZ", "UTC")
        tzlocal.reload_localzone()


@pytest.mark.parametrize(
    ("toml", "message"),
    [
        ("remind_at = 7", 'remind_at must be text in quotes, like remind_at = "07:00"'),
        ("timezone = 5", 'timezone must be text in quotes, like timezone = "Europe/Berlin"'),
        ('timezone = "Mars/Olympus"', "unknown timezone 'Mars/Olympus'"),
        ('remind_at = "7am"', "remind_at must be a time like 07:00"),
        (
            "[plan]\ncheck_openings_after_days = 30",
            "must be a list of whole numbers from 1 to 3,650, like [30, 90]",
        ),
        ("[plan]\nnurture_every_months = 0", "must be a whole number from 1 to 3,650"),
        # past it the plan ran off the calendar: every command failed (a billion days)
        ("[plan]\nreply_window_days = 1000000000", "must be a whole number from 1 to 3,650"),
        ("[plan]\ncheck_openings_after_days = [30, 3651]", "from 1 to 3,650, like [30, 90]"),
        ("[plan]\nnurture_every_month = 1", "unknown setting(s): plan.nurture_every_month"),
        ("colour = true", "unknown setting(s): colour"),
        ("remind_at = ", "cannot read the settings"),
    ],
)
def test_a_bad_config_file_is_one_clear_error(tmp_path, toml: str, message: str) -> None:  # type: ignore[no-untyped-def]
    from crm.settings import load_settings

    path = tmp_path / "config.toml"
    path.write_text(toml + "\n")
    with pytest.raises(BadInput) as error:
        load_settings(path)
    assert message in str(error.value)


@pytest.mark.parametrize(
    ("typed", "expected"),
    [
        ("friday", date(2026, 2, 27)),  # the latest Friday, for something that happened
        ("thu", date(2026, 3, 5)),  # a Thursday is today: today
        ("monday", date(2026, 3, 2)),
        ("yesterday", date(2026, 3, 4)),
        ("-2w", date(2026, 2, 19)),
    ],
)
def test_dates_of_what_happened_look_back(typed: str, expected: date) -> None:
    assert parse_date(typed, today=THU, past=True) == expected


@pytest.mark.parametrize("typed", ["tomorrow", "+3d", "2026-03-06", "eom"])
def test_what_happened_cannot_be_in_the_future(typed: str) -> None:
    with pytest.raises(BadInput, match="after today: this records what already happened"):
        parse_date(typed, today=THU, past=True)


def test_the_largest_plan_numbers_stay_on_the_calendar(crm_home: Path) -> None:
    """Every [plan] number at its largest (3,650: days, months or notes), on the last day crm
    takes and on the first: the plan, today and the review run, and nothing falls off the
    calendar."""
    from crm.settings import PLAN_MOST, Plan
    from tests.conftest import Crm
    from tests.helpers import acme_story

    numbers = [
        name
        for name, default in Plan._field_defaults.items()
        if isinstance(default, int) and not isinstance(default, bool)
    ]
    crm_home.mkdir(exist_ok=True)
    (crm_home / "config.toml").write_text(
        "[plan]\n"
        + "".join(f"{name} = {PLAN_MOST}\n" for name in numbers)
        + f"check_openings_after_days = [{PLAN_MOST}]\n"
    )
    crm = Crm(None, home=crm_home)
    acme_story(crm)
    crm("log", "thank-you", "dana", "--on", "2026-03-01")
    for now in ("9000-12-31", "1900-01-01"):
        crm("remind", now=now)
        crm("today", now=now)
        crm("review", "--days", "365", now=now)
