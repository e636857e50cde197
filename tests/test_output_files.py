"""Files the user names for crm to write: only regular files replaced, whole or not at all.

Every command that writes such a file (export, calendar, backup, review --output) goes through
crm/private_files.py; these tests hold each of them to the same rules.
"""

from __future__ import annotations

import json
import os
import stat
import tempfile
from collections.abc import Iterator
from pathlib import Path

import pytest

from crm.errors import BadInput
from crm.private_files import output_file, replacing
from tests.conftest import Crm
from tests.helpers import acme_story, lines

# each command that writes a file the user names: its arguments before the path
WRITERS = {
    "export": ["export", "--output"],
    "calendar": ["calendar"],
    "review": ["review", "--output"],
    "backup": ["backup"],
}


def mode(path: Path) -> int:
    return stat.S_IMODE(path.stat().st_mode)


@pytest.fixture
def story(sqlite_crm: Crm) -> Crm:
    acme_story(sqlite_crm)
    return sqlite_crm


def refused(crm: Crm, command: str, path: str) -> str:
    result = crm(*WRITERS[command], path, ok=False)
    assert result.exit_code == 2, result
    assert result.stdout == ""
    assert result.stderr.startswith("Error: ") and result.stderr.count("\n") == 1
    return result.stderr.removeprefix("Error: ").rstrip("\n")


@pytest.mark.parametrize(
    ("command", "name"),
    [
        ("export", "crm-export-20260302-090000.json"),
        ("calendar", "crm.ics"),
        ("review", "crm-review-2026-03-02.md"),
        ("backup", "crm-backup-20260302-090000.db"),
    ],
)
def test_a_folder_ending_in_a_slash_gets_a_file_named_by_crm(
    story: Crm, tmp_path: Path, command: str, name: str
) -> None:
    folder = tmp_path / "out"
    folder.mkdir()
    out = story(*WRITERS[command], f"{folder}/").stdout
    assert [p.name for p in folder.iterdir()] == [name]
    assert mode(folder / name) == 0o600
    assert f" to {folder / name}" in out


@pytest.mark.parametrize("command", sorted(WRITERS))
def test_a_missing_folder_ending_in_a_slash_is_refused(
    story: Crm, tmp_path: Path, command: str
) -> None:
    missing = tmp_path / "missing"
    assert refused(story, command, f"{missing}/") == f"the folder {missing} does not exist"
    assert not missing.exists()
    assert sorted(p.name for p in tmp_path.iterdir()) == ["crm-home"]


@pytest.mark.parametrize("command", sorted(WRITERS))
def test_a_file_where_a_folder_should_be(story: Crm, tmp_path: Path, command: str) -> None:
    afile = tmp_path / "afile"
    afile.write_text("mine")
    assert refused(story, command, f"{afile}/") == f"{afile} is not a folder"
    assert refused(story, command, f"{afile}/x") == (
        f"cannot write {afile}/x: {afile} is not a folder"
    )
    assert afile.read_text() == "mine"


@pytest.mark.parametrize("command", ["export", "calendar", "review"])
def test_a_folder_is_not_replaced(story: Crm, tmp_path: Path, command: str) -> None:
    folder = tmp_path / "folder"
    folder.mkdir()
    assert refused(story, command, str(folder)) == (
        f"{folder} is a folder; give a file name (or {folder}/ for crm to name it)"
    )
    assert list(folder.iterdir()) == []


def test_backup_into_a_folder_named_without_its_slash(story: Crm, tmp_path: Path) -> None:
    """As before: `crm backup FOLDER` names the copy, the slash or not."""
    story("backup", str(tmp_path))
    assert [p.name for p in tmp_path.glob("crm-backup-*.db")] == ["crm-backup-20260302-090000.db"]


@pytest.mark.skipif(not Path("/dev/full").exists(), reason="this system has no /dev/full")
@pytest.mark.parametrize("command", sorted(WRITERS))
def test_a_device_is_refused_and_stays_a_device(story: Crm, command: str) -> None:
    before = os.stat("/dev/full")
    assert refused(story, command, "/dev/full") == (
        "cannot write /dev/full: it is a device, and crm writes only regular files"
    )
    after = os.stat("/dev/full")
    assert stat.S_ISCHR(after.st_mode)
    assert (after.st_rdev, after.st_ino) == (before.st_rdev, before.st_ino)


@pytest.mark.parametrize("command", sorted(WRITERS))
def test_the_kernels_files_are_refused_with_the_reason(story: Crm, command: str) -> None:
    if not Path("/proc/version").exists():
        pytest.skip("this system has no /proc")
    assert refused(story, command, "/proc/version") == (
        "cannot write /proc/version: /proc holds the kernel's proc files, not files to replace"
    )
    assert refused(story, command, "/proc/crm-new-file") == (
        "cannot write /proc/crm-new-file: /proc holds the kernel's proc files, not files to replace"
    )


@pytest.mark.parametrize("command", sorted(WRITERS))
def test_a_pipe_is_refused_without_waiting_for_a_reader(
    story: Crm, tmp_path: Path, command: str
) -> None:
    fifo = tmp_path / "fifo"
    os.mkfifo(fifo)
    assert refused(story, command, str(fifo)) == (
        f"cannot write {fifo}: it is a pipe (FIFO), and crm writes only regular files"
    )
    assert stat.S_ISFIFO(os.stat(fifo).st_mode)


