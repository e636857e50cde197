"""Lists use the terminal's width: 80 columns when piped, and more when the terminal has it."""

from __future__ import annotations

import pytest
from hypothesis import given
from hypothesis import strategies as st

from crm.plain import columns
from tests.conftest import Crm
from tests.helpers import acme_story, lines

TITLE = "Send Maximilian the article about robotics hiring in the north"
PERSON = "Maximilian Fitzgerald-Worthington of Northumberland"
EMPLOYER = "IBM Research"


@pytest.fixture
def long_names(sqlite_crm: Crm) -> Crm:
    sqlite_crm("employer", "add", EMPLOYER)
    sqlite_crm("contact", "add", PERSON, "--employer", "ibm")
    sqlite_crm("task", "add", TITLE, "--contact", "maximilian", "--due", "2026-03-04")
    sqlite_crm("task", "add", "Call Lee", "--due", "2026-03-02")
    return sqlite_crm


def at(crm: Crm, monkeypatch: pytest.MonkeyPatch, width: int, *argv: str) -> list[str]:
    monkeypatch.setenv("COLUMNS", str(width))
    shown = lines(crm(*argv).stdout)
    assert max(len(line) for line in shown) <= width
    return shown


def test_task_list_at_80_columns_is_as_it_always_was(
    long_names: Crm, monkeypatch: pytest.MonkeyPatch
) -> None:
    assert at(long_names, monkeypatch, 80, "task", "list") == [
        "id  to do                           who                                   due",
        "#2  Call Lee                                                            today",
        "#1  Send Maximilian the article a…  Maximilian Fitzgerald-Wort…    Wed 04 Mar",
    ]


def test_task_list_at_100_columns_gives_the_extra_room_to_title_and_name(
    long_names: Crm, monkeypatch: pytest.MonkeyPatch
) -> None:
    assert at(long_names, monkeypatch, 100, "task", "list") == [
        "id  to do                                     who"
        "                                             due",
        "#2  Call Lee                                 "
        "                                               today",
        "#1  Send Maximilian the article about robot…  "
        "Maximilian Fitzgerald-Worthington of…    Wed 04 Mar",
    ]


def test_task_list_at_160_columns_cuts_nothing(
    long_names: Crm, monkeypatch: pytest.MonkeyPatch
) -> None:
    assert at(long_names, monkeypatch, 160, "task", "list") == [
        "id  to do                                                           who"
        "                                                                          due",
        "#2  Call Lee                                                        "
        "                                                                           today",
        "#1  Send Maximilian the article about robotics hiring in the north  "
        "Maximilian Fitzgerald-Worthington of Northumberland · IBM Research    Wed 04 Mar",
    ]


@pytest.mark.parametrize("width", [80, 100, 160])
def test_today_uses_the_same_columns(
    long_names: Crm, monkeypatch: pytest.MonkeyPatch, width: int
) -> None:
    listed = at(long_names, monkeypatch, width, "task", "list")
    shown = at(long_names, monkeypatch, width, "today")
    assert shown[shown.index("Today") + 1] == listed[1]
    assert shown[shown.index("Next 7 days") + 1] == listed[2]


@pytest.mark.parametrize("width", [40, 60])
def test_today_fits_a_narrow_terminal_hints_and_all(
    sqlite_crm: Crm, monkeypatch: pytest.MonkeyPatch, width: int
) -> None:
    acme_story(sqlite_crm)  # thank-yous to send: the longest line of hints
    shown = at(sqlite_crm, monkeypatch, width, "today")
    hints = shown[next(n for n, line in enumerate(shown) if line.startswith("Done one?")) :]
    words = " ".join(hints).replace(" · ", " ").split()  # folded: no "·" where a line ends
    assert " ".join(words) == "Done one? crm draft NAME crm log thank-you NAME crm task skip ID"


