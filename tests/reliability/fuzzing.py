"""What the fuzz tests share: nasty values, an in-process CLI, and a row-level database diff."""

from __future__ import annotations

import sqlite3
import traceback
from collections.abc import Iterator
from contextlib import closing
from dataclasses import dataclass, field
from datetime import date, datetime
from pathlib import Path
from typing import Any

from hypothesis import strategies as st
from typer.testing import CliRunner

from crm.cli.app import app
from tests.helpers import acme_story
from tests.reliability.common import restore

EXIT_STATUSES = {0, 1, 2, 3, 4, 5}  # crm/errors.py ExitStatus: the documented ones
# tables every write may touch: the plan's bookkeeping, the undo journal (each record-keeping
# command replaces the last one's rows), and the search index its triggers keep (FTS5's own
# tables on SQLite are named after it)
BOOKKEEPING = {"plan_state", "reply_tally", "change_counter", "undo_row", "undo_entry"}
SEARCH_INDEX = "search_index"


def bookkeeping(table: str) -> bool:
    return table in BOOKKEEPING or table.startswith(SEARCH_INDEX)


NASTY = [
    "",
    " ",
    "\t\n ",
    "\x00",
    "da\x00na",
    "#",
    "#0",
    "#-1",
    "#1",
    "#4",
    "#99",
    "#999999999999999999",
    "#9999999999999999999999999",
    "-",
    "--",
    "--json",
    "-h",
    "\u202eevil\u202c",  # right-to-left override
    "שלום עולם",
    "مرحبا بالعالم",
    "👩\u200d💻 🚀",
    "e\u0301",  # combining accent
    "İstanbul",
    "STRASSE straße",
    "\u200b",  # zero-width space
    "caf\udce9",  # what Python makes of a Latin-1 byte in argv
    "Dana Whitfield",
    "dana",
    "DANA",
    "alex",
    "Alex Kim",
    "acme",
    "Acme Robotics",
    "sam",
    "Lee Chen",
]


# what a terminal takes as a command: clear the screen, recolour, a hidden OSC 8 link, a
# one-byte CSI, a bell, a backspace, a carriage return that overwrites the line
TERMINAL_ESCAPES = [
    "\x1b[2J",
    "\x1b[31m",
    "\x1b]8;;http://evil.example\x1b\\",
    "\x9b2J",
    "\x07",
    "\x08\x08\x08",
    "\r",
    "\x1b]0;title\x07",
    "\x7f",
    "\x85",
]


def huge(unit: str, times: int) -> str:
    return unit * times


def controlled() -> st.SearchStrategy[str]:
    """Text with control characters in it: escape sequences among ordinary letters."""
    pieces = st.one_of(
        st.sampled_from(TERMINAL_ESCAPES),
        st.characters(categories=["Cc"]),
        st.text(st.characters(categories=["L", "Zs"]), min_size=1, max_size=8),
    )
    return st.lists(pieces, min_size=1, max_size=6).map("".join)


def raw_controls(text: str) -> list[str]:
    """The control characters a terminal would act on (line feeds are layout, not commands)."""
    return [c for c in text if (ord(c) < 32 and c != "\n") or 0x7F <= ord(c) <= 0x9F]


def texts() -> st.SearchStrategy[str]:
    """Anything a user could type: any Unicode (NUL, RTL, emoji, terminal escapes), empty,
    10,000 characters."""
    return st.one_of(
        st.sampled_from(NASTY),
        controlled(),
        st.text(max_size=30),
        st.builds(
            huge,
            st.sampled_from(["x", "é", "👩\u200d💻", " ", "ש", "\x00"]),
            st.sampled_from([10_000, 100_001]),
        ),
    )


def dates() -> st.SearchStrategy[str]:
    return st.one_of(
        st.sampled_from(
            [
                "today",
                "Yesterday",
                "tomorrow",
                "monday",
                "sun",
                "eow",
                "eom",
                "+3d",
                "-2w",
                "+1m",
                "-1y",
                "+9999d",
                "+9999y",
                "-9999y",
                "2026-02-30",
                "2026-02-29",
                "2028-02-29",
                "0001-01-01",
                "9999-12-31",
                "9999-12-30",
                "2026-3-4",
                "04/03/2026",
                "next tuesday",
                "",
            ]
        ),
        st.dates().map(date.isoformat),
        st.from_regex(r"[+-][0-9]{1,5}[dwmy]", fullmatch=True),
        texts(),
    )


