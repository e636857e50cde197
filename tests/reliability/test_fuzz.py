"""Bad input, generated: every command's arguments and import files, as Hypothesis makes them.

For every generated command line: an exit status crm documents, no traceback, an error said in
one line on stderr, and the database either unchanged (an error) or changed exactly as asked:
the one row the command adds, with the text as typed (trimmed), and nothing removed anywhere.
"""

from __future__ import annotations

import csv
import io
from collections.abc import Callable, Iterator
from datetime import date
from pathlib import Path
from typing import Any

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from crm.dates import parse_date
from tests.conftest import NO_POSTGRES, POSTGRES_URL, Crm, postgres_database
from tests.helpers import acme_story
from tests.reliability.common import scale
from tests.reliability.conftest import Record
from tests.reliability.fuzzing import (
    Cli,
    Diff,
    Outcome,
    PostgresStore,
    SqliteStore,
    bookkeeping,
    check_the_contract,
    dates,
    diff,
    ids,
    numbers,
    short,
    stored_text,
    story,
    texts,
    words,
)

Store = SqliteStore | PostgresStore

pytestmark = pytest.mark.reliability

EXAMPLES = scale(500, 5000)
PG_EXAMPLES = scale(150, 1000)
FILE_EXAMPLES = scale(150, 1500)
PG_FILE_EXAMPLES = scale(50, 300)
TODAY = date(2026, 3, 2)  # the pinned CRM_NOW of tests/conftest.py
KINDS = ["thank-you", "reply", "email", "linkedin", "call", "meeting", "info-interview", "note"]


def command(
    *words_: str,
    args: tuple[st.SearchStrategy[str], ...] = (),
    options: dict[str, st.SearchStrategy[str] | None] | None = None,
) -> st.SearchStrategy[list[str]]:
    """A command line: fixed words, generated arguments, and any subset of its options."""

    @st.composite
    def build(draw: Callable[..., Any]) -> list[str]:
        argv = [*words_, *(draw(a) for a in args)]
        for name, value in (options or {}).items():
            if draw(st.booleans()):
                argv += [name] if value is None else [name, draw(value)]
        return argv

    return build()


def names() -> st.SearchStrategy[str]:
    """Names: of the people and employers in the story, ordinary new ones, or anything at all."""
    ordinary = st.text(st.characters(categories=["L", "Zs"]), min_size=1, max_size=25)
    known = st.sampled_from(
        ["dana", "Dana Whitfield", "sam", "ALEX", "alex kim", "#1", "#5", "acme", "Initech"]
    )
    return st.one_of(known, ordinary, texts())


COMMANDS = st.one_of(
    command(
        "employer",
        "add",
        args=(names(),),
        options={"--website": texts(), "--careers-url": texts(), "--notes": texts()},
    ),
    command("employer", "list", options={"--json": None}),
    command("employer", "show", args=(names(),), options={"--json": None}),
    command(
        "employer",
        "edit",
        args=(names(),),
        options={"--name": texts(), "--website": texts(), "--notes": texts()},
    ),
    command(
        "contact",
        "add",
        args=(names(),),
        options={
            "--employer": names(),
            "--role": st.one_of(st.sampled_from(["hiring manager", "Recruiter", "boss"]), texts()),
            "--email": texts(),
            "--phone": texts(),
            "--linkedin": texts(),
            "--notes": texts(),
            "--no-keep-in-touch": None,
        },
    ),
    command("contact", "list", options={"--employer": names(), "--archived": None, "--json": None}),
    command("contact", "show", args=(names(),), options={"--json": None}),
    command(
        "contact",
        "edit",
        args=(names(),),
        options={
            "--name": texts(),
            "--employer": names(),
            "--role": texts(),
            "--email": texts(),
            "--keep-in-touch": None,
        },
    ),
    command("contact", "archive", args=(names(),)),
    command(
        "job",
        "add",
        args=(names(),),
        options={"--title": texts(), "--applied": dates(), "--url": texts()},
    ),
    command(
        "job",
        "reject",
        args=(names(),),
        options={"--title": texts(), "--on": dates(), "--rank": numbers()},
    ),
    command("job", "list", options={"--json": None}),
    command(
        "log",
        args=(st.one_of(st.sampled_from([*KINDS, "thanks", "info", "wave"]), texts()), names()),
        options={"--on": dates(), "--note": texts(), "--in": None},
    ),
    command("task", "add", args=(texts(),), options={"--contact": names(), "--due": dates()}),
    command("task", "done", args=(ids(),)),
    command("task", "skip", args=(ids(),)),
    command("task", "snooze", args=(ids(),), options={"--until": dates()}),
    command("task", "list", options={"--all": None, "--json": None}),
    command("today", options={"--json": None}),
    command("review", options={"--days": numbers(), "--since": dates()}),
    command("draft", args=(names(),)),
    command("remind"),
)

