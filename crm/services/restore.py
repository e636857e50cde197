"""A `crm export --format json` document read back: checked whole, then restored.

Every field is checked by the rules the commands apply, so a file edited by hand or written by
something else cannot put into the database what crm itself never would. Restoring is into an
empty database only, ids and all (crm/services/exports.py writes the document).
"""

import json
import types
from datetime import UTC, date, datetime
from enum import StrEnum
from typing import Any, Union, get_args, get_origin

from sqlalchemy import func, insert, text
from sqlmodel import Session, SQLModel, select

from crm.dates import RANGE, in_range
from crm.errors import BadInput, Conflict
from crm.kinds import Direction, JobStatus, Role, TaskKind, TaskStatus, TouchKind
from crm.models import Contact, ContactTag, Employer, Employment, Job, JobMove, Task, Touchpoint
from crm.services.cadence import parse_every
from crm.services.contacts import LONGEST_URL, check_email
from crm.services.exports import FORMAT, VERSION, counted
from crm.services.jobs import MOST_RANK
from crm.services.lookup import LARGEST_ID, clean_name, name_key
from crm.services.plan import touched
from crm.services.text import LONGEST

# What version 2 added: an export of version 1 is read with these as empty or null.
ADDED_IN_2 = {"contacts": "every", "touchpoints": "job_id", "job_moves": None, "contact_tags": None}
# the export's sections (crm/services/exports.py SECTIONS), each with its table's model
SECTIONS: tuple[tuple[str, type[SQLModel]], ...] = (
    ("employers", Employer),
    ("contacts", Contact),
    ("jobs", Job),
    ("touchpoints", Touchpoint),
    ("tasks", Task),
    ("employment", Employment),
    ("job_moves", JobMove),
    ("contact_tags", ContactTag),
)
CHOICES: dict[tuple[str, str], type[StrEnum]] = {
    ("contacts", "role"): Role,
    ("jobs", "status"): JobStatus,
    ("job_moves", "status"): JobStatus,
    ("touchpoints", "kind"): TouchKind,
    ("touchpoints", "direction"): Direction,
    ("tasks", "kind"): TaskKind,
    ("tasks", "status"): TaskStatus,
}


def read_export(text_: str, name: str) -> dict[str, Any]:
    """A document `crm export --format json` wrote, checked whole; BadInput otherwise.

    Every field is checked by the rules the commands apply (a name as `crm contact add` takes
    it, an id PostgreSQL can hold, a date in crm's range...), and what crm derives (the
    case-folded `name_key`) is computed again, never taken from the file. The first bad record
    is named by its section and index, never by what it holds: the message may end up in a
    terminal's scrollback or a bug report, and the record is someone's personal data.
    """
    try:
        document = json.loads(text_)
    except json.JSONDecodeError as error:
        raise BadInput(
            f"{name} is not JSON (line {error.lineno}, column {error.colno}: {error.msg})"
        ) from None
    except (ValueError, RecursionError):  # a number of 5,000 digits; arrays nested 100,000 deep
        raise BadInput(f"{name} is not a crm export: a number or a nesting too large") from None
    if not isinstance(document, dict) or document.get("format") != FORMAT:
        raise BadInput(f'{name} is not a crm export: it has no "format": "{FORMAT}"')
    version = document.get("version")
    if type(version) is not int:  # true == 1 in Python, not in JSON; and never echo text
        raise BadInput(
            f'{name}: its "version" is not a whole number; this crm reads 1 and {VERSION}'
        )
    if version not in (1, VERSION):
        raise BadInput(
            f"{name} is a crm export of version {version}; this crm reads 1 and {VERSION}"
        )
    if version == 1:
        _upgrade_version_1(document)
    restored: dict[str, Any] = {}
    for section, model in SECTIONS:
        records = document.get(section)
        if not isinstance(records, list):
            raise BadInput(f'{name}: "{section}" is missing or not a list')
        restored[section] = [
            _record(section, model, i, record, name) for i, record in enumerate(records)
        ]
    _check_keys(restored, name)
    return restored