def ids() -> st.SearchStrategy[str]:
    return st.one_of(
        st.integers(-5, 10**25).map(str),
        st.integers(0, 40).map(str),
        st.integers(0, 40).map(lambda n: f"#{n}"),
        texts(),
    )


def numbers() -> st.SearchStrategy[str]:
    return st.one_of(
        st.integers(-(10**20), 10**20).map(str), st.sampled_from(["0", "1", "2"]), texts()
    )


def story(target: str) -> None:
    """The database every example starts from: a rejection, people, touches, a task of one's own,
    namesakes (one archived) and the plan current."""
    from tests.conftest import Crm

    crm = Crm(target)
    acme_story(crm)
    crm("contact", "add", "Alex Kim", "--employer", "acme")
    crm("contact", "add", "Alex Kim")
    crm("contact", "archive", "#4")
    crm("log", "thank-you", "dana")
    crm("log", "reply", "sam", "--note", "Happy to stay in touch")
    crm("task", "add", "Send Dana the article", "--contact", "dana", "--due", "friday")
    crm("job", "add", "Initech", "--title", "Analyst", "--applied", "2026-02-01")
    crm("today")
    if "://" not in target:
        with closing(sqlite3.connect(target)) as connection:
            connection.execute("PRAGMA wal_checkpoint(TRUNCATE)")


Rows = dict[str, dict[object, tuple[Any, ...]]]


class SqliteStore:
    """A copy of a story database, put back before each example."""

    def __init__(self, template: Path, db: Path) -> None:
        self.template, self.db, self.target = template, db, str(db)
        self.before = self.rows(template)

    def reset(self) -> None:
        restore(self.template, self.db)

    def rows(self, db: Path | None = None) -> Rows:
        """Every row of every table, by rowid (by place, in a WITHOUT ROWID table such as the
        search index's own)."""
        with closing(sqlite3.connect(db or self.db)) as connection:
            return {table: _rows_of(connection, table) for table in _tables(connection)}

    def columns(self, table: str) -> list[str]:
        with closing(sqlite3.connect(self.db)) as connection:
            return [c[1] for c in connection.execute(f"PRAGMA table_info({table})")]


def _rows_of(connection: sqlite3.Connection, table: str) -> dict[object, tuple[Any, ...]]:
    try:
        return {r[0]: r[1:] for r in connection.execute(f"SELECT rowid, * FROM {table}")}
    except sqlite3.OperationalError:  # WITHOUT ROWID: its primary key orders it
        return dict(enumerate(connection.execute(f"SELECT * FROM {table}")))


def _tables(connection: sqlite3.Connection) -> list[str]:
    query = "SELECT name FROM sqlite_master WHERE type = 'table' AND name NOT LIKE 'sqlite_%'"
    return [t for (t,) in connection.execute(query)]


class PostgresStore:
    """A PostgreSQL database put back to its first contents before each example: every table
    emptied and refilled, sequences reset, triggers and foreign keys held off meanwhile (a fresh
    database from a template would cost a second an example)."""

    def __init__(self, url: str) -> None:
        import psycopg

        self.target = url
        self.connection = psycopg.connect(url.replace("postgresql+psycopg://", "postgresql://"))
        self.connection.autocommit = True
        self.tables = [
            t
            for (t,) in self.connection.execute(
                "SELECT tablename FROM pg_tables WHERE schemaname = 'public' ORDER BY 1"
            )
        ]
        self.sequences = [
            (seq, *self.connection.execute(f"SELECT last_value, is_called FROM {seq}").fetchone())
            for table in self.tables
            if "id" in self.columns(table) and (seq := self._sequence(table))
        ]
        self.saved = {
            t: self.connection.execute(f"SELECT * FROM {t}").fetchall() for t in self.tables
        }
        self.before = self.rows()

    def _sequence(self, table: str) -> str | None:
        found = self.connection.execute(
            "SELECT pg_get_serial_sequence(%s, 'id')", (table,)
        ).fetchone()
        return found[0] if found else None

    def reset(self) -> None:
        with self.connection.transaction():
            self.connection.execute("SET LOCAL session_replication_role = replica")
            self.connection.execute(f"TRUNCATE {', '.join(self.tables)}")
            for table, values in self.saved.items():
                if values:
                    marks = ", ".join(["%s"] * len(values[0]))
                    with self.connection.cursor() as cursor:
                        cursor.executemany(f"INSERT INTO {table} VALUES ({marks})", values)
            for seq, last, called in self.sequences:
                self.connection.execute("SELECT setval(%s, %s, %s)", (seq, last, called))

    def rows(self) -> Rows:
        out: Rows = {}
        for table in self.tables:
            key = "id" if "id" in self.columns(table) else "1"
            out[table] = {
                r[0]: tuple(_plain(v) for v in r)
                for r in self.connection.execute(f"SELECT {key}, * FROM {table}")
            }
        return out

    def columns(self, table: str) -> list[str]:
        return [
            c
            for (c,) in self.connection.execute(
                "SELECT column_name FROM information_schema.columns"
                " WHERE table_schema = 'public' AND table_name = %s ORDER BY ordinal_position",
                (table,),
            )
        ]

    def close(self) -> None:
        self.connection.close()