# what each command may change (besides the plan's bookkeeping); reading commands: nothing
WRITES = {
    ("employer", "add"): {"employer"},
    ("employer", "edit"): {"employer"},
    ("contact", "add"): {"contact", "employer", "task"},
    ("contact", "edit"): {"contact", "employer", "task", "employment", "contact_tag"},
    ("contact", "archive"): {"contact", "task"},
    ("job", "add"): {"job", "employer", "task", "job_move"},
    ("job", "reject"): {"job", "employer", "task", "job_move"},
    ("log",): {"touchpoint", "task"},
    ("task", "add"): {"task"},
    ("task", "done"): {"task", "touchpoint"},
    ("task", "skip"): {"task"},
    ("task", "snooze"): {"task"},
}


def key_of(argv: list[str]) -> tuple[str, ...]:
    return (
        (argv[0],) if argv[0] in ("log", "today", "review", "draft", "remind") else tuple(argv[:2])
    )


def option(argv: list[str], name: str) -> str | None:
    """The value given to an option (the last one, as click takes it), or None."""
    found = None
    for i, item in enumerate(argv[:-1]):
        if item == name:
            found = argv[i + 1]
    return found


def added(store: Store, change: Diff, table: str) -> dict[str, Any]:
    """The one row the command added to `table`, by column."""
    new = change.added.get(table, [])
    assert len(new) == 1, (table, new)
    return dict(zip(store.columns(table), new[0][-len(store.columns(table)) :], strict=True))


def check_the_change(store: Store, argv: list[str], outcome: Outcome, change: Diff) -> None:
    """The database changed exactly as the command asked, and in no other way."""
    # no command deletes anything but the plan's own tasks whose reason a change took away
    # (`contact edit --employer` corrects where someone was met: their thank-you goes)
    removed = {t: rows for t, rows in change.removed.items() if not bookkeeping(t)}
    assert set(removed) <= {"task"}, removed
    if outcome.stdout.startswith("Usage: "):  # -h among the arguments: help, nothing else
        assert change.tables == set(), change
        return
    key = key_of(argv)
    written = {t for t in change.tables if not bookkeeping(t)}
    assert written <= WRITES.get(key, set()), short(argv, change.tables)
    args = argv[len(key) :]
    if key == ("employer", "add"):
        row = added(store, change, "employer")
        assert row["name"] == words(args[0])
        assert row["website"] == stored_text(option(argv, "--website"))
        assert row["notes"] == stored_text(option(argv, "--notes"))
    elif key == ("contact", "add"):
        row = added(store, change, "contact")
        assert row["name"] == words(args[0])
        for field, flag in (("email", "--email"), ("phone", "--phone"), ("notes", "--notes")):
            assert row[field] == stored_text(option(argv, flag)), field
        assert row["linkedin_url"] == stored_text(option(argv, "--linkedin"))
        assert bool(row["keep_in_touch"]) == ("--no-keep-in-touch" not in argv)
    elif key == ("log",):
        row = added(store, change, "touchpoint")
        note = option(argv, "--note")
        if note is not None:
            assert row["summary"] == stored_text(note)
    elif key == ("task", "add"):
        row = added(store, change, "task")
        assert row["title"] == stored_text(args[0]) and row["kind"] == "custom"
        due = option(argv, "--due")
        assert row["due"] == parse_date(due or "today", today=TODAY).isoformat()
    elif key == ("job", "add"):
        row = added(store, change, "job")
        assert row["title"] == stored_text(option(argv, "--title"))


@pytest.fixture(params=["sqlite", "postgresql"])
def store(request: pytest.FixtureRequest, tmp_path: Path) -> Iterator[Store]:
    """The story database, on SQLite or on PostgreSQL, put back before each example."""
    if request.param == "sqlite":
        template = tmp_path / "story.db"
        story(str(template))
        yield SqliteStore(template, tmp_path / "crm.db")
        return
    if not POSTGRES_URL:
        pytest.skip(NO_POSTGRES)
    with postgres_database() as url:
        story(url)
        postgres = PostgresStore(url)
        try:
            yield postgres
        finally:
            postgres.close()


