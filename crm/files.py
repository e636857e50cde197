"""Reading the user's files: regular files only, a size limit checked before reading, lines
of a bounded length, and text read as it streams rather than all at once.

Every file crm reads on a user's say-so (an import, `crm log --file`, a draft template, the
settings) comes through here. Without it, `crm import linkedin /dev/zero` read until memory ran
out, and `crm log --file FIFO` waited forever for a writer. Now:

- the file is opened without blocking (a FIFO with no writer does not hang the open) and its
  kind is checked on the opened descriptor: a folder, a FIFO, a device or a socket is refused
  with one line, before any byte is read;
- a file over the limit (`import_max_mb` in config.toml for imports) is refused by its size,
  before reading; a file that grows while it is read is cut off at the limit and refused too;
- text is UTF-8 (a byte-order mark is dropped); a NUL byte means it is not a text file;
- `text_lines` yields the lines one by one, none longer than `LONGEST_LINE` characters, so a
  parser can work a row at a time.
"""

from __future__ import annotations

import codecs
import os
import re
import stat
from collections.abc import Iterator
from pathlib import Path
from typing import BinaryIO

from crm.errors import BadInput

MB = 1_000_000
DEFAULT_IMPORT_MAX_MB = 200
# a line of a file crm imports: a LinkedIn row, a vCard property (notes are at most 100,000
# characters, and the most a row holds is a few of those)
LONGEST_LINE = 1_000_000
_CHUNK = 1 << 16
# only these end a line: csv and vCard know no other (str.splitlines would also split at \x0b,
# \x1c-\x1e, \x85 and \u2028, which are data)
_LINE_END = re.compile("\r\n|\r|\n")

_KINDS = (
    (stat.S_ISDIR, "a folder"),
    (stat.S_ISFIFO, "a named pipe (FIFO)"),
    (stat.S_ISCHR, "a device"),
    (stat.S_ISBLK, "a device"),
    (stat.S_ISSOCK, "a socket"),
)


def size_words(size: int) -> str:
    if size >= MB:
        return f"{size / MB:,.1f} MB"
    return f"{size:,} bytes"


class _Bounded:
    """A binary file that refuses to give more than `limit` bytes (a file growing as it is read
    is refused, not read without end)."""

    def __init__(self, file: BinaryIO, path: Path, limit: int, why: str) -> None:
        self.file, self.path, self.limit, self.why = file, path, limit, why
        self.read_so_far = 0

    def read(self, size: int = -1) -> bytes:
        room = self.limit + 1 - self.read_so_far
        data = self.file.read(room if size < 0 else min(size, room))
        self.read_so_far += len(data)
        if self.read_so_far > self.limit:
            raise BadInput(
                f"{self.path} grew past {size_words(self.limit)} while crm read it; {self.why}"
            )
        return data

    def close(self) -> None:
        self.file.close()


def open_user_file(path: Path, *, limit: int, why: str) -> _Bounded:
    """`path` opened for reading, if it is a regular file of at most `limit` bytes.

    `why` ends the refusal of a file too large: what the limit is and how to change it.
    """
    try:
        descriptor = os.open(path, os.O_RDONLY | os.O_NONBLOCK | os.O_CLOEXEC)
    except FileNotFoundError:
        raise BadInput(f"{path}: no such file") from None
    except IsADirectoryError:
        raise BadInput(f"{path} is a folder, not a file") from None
    except OSError as error:
        raise BadInput(f"cannot read {path}: {error.strerror}") from None
    try:
        status = os.fstat(descriptor)
        for test, kind in _KINDS:
            if test(status.st_mode):
                hint = "" if kind == "a folder" else "; save what it holds to a file first"
                raise BadInput(f"{path} is {kind}, not a file{hint}")
        if status.st_size > limit:
            raise BadInput(f"{path} is {size_words(status.st_size)}; {why}")
        os.set_blocking(descriptor, True)
        file = os.fdopen(descriptor, "rb", buffering=_CHUNK)
    except BaseException:
        os.close(descriptor)
        raise
    return _Bounded(file, path, limit, why)


def read_user_bytes(path: Path, *, limit: int, why: str) -> bytes:
    """The whole of a regular file of at most `limit` bytes."""
    bounded = open_user_file(path, limit=limit, why=why)
    try:
        return bounded.read()
    except OSError as error:
        raise BadInput(f"cannot read {path}: {error.strerror}") from None
    finally:
        bounded.close()


def decode_text(data: bytes, path: Path) -> str:
    """UTF-8 text (a byte-order mark dropped); BadInput for a NUL byte or another encoding."""
    if b"\x00" in data:
        raise BadInput(f"{path} is not a text file")
    try:
        return data.decode("utf-8-sig")
    except UnicodeDecodeError:
        raise BadInput(f"{path} is not UTF-8 text") from None


def read_user_text(path: Path, *, limit: int, why: str) -> str:
    """The whole of a UTF-8 text file of at most `limit` bytes."""
    return decode_text(read_user_bytes(path, limit=limit, why=why), path)


def text_lines(path: Path, *, limit: int, why: str) -> Iterator[str]:
    """The lines of a UTF-8 text file, each with its line end, read a chunk at a time.

    Line ends are kept as written (`\\r\\n`, `\\n`, `\\r`), as `open(newline="")` gives them,
    which is what the csv module wants. BadInput for a NUL byte, text that is not UTF-8, or a
    line longer than LONGEST_LINE characters.
    """
    bounded = open_user_file(path, limit=limit, why=why)
    decoder = codecs.getincrementaldecoder("utf-8")()
    pending = ""
    first = True
    number = 1
    try:
        while True:
            try:
                data = bounded.read(_CHUNK)
            except OSError as error:
                raise BadInput(f"cannot read {path}: {error.strerror}") from None
            if b"\x00" in data:
                raise BadInput(f"{path} is not a text file")
            try:
                pending += decoder.decode(data, final=not data)
            except UnicodeDecodeError:
                raise BadInput(f"{path} is not UTF-8 text (line {number})") from None
            if first and pending:
                pending, first = pending.removeprefix("\ufeff"), False
            start = 0
            if "\r" in pending:
                for end in _LINE_END.finditer(pending):
                    if end.group() == "\r" and end.end() == len(pending) and data:
                        break  # its \n may be the first character of the next chunk
                    yield pending[start : end.end()]
                    start, number = end.end(), number + 1
            else:  # the common case, at the speed of str.split
                *lines, rest = pending.split("\n")
                for line in lines:
                    yield line + "\n"
                number += len(lines)
                start = len(pending) - len(rest)
            pending = pending[start:]
            if not data and pending:
                yield pending
                pending = ""
            if len(pending) > LONGEST_LINE:
                raise BadInput(
                    f"{path} line {number} is longer than {LONGEST_LINE:,} characters; "
                    "it is not a file crm imports"
                )
            if not data:
                return
    finally:
        bounded.close()


def import_limit(max_mb: int) -> tuple[int, str]:
    """The byte limit of an import and the words that end its refusal."""
    return max_mb * MB, (
        f"crm imports files of at most {max_mb:,} MB "
        "(import_max_mb in config.toml; crm config shows where that is)"
    )
