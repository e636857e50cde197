"""Aligned text and calm colour without Rich, for the screens that must start fast.

`crm today` runs in shell prompts and status bars; Rich costs ~60 ms to import and render a
table, which is a quarter of its budget. Colour follows the same rules as everywhere else:
only on a terminal, never under NO_COLOR or TERM=dumb.
"""

from __future__ import annotations

import os
import sys
from collections.abc import Callable
from datetime import date
from itertools import islice
from typing import TYPE_CHECKING, TextIO

from crm.printable import one_line

if TYPE_CHECKING:
    from crm.services.plan_rules import Planned, PlanResult

STYLES = {"bold": "1", "dim": "2", "red": "31"}


class Painter:
    """Styles text for `stream`; `enabled` says whether instead (as Rich would style it:
    `as_rich_would`, for the screens drawn the way Rich draws them)."""

    def __init__(self, stream: TextIO, *, enabled: bool | None = None) -> None:
        self.enabled = (
            stream.isatty() and "NO_COLOR" not in os.environ and os.environ.get("TERM") != "dumb"
            if enabled is None
            else enabled
        )

    def __call__(self, text: str, style: str) -> str:
        if not self.enabled or not text:
            return text
        return f"\x1b[{STYLES[style]}m{text}\x1b[0m"


BASE = 80  # the width layouts are drawn for, and the width of piped output


def width() -> int:
    """The columns to lay out in: COLUMNS, else the terminal's, 80 when piped.

    shutil.get_terminal_size's rule, written out: importing shutil brings the compression
    modules, ~2 ms of every `crm today`."""
    columns = os.environ.get("COLUMNS", "")
    if columns.isdigit() and int(columns) > 0:
        return int(columns)
    try:
        return os.get_terminal_size(sys.__stdout__.fileno()).columns or BASE  # type: ignore[union-attr]
    except (AttributeError, ValueError, OSError):
        return BASE


def as_rich_would() -> tuple[int, bool]:
    """The width Rich lays the card out in, and whether it styles it, so that the plain lines
    are what Rich draws: Rich takes the width of whichever of stdin, stdout and stderr is a
    terminal (COLUMNS first), and styles a terminal's output unless TERM is dumb; NO_COLOR
    takes its colours away, not bold and dim (console.py, `size` and `is_terminal`)."""
    environ = os.environ
    compatible, forced = environ.get("TTY_COMPATIBLE", ""), environ.get("FORCE_COLOR")
    if compatible in ("0", "1"):
        terminal = compatible == "1"
    elif forced is not None:
        terminal = forced != ""
    else:
        terminal = sys.stdout.isatty()
    if terminal and environ.get("TERM", "").lower() in ("dumb", "unknown"):
        return 80, False
    width = 0
    for descriptor in (0, 1, 2):
        try:
            width = os.get_terminal_size(descriptor).columns
        except (AttributeError, ValueError, OSError):
            continue
        break
    columns = environ.get("COLUMNS")
    if columns is not None and columns.isdigit():
        width = int(columns)
    return width or 80, terminal


def simple(text: str, room: int) -> bool:
    """One column a character, no tab, and short enough for the terminal: what plain lines
    draw as Rich would."""
    if len(text) > room or "\t" in text:
        return False
    return text.isascii() or all(narrow(character) for character in text)


def wrap(text: str, room: int) -> list[str] | None:
    """One line of text as Rich wraps it in `room` columns (rich/_wrap.py `divide_line`, and
    `Text.wrap`: a word that does not fit begins the next line; a line keeps its trailing
    space where it fits), or None when Rich would do more: measure a wide character, expand
    a tab, or fold a word longer than the line."""
    if "\t" in text or not (text.isascii() or all(narrow(c) for c in text)):
        return None
    import re

    lines, start, used = [], 0, 0
    for word in re.finditer(r"\s*\S+\s*", text):
        length = len(word.group().rstrip())
        if length > room:
            return None
        if room - used >= length:
            used += len(word.group())
        elif used and word.start():
            lines.append(text[start : word.start()])
            start, used = word.start(), len(word.group())
    lines.append(text[start:])
    # the whitespace past the room goes; what still does not fit, Rich would fold
    lines = [line[:room] if line[room:].isspace() else line for line in lines]
    return lines if all(len(line) <= room for line in lines) else None