def examples(store: Store, sqlite: int, postgresql: int) -> int:
    """PostgreSQL examples cost more (a refill per example): fewer of them."""
    return sqlite if isinstance(store, SqliteStore) else postgresql


def backend_name(store: Store) -> str:
    return "SQLite" if isinstance(store, SqliteStore) else "PostgreSQL"


def test_every_command_line_gets_a_documented_answer(store: Store, figures: Record) -> None:
    cli = Cli(store.target)
    tally = {"examples": 0, "ok": 0, "errors": 0}

    @settings(
        max_examples=examples(store, EXAMPLES, PG_EXAMPLES),
        deadline=None,
        suppress_health_check=[HealthCheck.too_slow, HealthCheck.data_too_large],
        database=None,
    )
    @given(argv=COMMANDS)
    def one(argv: list[str]) -> None:
        store.reset()
        outcome = cli(argv)
        tally["examples"] += 1
        check_the_contract(argv, outcome)
        change = diff(store.before, store.rows())
        if outcome.code == 0:
            tally["ok"] += 1
            check_the_change(store, argv, outcome, change)
        else:
            tally["errors"] += 1
            assert change.tables == set(), short(argv, outcome, change)

    one()
    figures(
        f"fuzz: command lines ({backend_name(store)})",
        examples=tally["examples"],
        succeeded=tally["ok"],
        refused=tally["errors"],
        tracebacks=0,
        changed_when_refused=0,
    )


# --- every date a command accepts, from year 1 to 9999 --------------------------------------

EXTREME_DAYS = st.one_of(
    st.dates(),
    st.dates(min_value=date(9999, 9, 1)),
    st.dates(max_value=date(1, 3, 1)),
).map(date.isoformat)

DATED = st.one_of(
    st.tuples(st.sampled_from(KINDS).map(lambda k: ["log", k, "dana", "--on"])),
    st.tuples(st.just(["log", "reply", "alex kim", "--on"])),
    st.tuples(st.just(["job", "reject", "acme", "--title", "Engineer", "--on"])),
    st.tuples(st.just(["job", "reject", "initech", "--on"])),
    st.tuples(st.just(["job", "add", "acme", "--title", "Engineer", "--applied"])),
    st.tuples(st.just(["task", "add", "Call Dana", "--contact", "dana", "--due"])),
    st.tuples(st.just(["task", "snooze", "1", "--until"])),
    st.tuples(st.just(["review", "--since"])),
).map(lambda one: one[0])


@pytest.mark.parametrize("zone", ["UTC", "Pacific/Kiritimati", "Pacific/Pago_Pago"])
def test_every_date_from_year_1_to_9999(
    zone: str, crm_home: Path, tmp_path: Path, figures: Record
) -> None:
    """Dates at the ends of the calendar, where adding the plan's intervals overflows, in two
    zones that were on either side of the date line (their offsets in year 1 are +12:37 and
    -10:29, in 9999 -11 and +14) and in UTC."""
    crm_home.mkdir(exist_ok=True)
    (crm_home / "config.toml").write_text(f'timezone = "{zone}"\n')
    template = tmp_path / "story.db"
    story(str(template))
    store = SqliteStore(template, tmp_path / "crm.db")
    cli = Cli(store.target)
    tally = {"examples": 0, "ok": 0}

    @settings(max_examples=scale(150, 1000), deadline=None, database=None)
    @given(words_=DATED, day=EXTREME_DAYS)
    def one(words_: list[str], day: str) -> None:
        store.reset()
        argv = [*words_, day]
        outcome = cli(argv)
        tally["examples"] += 1
        check_the_contract(argv, outcome)
        change = diff(store.before, store.rows())
        if outcome.code == 0:
            tally["ok"] += 1
            check_the_change(store, argv, outcome, change)
        else:
            assert change.tables == set(), short(argv, outcome, change)

    one()
    figures(
        f"fuzz: dates at the ends of the calendar, {zone} (SQLite)",
        examples=tally["examples"],
        succeeded=tally["ok"],
        refused=tally["examples"] - tally["ok"],
        tracebacks=0,
    )


