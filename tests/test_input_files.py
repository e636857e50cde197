"""Files crm reads on the user's say-so: regular files only, a size limit checked before
reading, bounded lines, and imports that stream rather than read a whole file at once."""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

import pytest

from crm.files import LONGEST_LINE, text_lines
from crm.services.imports import MOST_PEOPLE
from tests.conftest import Crm
from tests.helpers import acme_story

HEADER = "First Name,Last Name,URL,Email Address,Company,Position,Connected On\n"
LIMIT = "crm imports files of at most 1 MB (import_max_mb in config.toml"


def refused(crm: Crm, *argv: str) -> str:
    before = crm.state()
    result = crm(*argv, ok=False)
    assert result.exit_code == 2, result
    assert result.stderr.count("\n") == 1 and result.stderr.startswith("Error: "), result.stderr
    assert crm.state() == before
    return result.stderr


NOT_FILES = {
    "/dev/zero": "/dev/zero is a device, not a file; save what it holds to a file first",
    "/dev/null": "/dev/null is a device, not a file",
}


@pytest.mark.parametrize("path", sorted(NOT_FILES))
@pytest.mark.parametrize(
    "argv",
    [
        ("import", "linkedin"),
        ("import", "vcard"),
        ("import", "json"),
        ("log", "note", "dana", "--file"),
    ],
)
def test_devices_are_refused_before_a_byte_is_read(
    crm: Crm, argv: tuple[str, ...], path: str
) -> None:
    acme_story(crm)
    assert NOT_FILES[path] in refused(crm, *argv, path)


@pytest.mark.parametrize(
    "argv",
    [
        ("import", "linkedin"),
        ("import", "vcard"),
        ("import", "json"),
        ("log", "note", "dana", "--file"),
    ],
)
def test_a_fifo_or_a_folder_is_refused_without_waiting(
    sqlite_crm: Crm, tmp_path: Path, argv: tuple[str, ...]
) -> None:
    crm = sqlite_crm
    acme_story(crm)
    fifo = tmp_path / "pipe"
    os.mkfifo(fifo)  # nobody writes to it: opening it for reading used to wait forever
    assert f"{fifo} is a named pipe (FIFO), not a file" in refused(crm, *argv, str(fifo))
    assert f"{tmp_path} is a folder, not a file" in refused(crm, *argv, str(tmp_path))


def test_a_file_over_import_max_mb_is_refused_by_its_size(
    crm: Crm, crm_home: Path, tmp_path: Path
) -> None:
    acme_story(crm)
    crm_home.mkdir(exist_ok=True)
    (crm_home / "config.toml").write_text("import_max_mb = 1\n")
    big = tmp_path / "Connections.csv"
    big.write_text(HEADER + "Ann,Lee,https://linkedin.com/in/ann,,Acme,Boss,12 Mar 2024\n" * 20_000)
    assert refused(crm, "import", "linkedin", str(big)) == (
        f"Error: {big} is 1.2 MB; {LIMIT}; crm config shows where that is)\n"
    )
    for kind in ("vcard", "json"):
        assert LIMIT in refused(crm, "import", kind, str(big))
    assert crm.json("config")["import_max_mb"] == 1  # type: ignore[index]
    assert "import_max_mb 1 " in crm("config").stdout


@pytest.mark.parametrize("value", ["0", "-3", '"200"', "1.5", "true", "100001"])
def test_import_max_mb_must_be_a_sane_whole_number(crm_home: Path, value: str) -> None:
    crm_home.mkdir(exist_ok=True)
    (crm_home / "config.toml").write_text(f"import_max_mb = {value}\n")
    result = Crm(home=crm_home)("config", ok=False)
    assert result.exit_code == 2
    assert "import_max_mb must be a whole number of megabytes from 1 to 100,000" in result.stderr