def _upgrade_version_1(document: dict[str, Any]) -> None:
    for section, field in ADDED_IN_2.items():
        records = document.setdefault(section, [])
        if field is not None and isinstance(records, list):
            for record in records:
                if isinstance(record, dict):
                    record.setdefault(field, None)


def restore(*, session: Session, document: dict[str, Any]) -> dict[str, int]:
    """Put a checked export into this database, which must be empty; the counts restored."""
    touched(session, everything=True)  # Core inserts: the plan runs for everything after
    held = {s: session.exec(select(func.count()).select_from(m)).one() for s, m in SECTIONS}
    if any(held.values()):
        what = counted({s: n for s, n in held.items() if n})
        raise Conflict(
            f"crm import json restores into an empty database, and this one holds {what}; "
            "restore into a new one: crm --db NEW.db import json FILE"
        )
    for section, model in SECTIONS:
        if document[section]:
            session.execute(insert(model.__table__), document[section])  # type: ignore[attr-defined]
    if session.get_bind().dialect.name == "postgresql":
        _advance_sequences(session)
    session.flush()
    return {section: len(document[section]) for section, _ in SECTIONS}


def _columns(model: type[SQLModel]) -> list[str]:
    return [column.key for column in model.__table__.columns]  # type: ignore[attr-defined]


def _kind(model: type[SQLModel], field: str) -> tuple[type, bool]:
    """The Python type a column holds, and whether it may be null."""
    annotation = model.model_fields[field].annotation
    if get_origin(annotation) in (Union, types.UnionType):
        args = [a for a in get_args(annotation) if a is not type(None)]
        return args[0], True
    return annotation, False  # type: ignore[return-value]


def _record(
    section: str, model: type[SQLModel], index: int, record: object, name: str
) -> dict[str, Any]:
    where = f"{name}: {section}[{index}]"
    if not isinstance(record, dict):
        raise BadInput(f"{where} is not an object")
    columns = _columns(model)
    unknown = sorted(set(record) - set(columns))
    missing = [c for c in columns if c not in record]
    if unknown or missing:
        wrong = f"unknown field {unknown[0]!r}" if unknown else f"no {missing[0]!r}"
        raise BadInput(f"{where} has {wrong}")
    checked = {c: _value(section, model, c, record[c], f"{where}.{c}") for c in columns}
    if "name_key" in checked:  # derived: computed again, whatever the file says
        checked["name_key"] = name_key(str(checked["name"]))
    return checked


def _stored_cadence(text: str) -> bool:
    """A contact's `every` as `--every` stores it (the message never repeats the text)."""
    try:
        return parse_every(text) == text
    except BadInput:
        return False


def _value(section: str, model: type[SQLModel], field: str, value: object, where: str) -> object:
    kind, nullable = _kind(model, field)
    if field == "id":
        kind, nullable = int, False
    if value is None:
        if nullable:
            return None
        raise BadInput(f"{where} cannot be null")
    try:
        converted = _convert(kind, value)
    except (TypeError, ValueError):
        raise BadInput(f"{where} is not {_KIND_WORDS[kind]}") from None
    choices = CHOICES.get((section, field))
    if choices and converted not in {c.value for c in choices}:
        allowed = ", ".join(c.value for c in choices)
        raise BadInput(f"{where} is not one of {allowed}")
    try:
        return _by_the_rules(section, field, converted)
    except BadInput as error:
        raise BadInput(f"{where}: {error}") from None


# the names the commands check as names (crm/services/lookup.py clean_name)
NAMES = {("employers", "name"): "employer", ("contacts", "name"): "contact"}