# --- import files -------------------------------------------------------------------------

HEADER = ["First Name", "Last Name", "URL", "Email Address", "Company", "Position", "Connected On"]
PREAMBLE = (
    'Notes:\n"When exporting your connection data, you may notice that some of the email'
    ' addresses are missing."\n\n'
)


def cells() -> st.SearchStrategy[str]:
    return st.one_of(
        texts(),
        st.integers(0, 30).map(lambda n: f"https://www.linkedin.com/in/person-{n}"),
        st.sampled_from(["12 Mar 2024", "31 Feb 2024", "2024-03-12", "", "Acme", "Globex"]),
        st.integers(0, 30).map(lambda n: f"person{n}@example.com"),
    )


def good_rows() -> st.SearchStrategy[list[str]]:
    return st.builds(
        lambda n, company: [
            f"First{n}",
            f"Last{n}",
            f"https://www.linkedin.com/in/person-{n}",
            "",
            company,
            "Engineer",
            "12 Mar 2024",
        ],
        st.integers(0, 30),
        st.sampled_from(["Acme Robotics", "Globex", "", "Initech"]),
    )


@st.composite
def connections_files(draw: Callable[..., Any]) -> bytes:
    """Connections.csv as LinkedIn writes it, and as it gets broken: ragged rows, duplicates,
    missing columns, other encodings, a cut-off quote, a byte-order mark."""
    whole = draw(st.integers(0, 9)) < 6  # most files are LinkedIn's, with a flaw or two
    header = HEADER if whole else draw(st.one_of(st.permutations(HEADER), st.lists(cells())))
    broken = st.lists(cells(), min_size=0, max_size=9)
    body = draw(st.lists(good_rows() if whole else st.one_of(good_rows(), broken), max_size=12))
    if whole and body and draw(st.booleans()):
        body.insert(draw(st.integers(0, len(body))), draw(broken))  # one ragged row
    if body and draw(st.booleans()):
        body.append(draw(st.sampled_from(body)))  # the same person twice
    out = io.StringIO()
    if draw(st.booleans()):
        out.write(PREAMBLE)
    writer = csv.writer(out, lineterminator=draw(st.sampled_from(["\n", "\r\n"])))
    writer.writerow(header)
    writer.writerows(body)
    text = out.getvalue()
    if draw(st.integers(0, 4)) == 0:
        text = text[: draw(st.integers(0, len(text)))]  # cut short
    encoding = draw(st.sampled_from(["utf-8", "utf-8-sig", "latin-1", "utf-16", "cp1252"]))
    data = text.encode(encoding, errors="replace")
    if draw(st.integers(0, 9)) == 0:
        data = draw(st.binary(max_size=200))
    return data


@st.composite
def vcard_files(draw: Callable[..., Any]) -> bytes:
    cards = []
    for _ in range(draw(st.integers(0, 4))):
        version = draw(st.sampled_from(["2.1", "3.0", "4.0", "9.9", ""]))
        lines = ["BEGIN:VCARD", f"VERSION:{version}"]
        lines += [
            f"{prop}:{draw(texts())}"
            for prop in draw(
                st.lists(
                    st.sampled_from(["FN", "N", "EMAIL", "TEL", "ORG", "URL", "KIND", "TITLE"]),
                    max_size=6,
                )
            )
        ]
        if draw(st.booleans()):
            lines.append("END:VCARD")
        cards.append("\r\n".join(lines))
    text = "\r\n".join(cards)
    encoding = draw(st.sampled_from(["utf-8", "latin-1", "utf-16"]))
    return text.encode(encoding, errors="surrogatepass" if encoding == "utf-16" else "replace")


IMPORTS = st.one_of(
    st.tuples(st.just("linkedin"), connections_files()),
    st.tuples(st.just("vcard"), vcard_files()),
)