@pytest.mark.parametrize("command", ["export", "calendar", "review"])
def test_a_regular_file_is_replaced_whole_and_made_private(
    story: Crm, tmp_path: Path, command: str
) -> None:
    os.umask(0o022)
    target = tmp_path / "out.txt"
    target.write_text("the old one\n")
    target.chmod(0o644)
    story(*WRITERS[command], str(target))
    assert mode(target) == 0o600
    assert "the old one" not in target.read_text()
    assert sorted(p.name for p in tmp_path.iterdir()) == ["crm-home", "out.txt"]  # no leftovers


@pytest.mark.parametrize("command", ["export", "calendar", "review"])
def test_a_symlink_is_followed_and_stays_a_link(story: Crm, tmp_path: Path, command: str) -> None:
    real = tmp_path / "synced" / "out.txt"
    real.parent.mkdir()
    real.write_text("the old one\n")
    link = tmp_path / "link.txt"
    link.symlink_to(real)
    out = story(*WRITERS[command], str(link)).stdout
    assert link.is_symlink() and link.readlink() == real
    assert "the old one" not in real.read_text() and mode(real) == 0o600
    assert f" to {link}" in out  # as the user named it


def test_a_dangling_symlink_creates_the_file_it_points_at(story: Crm, tmp_path: Path) -> None:
    real = tmp_path / "new.ics"
    link = tmp_path / "link.ics"
    link.symlink_to(real)
    story("calendar", str(link))
    assert link.is_symlink() and real.is_file() and mode(real) == 0o600


def test_a_backup_never_replaces_a_file_even_through_a_link(story: Crm, tmp_path: Path) -> None:
    real = tmp_path / "kept.db"
    real.write_text("precious")
    link = tmp_path / "link.db"
    link.symlink_to(real)
    result = story("backup", str(link), ok=False)
    assert (result.exit_code, result.stderr) == (
        5,
        f"Error: {link} already exists; crm never overwrites it, give another name\n",
    )
    assert real.read_text() == "precious"


@pytest.fixture
def locked_folder() -> Iterator[Path]:
    """A folder the test's user may enter but not write in, beside a file read-only to them."""
    top = Path(tempfile.mkdtemp(prefix="crm-locked-"))
    top.chmod(0o755)
    folder = top / "locked"
    folder.mkdir(mode=0o555)
    try:
        yield folder
    finally:
        folder.chmod(0o755)
        for path in sorted(top.rglob("*"), reverse=True):
            path.rmdir() if path.is_dir() else path.unlink()
        top.rmdir()


def as_another_user(path: str) -> str:
    """The check as a user without root's rights (root may write anywhere): when the tests run
    as root, as `nobody` for the moment of the check."""
    switched = os.geteuid() == 0
    if switched:
        os.setegid(65534)
        os.seteuid(65534)
    try:
        output_file(path, default_name="x")
    except BadInput as error:
        return str(error)
    finally:
        if switched:
            os.seteuid(0)
            os.setegid(0)
    return ""


def test_a_folder_you_may_not_write_in_is_refused(locked_folder: Path) -> None:
    target = locked_folder / "crm.json"
    assert as_another_user(str(target)) == (
        f"cannot write {target}: you may not write in the folder {locked_folder}"
    )
    assert as_another_user(f"{locked_folder}/") == (
        f"cannot write {locked_folder}/x: you may not write in the folder {locked_folder}"
    )


def test_a_file_read_only_to_you_is_refused(locked_folder: Path) -> None:
    locked_folder.chmod(0o777)  # anyone may write in it, but not in this file
    target = locked_folder / "theirs.json"
    target.write_text("{}")
    target.chmod(0o644)
    assert as_another_user(str(target)) == f"cannot write {target}: the file is read-only for you"


def test_a_failed_write_leaves_the_old_file_and_no_temporary(tmp_path: Path) -> None:
    target = tmp_path / "crm.json"
    target.write_text("the last good one")
    with pytest.raises(KeyboardInterrupt), replacing(output_file(target, default_name="")) as out:
        out.write(b"half")
        raise KeyboardInterrupt
    assert target.read_text() == "the last good one"
    assert [p.name for p in tmp_path.iterdir()] == ["crm.json"]


def test_a_full_disk_is_one_line_and_the_old_file_stays(tmp_path: Path) -> None:
    target = tmp_path / "crm.json"
    target.write_text("the last good one")

    with pytest.raises(BadInput) as refusal, replacing(output_file(target, default_name="")):
        raise OSError(28, "No space left on device")
    assert str(refusal.value) == f"cannot write {target}: No space left on device"
    assert target.read_text() == "the last good one"
    assert [p.name for p in tmp_path.iterdir()] == ["crm.json"]


def test_an_export_through_a_link_is_what_import_reads(story: Crm, tmp_path: Path) -> None:
    real = tmp_path / "real.json"
    (tmp_path / "link.json").symlink_to(real)
    assert lines(story("export", "--output", str(tmp_path / "link.json")).stdout)[0].startswith(
        "Exported 1 employer, 3 contacts"
    )
    assert json.loads(real.read_text())["format"] == "crm-export"


@pytest.mark.skipif(not Path("/dev/full").exists(), reason="this system has no /dev/full")
def test_an_export_to_a_full_standard_output_is_one_line(story: Crm) -> None:
    import subprocess
    import sys

    with open("/dev/full", "wb") as full:
        done = subprocess.run(
            [sys.executable, "-m", "crm", "--db", story.url, "export"],
            stdout=full,
            stderr=subprocess.PIPE,
            text=True,
        )
    assert (done.returncode, done.stderr) == (
        1,
        "Error: cannot write to standard output: No space left on device\n",
    )