def _by_the_rules(section: str, field: str, value: object) -> object:
    """A converted value checked as the command that stores it would check it."""
    if isinstance(value, bool):
        return value
    if isinstance(value, int):
        lowest, highest = (1, MOST_RANK) if field == "finalist_rank" else (1, LARGEST_ID)
        if not lowest <= value <= highest:
            raise BadInput(f"not a whole number from {lowest} to {highest:,}")
        return value
    if isinstance(value, str):
        if (section, field) in NAMES:
            return clean_name(value, NAMES[section, field])
        if len(value) > LONGEST:
            raise BadInput(f"{len(value):,} characters; the most is {LONGEST:,}")
        if field == "email":
            check_email(value)
        if field == "every" and not _stored_cadence(value):
            raise BadInput("not a cadence crm writes (6w, 2m, off)")
        if field == "linkedin_url" and len(value) > LONGEST_URL:
            raise BadInput(f"{len(value):,} characters; the most is {LONGEST_URL}")
        return value
    if isinstance(value, datetime):
        # 0001-01-01T00:00+14:00 is in year 0 in UTC, where it would be stored
        if not (in_range(value.date()) and in_range(_utc_day(value))):
            raise BadInput(RANGE)
    elif isinstance(value, date) and not in_range(value):
        raise BadInput(RANGE)
    return value


_KIND_WORDS = {
    int: "a whole number",
    str: "text (UTF-8, no NUL)",
    bool: "true or false",
    date: "a date like 2026-03-02",
    datetime: "a moment like 2026-03-02T09:00:00+00:00",
}


def _convert(kind: type, value: object) -> object:
    if kind is bool or kind is int:
        if type(value) is not kind:
            raise TypeError
        return value
    if kind is str:
        if not isinstance(value, str) or "\x00" in value:
            raise TypeError
        value.encode("utf-8")  # a lone surrogate ("\ud800") is no text a database can store
        return value
    if not isinstance(value, str):
        raise TypeError
    if kind is datetime:
        moment = datetime.fromisoformat(value)
        if moment.tzinfo is None or not value.isascii():
            raise ValueError
        return moment
    if kind is date and len(value) == 10 and value.isascii():
        return date.fromisoformat(value)
    raise ValueError


def _utc_day(moment: datetime) -> date:
    """The moment's day in UTC, or a day outside crm's range when UTC is past the calendar."""
    try:
        return moment.astimezone(UTC).date()
    except OverflowError:
        return date.min


SAME = {"name_key": "the same name (letter case and spaces aside)", "id": "the same id"}


def _check_keys(document: dict[str, Any], name: str) -> None:
    """Ids and unique values once each, and every reference to a row that is there."""
    tables = {model.__tablename__: section for section, model in SECTIONS}
    ids = {section: {r["id"] for r in document[section]} for section, _ in SECTIONS}
    for section, model in SECTIONS:
        records = document[section]
        for column in model.__table__.columns:  # type: ignore[attr-defined]
            if not (column.primary_key or column.unique):
                continue
            first: dict[object, int] = {}
            for index, record in enumerate(records):
                value = record[column.key]
                if value is None:
                    continue
                if value in first:
                    what = SAME.get(column.key, f"the same {column.key}")
                    raise BadInput(
                        f"{name}: {section}[{index}] has {what} as {section}[{first[value]}]"
                    )
                first[value] = index
        for column in model.__table__.columns:  # type: ignore[attr-defined]
            for foreign in column.foreign_keys:
                target = tables[foreign.column.table.name]
                for record in records:
                    value = record[column.key]
                    if value is not None and value not in ids[target]:
                        raise BadInput(
                            f"{name}: {section} id {record['id']} points at {target} id "
                            f"{value}, which is not in the file"
                        )


def _advance_sequences(session: Session) -> None:
    """Rows restored with their ids leave PostgreSQL's id counters behind: catch them up."""
    for _, model in SECTIONS:
        table = model.__tablename__
        session.execute(
            text(
                f"SELECT setval(pg_get_serial_sequence('{table}', 'id'), "
                f"(SELECT COALESCE(MAX(id), 0) + 1 FROM {table}), false)"
            )
        )