def test_import_files_get_a_documented_answer(
    store: Store, tmp_path: Path, figures: Record
) -> None:
    source = tmp_path / "import-file"
    cli = Cli(store.target)
    tally = {"examples": 0, "imported": 0, "refused": 0}

    @settings(
        max_examples=examples(store, FILE_EXAMPLES, PG_FILE_EXAMPLES),
        deadline=None,
        suppress_health_check=[HealthCheck.too_slow, HealthCheck.data_too_large],
        database=None,
    )
    @given(kind_and_data=IMPORTS, skip_bad=st.booleans())
    def one(kind_and_data: tuple[str, bytes], skip_bad: bool) -> None:
        kind, data = kind_and_data
        store.reset()
        source.write_bytes(data)
        argv = ["import", kind, str(source), *(["--skip-bad"] if skip_bad else [])]
        outcome = cli(argv)
        tally["examples"] += 1
        check_the_contract(argv, outcome)
        change = diff(store.before, store.rows())
        if outcome.code != 0:
            tally["refused"] += 1
            assert change.tables == set(), short(argv, outcome, change)
            return
        tally["imported"] += 1
        assert {t for t in change.removed if not bookkeeping(t)} == set()
        allowed = {"contact", "employer", "employment", "task"}
        assert {t for t in change.tables if not bookkeeping(t)} <= allowed, change.tables
        # a second import of the same file adds nobody: people are matched, not duplicated
        again = cli(argv)
        assert again.code == 0, again
        assert len(diff(store.before, store.rows()).added.get("contact", [])) == len(
            change.added.get("contact", [])
        )

    one()
    figures(
        f"fuzz: import files ({backend_name(store)})",
        examples=tally["examples"],
        imported=tally["imported"],
        refused=tally["refused"],
        tracebacks=0,
        changed_when_refused=0,
    )


# --- what the fuzzing found, kept as plain cases (both databases) ---------------------------

FOUND = [
    # an argument typed in a Latin-1 terminal: a traceback from the database driver
    (["employer", "show", "caf\udce9"], 2, "'caf\ufffd' is not UTF-8 text"),
    (["log", "note", "dana", "--note", "caf\udce9"], 2, "is not UTF-8 text"),
    # "²" passes str.isdigit() but not int(): a traceback
    (["contact", "show", "#²"], 2, "'#²' is not an id"),
    (["task", "done", "²"], 2, "'²' is not a task id"),
    # PostgreSQL: "cannot use the database: integer out of range"
    (["contact", "show", "#999999999999999999"], 3, "no contact with id #999999999999999999"),
    (["task", "skip", "999999999999999999"], 3, "no task with id #999999999999999999"),
    # PostgreSQL: "cannot use the database: text fields cannot contain NUL"
    (["employer", "show", "ac\x00me"], 3, "no employer named 'ac\\x00me'"),
    # PostgreSQL: "cannot use the database: index row size exceeds maximum"
    (["contact", "add", "é" * 201], 2, "the contact's name is 201 characters; the most is 200"),
    (
        ["contact", "add", "Pat", "--linkedin", "https://linkedin.com/in/" + "é" * 600],
        2,
        "the LinkedIn URL is 624 characters; the most is 500",
    ),
    # a carriage return in an unknown employer's name broke the hint across two lines
    (["job", "reject", "0\r"], 3, "crm job reject 0 --title TITLE"),
    # midday of 0001-01-01 is in year 0 in UTC (or in a zone ahead of it): a traceback; now
    # outside the range crm takes (issue #18)
    (
        ["log", "note", "dana", "--on", "0001-01-01"],
        2,
        "'0001-01-01' is 0001-01-01; crm takes dates from 1900-01-01 to 9000-12-31",
    ),
]


@pytest.mark.parametrize(("argv", "status", "words"), FOUND, ids=[str(f[0][:2]) for f in FOUND])
def test_what_the_fuzzing_found(crm: Crm, argv: list[str], status: int, words: str) -> None:
    acme_story(crm)
    before = crm.state()
    result = crm(*argv, ok=False)
    assert result.exit_code == status, result.stderr
    assert result.stderr.count("\n") == 1 and result.stderr.startswith("Error: ")
    assert words in result.stderr, result.stderr
    assert crm.state() == before


def test_a_rejection_on_the_last_day_of_the_calendar(crm: Crm) -> None:
    """The plan adds 1, 30 and 90 days to it: it used to overflow with a traceback, in every
    write command from then on. `job reject --on` now refuses a future date, but an import or
    an older crm can still have stored one."""
    from sqlalchemy import create_engine

    acme_story(crm)
    engine = create_engine(crm.url)
    with engine.begin() as connection:
        connection.exec_driver_sql(
            "INSERT INTO job (employer_id, title, status, rejected_on, created_at)"
            " VALUES (1, 'Far', 'rejected', '9999-12-31', '2026-03-02 09:00:00')"
        )
    engine.dispose()
    crm("remind")
    due = {(t["kind"], t["due"]) for t in crm.json("task", "list")}  # type: ignore[union-attr]
    assert ("check_openings", "9999-12-31") in due and ("thank_you", "9999-12-31") in due


