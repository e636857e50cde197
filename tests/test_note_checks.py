"""The checks on a thank-you's text: the six elements on a corpus of real-looking notes, the
placeholder left from a draft, and the near-duplicate sent to someone else at one employer."""

from pathlib import Path

import pytest

from crm.services.note_checks import (
    ELEMENTS,
    NoteCheck,
    coverage,
    likeness,
    placeholder_left,
    split_subject,
)
from tests.conftest import Crm
from tests.helpers import acme_story, lines

CORPUS = Path(__file__).parent / "data" / "notes"
GOOD = sorted((CORPUS / "good").glob("*.txt"))
MISSING = sorted((CORPUS / "missing").glob("*.txt"))


def missing_numbers(text: str) -> list[int]:
    return [c.element.number for c in coverage(text) if c.phrase is None]


@pytest.mark.parametrize("note", GOOD, ids=[p.stem for p in GOOD])
def test_a_good_note_covers_all_six_elements(note: Path) -> None:
    text = note.read_text(encoding="utf-8")
    assert missing_numbers(text) == []


@pytest.mark.parametrize("note", MISSING, ids=[p.stem for p in MISSING])
def test_a_note_missing_one_element_is_flagged_for_exactly_that_one(note: Path) -> None:
    expected = int(note.name.split("-")[0])
    assert missing_numbers(note.read_text(encoding="utf-8")) == [expected]


def test_the_corpus_leaves_out_each_element_in_turn() -> None:
    assert len(GOOD) >= 5
    assert sorted({int(p.name.split("-")[0]) for p in MISSING}) == [1, 2, 3, 4, 5, 6]


def test_coverage_says_which_words_covered_each_element() -> None:
    text = (CORPUS / "good" / "curly-quotes-and-line-breaks.txt").read_text(encoding="utf-8")
    assert [(c.element.key, c.phrase) for c in coverage(text)] == [
        ("outcome", "letting me know"),  # broken across two lines in the note
        ("courtesy", "the time you"),
        ("disappointment", "sorry not to"),
        ("appreciation", "getting to know"),
        ("interest", "interest in"),
        ("next-opening", "another opening"),
    ]


def test_a_generic_line_misses_everything_and_each_warning_says_how_to_fix_it() -> None:
    check = NoteCheck(coverage=coverage("Thanks for everything! Best, Alex"), placeholder=None)
    assert [e.number for e in check.missing] == [1, 2, 3, 4, 5, 6]
    assert check.warnings()[2] == (
        "missing element 3 of 6, your disappointment at not getting the job "
        '(e.g. "I was disappointed not to be chosen")'
    )


def test_every_example_in_a_warning_covers_its_own_element() -> None:
    for element in ELEMENTS:
        assert element.number not in missing_numbers(element.example), element.key


def test_the_placeholder_is_found_even_across_lines() -> None:
    assert placeholder_left("Dear Sam,\n[[Name one\nreal thing]]\n") == "[[Name one\nreal thing]]"
    assert placeholder_left("Dear Sam, thank you [for] everything.") is None


def test_a_note_saved_from_a_draft_gives_its_subject_and_body() -> None:
    assert split_subject("Subject: Thank you\n\nDear Sam,\nThanks.\n") == (
        "Thank you",
        "Dear Sam,\nThanks.",
    )
    assert split_subject("Dear Sam,\nSubject: ours\n") == (None, "Dear Sam,\nSubject: ours")


def test_likeness_is_in_words_so_a_changed_name_is_nearly_the_same() -> None:
    note = (CORPUS / "good" / "hiring-manager.txt").read_text(encoding="utf-8")
    assert likeness(note, note.replace("Dana", "Sam")) > 0.95
    other = (CORPUS / "good" / "british.txt").read_text(encoding="utf-8")
    assert likeness(note, other) < 0.5


def write(tmp_path: Path, name: str, text: str) -> str:
    path = tmp_path / name
    path.write_text(text, encoding="utf-8")
    return str(path)


NOTE = (CORPUS / "good" / "hiring-manager.txt").read_text(encoding="utf-8")


def test_two_people_at_one_employer_get_the_near_duplicate_warning(
    crm: Crm, tmp_path: Path
) -> None:
    acme_story(crm)
    first = crm("log", "thank-you", "dana", "--file", write(tmp_path, "dana.txt", NOTE))
    assert first.stderr == ""
    to_sam = NOTE.replace("Dana", "Sam")
    second = crm("log", "thank-you", "sam", "--file", write(tmp_path, "sam.txt", to_sam))
    assert lines(second.stdout)[0] == "Logged thank-you to Sam Ortiz on Mon 02 Mar 2026 (#2)."
    assert second.stderr == (
        "Warning: nearly the same (99% alike) as the thank-you sent to Dana Whitfield (#1) on "
        "2026-03-02: people there compare notes, make each one personal\n"
    )
    timeline = crm.json("contact", "show", "sam")["timeline"]  # type: ignore[index]
    assert [t["summary"] for t in timeline] == ["Thank you: Data Analyst at Acme Robotics"]


def test_the_same_note_to_someone_at_another_employer_is_no_duplicate(
    crm: Crm, tmp_path: Path
) -> None:
    acme_story(crm)
    crm("contact", "add", "Kai Ito", "--employer", "Globex")
    crm("log", "thank-you", "dana", "--file", write(tmp_path, "dana.txt", NOTE))
    to_kai = NOTE.replace("Dana", "Kai").replace("Acme Robotics", "Globex")
    result = crm("log", "thank-you", "kai", "--file", write(tmp_path, "kai.txt", to_kai))
    assert result.stderr == ""


def test_strict_refuses_a_note_with_warnings_and_logs_nothing(crm: Crm, tmp_path: Path) -> None:
    acme_story(crm)
    crm("log", "thank-you", "dana", "--file", write(tmp_path, "dana.txt", NOTE))
    weak = "Dear Sam,\n\nThanks for your time. [[the detail]]\n"
    path = write(tmp_path, "sam.txt", weak)
    before = crm.state()
    result = crm("log", "thank-you", "sam", "--file", path, "--strict", ok=False)
    assert result.exit_code == 2 and result.stdout == ""
    assert result.stderr.count("\n") == 1
    assert result.stderr.startswith("Error: not logged (--strict): missing element 1 of 6, ")
    assert "the placeholder [[the detail]] is still there" in result.stderr
    assert crm.state() == before
    warned = crm("log", "thank-you", "sam", "--file", path)
    assert [line.split(",")[0] for line in lines(warned.stderr)] == [
        "Warning: missing element 1 of 6",
        "Warning: missing element 3 of 6",
        "Warning: missing element 4 of 6",
        "Warning: missing element 5 of 6",
        "Warning: missing element 6 of 6",
        "Warning: the placeholder [[the detail]] is still there: name something real from your "
        "conversation",
    ]


def test_a_one_line_note_is_a_summary_and_is_not_checked(crm: Crm) -> None:
    acme_story(crm)
    result = crm("log", "thank-you", "dana", "--note", "Sent the thank-you by email", "--strict")
    assert result.stderr == ""
    pasted = crm("log", "thank-you", "sam", "--note", "Dear Sam,\nThanks for your time.")
    assert "Warning: missing element 1 of 6" in pasted.stderr
