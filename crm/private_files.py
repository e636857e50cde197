"""Files the user names for crm to write (exports, calendar feeds, reviews, backups).

They hold personal data, so each is readable by the user alone: created 0600 from the start (a
mode set afterwards leaves a moment when others could open it, and the umask often says 0644).

Where the file goes, checked before any work is done:
- A path ending in `/` names a folder that must exist; crm chooses the file's name inside it.
- A symbolic link is followed, as a shell's `>` does: the file it points at is the one written
  (and the link stays a link). A link to a missing file creates that file.
- Only a regular file is ever replaced. A folder, a device (`/dev/full`), a FIFO or a socket is
  refused, and so is anything in the kernel's file systems (`/proc`, `/sys`), whose files look
  regular but are not files one can replace.
- The folder must exist and be writable by the user.

The data is written to a temporary file beside the destination and renamed over it at the end:
a failed write (a full disk, Ctrl-C) never leaves half a file where the last good one was.
"""

from __future__ import annotations

import os
import stat
import tempfile
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from pathlib import Path
from typing import BinaryIO

from crm.errors import BadInput, Conflict

FILE_MODE = 0o600
FOLDER_MODE = 0o700
# file systems whose "files" are the kernel's: reading one is fine, replacing one is never meant
KERNEL_FILE_SYSTEMS = frozenset(
    {
        "proc",
        "sysfs",
        "devtmpfs",
        "devpts",
        "cgroup",
        "cgroup2",
        "debugfs",
        "tracefs",
        "securityfs",
        "configfs",
        "pstore",
        "efivarfs",
        "bpf",
        "fusectl",
        "mqueue",
        "hugetlbfs",
        "binfmt_misc",
        "autofs",
    }
)
KINDS = {
    stat.S_IFCHR: "a device",
    stat.S_IFBLK: "a device",
    stat.S_IFIFO: "a pipe (FIFO)",
    stat.S_IFSOCK: "a socket",
}


@dataclass(frozen=True)
class Output:
    """A checked destination: `shown` as the user named it, `path` the file really written."""

    shown: Path
    path: Path


def output_file(named: str | os.PathLike[str], *, default_name: str) -> Output:
    """Where to write the file the user named (see the module's rules); BadInput if nowhere."""
    text = os.fspath(named)
    if not text:
        raise BadInput("give a file name to write")
    if text.endswith(("/", os.sep)):
        folder = Path(text)
        if not folder.is_dir():
            raise BadInput(_no_folder(folder))
        shown = folder / default_name
    else:
        shown = Path(text)
    return Output(shown=shown, path=_checked(shown))


def output_folder(named: str | os.PathLike[str]) -> Path:
    """A folder to write files into: created 0700 when missing (its parent must exist)."""
    path = Path(named)
    text = os.fspath(named)
    if text.endswith(("/", os.sep)) and not path.is_dir():
        raise BadInput(_no_folder(path))
    if path.exists() and not path.is_dir():
        raise BadInput(f"{path} is a file, not a folder")
    _not_kernel(path, Path(os.path.realpath(path)))
    try:
        path.mkdir(mode=FOLDER_MODE, exist_ok=True)
    except OSError as error:
        raise BadInput(f"cannot create the folder {path}: {error.strerror}") from None
    return path


@contextmanager
def replacing(output: Output) -> Iterator[BinaryIO]:
    """A file to write into; it replaces the destination when the block ends without error."""
    temporary = _temporary(output)
    try:
        with open(temporary, "wb") as file:
            yield file
            file.flush()
            os.fsync(file.fileno())
        _still_replaceable(output)
        os.replace(temporary, output.path)
    except OSError as error:
        temporary.unlink(missing_ok=True)
        raise BadInput(f"cannot write {output.shown}: {error.strerror}") from None
    except BaseException:
        temporary.unlink(missing_ok=True)
        raise


def write_private(output: Output, data: bytes) -> None:
    """Write `data` to the destination (0600), replacing any file there, all or nothing."""
    with replacing(output) as file:
        file.write(data)