def narrow(character: str) -> bool:
    """One column wide for Rich: not wide or full-width (CJK, most emoji), not a mark that
    joins the character before it (a Devanagari vowel sign is one), not a format or line
    separator character."""
    import unicodedata

    category = unicodedata.category(character)
    return (
        unicodedata.east_asian_width(character) not in "WF"
        and category[0] not in "MC"
        and category not in ("Zl", "Zp")
    )


def fit(text: str, size: int, *, right: bool = False) -> str:
    """`text` in exactly `size` columns, its control characters shown as escapes: cut with an
    ellipsis, or padded."""
    if not text.isprintable():  # the common case skips the regular expression
        text = one_line(text)
    if len(text) > size:
        text = text[: max(size - 1, 0)] + "…" if size > 0 else ""
    return text.rjust(size) if right else text.ljust(size)


def columns(
    total: int,
    fixed: list[int],
    flexible: list[int],
    natural: list[int] | None = None,
    gap: int = 2,
) -> list[int]:
    """Widths for the flexible columns so that a line fits in `total` columns.

    `flexible` holds the widths preferred in 80 columns; each gives up room in proportion when
    it must. A terminal wider than 80 lends its extra columns to those whose content (`natural`
    widths) is longer, so that a title is cut only when the terminal is too narrow for it.
    """
    room = total - sum(fixed) - gap * (len(fixed) + len(flexible) - 1)
    want = sum(flexible)
    if room < want:
        return [max(4, w * max(room, 0) // want) for w in flexible]
    widths = list(flexible)
    # the columns past 80, as far as the line has room for them: the preferred widths are for
    # 80 columns and the usual fixed ones; a list with a status column has 9 fewer to give
    extra = max(min(total - BASE, room - want), 0)
    needs = [max(n - w, 0) for n, w in zip(natural or flexible, flexible, strict=True)]
    # an equal share each, and what one needs less than its share to the others
    for left, i in enumerate(sorted(range(len(needs)), key=lambda i: needs[i])):
        share = min(needs[i], extra // (len(needs) - left))
        widths[i] += share
        extra -= share
    return widths


def plan_lines(result: PlanResult, today: date, most: int | None = None) -> list[str]:
    """What the plan changed, a line a task: made (+), moved (→), done (✓), reopened (↺),
    withdrawn or removed (-), expired (×). The first `most` lines only, when given: a first
    `crm remind` at the benchmark's 1x shows 20 of its 5,456, and made every one before."""
    from crm.render import due_phrase

    def what(task: Planned) -> str:  # a name or title may hold ESC: shown escaped, never sent
        who = result.who(task)
        return f"#{task.id} {one_line(task.title)}" + (f" ({one_line(who)})" if who else "")

    marks: list[tuple[str, list[Planned], Callable[[Planned], str]]] = [
        ("+", result.created, lambda t: due_phrase(t.due, today)),
        ("→", result.moved, lambda t: f"moved: {due_phrase(t.due, today)}"),
        ("↺", result.reopened, lambda t: f"reopened: {due_phrase(t.due, today)}"),
        ("✓", result.completed, lambda t: "done"),
        ("-", result.withdrawn, lambda t: "withdrawn"),
        ("-", result.removed, lambda t: "removed: its reason is gone"),
        ("×", result.expired, lambda t: f"expired ({due_phrase(t.due, today)})"),
    ]
    lines = (f"  {mark} {what(t)} · {how(t)}" for mark, tasks, how in marks for t in tasks)
    return list(islice(lines, most))


def plan_summary(result: PlanResult) -> str:
    """'The plan made 3 new tasks, closed 1 and expired 2.'"""
    parts = [
        (len(result.created), "made {} new task{}"),
        (len(result.moved), "moved {}"),
        (len(result.reopened), "reopened {}"),
        (len(result.completed) + len(result.withdrawn), "closed {}"),
        (len(result.removed), "removed {}"),
        (len(result.expired), "expired {}"),
    ]
    said = [text.format(n, "" if n == 1 else "s") for n, text in parts if n]
    if not said:
        return "The plan is up to date: nothing new to do."
    head = ", ".join(said[:-1]) + (" and " if len(said) > 1 else "") + said[-1]
    return f"The plan {head}."