# --- issue #18: credentials, files that are not files, CRM_NOW, hostile JSON ----------------

SECRET_HEAD, SECRET_TAIL = "PWHEAD", "QZTAIL"  # no message, URL or path holds these by chance


@st.composite
def credential_urls(draw: Callable[..., Any]) -> str:
    """A PostgreSQL URL with a password in one of the forms SQLAlchemy or psycopg accept,
    typed right or wrong: user:password, an unencoded @ / : ? in it, percent-encoded, in the
    query string (password=, sslpassword=, PASSWORD=), with a bad port or a broken IPv6 host."""
    middle = draw(st.text(st.sampled_from("ab@:/?#%&=+ !$'\"\\"), max_size=6))
    password = SECRET_HEAD + middle + SECRET_TAIL
    if draw(st.booleans()):
        from urllib.parse import quote

        password = quote(password, safe="")
    # never a role the server has (an empty user is the system user, who may have one, and
    # `crm daemon` on a database it can reach would run until stopped)
    user = draw(st.sampled_from(["u", "nobody_here", "me.name", "p@ss"]))
    host = draw(st.sampled_from(["127.0.0.1", "127.0.0.1:9", "127.0.0.1:notaport", "[::1/x", ""]))
    database = draw(st.sampled_from(["/crm", "/", "", "/crm?sslmode=disable"]))
    where = draw(st.sampled_from(["userinfo", "query", "both"]))
    url = f"postgresql+psycopg://{user}"
    if where in ("userinfo", "both"):
        url += f":{password}"
    url += f"@{host}{database}"
    if where in ("query", "both"):
        name = draw(st.sampled_from(["password", "sslpassword", "PASSWORD", "passfile"]))
        url += ("&" if "?" in url else "?") + f"{name}={password}"
        if host.endswith(":9") or not host:
            url += "&connect_timeout=2"
    return url


PRINTS_THE_URL = [
    ["today"],
    ["today", "--json"],
    ["config"],
    ["config", "--json"],
    ["db", "current"],
    ["db", "upgrade"],
    ["backup"],
    ["daemon", "--every", "1"],
    ["contact", "list"],
    ["export"],
    ["remind"],
]


def test_no_credential_form_is_ever_printed(figures: Record, crm_home: Path) -> None:
    """Every command that names the database, and every error path, with every URL form."""
    from typer.testing import CliRunner

    from crm.cli.app import app

    runner = CliRunner()
    tally = {"examples": 0, "refused": 0}

    @settings(max_examples=scale(150, 1500), deadline=None, database=None)
    @given(url=credential_urls(), argv=st.sampled_from(PRINTS_THE_URL), via_env=st.booleans())
    def one(url: str, argv: list[str], via_env: bool) -> None:
        env = {"CRM_DATABASE": url} if via_env else {}
        raw = runner.invoke(app, ([] if via_env else ["--db", url]) + argv, env=env)
        tally["examples"] += 1
        tally["refused"] += raw.exit_code != 0
        shown = raw.stdout + raw.stderr
        outcome = Outcome(raw.exit_code, raw.stdout, raw.stderr)
        assert raw.exception is None or isinstance(raw.exception, SystemExit), short(url, shown)
        check_the_contract(argv, outcome, healthy=False)
        for secret in (SECRET_HEAD, SECRET_TAIL):
            assert secret not in shown, short(url, argv, shown)

    one()
    figures(
        "fuzz: credential URLs",
        examples=tally["examples"],
        refused=tally["refused"],
        tracebacks=0,
        secrets_printed=0,
    )


NOT_FILES = ["/dev/zero", "/dev/null", "/dev/urandom", "FIFO", "FOLDER", "TOO BIG", "GROWS"]
READERS = [
    ["import", "linkedin"],
    ["import", "vcard"],
    ["import", "json"],
    ["log", "note", "dana", "--file"],
    ["log", "thank-you", "sam", "--file"],
]


