"""`crm draft`: the note as printed, the mailto: link, the editor round trip, the sincerity
gate and the user's own template."""

from __future__ import annotations

import stat
import sys
import tempfile
from pathlib import Path
from urllib.parse import unquote

import pytest

from crm.cli.app import app
from crm.services.drafts import mailto_link
from tests.conftest import Crm, Result, replayed
from tests.helpers import acme_story, lines

DANA = """\
Subject: Thank you: Data Analyst at Acme Robotics

Dear Dana,

Thank you for letting me know the outcome of the search for the Data Analyst position. \
I am grateful for the time, courtesy and consideration you showed me throughout the interviews.

Of course I am disappointed not to have been chosen, all the more so as I understand it was a \
close decision. Still, I truly appreciated the chance to learn about Acme Robotics and to meet \
the people who work there. I especially enjoyed our conversation on Thursday 12 February about \
the robot arm demo in the Leipzig lab.

I remain very interested in working at Acme Robotics. Should the position open again, or when \
the next opening comes up, please keep me in mind: I would be glad to hear from you.

Thank you again, and best wishes,
"""

KAI = """\
Subject: Thank you

Dear Kai,

Thank you for letting me know the outcome of the search. I am grateful for the time, courtesy \
and consideration you showed me during the interview process.

Of course I am disappointed not to have been chosen. Still, I truly appreciated the chance to \
learn about your organisation and to meet the people who work there. [[Name one real thing from \
your conversation with Kai: a question asked, a project described, something you learned.]]

I remain very interested in working at your organisation. Should the position open again, or \
when the next opening comes up, please keep me in mind: I would be glad to hear from you.

Thank you again, and best wishes,
"""

PLACEHOLDER_WARNING = (
    "Warning: the placeholder [[Name one real thing from your conversation wi…]] is still "
    "there: name something real from your conversation\n"
)


@replayed
def dana_story(crm: Crm) -> None:
    acme_story(crm)
    crm("contact", "edit", "dana", "--notes", "Seemed tired; ask Sam about the budget")  # private
    crm(
        "log",
        "meeting",
        "dana",
        "--on",
        "2026-02-12",
        "--note",
        "Panel interview",
        "--topic",
        "Talked about the robot arm demo in the Leipzig lab.",
    )


def test_a_draft_with_everything_crm_knows(crm: Crm) -> None:
    dana_story(crm)
    result = crm("draft", "dana")
    assert result.stdout == DANA
    assert result.stderr == ""


def test_a_draft_for_a_contact_crm_knows_almost_nothing_about(crm: Crm) -> None:
    crm("contact", "add", "Kai Ito")
    result = crm("draft", "kai")
    assert result.stdout == KAI
    assert result.stderr == PLACEHOLDER_WARNING


def test_a_printed_draft_is_a_file_log_accepts(crm: Crm, tmp_path: Path) -> None:
    dana_story(crm)
    note = tmp_path / "note.txt"
    note.write_text(crm("draft", "dana").stdout, encoding="utf-8")
    result = crm("log", "thank-you", "dana", "--file", str(note), "--strict")
    assert result.stderr == ""
    touch = crm.json("contact", "show", "dana")["timeline"][0]  # type: ignore[index]
    assert touch["summary"] == "Thank you: Data Analyst at Acme Robotics"
    assert touch["body"] == DANA.split("\n\n", 1)[1].rstrip("\n")


def test_json_has_the_draft_and_its_checks(crm: Crm) -> None:
    crm("contact", "add", "Kai Ito")
    doc = crm.json("draft", "kai")
    assert isinstance(doc, dict)
    assert (doc["contact"], doc["employer"], doc["subject"]) == ("Kai Ito", None, "Thank you")
    assert doc["body"] == KAI.split("\n\n", 1)[1].rstrip("\n")
    checks = doc["checks"]
    assert [(e["number"], e["covered"]) for e in checks["elements"]] == [
        (n, True) for n in range(1, 7)
    ]
    assert checks["placeholder"].startswith("[[Name one real thing")
    assert checks["similar"] == []
    assert checks["warnings"] == [PLACEHOLDER_WARNING.removeprefix("Warning: ").rstrip("\n")]


