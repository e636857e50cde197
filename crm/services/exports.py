"""Everything in the database out, as JSON that `crm import json` takes back, or as CSV.

The JSON document is complete: every row of every table with its id, so that restoring it into
an empty database gives the same data back, and exporting that gives the same bytes (with the
same `exported_at`: crm takes it from its clock, which CRM_NOW pretends). The follow-up plan's
bookkeeping (`plan_state`) is not data: a restored database runs the plan afresh. Reading it
back is crm/services/restore.py.

CSV is for spreadsheets: one file per table, UTF-8 with a byte-order mark (Excel reads the
accents right only then), and every text cell that a spreadsheet would take for a formula
(`=`, `+`, `-`, `@`, a tab or a carriage return first) prefixed with a single quote, as OWASP
advises against formula injection: a contact named `=HYPERLINK(...)` stays a name.

Both are written as the rows are read, through a `Stream` (crm/services/agenda.py), so an export
of a million touchpoints takes as little memory as one of a hundred, and on SQLite it needs
nothing but the standard library. There SQLite itself writes each JSON record (`json_object`):
an export is ~170,000 records at the benchmark's 1x, and encoding them one by one in Python
took 1.3 s of its 2.1 s. Elsewhere Python's C encoder writes the same bytes.
"""

from __future__ import annotations

import csv
import io
import json
import zipfile
from collections.abc import Callable, Iterator
from dataclasses import dataclass
from datetime import UTC, date, datetime
from itertools import islice
from typing import Any, BinaryIO

from crm.services.agenda import Stream

FORMAT = "crm-export"
VERSION = 2


@dataclass(frozen=True)
class Section:
    """One table as the export writes it: its section's name, its columns in the models'
    order, and what the columns that are neither text nor numbers hold."""

    name: str
    table: str
    columns: tuple[str, ...]
    moments: frozenset[str] = frozenset()  # stored in UTC, written as ISO 8601 with +00:00
    days: frozenset[str] = frozenset()
    flags: frozenset[str] = frozenset()  # true or false

    def kind(self, column: str) -> str | None:
        for kind, columns in (("moment", self.moments), ("day", self.days)):
            if column in columns:
                return kind
        return "flag" if column in self.flags else None


def _section(name: str, table: str, columns: str) -> Section:
    """`columns` as "id name created_at:moment": a column's kind after a colon."""
    named = [c.partition(":") for c in columns.split()]
    return Section(
        name,
        table,
        tuple(c for c, _, _ in named),
        frozenset(c for c, _, k in named if k == "moment"),
        frozenset(c for c, _, k in named if k == "day"),
        frozenset(c for c, _, k in named if k == "flag"),
    )


# In an order that restores parents before the rows that point at them; tests/test_export.py
# holds this to crm/models.py (this module is read without SQLModel, on the lean path).
SECTIONS: tuple[Section, ...] = (
    _section(
        "employers", "employer", "id name name_key website careers_url notes created_at:moment"
    ),
    _section(
        "contacts",
        "contact",
        "id name name_key employer_id role position email phone linkedin_url"
        " linkedin_connected_on:day notes keep_in_touch:flag every archived_at:moment"
        " created_at:moment",
    ),
    _section(
        "jobs",
        "job",
        "id employer_id title url applied_on:day status rejected_on:day finalist_rank"
        " created_at:moment",
    ),
    _section(
        "touchpoints",
        "touchpoint",
        "id contact_id kind direction happened_at:moment summary body topic purpose job_id"
        " message_id created_at:moment",
    ),
    _section(
        "tasks",
        "task",
        "id kind title due:day status contact_id employer_id job_id rule key created_at:moment"
        " closed_at:moment closed_by",
    ),
    _section(
        "employment",
        "employment",
        "id contact_id employer_id company position seen_from:day seen_until:day source"
        " created_at:moment",
    ),
    _section(
        "job_moves", "job_move", "id job_id status moved_on:day deadline:day created_at:moment"
    ),
    _section("contact_tags", "contact_tag", "id contact_id tag tag_key"),
)
FORMULA_STARTS = ("=", "+", "-", "@", "\t", "\r")
# each section in the user's words, one of it
WORDS = {
    "employers": "employer",
    "contacts": "contact",
    "jobs": "job",
    "touchpoints": "touchpoint",
    "tasks": "task",
    "employment": "employment record",
    "job_moves": "job move",
    "contact_tags": "tag",
}


def counted(numbers: dict[str, int]) -> str:
    """ "3 employers, 1 job, 2 job moves": how many of each section, as people say it."""
    return ", ".join(
        f"{n:,} {WORDS[section]}" + ("" if n == 1 else "s") for section, n in numbers.items()
    )


# one encoder for every record, compact as SQLite's json_object writes
_ENCODE = json.JSONEncoder(ensure_ascii=False, separators=(",", ":")).encode


def write_json(out: BinaryIO, *, stream: Stream, now: datetime, sqlite: bool) -> dict[str, int]:
    """The whole export as one JSON document, written as it is read; the counts written.

    One record a line: a file `json.load` reads whole and `grep` reads by the line. `sqlite`:
    the stream is SQLite's, which writes the records itself.
    """
    head = {"format": FORMAT, "version": VERSION, "exported_at": now.isoformat()}
    out.write(_ENCODE(head)[:-1].encode())
    written = {}
    for section in SECTIONS:
        out.write(f',\n"{section.name}":['.encode())
        lines = _sqlite_records(stream, section) if sqlite else _encoded(stream, section)
        n = 0
        while chunk := list(islice(lines, CHUNK)):  # one write, and one encoding, a chunk
            out.write(("\n" if n == 0 else ",\n").encode() + ",\n".join(chunk).encode())
            n += len(chunk)
        out.write(b"\n]" if n else b"]")
        written[section.name] = n
    out.write(b"\n}\n")
    return written


