"""Shell completion: names from the database, fast, and never a database created by a Tab."""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

from tests.conftest import Crm


def complete(words: str, *, home: Path, shell: str = "bash") -> list[str]:
    env = dict(os.environ, CRM_HOME=str(home), _CRM_COMPLETE=f"complete_{shell}")
    if shell == "bash":
        typed = len(words.split()) - (0 if words.endswith(" ") else 1)
        env.update(COMP_WORDS=words, COMP_CWORD=str(typed))
    else:
        env["_TYPER_COMPLETE_ARGS"] = words
    done = subprocess.run([sys.executable, "-m", "crm"], env=env, capture_output=True, text=True)
    assert done.returncode == 0, done.stderr
    return [line for line in done.stdout.splitlines() if line]


def test_contact_and_employer_names_complete(sqlite_crm: Crm, crm_home: Path) -> None:
    sqlite_crm("contact", "add", "Dana Whitfield", "--employer", "Acme Robotics")
    sqlite_crm("contact", "add", "Daniel Okafor", "--employer", "Initech")
    sqlite_crm("contact", "add", "Sam Ortiz")
    assert complete("crm contact show Da", home=crm_home) == ["Dana\\ Whitfield", "Daniel\\ Okafor"]
    assert complete("crm log reply dan", home=crm_home) == ["dana\\ Whitfield", "daniel\\ Okafor"]
    assert complete("crm employer show ", home=crm_home) == ["Acme\\ Robotics", "Initech"]
    assert complete("crm job reject a", home=crm_home) == ["acme\\ Robotics"]
    assert complete("crm contact show S", home=crm_home, shell="zsh") == [
        """_arguments '*: :(("Sam Ortiz"))'"""
    ]


def test_completion_reads_the_database_given_with_db(
    sqlite_crm: Crm, tmp_path: Path, crm_home: Path
) -> None:
    other = tmp_path / "other.db"
    Crm(str(other))("contact", "add", "Noor Haddad")
    assert complete(f"crm --db {other} contact show N", home=crm_home) == ["Noor\\ Haddad"]


def test_a_tab_never_creates_a_database(crm_home: Path, tmp_path: Path) -> None:
    assert complete("crm contact show ", home=crm_home) == []
    assert not (crm_home / "crm.db").exists()


def test_inside_an_opening_quote_the_name_is_not_escaped(sqlite_crm: Crm, crm_home: Path) -> None:
    sqlite_crm("contact", "add", "Sam Ortiz")
    assert complete('crm log reply "Sa', home=crm_home) == ["Sam Ortiz"]