def test_mailto_encodes_non_ascii_and_line_breaks() -> None:
    link = mailto_link("zoë@example.org", "Danke, Zoë & co?", "Liebe Zoë,\n\nGrüße\r\nA=B\r")
    assert link == (
        "mailto:zo%C3%AB@example.org?subject=Danke%2C%20Zo%C3%AB%20%26%20co%3F"
        "&body=Liebe%20Zo%C3%AB%2C%0D%0A%0D%0AGr%C3%BC%C3%9Fe%0D%0AA%3DB%0D%0A"
    )


def test_mailto_link_for_a_contact(crm: Crm) -> None:
    crm("contact", "add", "Zoë Müller", "--employer", "Café Zürich", "--email", "zoe@cafe.example")
    result = crm("draft", "zoë", "--mailto")
    [link] = lines(result.stdout)
    address, _, query = link.partition("?")
    assert address == "mailto:zoe@cafe.example"
    subject, body = query.split("&")
    assert subject == "subject=Thank%20you%20at%20Caf%C3%A9%20Z%C3%BCrich"
    assert body.startswith("body=Dear%20Zo%C3%AB%2C%0D%0A%0D%0AThank%20you%20for%20letting")
    assert not set(" \n\r&?=#") & set(body.removeprefix("body="))
    assert "learn about Café Zürich" in unquote(body)
    assert result.stderr == PLACEHOLDER_WARNING


def test_mailto_without_an_address_still_gives_the_link(crm: Crm) -> None:
    crm("contact", "add", "Kai Ito")
    result = crm("draft", "kai", "--mailto")
    assert result.stdout.startswith("mailto:?subject=Thank%20you&body=Dear%20Kai%2C%0D%0A")
    assert lines(result.stderr)[-1] == (
        "Warning: Kai Ito has no email address; add one: crm contact edit #1 --email E"
    )


# The sincerity gate ---------------------------------------------------------------------------


def answering(crm: Crm, answer: str, *args: str) -> Result:
    """Run crm at a terminal where the user types `answer`."""
    argv = (["--db", crm.db] if crm.db else []) + list(args)
    raw = crm.runner.invoke(app, argv, input=answer, catch_exceptions=False)
    return Result(raw.exit_code, raw.stdout, raw.stderr)


