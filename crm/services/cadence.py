"""A contact's own keep-in-touch cadence (`--every 6w`, `2m`, `off`), as typed and as a step."""

from __future__ import annotations

import re

from crm.errors import BadInput

EVERY = re.compile(r"(\d{1,3})\s*([dwm])")
UNITS = {"d": "days", "w": "weeks", "m": "months"}
OFF = "off"


def parse_every(text: str) -> str | None:
    """A cadence as typed ("6w", "2m", "3 m", "off"); None for "default" (the plan's rules)."""
    word = text.strip().lower()
    if word in (OFF, "never"):
        return OFF
    if word == "default":
        return None
    match = EVERY.fullmatch(word)
    if match is None or int(match[1]) == 0:
        raise BadInput(
            f"{text!r} is not a cadence; write a number and d, w or m (6w, 2m, 3m), "
            "off for none, or default for the plan's own rhythm"
        )
    return f"{int(match[1])}{match[2]}"


def cadence_step(every: str) -> tuple[str, int]:
    """A cadence as a unit and a count ("2m" → ("months", 2)): the plan adds `count * n` of
    the unit to the anchor day itself, never to the previous due date (Jan 31, Feb 28, Mar 31)."""
    match = EVERY.fullmatch(every)
    assert match is not None, every
    return UNITS[match[2]], int(match[1])


def in_words(every: str) -> str:
    if every == OFF:
        return "off (no keep-in-touch notes)"
    unit, count = cadence_step(every)
    return f"keep in touch every {count} {unit[:-1] if count == 1 else unit}"