def test_files_that_are_not_files_or_too_big_are_refused(
    store: Store, tmp_path: Path, crm_home: Path, figures: Record
) -> None:
    """Devices, FIFOs with no writer, folders, and files over import_max_mb (1 MB here): one
    line, status 2, nothing changed, and nothing read without end."""
    import os

    crm_home.mkdir(exist_ok=True)
    (crm_home / "config.toml").write_text("import_max_mb = 1\n")
    fifo = tmp_path / "pipe"
    os.mkfifo(fifo)
    big = tmp_path / "big.csv"
    big.write_bytes(b"First Name,Last Name\n" + b"x" * 1_100_000)
    paths = {"FIFO": str(fifo), "FOLDER": str(tmp_path), "TOO BIG": str(big)}
    cli = Cli(store.target)
    tally = {"examples": 0}

    @settings(max_examples=scale(35, 140), deadline=None, database=None)
    @given(path=st.sampled_from(NOT_FILES), argv=st.sampled_from(READERS))
    def one(path: str, argv: list[str]) -> None:
        store.reset()
        given_path = paths.get(path, path)
        if path == "GROWS":  # a note file that is a symlink to an endless device
            given_path = str(tmp_path / "note.txt")
            Path(given_path).unlink(missing_ok=True)
            Path(given_path).symlink_to("/dev/zero")
        outcome = cli([*argv, given_path])
        tally["examples"] += 1
        check_the_contract(argv, outcome)
        assert outcome.code == 2, short(argv, path, outcome)
        assert diff(store.before, store.rows()).tables == set()

    one()
    figures(
        f"fuzz: files that are not files or too big ({backend_name(store)})",
        examples=tally["examples"],
        refused=tally["examples"],
        tracebacks=0,
        changed_when_refused=0,
    )


EVERY_NOW = st.one_of(
    st.dates(),
    st.dates(min_value=date(8999, 12, 1), max_value=date(9000, 12, 31)),
    st.dates(min_value=date(1900, 1, 1), max_value=date(1900, 2, 1)),
    st.dates(min_value=date(9999, 12, 1)),
    st.dates(max_value=date(1, 2, 1)),
).map(date.isoformat)
AT_ANY_NOW = [
    ["today"],
    ["review"],
    ["remind"],
    ["contact", "add", "Zed", "--employer", "acme"],
    ["task", "add", "Far", "--due", "eow"],
    ["task", "add", "Far", "--due", "monday"],
    ["task", "add", "Far", "--due", "eom"],
    ["task", "list"],
    ["log", "note", "dana"],
    ["job", "reject", "acme", "--title", "Engineer"],
]


def test_any_crm_now_gets_a_documented_answer(
    crm_home: Path, tmp_path: Path, figures: Record
) -> None:
    """CRM_NOW from year 1 to 9999: inside 1900..9000 everything works; outside, one line."""
    import os

    template = tmp_path / "story.db"
    story(str(template))
    store = SqliteStore(template, tmp_path / "crm.db")
    cli = Cli(store.target)
    tally = {"examples": 0, "ok": 0}
    calendar = tmp_path / "crm.ics"

    @settings(max_examples=scale(150, 1000), deadline=None, database=None)
    @given(now=EVERY_NOW, argv=st.one_of(st.sampled_from(AT_ANY_NOW), st.just(["calendar"])))
    def one(now: str, argv: list[str]) -> None:
        store.reset()
        if argv == ["calendar"]:
            argv = ["calendar", str(calendar)]
        os.environ["CRM_NOW"] = now
        try:
            outcome = cli(argv)
        finally:
            os.environ["CRM_NOW"] = "2026-03-02T09:00:00+00:00"
        tally["examples"] += 1
        check_the_contract(argv, outcome)
        inside = "1900-01-01" <= now <= "9000-12-31"
        if not inside:  # refused; or, for `remind` with nothing new, no clock was needed
            refused = outcome.code == 2 and "crm takes dates from" in outcome.stderr
            untouched = outcome.code == 0 and diff(store.before, store.rows()).tables == set()
            assert refused or untouched, short(now, argv, outcome)
        elif argv[:2] not in (["task", "add"], ["job", "reject"]):
            assert outcome.code == 0, short(now, argv, outcome)
        tally["ok"] += outcome.code == 0
        if outcome.code != 0:
            assert diff(store.before, store.rows()).tables == set()

    one()
    figures(
        "fuzz: CRM_NOW from year 1 to 9999 (SQLite)",
        examples=tally["examples"],
        succeeded=tally["ok"],
        refused=tally["examples"] - tally["ok"],
        tracebacks=0,
        changed_when_refused=0,
    )


