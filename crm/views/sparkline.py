"""A series of counts as one line of block characters, for the terminal."""

from __future__ import annotations

from collections.abc import Sequence

BLOCKS = "▁▂▃▄▅▆▇█"


def sparkline(values: Sequence[int]) -> str:
    """`▁` for zero (and for everything when all are zero), `█` for the largest value."""
    top = max(values, default=0)
    if top <= 0:
        return BLOCKS[0] * len(values)
    steps = len(BLOCKS) - 1
    return "".join(BLOCKS[0 if v <= 0 else max(1, round(v / top * steps))] for v in values)