CHUNK = 1_000  # records written at a time


def _encoded(stream: Stream, section: Section) -> Iterator[str]:
    return map(_ENCODE, records(stream, section))


def _sqlite_records(stream: Stream, section: Section) -> Iterator[str]:
    """Each record as SQLite's json_object writes it, the moments rewritten in SQL as
    `_moment` rewrites them. A row holding a moment in another form (none that crm writes;
    found first, by a quicker scan) is encoded by Python instead."""
    moments = [c for c in section.columns if c in section.moments]
    odd = set()
    if moments:
        other = " OR ".join(f"({c} IS NOT NULL AND NOT {_canonical(c)})" for c in moments)
        odd = {id_ for (id_,) in stream(f"SELECT id FROM {section.table} WHERE {other}", {})}
    fields = []
    for column in section.columns:
        kind = section.kind(column)
        if kind == "moment":
            value = _iso_in_sql(column)
        elif kind == "flag":
            value = (
                f"CASE WHEN {column} IS NULL THEN NULL"
                f" WHEN {column} THEN json('true') ELSE json('false') END"
            )
        else:
            value = column
        fields.append(f"'{column}', {value}")
    sql = f"SELECT json_object({', '.join(fields)}), id FROM {section.table} ORDER BY id"
    by_id = f"SELECT {', '.join(section.columns)} FROM {section.table} WHERE id = :id"
    for line, id_ in stream(sql, {}):
        if id_ in odd:
            (row,) = list(stream(by_id, {"id": id_}))
            yield _ENCODE(_plain(section, row))
        else:
            yield line


def _canonical(column: str) -> str:
    """SQL: the stored moment is text as SQLAlchemy writes it, 'YYYY-MM-DD HH:MM:SS.ffffff'."""
    return (
        f"(length({column}) = 26 AND substr({column}, 11, 1) = ' '"
        f" AND substr({column}, 20, 1) = '.')"
    )


def _iso_in_sql(column: str) -> str:
    """SQL: `_moment` of a canonical stored moment (NULL stays NULL)."""
    return (
        f"CASE WHEN substr({column}, 20) = '.000000'"
        f" THEN replace(substr({column}, 1, 19), ' ', 'T')"
        f" ELSE replace({column}, ' ', 'T') END || '+00:00'"
    )


def write_csv(out: BinaryIO, *, stream: Stream, section: Section) -> int:
    """One table as CSV for spreadsheets (see the module's docstring); the rows written."""
    text_ = io.TextIOWrapper(out, encoding="utf-8-sig", newline="", write_through=False)
    writer = csv.writer(text_)
    writer.writerow(section.columns)
    n = 0
    for record in records(stream, section):
        writer.writerow([_cell(record[c]) for c in section.columns])
        n += 1
    text_.flush()
    text_.detach()  # the caller owns `out`
    return n


def write_csv_zip(out: BinaryIO, *, stream: Stream, now: datetime) -> dict[str, int]:
    """Every table as CSV, one file each, in a zip archive; the counts written."""
    written = {}
    with zipfile.ZipFile(out, "w") as archive:
        for section in SECTIONS:
            entry = zipfile.ZipInfo(f"{section.name}.csv", date_time=now.timetuple()[:6])
            entry.external_attr = 0o600 << 16  # unpacked, readable by the user alone
            entry.compress_type = zipfile.ZIP_DEFLATED
            with archive.open(entry, "w") as member:
                written[section.name] = write_csv(member, stream=stream, section=section)  # type: ignore[arg-type]
    return written


def records(stream: Stream, section: Section) -> Iterator[dict[str, Any]]:
    """A table's rows by id, as dicts in column order, read as they are used.

    Values come as the driver gives them and are made plain here: moments and dates as ISO 8601
    text, true and false as booleans; the same text from SQLite as from PostgreSQL.
    """
    query = f"SELECT {', '.join(section.columns)} FROM {section.table} ORDER BY id"
    plain = _plainers(section)
    for row in stream(query, {}):
        yield {
            c: (v if v is None or f is None else f(v))
            for c, v, f in zip(section.columns, row, plain, strict=True)
        }


def _plainers(section: Section) -> list[Callable[[Any], object] | None]:
    return [PLAIN.get(section.kind(c) or "") for c in section.columns]


def _plain(section: Section, row: Any) -> dict[str, Any]:
    return {
        c: (v if v is None or f is None else f(v))
        for c, v, f in zip(section.columns, row, _plainers(section), strict=True)
    }


def _moment(value: datetime | str) -> str:
    """A stored moment as ISO 8601 in UTC, as `datetime.isoformat` writes it."""
    if isinstance(value, str):
        # SQLite holds UTC as 'YYYY-MM-DD HH:MM:SS.ffffff': rewritten, not parsed
        if len(value) == 26 and value[10] == " " and value[19] == ".":
            fraction = "" if value.endswith(".000000") else value[19:]
            return f"{value[:10]}T{value[11:19]}{fraction}+00:00"
        value = datetime.fromisoformat(value)
        if value.tzinfo is None:
            value = value.replace(tzinfo=UTC)
    return value.astimezone(UTC).isoformat()


def _day(value: date | str) -> str:
    return value if isinstance(value, str) else value.isoformat()


# how a value of each kind is made plain for JSON and CSV (the others are already)
PLAIN: dict[str, Callable[[Any], object]] = {"moment": _moment, "day": _day, "flag": bool}


def _cell(value: object) -> str:
    if value is None:
        return ""
    if isinstance(value, bool):
        return "true" if value else "false"
    if isinstance(value, date | datetime):
        return value.isoformat()
    if isinstance(value, str) and value.startswith(FORMULA_STARTS):
        return "'" + value
    return str(value)
