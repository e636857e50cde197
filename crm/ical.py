"""Writing iCalendar (RFC 5545) content lines: escaped, folded at 75 octets, CRLF-ended.

The icalendar library builds every component in memory and folds lines character by
character (69% of `crm calendar`'s time over a large history); a feed of all-day events needs
only this: a name, its parameters, a value, and the folding rule applied to the encoded bytes.
"""

from __future__ import annotations

import re
from datetime import UTC, date, datetime, timedelta

LIMIT = 75  # octets per line, the CRLF not counted (RFC 5545, 3.1)
# TEXT may hold any character but the controls, tab excepted (RFC 5545, 3.3.11)
CONTROLS = re.compile(r"[\x00-\x08\x0b-\x1f\x7f]")
TEXT_ESCAPES = str.maketrans({"\\": "\\\\", ";": "\\;", ",": "\\,", "\n": "\\n"})


def text(value: str) -> str:
    """A TEXT value: backslash, semicolon, comma and line breaks escaped, controls dropped."""
    value = value.replace("\r\n", "\n").replace("\r", "\n")
    return CONTROLS.sub("", value).translate(TEXT_ESCAPES)


def day(value: date) -> str:
    return f"{value:%Y%m%d}"


def moment(value: datetime) -> str:
    """A DATE-TIME in UTC, the form every client reads."""
    return f"{value.astimezone(UTC):%Y%m%dT%H%M%SZ}"


def duration(value: timedelta) -> str:
    """A DURATION of whole seconds, e.g. PT1H, P1D, P1DT30M."""
    seconds = int(value.total_seconds())
    days, seconds = divmod(seconds, 86_400)
    hours, seconds = divmod(seconds, 3_600)
    minutes, seconds = divmod(seconds, 60)
    time = "".join(f"{n}{unit}" for n, unit in ((hours, "H"), (minutes, "M"), (seconds, "S")) if n)
    return f"P{f'{days}D' if days else ''}{'T' + time if time else ''}" if days or time else "PT0S"


def line(name: str, value: str, **parameters: str) -> bytes:
    """One content line, folded: `NAME;PARAM=VALUE:value` CRLF."""
    head = name + "".join(f";{key.replace('_', '-')}={v}" for key, v in parameters.items())
    return fold(f"{head}:{value}".encode())


def fold(content: bytes) -> bytes:
    """Break a line into lines of at most 75 octets, each continuation starting with a space.

    Cut only between characters: never inside a UTF-8 sequence (a continuation byte is
    0b10xxxxxx), as RFC 5545 asks, so each folded line is valid UTF-8 by itself.
    """
    if len(content) <= LIMIT:
        return content + b"\r\n"
    pieces = []
    start, room = 0, LIMIT
    while len(content) - start > room:
        cut = start + room
        while content[cut] & 0xC0 == 0x80:
            cut -= 1
        pieces.append(content[start:cut])
        start, room = cut, LIMIT - 1  # the leading space takes one octet
    pieces.append(content[start:])
    return b"\r\n ".join(pieces) + b"\r\n"
