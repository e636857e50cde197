"""Files that hold personal data (exports, calendar feeds, backups): readable by the user alone.

A file takes the umask's mode when it is created (0644 is common), and a mode set afterwards
leaves a moment when others could open it. So each file is created 0600 from the start, written
under a temporary name beside its destination and renamed into place: a failed write never
leaves half a file where the last good one was.
"""

from __future__ import annotations

import os
from pathlib import Path

from crm.errors import BadInput, Conflict

FILE_MODE = 0o600
FOLDER_MODE = 0o700


def write_private(path: Path, data: bytes) -> None:
    """Write `data` to `path` (0600), replacing any file there, all at once or not at all."""
    if path.is_dir():
        raise BadInput(f"{path} is a folder; give a file name")
    temporary = path.with_name(f".{path.name}.{os.getpid()}.part")
    try:
        descriptor = os.open(temporary, os.O_CREAT | os.O_EXCL | os.O_WRONLY, FILE_MODE)
    except OSError as error:
        raise BadInput(f"cannot write {path}: {error.strerror}") from None
    try:
        with os.fdopen(descriptor, "wb") as file:
            file.write(data)
            file.flush()
            os.fsync(file.fileno())
        os.replace(temporary, path)
    except OSError as error:
        temporary.unlink(missing_ok=True)
        raise BadInput(f"cannot write {path}: {error.strerror}") from None
    except BaseException:
        temporary.unlink(missing_ok=True)
        raise


def create_private(path: Path) -> None:
    """Create an empty 0600 file at `path`; an existing file is never replaced."""
    try:
        os.close(os.open(path, os.O_CREAT | os.O_EXCL | os.O_WRONLY, FILE_MODE))
    except FileExistsError:
        raise Conflict(
            f"{path} already exists; crm never overwrites it, give another name"
        ) from None
    except OSError as error:
        raise BadInput(f"cannot create {path}: {error.strerror}") from None


def private_folder(path: Path) -> None:
    """A folder for private files: created 0700 when missing (its parent must exist)."""
    if path.exists() and not path.is_dir():
        raise BadInput(f"{path} is a file, not a folder")
    try:
        path.mkdir(mode=FOLDER_MODE, exist_ok=True)
    except OSError as error:
        raise BadInput(f"cannot create the folder {path}: {error.strerror}") from None