@pytest.fixture
def at_a_terminal(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr("crm.cli.draft.stdin_is_terminal", lambda: True)


def test_a_contact_not_kept_in_touch_needs_yes_without_a_terminal(crm: Crm) -> None:
    acme_story(crm)
    before = crm.state()
    result = crm("draft", "lee", ok=False)
    assert (result.exit_code, result.stdout) == (2, "")
    assert result.stderr == (
        "Error: Lee Chen is marked not keep-in-touch, and the advice is not to fake enthusiasm; "
        "to draft a thank-you anyway, add --yes\n"
    )
    assert crm.state() == before
    assert crm("draft", "lee", "--yes").stdout.startswith("Subject: Thank you: Data Analyst")


def test_the_sincerity_gate_asks_at_a_terminal(crm: Crm, at_a_terminal: None) -> None:
    acme_story(crm)
    declined = answering(crm, "n\n", "draft", "lee")
    assert declined.exit_code == 1
    assert "Dear Lee" not in declined.stdout
    # (CliRunner echoes the space after the question, with the answer, to stdout)
    assert declined.stderr == (
        "Lee Chen is marked not keep-in-touch, and the advice is not to fake enthusiasm. "
        "Draft a thank-you anyway? [y/N]:No draft for Lee Chen.\n"
    )
    agreed = answering(crm, "y\n", "draft", "lee")
    assert agreed.exit_code == 0
    assert "Dear Lee,\n\nThank you for letting me know" in agreed.stdout
    assert "in my interview" in agreed.stdout  # Lee was an interviewer
    kept = answering(crm, "", "draft", "dana")  # nobody is asked about a contact kept in touch
    assert kept.exit_code == 0 and "Draft a thank-you anyway" not in kept.stderr


# The editor -----------------------------------------------------------------------------------

FILL_IN = """\
import re, stat, sys
from pathlib import Path
note = Path(sys.argv[1])
Path(sys.argv[1] + ".mode").write_text(oct(stat.S_IMODE(note.stat().st_mode)))
text = re.sub(r"\\[\\[.*?\\]\\]", "Your story about the Zürich sensor team stayed with me.",
              note.read_text(encoding="utf-8"), flags=re.S)
note.write_text(text + "Alex\\n", encoding="utf-8")
"""


def editor(tmp_path: Path, name: str, body: str) -> str:
    script = tmp_path / name
    script.write_text(f"#!{sys.executable}\n{body}", encoding="utf-8")
    script.chmod(0o700)
    return str(script)


@pytest.fixture
def drafts_folder(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    """Where --edit writes its temporary file, so a test can see what is left there."""
    folder = tmp_path / "drafts"
    folder.mkdir()
    monkeypatch.setattr(tempfile, "tempdir", str(folder))
    return folder


def test_edit_opens_the_draft_checks_it_and_logs_it(
    sqlite_crm: Crm, tmp_path: Path, drafts_folder: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    crm = sqlite_crm
    acme_story(crm)
    monkeypatch.setenv("VISUAL", editor(tmp_path, "fill-in", FILL_IN))
    result = crm("draft", "sam", "--edit", "--yes")
    assert lines(result.stdout) == [
        "Checked: all six elements are there, nothing left to fill in.",
        "Logged thank-you to Sam Ortiz on Mon 02 Mar 2026 (#1).",
        "  + #5 Write about a shared interest (Sam Ortiz) · due Thu 02 Apr",
        "  ✓ #2 Send a thank-you note (Sam Ortiz) · done",
    ]
    assert result.stderr == ""
    [mode] = [p.read_text() for p in drafts_folder.glob("*.mode")]
    assert mode == "0o600"
    assert [p.suffix for p in drafts_folder.iterdir()] == [".mode"]  # the note itself is gone
    touch = crm.json("contact", "show", "sam")["timeline"][0]  # type: ignore[index]
    assert touch["summary"] == "Thank you: Data Analyst at Acme Robotics"
    assert touch["body"].startswith("Dear Sam,\n\nThank you for letting me know")
    assert "Your story about the Zürich sensor team stayed with me.\n\n" in touch["body"]
    assert touch["body"].endswith("best wishes,\nAlex")


def test_an_unchanged_or_emptied_draft_logs_nothing(
    sqlite_crm: Crm, tmp_path: Path, drafts_folder: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    crm = sqlite_crm
    acme_story(crm)
    before = crm.state()
    monkeypatch.setenv("VISUAL", editor(tmp_path, "look", "pass\n"))
    assert crm("draft", "sam", "--edit", "--yes").stdout == (
        "The note is not changed: nothing logged.\n"
    )
    emptying = "import sys\nopen(sys.argv[1], 'w').write('Subject: x\\n\\n   \\n')\n"
    monkeypatch.setenv("VISUAL", editor(tmp_path, "empty", emptying))
    assert crm("draft", "sam", "--edit", "--yes").stdout == "The note is empty: nothing logged.\n"
    assert crm.state() == before
    assert list(drafts_folder.iterdir()) == []


def test_an_editor_that_fails_or_is_missing_is_one_error_line(
    sqlite_crm: Crm, tmp_path: Path, drafts_folder: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    crm = sqlite_crm
    acme_story(crm)
    before = crm.state()
    for command, words in [
        (str(tmp_path / "no-such-editor"), "cannot run the editor"),
        ('vi "unclosed', "cannot read the editor command"),
    ]:
        monkeypatch.setenv("VISUAL", command)
        result = crm("draft", "sam", "--edit", "--yes", ok=False)
        assert result.exit_code == 2
        assert result.stderr.count("\n") == 1 and words in result.stderr, result.stderr
    assert crm.state() == before
    assert list(drafts_folder.iterdir()) == []  # the editor never ran: nothing to keep


def test_an_editor_that_fails_after_editing_keeps_the_note_and_says_where(
    sqlite_crm: Crm, tmp_path: Path, drafts_folder: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    crm = sqlite_crm
    acme_story(crm)
    before = crm.state()
    failing = FILL_IN + "raise SystemExit(3)\n"
    monkeypatch.setenv("VISUAL", editor(tmp_path, "fail", failing))
    result = crm("draft", "sam", "--edit", "--yes", ok=False)
    [kept] = drafts_folder.glob("*.txt")
    assert result.exit_code == 2
    assert result.stderr == (
        f"Error: the editor exited with status 3; nothing logged; your note is kept in {kept}\n"
    )
    assert "Zürich sensor team" in kept.read_text(encoding="utf-8")
    assert crm.state() == before


def test_an_editor_path_with_spaces_or_arguments_runs(
    sqlite_crm: Crm, tmp_path: Path, drafts_folder: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    crm = sqlite_crm
    acme_story(crm)
    folder = tmp_path / "My Editors"
    folder.mkdir()
    spaced = editor(folder, "fill in", FILL_IN)
    monkeypatch.setenv("VISUAL", spaced)  # a path with a space, unquoted, as macOS users set it
    assert "Logged thank-you to Sam Ortiz" in crm("draft", "sam", "--edit", "--yes").stdout
    with_arguments = editor(tmp_path, "args", "import sys\nassert sys.argv[1] == '--wait'\n")
    monkeypatch.setenv("VISUAL", f"{with_arguments} --wait")
    result = crm("draft", "lee", "--edit", "--yes")
    assert result.stdout == "The note is not changed: nothing logged.\n"


def test_declining_to_log_keeps_the_note_and_says_where(
    sqlite_crm: Crm,
    tmp_path: Path,
    drafts_folder: Path,
    monkeypatch: pytest.MonkeyPatch,
    at_a_terminal: None,
) -> None:
    crm = sqlite_crm
    acme_story(crm)
    before = crm.state()
    monkeypatch.setenv("EDITOR", editor(tmp_path, "fill-in", FILL_IN))
    result = answering(crm, "n\n", "draft", "sam", "--edit")
    assert result.exit_code == 0
    assert result.stderr == "Log this as the thank-you to Sam Ortiz? [y/N]:"
    [kept] = drafts_folder.glob("*.txt")
    assert lines(result.stdout)[-1] == (
        f"Not logged; your note is kept in {kept}: crm log thank-you 'Sam Ortiz' --file {kept}"
    )
    assert "Zürich sensor team" in kept.read_text(encoding="utf-8")
    assert crm.state() == before


def test_strict_refuses_to_log_an_edited_note_with_the_placeholder_left(
    sqlite_crm: Crm, tmp_path: Path, drafts_folder: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    crm = sqlite_crm
    acme_story(crm)
    before = crm.state()
    signing = "import sys\nopen(sys.argv[1], 'a').write('Alex\\n')\n"
    monkeypatch.setenv("VISUAL", editor(tmp_path, "sign", signing))
    result = crm("draft", "sam", "--edit", "--yes", "--strict", ok=False)
    assert result.exit_code == 2 and result.stderr.count("\n") == 1
    assert result.stderr.startswith("Error: not logged (--strict): the placeholder [[Name one")
    [kept] = drafts_folder.glob("*.txt")
    assert result.stderr.endswith(f"; your note is kept in {kept}\n")
    assert crm.state() == before
    warned = crm("draft", "sam", "--edit", "--yes")
    assert warned.stderr == PLACEHOLDER_WARNING
    assert "Logged thank-you to Sam Ortiz" in warned.stdout


def test_json_and_edit_do_not_go_together(sqlite_crm: Crm) -> None:
    sqlite_crm("contact", "add", "Kai Ito")
    result = sqlite_crm("draft", "kai", "--edit", "--json", ok=False)
    assert result.exit_code == 2
    assert result.stderr.startswith("Error: --json and --edit don't go together")


# The user's own template ----------------------------------------------------------------------


def test_a_template_in_the_config_folder_replaces_the_default(
    sqlite_crm: Crm, crm_home: Path
) -> None:
    dana_story(sqlite_crm)
    (crm_home / "thank_you.txt.j2").write_text(
        "Subject: Thanks, {{ contact.first_name }}\n\n"
        "Hi {{ contact.first_name }} ({{ contact.role }}, {{ employer.name }}),\n"
        "{{ job.title }} #{{ job.finalist_rank }}, rejected {{ job.rejected_on }}; "
        "met {{ met_on | day }}; notes: {{ notes | join(' / ') }}\n"
        "{{ placeholder('more') }}\n",
        encoding="utf-8",
    )
    result = sqlite_crm("draft", "dana")
    assert result.stdout == (
        "Subject: Thanks, Dana\n\n"
        "Hi Dana (hiring manager, Acme Robotics),\n"
        "Data Analyst #2, rejected 2026-02-27; met Thursday 12 February; "
        "notes: Talked about the robot arm demo in the Leipzig lab.\n"
        "[[more]]\n"
    )
    assert [line.split(",")[0] for line in lines(result.stderr)] == [
        f"Warning: missing element {n} of 6" for n in range(1, 7)
    ] + [
        "Warning: the placeholder [[more]] is still there: name something real from your "
        "conversation"
    ]


@pytest.mark.parametrize(
    ("template", "words"),
    [
        ("Dear {{ contact.name }\n", "thank_you.txt.j2, line 1: unexpected '}'"),
        ("{% if job %}\nDear\n", "thank_you.txt.j2, line 2: Unexpected end of template"),
        ("Dear {{ contact.nickname }}\n", "'dict object' has no attribute 'nickname'"),
        ("Dear {{ sender }}\n", "'sender' is undefined"),
        ("{{ 1 / 0 }}\n", "ZeroDivisionError: division by zero"),
        ("{{ job.title }}\n", "'None' has no attribute 'title'"),
        ("Subject: only a subject\n", "gave an empty note"),
    ],
)
def test_a_broken_template_is_one_error_line(
    sqlite_crm: Crm, crm_home: Path, template: str, words: str
) -> None:
    sqlite_crm("contact", "add", "Kai Ito")
    (crm_home / "thank_you.txt.j2").write_text(template, encoding="utf-8")
    result = sqlite_crm("draft", "kai", ok=False)
    assert (result.exit_code, result.stdout) == (2, "")
    assert result.stderr.count("\n") == 1 and result.stderr.startswith("Error: "), result.stderr
    assert words in result.stderr, result.stderr
    assert str(crm_home / "thank_you.txt.j2") in result.stderr


def test_the_default_template_ships_inside_the_package() -> None:
    from importlib.resources import files

    shipped = files("crm").joinpath("templates", "thank_you.txt.j2")
    assert "{{ contact.first_name }}" in shipped.read_text(encoding="utf-8")
    assert stat.S_ISREG(Path(str(shipped)).stat().st_mode)


def test_a_memo_never_goes_into_the_draft(crm: Crm) -> None:
    """Regression (#12): a private memo was pasted into the thank-you as the "detail"."""
    acme_story(crm)
    crm("log", "note", "lee", "--note", "Seemed bored in the interview", "--on", "2026-01-22")
    crm("contact", "edit", "sam", "--notes", "Talks too much")
    for who in ("lee", "sam"):
        body = crm.json("draft", who, "--yes")["body"]  # type: ignore[index]
        assert "bored" not in body and "Talks" not in body
        assert "[[Name one real thing from your conversation" in body
        assert "22 January" not in body  # nor the memo's day, as if they had talked then
    crm("log", "call", "sam", "--on", "2026-02-20", "--topic", "sailing in the Baltic")
    assert (
        "I especially enjoyed our conversation on Friday 20 February about sailing in the "
        "Baltic." in crm.json("draft", "sam")["body"]
    )  # type: ignore[index]


def test_a_memo_cannot_carry_a_topic(crm: Crm) -> None:
    crm("contact", "add", "Dana Whitfield")
    result = crm("log", "note", "dana", "--note", "x", "--topic", "y", ok=False)
    assert result.exit_code == 2
    assert result.stderr.startswith("Error: a memo is for you alone")


def test_the_draft_thanks_for_the_process_where_they_were_met(crm: Crm, tmp_path: Path) -> None:
    """Regression (#12): after Sam moved to Initech (a LinkedIn re-import), a second rejection
    at Acme drafted "Thank you at Initech … learn about Initech"."""
    from bench.connections import write_connections_csv

    url = "https://www.linkedin.com/in/sam-ortiz"
    row = ["Sam", "Ortiz", url, "", "Acme Robotics", "Recruiter", "01 Feb 2026"]
    crm("import", "linkedin", str(write_connections_csv(tmp_path / "a.csv", [row])))
    crm("contact", "edit", "sam", "--role", "recruiter")
    row[4] = "Initech"
    crm("import", "linkedin", str(write_connections_csv(tmp_path / "b.csv", [row])))
    assert crm.json("contact", "show", "sam")["employer"] == "Initech"  # type: ignore[index]
    crm("job", "reject", "acme", "--title", "Data Analyst", "--on", "2026-03-01")
    draft = crm.json("draft", "sam")
    assert isinstance(draft, dict)
    assert draft["subject"] == "Thank you: Data Analyst at Acme Robotics"
    assert "Initech" not in draft["body"] and "learn about Acme Robotics" in draft["body"]
    [task] = [t for t in crm.json("task", "list") if t["kind"] == "thank_you"]  # type: ignore[union-attr]
    assert task["employer"] == "Acme Robotics"
