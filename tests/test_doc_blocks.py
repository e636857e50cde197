"""The command blocks of the README and of docs/first-hour.md, pasted into a real shell.

They run against the `crm` installed in this virtual environment, with CRM_HOME in a fresh
folder, as a reader would paste them: the README's block as one script, first-hour's `$ `
lines one by one, each printing what the page says it prints.
"""

from __future__ import annotations

import os
import re
import subprocess
import sys
from pathlib import Path

import pytest

REPO = Path(__file__).resolve().parent.parent
CRM_BIN = Path(sys.executable).parent / "crm"
# What differs from one run to the next, or from the reader's machine to this one: compared
# by exit status only.
UNREPRODUCIBLE = ("crm demo", "crm config")


def blocks(text: str, language: str) -> list[str]:
    return re.findall(rf"```{language}\n(.*?)```", text, flags=re.DOTALL)


def shell(tmp_path: Path, now: str) -> dict[str, str]:
    env = {k: v for k, v in os.environ.items() if not k.startswith(("CRM_", "_CRM"))}
    env.update(
        CRM_HOME=str(tmp_path / "home"),
        CRM_NOW=now,
        PATH=f"{CRM_BIN.parent}:{env.get('PATH', '/usr/bin:/bin')}",
        COLUMNS="80",
        TZ="UTC",
        NO_COLOR="1",
    )
    return env


@pytest.mark.slow
def test_the_readme_day_runs_as_written(tmp_path: Path) -> None:
    readme = (REPO / "README.md").read_text(encoding="utf-8")
    day = readme.split("## A day with crm", 1)[1]
    [script] = blocks(day, "sh")[:1]
    cwd = tmp_path / "cwd"
    cwd.mkdir()
    done = subprocess.run(
        ["bash", "-e", "-o", "pipefail", "-c", script],
        cwd=cwd,
        env=shell(tmp_path, "2026-03-02T09:00:00+00:00"),
        capture_output=True,
        text=True,
    )
    assert done.returncode == 0, done.stderr
    assert "Logged thank-you to Dana Whitfield" in done.stdout
    assert "Logged reply from Dana Whitfield" in done.stdout


def console_commands(text: str) -> list[tuple[str, str, str]]:
    """(section, command, printed output) for every `$ ` line of the console blocks. `crm
    demo` prints a session of its own, `$ ` lines included: its block is all its output."""
    found = []
    for section in re.split(r"\n(?=## )", text):
        heading = section.splitlines()[0]
        for block in blocks(section, "console"):
            if block.startswith("$ crm demo\n"):
                found.append((heading, "crm demo", block.partition("\n")[2]))
                continue
            parts = re.split(r"^\$ ", block, flags=re.MULTILINE)[1:]
            for part in parts:
                command, _, output = part.partition("\n")
                found.append((heading, command, output))
    return found


@pytest.mark.slow
def test_every_command_of_the_first_hour_runs_and_prints_what_the_page_says(
    tmp_path: Path,
) -> None:
    page = (REPO / "docs" / "first-hour.md").read_text(encoding="utf-8")
    commands = console_commands(page)
    assert len(commands) >= 15
    cwd = tmp_path / "cwd"
    cwd.mkdir()
    for heading, command, printed in commands:
        later = "next morning" in heading or "From here" in heading
        now = "2026-03-03T08:30:00+00:00" if later else "2026-03-02T09:00:00+00:00"
        done = subprocess.run(
            ["bash", "-e", "-o", "pipefail", "-c", command],
            cwd=cwd,
            env=shell(tmp_path, now),
            capture_output=True,
            text=True,
        )
        assert done.returncode == 0, (command, done.stderr)
        if not command.startswith(UNREPRODUCIBLE):
            assert done.stdout == printed, (heading, command)
    # the note the page shows is the note the draft wrote
    [note] = blocks(page, "text")
    assert (cwd / "note.txt").read_text(encoding="utf-8") == note