def test_piped_output_is_80_columns(long_names: Crm, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.delenv("COLUMNS")
    assert lines(long_names("task", "list").stdout) == at(
        long_names, monkeypatch, 80, "task", "list"
    )


@pytest.mark.parametrize(
    ("width", "expected"),
    [
        (
            80,
            [
                "id  name                                              employer      role   stage",
                "#1  Maximilian Fitzgerald-Worthington of              IBM Research  other  new",
                "    Northumberland",
            ],
        ),
        (
            100,
            [
                "id  name                                                 "
                "employer      role   stage",
                "#1  Maximilian Fitzgerald-Worthington of Northumberland  IBM Research  other  new",
            ],
        ),
        (
            160,
            [
                "id  name                                                 "
                "employer      role   stage",
                "#1  Maximilian Fitzgerald-Worthington of Northumberland  IBM Research  other  new",
            ],
        ),
    ],
)
def test_tables_use_the_width_too(
    long_names: Crm, monkeypatch: pytest.MonkeyPatch, width: int, expected: list[str]
) -> None:
    assert at(long_names, monkeypatch, width, "contact", "list") == expected


def test_a_narrow_terminal_shrinks_the_columns_as_before() -> None:
    assert columns(60, [3, 12], [30, 27]) == [20, 18]
    assert columns(80, [3, 12], [30, 27], [90, 90]) == [30, 27]
    # extra room shared equally, what one needs less of going to the other
    assert columns(100, [3, 12], [30, 27], [90, 90]) == [40, 37]
    assert columns(100, [3, 12], [30, 27], [32, 90]) == [32, 45]
    assert columns(160, [3, 12], [30, 27], [10, 10]) == [30, 27]


@pytest.mark.parametrize("styled", [False, True], ids=["plain", "styled"])
@pytest.mark.parametrize("width", [40, 60, 80, 120])
def test_contact_show_draws_plain_lines_as_rich_would(
    sqlite_crm: Crm, monkeypatch: pytest.MonkeyPatch, width: int, styled: bool
) -> None:
    """`contact show` draws its card without Rich when every line fits (crm/cli/contact_view.py
    `Card.plain`): the same bytes Rich gives, bold and dim on a terminal too (FORCE_COLOR here;
    NO_COLOR takes colours away, which the card has none of), and Rich itself for what must
    wrap or is wide (CJK, a Devanagari vowel sign, a line separator). Both ways draw the same
    card, whichever database it came from: SQLite alone (the card's reading is tested on both
    in test_records.py)."""
    from crm.cli.contact_view import Card

    crm = sqlite_crm

    acme_story(crm)
    crm("log", "thank-you", "dana", "--on", "2026-02-28", "--note", "Thanked her [b]x[/b] :smile:")
    crm("log", "reply", "dana", "--note", "A reply whose first line is long enough to wrap " * 2)
    crm(
        "contact",
        "edit",
        "dana",
        "--notes",
        "line one\nline two",
        "--tag",
        "Panel",
        "--every",
        "6w",
    )
    crm("contact", "add", "María José Núñez", "--employer", "acme")
    crm("contact", "edit", "maría", "--position", "Data Lead")
    crm("contact", "add", "山田 太郎", "--employer", "acme")
    crm("contact", "add", "Bad\x1b[2J Actor", "--notes", "tab\there")
    crm("task", "add", "राम राजा अनिल", "--contact", "sam", "--due", "2026-03-05")
    crm("task", "add", "Split\u2028line", "--contact", "lee", "--due", "2026-03-05")
    crm("contact", "add", "Zed", "--employer", "Bad\x9bCo")  # a control character in the head
    monkeypatch.setenv("COLUMNS", str(width))
    if styled:
        monkeypatch.setenv("FORCE_COLOR", "1")
        monkeypatch.setenv("NO_COLOR", "1")
    names = ["dana", "sam", "lee", "maría", "#5", "#6", "zed"]
    plain, drawn_plainly = Card.plain, []

    def spy(card: Card) -> list[str] | None:
        drawn_plainly.append(plain(card) is not None)
        return plain(card)

    monkeypatch.setattr(Card, "plain", spy)
    drawn = {name: crm("contact", "show", name).stdout for name in names}
    assert not all(drawn_plainly)  # the wide, the tabbed and the wrapped are Rich's
    assert any(drawn_plainly) or width < 80  # the usual card is drawn plainly
    assert ("\x1b[1m" in drawn["maría"]) is styled
    monkeypatch.setattr(Card, "plain", lambda self: None)  # Rich, as before
    for name in names:
        assert drawn[name] == crm("contact", "show", name).stdout, (name, width)
    assert ":smile:" in drawn["dana"] and "[b]x[/b]" in drawn["dana"]  # as typed


@pytest.mark.parametrize("width", [81, 90, 100, 120, 160])
def test_every_list_fits_a_wider_terminal_with_the_status_column_too(
    long_names: Crm, monkeypatch: pytest.MonkeyPatch, width: int
) -> None:
    """The room past 80 columns is shared only as far as the line has it: `task list --all`
    has a status column the 80-column widths do not count (it ran 4 to 10 columns over)."""
    long_names("task", "done", "1")
    for argv in (["task", "list"], ["task", "list", "--all"], ["today"]):
        at(long_names, monkeypatch, width, *argv)  # asserts every line fits


@pytest.mark.parametrize("styled", [False, True], ids=["plain", "styled"])
@pytest.mark.parametrize("width", [40, 60, 80, 120])
def test_the_review_draws_plain_lines_as_rich_would(
    sqlite_crm: Crm, monkeypatch: pytest.MonkeyPatch, width: int, styled: bool
) -> None:
    """`crm review` draws its report without Rich when nothing is wide or must be folded
    (crm/cli/review_view.py `_plain`): the same bytes Rich gives, sentences wrapped where Rich
    wraps them, long names cut where Rich cuts them, and Rich itself for the rest. Both ways
    draw the same report, whichever database it came from: SQLite alone (the review's reading
    is tested on both in test_review.py)."""
    from crm.cli import review_view

    crm = sqlite_crm

    acme_story(crm)
    crm(
        "contact",
        "add",
        "Maximilian Fitzgerald-Worthington of Northumberland",
        "--employer",
        "acme",
    )
    crm("log", "thank-you", "dana", "--on", "2026-02-28")
    crm("log", "reply", "dana", "--note", "Glad to hear from you")
    crm("log", "thank-you", "maximilian", "--on", "2026-02-28")
    crm("log", "reply", "maximilian")
    crm("contact", "add", "山田 太郎", "--employer", "acme")
    crm("contact", "add", "Bad\x1b[2J Actor", "--employer", "acme")
    monkeypatch.setenv("COLUMNS", str(width))
    if styled:
        monkeypatch.setenv("FORCE_COLOR", "1")
    plain, drawn_plainly = review_view._plain, []

    def spy(*args: object) -> list[str] | None:
        lines = plain(*args)  # type: ignore[arg-type]
        drawn_plainly.append(lines is not None)
        return lines

    monkeypatch.setattr(review_view, "_plain", spy)
    shown = {days: crm("review", "--days", days).stdout for days in ("1", "7", "30")}
    assert any(drawn_plainly) or width < 80  # the usual review is drawn plainly
    assert ("\x1b[1m" in shown["7"]) is styled
    with monkeypatch.context() as rich_only:
        rich_only.setattr(review_view, "_plain", lambda *args: None)  # Rich, as before
        for days in ("1", "7", "30"):
            assert shown[days] == crm("review", "--days", days).stdout, (days, width)
    crm("log", "reply", "山田")  # a wide name in the replies: Rich measures it
    drawn_plainly.clear()
    wide = crm("review", "--days", "7").stdout
    assert drawn_plainly == [False]
    monkeypatch.setattr(review_view, "_plain", lambda *args: None)
    assert wide == crm("review", "--days", "7").stdout


@given(
    text=st.lists(
        st.text(alphabet="ab é-.,()\u2605", min_size=1, max_size=14), min_size=1, max_size=12
    ).map(" ".join),
    room=st.integers(min_value=1, max_value=50),
)
def test_plain_wrapping_is_riches(text: str, room: int) -> None:
    """`crm.plain.wrap` breaks a line where Rich does, or says it cannot (a word to fold)."""
    import io

    from rich.console import Console

    from crm.plain import wrap

    lines = wrap(text, room)
    if lines is None:
        return
    out = io.StringIO()
    Console(file=out, width=room, highlight=False, markup=False, emoji=False).print(text)
    assert "".join(line + "\n" for line in lines) == out.getvalue()