def test_a_note_file_longer_than_a_note_is_refused_by_its_size(crm: Crm, tmp_path: Path) -> None:
    acme_story(crm)
    note = tmp_path / "note.txt"
    note.write_bytes(b"x" * 400_004)
    assert refused(crm, "log", "note", "dana", "--file", str(note)) == (
        f"Error: {note} is 400,004 bytes; a note is at most 100,000 characters\n"
    )


def test_a_field_or_a_line_too_long_is_refused_in_one_line(crm: Crm, tmp_path: Path) -> None:
    acme_story(crm)
    huge = tmp_path / "Connections.csv"
    huge.write_text(HEADER + f'Ann,Lee,https://linkedin.com/in/ann,,"{"x" * 200_000}",Boss,\n')
    assert "line 2: a value longer than 131,072 characters; nothing imported" in refused(
        crm, "import", "linkedin", str(huge)
    )
    endless = tmp_path / "endless.csv"
    endless.write_text(HEADER + "x" * (LONGEST_LINE + 10))
    assert f"line 2 is longer than {LONGEST_LINE:,} characters" in refused(
        crm, "import", "linkedin", str(endless)
    )


def test_more_people_than_one_import_takes_is_refused_as_the_file_is_read(
    sqlite_crm: Crm, tmp_path: Path
) -> None:
    rows = "".join(
        f"P{i},Q{i},https://linkedin.com/in/p{i},,Acme,Boss,12 Mar 2024\n"
        for i in range(MOST_PEOPLE + 1)
    )
    big = tmp_path / "Connections.csv"
    big.write_text(HEADER + rows)
    acme_story(sqlite_crm)
    assert refused(sqlite_crm, "import", "linkedin", str(big)) == (
        f"Error: {big} holds more than 30,000 people, the most one import takes (LinkedIn's "
        "own limit of connections); split it and import the parts\n"
    )


def test_lines_end_only_at_cr_and_lf(tmp_path: Path) -> None:
    """csv and vCard know no other line ends: \\x85 and \\u2028 are data, not line breaks."""
    path = tmp_path / "f.txt"
    path.write_bytes("\ufeffa,b\r\nc\x85d\u2028e\rf\ng".encode())
    assert list(text_lines(path, limit=100, why="")) == ["a,b\r\n", "c\x85d\u2028e\r", "f\n", "g"]


MILLION = """
import csv, sys
with open(sys.argv[1], "w", newline="") as f:
    f.write("Notes:\\n\\n")
    w = csv.writer(f)
    w.writerow(["First Name", "Last Name", "URL", "Email Address", "Company", "Position",
                "Connected On"])
    for i in range(1_000_000):
        w.writerow([f"First{i}", f"Last{i}", f"https://www.linkedin.com/in/p-{i}", "",
                    f"Company {i % 5000}", "Engineer", "12 Mar 2024"])
"""


@pytest.mark.slow
def test_a_million_row_connections_file_is_refused_in_little_memory(
    tmp_path: Path, crm_home: Path
) -> None:
    """100 MB, under import_max_mb: refused at row 30,001, having held only that much."""
    big = tmp_path / "Connections.csv"
    subprocess.run([sys.executable, "-c", MILLION, str(big)], check=True)
    crm = Path(sys.executable).with_name("crm")
    measure = (
        "import resource, subprocess, sys; "
        "r = subprocess.run(sys.argv[1:], capture_output=True, text=True); "
        "print(r.returncode, resource.getrusage(resource.RUSAGE_CHILDREN).ru_maxrss, r.stderr)"
    )
    done = subprocess.run(
        [sys.executable, "-c", measure, str(crm), "import", "linkedin", str(big)],
        capture_output=True,
        text=True,
        check=True,
        env={**os.environ, "CRM_HOME": str(crm_home)},
    )
    status, peak_kb, stderr = done.stdout.split(" ", 2)
    assert status == "2" and "holds more than 30,000 people" in stderr, done.stdout
    assert int(peak_kb) < 200 * 1024, f"peak {int(peak_kb) // 1024} MB"
