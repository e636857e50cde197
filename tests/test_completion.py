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


def test_kinds_complete_after_crm_log(sqlite_crm: Crm, crm_home: Path) -> None:
    assert complete("crm log ", home=crm_home) == [
        "thank-you",
        "reply",
        "email",
        "linkedin",
        "call",
        "meeting",
        "interview",
        "info-interview",
        "note",
    ]
    assert complete("crm log in", home=crm_home) == ["interview", "info-interview"]
    assert complete("crm touch edit 3 --kind r", home=crm_home) == ["reply"]


def test_command_words_complete(crm_home: Path) -> None:
    assert complete("crm ta", home=crm_home) == ["task"]
    assert complete("crm task re", home=crm_home) == ["reopen"]
    assert complete("crm touch ", home=crm_home) == ["edit", "delete"]


def test_names_complete_from_a_prefix_without_accents(sqlite_crm: Crm, crm_home: Path) -> None:
    sqlite_crm("contact", "add", "María González")
    sqlite_crm("contact", "add", "Jürgen Groß", "--employer", "Müller & Co")
    assert complete("crm contact show mar", home=crm_home) == ["maría\\ González"]
    assert complete("crm contact show jur", home=crm_home) == ["jurgen\\ Groß"]
    assert complete("crm employer show mu", home=crm_home) == ["muller\\ \\&\\ Co"]


def test_a_name_argument_never_falls_back_to_file_names(
    sqlite_crm: Crm, crm_home: Path, tmp_path: Path
) -> None:
    """bash completes file names when a completion offers nothing, unless told otherwise: crm's
    script asks for them only for the arguments that are files."""
    sqlite_crm("contact", "add", "Dana Whitfield")
    folder = tmp_path / "cwd"
    folder.mkdir()
    (folder / "zz-notes.txt").write_text("a file a contact must not complete to\n")
    env = dict(os.environ, CRM_HOME=str(crm_home), _CRM_COMPLETE="source_bash")
    crm_bin = str(Path(sys.executable).parent / "crm")
    script = subprocess.run([crm_bin], env=env, capture_output=True, text=True, check=True).stdout
    assert "complete -F _crm_completion crm" in script and "complete -o" not in script
    probe = (
        f"source /dev/stdin <<'SCRIPT'\n{script}\nSCRIPT\n"
        "COMP_WORDS=(crm contact show zz); COMP_CWORD=3; _crm_completion crm\n"
        'echo "contact: ${#COMPREPLY[@]}"\n'
        "COMP_WORDS=(crm contact show Da); COMP_CWORD=3; _crm_completion crm\n"
        'echo "dana: ${COMPREPLY[*]}"\n'
    )
    env = dict(
        os.environ, CRM_HOME=str(crm_home), PATH=f"{Path(crm_bin).parent}:{os.environ['PATH']}"
    )
    env.pop("_CRM_COMPLETE", None)
    done = subprocess.run(
        ["bash", "--norc", "-c", probe], cwd=folder, env=env, capture_output=True, text=True
    )
    assert done.stdout.splitlines() == ["contact: 0", "dana: Dana\\ Whitfield"], done.stderr
    # a file argument still asks bash for file names
    files = dict(os.environ, CRM_HOME=str(crm_home), _CRM_COMPLETE_FILES="1")
    files.update(_CRM_COMPLETE="complete_bash", COMP_WORDS="crm import vcard ", COMP_CWORD="3")
    asked = subprocess.run([crm_bin], env=files, cwd=folder, capture_output=True, text=True)
    assert asked.stdout.splitlines() == ["::crm-files::"]


def test_zsh_says_no_match_instead_of_listing_files(sqlite_crm: Crm, crm_home: Path) -> None:
    sqlite_crm("contact", "add", "Dana Whitfield")
    assert complete("crm contact show zz", home=crm_home, shell="zsh") == ["_message 'no match'"]
    assert complete("crm import vcard ", home=crm_home, shell="zsh") == ["_files"]
