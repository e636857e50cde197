"""Text safe to put on a terminal: control characters shown as escapes, never sent raw.

Names, titles and notes keep whatever the user or a file gave them, control characters
included: an export gives them back byte for byte. But ESC, CSI and the other C0/C1 control
characters would reach the terminal as commands (clear the screen, recolour it, hide a link
with OSC 8), so every output path shows them as Python writes them: `\\x1b`, `\\x9b`, `\\r`.

Line feeds and tabs are kept in text printed as a block (a note of several lines); in a cell of
one line (a table row, the `crm today` lines) they are escaped too, so a title cannot forge a
line of its own.

Cheap to import: `crm today` uses it on its fast path.
"""

from __future__ import annotations

import re

# C0 controls, DEL and C1 controls (0x80-0x9f: 0x9b is a one-byte CSI on some terminals)
# and lone surrogates (a byte of another encoding in argv), which no terminal encoding can write.
# Compiled on first use (re keeps them): most runs of `crm today` print only printable text.
_BLOCK = "[\x00-\x08\x0b-\x1f\x7f-\x9f\ud800-\udfff]"
_LINE = "[\x00-\x1f\x7f-\x9f\ud800-\udfff]"


def _escape(match: re.Match[str]) -> str:
    character = match.group()
    named = {"\n": "\\n", "\t": "\\t", "\r": "\\r"}
    if character in named:
        return named[character]
    code = ord(character)
    return f"\\x{code:02x}" if code < 0x100 else f"\\u{code:04x}"


def printable(text: str) -> str:
    """`text` with every control character but line feed and tab shown as an escape."""
    return text if text.isprintable() else re.sub(_BLOCK, _escape, text)


def one_line(text: str) -> str:
    """`text` with every control character shown as an escape, line feeds and tabs too."""
    return text if text.isprintable() else re.sub(_LINE, _escape, text)


def has_control(text: str) -> bool:
    return not text.isprintable() and re.search(_LINE, text) is not None
