"""The iCalendar writer on its own: what it writes, icalendar's parser reads back as it was."""

from __future__ import annotations

from datetime import UTC, date, datetime, timedelta

from hypothesis import given
from hypothesis import strategies as st
from icalendar import Calendar

from crm import ical

# what a title or a name may hold: any character but the controls that TEXT forbids
WORDS = st.text(
    st.characters(blacklist_categories=("Cs",), blacklist_characters="\r\x00").filter(
        lambda c: c in "\t\n" or not ical.CONTROLS.match(c)
    ),
    max_size=300,
)


def parsed(*lines: bytes) -> Calendar:
    return Calendar.from_ical(
        ical.line("BEGIN", "VCALENDAR")
        + ical.line("VERSION", "2.0")
        + ical.line("PRODID", "-//crm//test//EN")
        + b"".join(lines)
        + ical.line("END", "VCALENDAR")
    )


@given(WORDS)
def test_any_text_comes_back_as_written(value: str) -> None:
    written = ical.line("SUMMARY", ical.text(value))
    for piece in written.split(b"\r\n")[:-1]:
        assert len(piece) <= ical.LIMIT
        piece.decode("utf-8")
    calendar = parsed(ical.line("BEGIN", "VEVENT"), written, ical.line("END", "VEVENT"))
    (event,) = calendar.walk("VEVENT")
    assert str(event["SUMMARY"]) == value


def test_folding_is_by_octets() -> None:
    assert ical.fold(b"A" * 75) == b"A" * 75 + b"\r\n"
    assert ical.fold(b"A" * 76) == b"A" * 75 + b"\r\n A\r\n"
    assert ical.fold(b"A" * 150) == b"A" * 75 + b"\r\n " + b"A" * 74 + b"\r\n A\r\n"
    # a two-octet character where the 75th octet falls moves whole to the next line
    assert ical.fold(b"A" * 74 + "é".encode() + b"B") == b"A" * 74 + b"\r\n \xc3\xa9B\r\n"


def test_dates_moments_and_durations() -> None:
    assert ical.day(date(2026, 3, 2)) == "20260302"
    moment = datetime(2026, 3, 2, 10, 30, tzinfo=UTC)
    assert ical.moment(moment) == "20260302T103000Z"
    assert [ical.duration(timedelta(**d)) for d in ({"hours": 1}, {"days": 1, "minutes": 30})] == [
        "PT1H",
        "P1DT30M",
    ]
    event = parsed(
        ical.line("X-DAY", ical.day(date(2026, 3, 2)), VALUE="DATE"),
        ical.line("X-TTL", ical.duration(timedelta(hours=1)), VALUE="DURATION"),
    )
    assert event["X-DAY"].to_ical() == b"20260302"
