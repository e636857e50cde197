"""The terminal face: one console factory, calm tables, dates as people say them, and JSON.

Colour comes from Rich, which turns it off when output is not a terminal and under NO_COLOR;
piped output is 80 columns wide unless COLUMNS says otherwise.
"""

from __future__ import annotations

import json
import re
import sys
from collections.abc import Iterator
from datetime import date, datetime
from enum import Enum
from itertools import islice
from typing import TYPE_CHECKING, Any

if TYPE_CHECKING:
    from rich.console import Console
    from rich.table import Table


def console(*, stderr: bool = False) -> Console:
    from rich.console import Console
    from rich.text import Text

    from crm.printable import has_control, printable

    class SafeConsole(Console):
        """Prints the user's text with its control characters shown as escapes."""

        def print(self, *objects: Any, **options: Any) -> None:
            safe = []
            for thing in objects:
                if isinstance(thing, str):
                    thing = printable(thing)
                elif isinstance(thing, Text) and has_control(thing.plain):
                    thing = Text(printable(thing.plain), style=thing.style)
                safe.append(thing)
            super().print(*safe, **options)

    # markup and emoji codes off: names and notes are the user's text, and "[x]" or ":smile:"
    # in them must print as typed
    return SafeConsole(stderr=stderr, highlight=False, soft_wrap=False, markup=False, emoji=False)


def table(*columns: str, title: str | None = None) -> Table:
    from rich.table import Table
    from rich.text import Text

    from crm.printable import has_control, one_line

    class SafeTable(Table):
        """A table whose cells show control characters as escapes, each cell one line."""

        def add_row(self, *cells: Any, **options: Any) -> None:
            safe = []
            for cell in cells:
                if isinstance(cell, str):
                    cell = one_line(cell)
                elif isinstance(cell, Text) and has_control(cell.plain):
                    cell = Text(one_line(cell.plain), style=cell.style)
                safe.append(cell)
            super().add_row(*safe, **options)

    grid = SafeTable(
        *columns,
        title=title,
        title_justify="left",
        title_style="bold",
        box=None,
        header_style="dim",
        pad_edge=False,
        show_edge=False,
    )
    return grid


def print_json(document: Any) -> None:
    """One JSON document on stdout: dates in ISO 8601, ids as integers.

    Written as it goes, a record a line (a list's items; a document's fields, each list in
    it a record a line), by the C encoder: a list of 50,000 tasks costs neither the pure-Python
    indenting encoder nor a second copy of itself in memory.
    """
    write = sys.stdout.write
    if isinstance(document, dict):
        write("{")
        for n, (key, value) in enumerate(document.items()):
            write(f"{',' if n else ''}\n  {_dumps(key)}: ")
            _write_value(value, write, "  ")
        write("\n}\n" if document else "}\n")
    else:
        _write_value(document, write)
        write("\n")


def _write_value(value: Any, write: Any, indent: str = "") -> None:
    """A value; a list, or an iterator (rows read as they are written), a record a line."""
    if isinstance(value, Iterator):
        items = value
    elif isinstance(value, list | tuple) and value:
        items = iter(value)
    else:
        write(_dumps(value))
        return
    write("[")
    separator, started = f",\n{indent}  ", False
    while chunk := list(islice(items, CHUNK)):  # one write, and one escaping pass, a chunk
        records = separator.join(map(_ENCODER.encode, chunk))
        write(("," if started else "") + f"\n{indent}  " + _escaped(records))
        started = True
    write(f"\n{indent}]" if started else "]")


def _dumps(value: Any) -> str:
    return _escaped(_ENCODER.encode(value))


def _escaped(text: str) -> str:
    # JSON escapes C0 control characters itself; DEL, the C1 controls and lone surrogates it
    # would write raw, so they are written as \u escapes too (the same string to a JSON reader).
    # ASCII without DEL has none of them: `today --json` skips the pattern, 5 ms of its 90
    if text.isascii() and "\x7f" not in text:
        return text
    return _RAW_IN_JSON.sub(lambda m: f"\\u{ord(m.group()):04x}", text)


_RAW_IN_JSON = re.compile("[\x7f-\x9f\ud800-\udfff]")
CHUNK = 500  # records encoded and written at a time: few calls, and memory that stays small


def _plain(value: object) -> object:
    if isinstance(value, datetime | date):
        return value.isoformat()
    if isinstance(value, Enum):
        return value.value
    raise TypeError(f"cannot put {type(value).__name__} in JSON")


# one encoder for every record (json.dumps with options makes a new one each call)
_ENCODER = json.JSONEncoder(ensure_ascii=False, default=_plain)


def relative_day(day: date, today: date) -> str:
    """A due date the way a person says it, next to today."""
    delta = (day - today).days
    if delta == 0:
        return "today"
    if delta == 1:
        return "tomorrow"
    if delta == -1:
        return "1 day late"
    if -100 < delta < 0:
        return f"{-delta} days late"
    if delta < 0:  # "739683 days late" says nothing a person can picture
        years = -delta // 365
        if years == 0:
            return f"{-delta // 30} mo late"
        return f"{years:,} yr late" if years == 1 else f"{years:,} yrs late"
    if delta < 7:
        return f"{day:%a %d %b}"
    return f"{day:%d %b %Y}" if day.year != today.year else f"{day:%a %d %b}"


def day_words(day: date, today: date) -> str:
    """'Fri 06 Mar', with the year when it is not this year's."""
    return f"{day:%a %d %b}" if day.year == today.year else f"{day:%a %d %b %Y}"


def due_phrase(day: date, today: date) -> str:
    """'due tomorrow', 'due Sun 29 Nov', or '2 days late'."""
    relative = relative_day(day, today)
    return relative if day < today else f"due {relative}"


def short_moment(moment: datetime, zone: Any) -> str:
    return f"{moment.astimezone(zone):%Y-%m-%d %H:%M}"


def human(value: str | None) -> str:
    """An enum value as words: 'hiring-manager' → 'hiring manager'."""
    return (value or "").replace("-", " ").replace("_", " ")
