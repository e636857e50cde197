"""The date words people type, in one table.

`crm` never guesses: a word is in the table below, or it is an ISO date, or it is an error.
(dateutil's fuzzy parser invents days from stray numbers; it is not used.)

| typed              | means                                              |
|--------------------|----------------------------------------------------|
| 2026-03-04         | that ISO date                                      |
| today              | today's local date                                 |
| yesterday          | the day before today                               |
| tomorrow           | the day after today                                |
| +3d, -3d           | three days after / before today                    |
| +2w, -2w           | two weeks after / before today                     |
| +1m, -1m           | one calendar month after / before (Jan 31 +1m = Feb 28/29) |
| +1y, -1y           | one calendar year after / before (Feb 29 +1y = Feb 28)    |
| monday ... sunday  | the next such day after today (also mon ... sun);  |
|                    | for what already happened (`crm log --on`, `job    |
|                    | reject --on`, `--applied`): the latest such day,   |
|                    | today included                                      |
| eow                | the end of this week (Sunday; today if Sunday)     |
| eom                | the last day of this month                         |

Dates run from 1900-01-01 to 9000-12-31 (FIRST_DAY, LAST_DAY): a date outside is refused
wherever it comes in (a date typed, CRM_NOW, a JSON import, a LinkedIn file), so that the
plan's intervals (days, months, years added) never run off Python's calendar (year 1 to 9999).
Digits are ASCII digits only, in dates as in ids: fullwidth or Arabic-Indic digits make no date.
"""

import re
from datetime import date, timedelta

from crm.errors import BadInput

WEEKDAYS = ("monday", "tuesday", "wednesday", "thursday", "friday", "saturday", "sunday")
NAMED = {
    "today": lambda today: today,
    "yesterday": lambda today: today - timedelta(days=1),
    "tomorrow": lambda today: today + timedelta(days=1),
    "eow": lambda today: today + timedelta(days=6 - today.weekday()),
    "eom": lambda today: _end_of_month(today),
}
OFFSET = re.compile(r"^([+-])([0-9]{1,4})([dwmy])$")
FIRST_DAY = date(1900, 1, 1)
LAST_DAY = date(9000, 12, 31)
RANGE = f"crm takes dates from {FIRST_DAY} to {LAST_DAY}"

HELP = "a date: 2026-03-04, today, yesterday, tomorrow, +3d, -2w, +1m, monday, eow, eom"


def parse_date(
    text: str, *, today: date, past: bool = False, why: str = "this records what already happened"
) -> date:
    """Turn what a person typed into a date, relative to `today`.

    `past`: the date of something that happened (a touch, a rejection): a weekday name means
    the latest such day (today included), and a date after today is refused, saying `why`.
    """
    found = _parse(text, today, past)
    if not FIRST_DAY <= found <= LAST_DAY:
        raise BadInput(f"{text!r} is {found}; {RANGE}")
    if past and found > today:
        raise BadInput(f"{text!r} is {found}, after today: {why}")
    return found


def in_range(day: date) -> bool:
    return FIRST_DAY <= day <= LAST_DAY


def _parse(text: str, today: date, past: bool) -> date:
    word = text.strip().lower()
    if not word.isascii():  # one rule for dates and ids: ASCII digits only
        return _not_a_date(text)
    if word in NAMED:
        return NAMED[word](today)
    weekday = _weekday(word)
    if weekday is not None:
        if past:
            return today - timedelta(days=(today.weekday() - weekday) % 7)
        return today + timedelta(days=(weekday - today.weekday() - 1) % 7 + 1)
    offset = OFFSET.match(word)
    if offset:
        sign, count, unit = offset.groups()
        amount = int(count) if sign == "+" else -int(count)
        from dateutil.relativedelta import relativedelta  # only here: CRM_NOW reads this module

        step = {
            "d": relativedelta(days=amount),
            "w": relativedelta(weeks=amount),
            "m": relativedelta(months=amount),
            "y": relativedelta(years=amount),
        }[unit]
        try:
            return today + step
        except (ValueError, OverflowError):
            raise BadInput(f"{text!r} is too far away; {RANGE}") from None
    try:
        return date.fromisoformat(word) if len(word) == 10 else _not_a_date(text)
    except ValueError:
        return _not_a_date(text)


def _weekday(word: str) -> int | None:
    for number, name in enumerate(WEEKDAYS):
        if word == name or word == name[:3]:
            return number
    return None


def _not_a_date(text: str) -> date:
    raise BadInput(f"{text!r} is not a date; use {HELP}")


def _end_of_month(today: date) -> date:
    from dateutil.relativedelta import relativedelta

    return today + relativedelta(day=31)