@contextmanager
def creating(output: Output) -> Iterator[Path]:
    """A temporary path to fill (0600); it becomes the destination, which must not exist yet.

    The name is taken first (an empty file, created exclusively), so another process cannot
    take it meanwhile, and the finished file is renamed onto that placeholder.
    """
    try:
        os.close(os.open(output.path, os.O_CREAT | os.O_EXCL | os.O_WRONLY, FILE_MODE))
    except FileExistsError:
        raise Conflict(
            f"{output.shown} already exists; crm never overwrites it, give another name"
        ) from None
    except OSError as error:
        raise BadInput(f"cannot create {output.shown}: {error.strerror}") from None
    try:
        temporary = _temporary(output)
    except BaseException:
        output.path.unlink(missing_ok=True)
        raise
    try:
        yield temporary
        os.replace(temporary, output.path)
    except OSError as error:
        temporary.unlink(missing_ok=True)
        output.path.unlink(missing_ok=True)
        raise BadInput(f"cannot write {output.shown}: {error.strerror}") from None
    except BaseException:
        temporary.unlink(missing_ok=True)
        output.path.unlink(missing_ok=True)
        raise


def _checked(shown: Path) -> Path:
    real = Path(os.path.realpath(shown))  # every link along the way followed
    try:
        found = os.stat(real)
    except (FileNotFoundError, NotADirectoryError):  # the folder is looked at next
        found = None
    except OSError as error:
        raise BadInput(f"cannot write {shown}: {error.strerror}") from None
    if found is not None:
        _regular(shown, found)
    _not_kernel(shown, real)
    folder = real.parent
    if not folder.is_dir():
        raise BadInput(f"cannot write {shown}: {_no_folder(folder)}")
    if not os.access(folder, os.W_OK | os.X_OK, effective_ids=True):
        raise BadInput(f"cannot write {shown}: you may not write in the folder {folder}")
    if found is not None and not os.access(real, os.W_OK, effective_ids=True):
        raise BadInput(f"cannot write {shown}: the file is read-only for you")
    return real


def _regular(shown: Path, found: os.stat_result) -> None:
    if stat.S_ISDIR(found.st_mode):
        raise BadInput(f"{shown} is a folder; give a file name (or {shown}/ for crm to name it)")
    if not stat.S_ISREG(found.st_mode):
        kind = KINDS.get(stat.S_IFMT(found.st_mode), "not a regular file")
        raise BadInput(f"cannot write {shown}: it is {kind}, and crm writes only regular files")


def _still_replaceable(output: Output) -> None:
    """Just before the rename: the destination did not become something else meanwhile."""
    try:
        found = os.lstat(output.path)
    except FileNotFoundError:
        return
    _regular(output.shown, found)


def _temporary(output: Output) -> Path:
    try:
        handle, name = tempfile.mkstemp(
            dir=output.path.parent, prefix=f".{output.path.name}.", suffix=".part"
        )  # mkstemp creates it 0600
    except OSError as error:
        raise BadInput(f"cannot write {output.shown}: {error.strerror}") from None
    os.close(handle)
    return Path(name)


def _no_folder(folder: Path) -> str:
    if folder.exists():
        return f"{folder} is not a folder"
    return f"the folder {folder} does not exist"


def _not_kernel(shown: Path, real: Path) -> None:
    mount, kind = _file_system(real)
    if kind in KERNEL_FILE_SYSTEMS:
        raise BadInput(
            f"cannot write {shown}: {mount} holds the kernel's {kind} files, not files to replace"
        )


def _file_system(path: Path) -> tuple[str, str]:
    """The mount point holding `path` and its file system type ('' where it cannot be told)."""
    try:
        table = Path("/proc/self/mountinfo").read_text()
    except OSError:
        return "", ""
    best, kind = "", ""
    target = str(path)
    for line in table.splitlines():
        fields = line.split(" ")
        try:
            mount = _unescape(fields[4])
            fs_type = fields[fields.index("-", 6) + 1]
        except (IndexError, ValueError):
            continue
        inside = target == mount or target.startswith(mount.rstrip("/") + "/")
        if inside and len(mount) >= len(best):
            best, kind = mount, fs_type
    return best, kind


def _unescape(field: str) -> str:
    """mountinfo writes a space, tab, newline and backslash in a path as octal escapes."""
    for escaped, plain in (("\\040", " "), ("\\011", "\t"), ("\\012", "\n"), ("\\134", "\\")):
        field = field.replace(escaped, plain)
    return field