HOSTILE_VALUES = st.one_of(
    st.sampled_from(
        [
            2**31,
            2**63,
            2**64,
            2**70,
            -1,
            0,
            True,
            None,
            1.5,
            [],
            {},
            "",
            " ",
            "#12",
            "\ud800",
            "x" * 5000,
            "0001-01-01T00:00:00+14:00",
            "9999-12-31T23:00:00-12:00",
            "9999-12-31",
            "0001-01-01",
            "２０２６-03-04",
            "ACME ROBOTICS",
            "dana@acme.example\nBcc: x@y",
            "Eve\x1b[2J",
        ]
    ),
    st.integers(),
    st.text(max_size=20),
)
PRIVATE = ("Dana", "Whitfield", "dana@acme", "Sam Ortiz", "Lee Chen", "Alex Kim")


@st.composite
def hostile_documents(draw: Callable[..., Any], exported: dict[str, Any]) -> str:
    """A crm export with one to three fields, records or headers made hostile."""
    import copy
    import json as json_

    document = copy.deepcopy(exported)
    for _ in range(draw(st.integers(1, 3))):
        sections = [s for s in document if isinstance(document[s], list) and document[s]]
        what = draw(st.sampled_from(["field", "header", "duplicate", "drop"]))
        if what == "header" or not sections:
            document[draw(st.sampled_from(["version", "format"]))] = draw(HOSTILE_VALUES)
            continue
        section = draw(st.sampled_from(sections))
        records = document[section]
        index = draw(st.integers(0, len(records) - 1))
        if what == "duplicate":
            twin = dict(records[index])
            if isinstance(twin.get("name"), str) and draw(st.booleans()):
                twin["name"] = twin["name"].upper()
                ids = [r.get("id") for r in records]
                twin["id"] = max((i for i in ids if type(i) is int), default=0) + 1
            records.append(twin)
        elif what == "drop":
            records[index].pop(draw(st.sampled_from(sorted(records[index]))), None)
        else:
            records[index][draw(st.sampled_from(sorted(records[index])))] = draw(HOSTILE_VALUES)
    return json_.dumps(document, ensure_ascii=draw(st.booleans()))


def test_hostile_json_documents_are_refused_whole_and_tell_no_secrets(
    backend: str, tmp_path: Path, figures: Record
) -> None:
    """Restoring into an empty database: imported, or refused in one line that names the record
    by section and index (no personal data), with the database left empty."""
    import json as json_

    from tests.conftest import Crm as InProcess

    source = InProcess(str(tmp_path / "story.db"))
    story(str(tmp_path / "story.db"))
    exported = json_.loads(source("export").stdout)
    path = tmp_path / "hostile.json"
    if backend.startswith("sqlite"):
        empty = tmp_path / "empty.db"
        InProcess(str(empty))("contact", "list")
        target = SqliteStore(empty, tmp_path / "target.db")
    else:
        InProcess(backend)("contact", "list")
        target = PostgresStore(backend)
    cli = Cli(target.target)
    tally = {"examples": 0, "restored": 0}

    @settings(
        max_examples=scale(150, 1500) if backend.startswith("sqlite") else scale(50, 300),
        deadline=None,
        database=None,
        suppress_health_check=[HealthCheck.too_slow, HealthCheck.data_too_large],
    )
    @given(text=hostile_documents(exported))
    def one(text: str) -> None:
        target.reset()
        path.write_text(text, encoding="utf-8", errors="surrogatepass")
        outcome = cli(["import", "json", str(path)])
        tally["examples"] += 1
        check_the_contract(["import", "json"], outcome)
        if outcome.code == 0:
            tally["restored"] += 1
            return
        assert diff(target.before, target.rows()).tables == set(), short(outcome)
        for private in PRIVATE:
            assert private not in outcome.stderr, short(outcome)

    try:
        one()
    finally:
        if isinstance(target, PostgresStore):
            target.close()
    name = "SQLite" if backend.startswith("sqlite") else "PostgreSQL"
    figures(
        f"fuzz: hostile JSON exports ({name})",
        examples=tally["examples"],
        restored=tally["restored"],
        refused=tally["examples"] - tally["restored"],
        tracebacks=0,
        changed_when_refused=0,
        personal_data_in_errors=0,
    )