def _plain(value: object) -> object:
    """Values as SQLite hands them back, so one check serves both databases."""
    if isinstance(value, date) and not isinstance(value, datetime):
        return value.isoformat()
    return value


@dataclass
class Diff:
    added: dict[str, list[tuple[Any, ...]]] = field(default_factory=dict)
    changed: dict[str, list[tuple[Any, ...]]] = field(default_factory=dict)
    removed: dict[str, list[object]] = field(default_factory=dict)

    @property
    def tables(self) -> set[str]:
        return set(self.added) | set(self.changed) | set(self.removed)


def diff(before: Rows, after: Rows) -> Diff:
    result = Diff()
    for table in set(before) | set(after):
        old, new = before.get(table, {}), after.get(table, {})
        added = [new[k] for k in new.keys() - old.keys()]
        changed = [new[k] for k in new.keys() & old.keys() if new[k] != old[k]]
        removed = list(old.keys() - new.keys())
        if added:
            result.added[table] = added
        if changed:
            result.changed[table] = changed
        if removed:
            result.removed[table] = removed
    return result


@dataclass
class Outcome:
    code: int
    stdout: str
    stderr: str


class Cli:
    """The CLI in-process (fast), with every unexpected exception turned into a test failure."""

    def __init__(self, target: str) -> None:
        self.target = target
        self.runner = CliRunner()
        self.runs = 0

    def __call__(self, argv: list[str], input: str | None = None) -> Outcome:
        self.runs += 1
        raw = self.runner.invoke(app, ["--db", self.target, *argv], input=input)
        if raw.exception is not None and not isinstance(raw.exception, SystemExit):
            assert raw.exc_info is not None
            trace = "".join(traceback.format_exception(*raw.exc_info))
            raise AssertionError(f"crm {short(argv)} raised:\n{trace}")
        return Outcome(raw.exit_code, raw.stdout, raw.stderr)


def short(*values: object) -> str:
    """Values for a failure message: a 10,000-character argument would bury it."""
    text = repr(values)
    return text if len(text) <= 600 else text[:500] + f"... ({len(text):,} characters)"


def check_the_contract(argv: list[str], outcome: Outcome, *, healthy: bool = True) -> None:
    """A documented exit status, no traceback, an error said in one line on stderr, and no
    control character sent to the terminal (`crm draft` alone writes its text as it is, when
    its output is a file, as here: the note must reach `> note.txt` unchanged)."""
    assert outcome.code in EXIT_STATUSES, short(argv, outcome)
    assert "Traceback" not in outcome.stdout + outcome.stderr, short(argv, outcome)
    shown = outcome.stderr + ("" if argv[:1] == ["draft"] else outcome.stdout)
    assert raw_controls(shown) == [], short(argv, outcome)
    # the database is there and healthy: nothing the user typed may be blamed on it
    assert not healthy or "cannot use the database" not in outcome.stderr, short(argv, outcome)
    if outcome.code == 0:
        return
    lines = outcome.stderr.splitlines()
    if lines and lines[0].startswith("Usage: "):
        # click's own usage errors (an unknown option, a missing argument): usage, a hint, and
        # the one line that says what is wrong
        assert outcome.code == 2, short(argv, outcome)
        assert lines[-1].startswith("Error: ") and "Traceback" not in outcome.stderr
        return
    assert len(lines) == 1 and lines[0].startswith("Error: "), short(argv, outcome)
    # (`crm db current` names the database it tries before it fails to reach it)
    assert outcome.stdout == "" or not healthy, short(argv, outcome)


def words(text: str) -> str:
    """A name as crm stores it: inner runs of spaces collapsed."""
    return " ".join(text.split())


def stored_text(text: str | None) -> str | None:
    """Free text as crm stores it: stripped, empty as nothing."""
    return None if text is None else (text.strip() or None)


def flag_pairs(argv: list[str]) -> Iterator[tuple[str, str]]:
    for i, item in enumerate(argv[:-1]):
        if item.startswith("--"):
            yield item, argv[i + 1]
