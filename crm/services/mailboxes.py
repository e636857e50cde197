"""Messages from the places mail programs keep them: mbox files, Maildir folders, .eml files.

mbox is what Thunderbird and Gmail's Takeout write (one file, each message after a "From "
line); Maildir is mutt's, notmuch's and offlineimap's (a folder with cur/, new/ and tmp/, one
file a message); an .eml file is one message saved from any mail program.
"""

import email
import mailbox
from collections.abc import Callable, Iterator
from email.message import Message
from pathlib import Path
from typing import IO, Any

from crm.errors import BadInput

HEADER_LINE = b":"


def _parse(file: IO[bytes]) -> Message:
    # compat32, the email package's default: its modern policy parses every header into
    # objects, three times slower over a mailbox (crm/services/mail.py decodes what it reads)
    return email.message_from_binary_file(file)


def messages(path: Path, *, limit: tuple[int, str] | None = None) -> Iterator[Message | None]:
    """Every message at `path`; None for one that cannot be read at all.

    `limit` (bytes, and the reason to say): an mbox or .eml file larger than that, or one that
    is not a regular file (a FIFO, a device), is refused before it is read (crm/files.py)."""
    if path.is_dir():
        if (path / "cur").is_dir() or (path / "new").is_dir():
            yield from _maildir(path, limit)
            return
        files = sorted(p for p in path.iterdir() if p.suffix.lower() == ".eml" and p.is_file())
        if not files:
            raise BadInput(f"{path} is neither a Maildir (no cur/ or new/) nor holds .eml files")
        for file in files:
            _check(file, limit)
            yield _eml(file)
        return
    _check(path, limit)
    start = _start(path)
    if not start:
        return  # an empty mbox: Thunderbird keeps one for every empty folder
    if start.startswith(b"From "):
        yield from _each(mailbox.mbox(path, factory=_parse, create=False))  # type: ignore[arg-type]
    elif _looks_like_headers(start):
        yield _eml(path)
    else:
        raise BadInput(f"{path} is neither an mbox file nor a saved message (.eml)")


def _maildir(path: Path, limit: tuple[int, str] | None) -> Iterator[Message | None]:
    """A Maildir's messages (new/, then cur/), each file checked like an .eml file: mailbox's
    Maildir would open a 2 GB message, or a FIFO someone left in new/, without asking."""
    for folder in ("new", "cur"):
        try:
            names = sorted(p for p in (path / folder).iterdir() if not p.name.startswith("."))
        except FileNotFoundError:
            continue
        except OSError as error:
            raise BadInput(f"cannot read the mailbox: {error}") from None
        for file in names:
            _check(file, limit)
            yield _eml(file)


def _check(path: Path, limit: tuple[int, str] | None) -> None:
    if limit is not None and path.exists():
        from crm.files import open_user_file

        open_user_file(path, limit=limit[0], why=limit[1]).close()


def _start(path: Path) -> bytes:
    try:
        with path.open("rb") as file:
            return file.read(1024)
    except FileNotFoundError:
        raise BadInput(f"{path}: no such file or folder") from None
    except OSError as error:
        raise BadInput(f"cannot read {path}: {error.strerror}") from None


def _looks_like_headers(start: bytes) -> bool:
    first = start.lstrip(b"\r\n").split(b"\n", 1)[0]
    name, colon, _ = first.partition(HEADER_LINE)
    return bool(colon) and bool(name) and all(33 <= c <= 126 for c in name)


def _eml(path: Path) -> Message | None:
    try:
        with path.open("rb") as file:
            return _parse(file)
    except OSError:
        return None


def _each(box: Any) -> Iterator[Message | None]:
    keys: Callable[[], Any] = box.iterkeys
    try:
        for key in keys():
            try:
                yield box[key]
            except (OSError, ValueError):  # a file gone since the listing, a broken message
                yield None
    except OSError as error:
        raise BadInput(f"cannot read the mailbox: {error}") from None
    finally:
        box.close()
