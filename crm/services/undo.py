"""`crm undo`: take back the last record-keeping command, exactly, or say why not.

Database triggers (crm/journal.py) write every change to the user's tables into `undo_row`.
A record-keeping command keeps only its own rows there and stamps `undo_entry` with what it
was and the write count after it (`remember`, crm/journal.py). Undo puts each row back in
reverse order (removes what was inserted, restores what was updated, inserts again what was
deleted), so the tasks the plan made, closed or moved in the same transaction come back with
the rest. It refuses when anything was written since: the change counter moved, or the
journal holds rows that are not the command's.

Why triggers rather than a before/after snapshot: a snapshot of the affected tables costs a
full read of them on every command, and the plan writes with plain SQL that ORM events never
see; triggers see every write, cost one small insert per row written, and are exact.
"""

import json
from dataclasses import dataclass, field
from datetime import datetime
from itertools import groupby
from typing import Any

from sqlalchemy import delete, text
from sqlmodel import Session, col, select

from crm.errors import Conflict, NotFound
from crm.models import ChangeCounter, UndoEntry, UndoRow

# What undoing each kind of write does to the row, in the user's words.
EFFECT = {"insert": "removed", "update": "restored", "delete": "brought back"}
CHUNK = 500


@dataclass
class Effect:
    verb: str  # removed, restored, brought back
    table: str
    ids: list[int] = field(default_factory=list)


@dataclass
class Undone:
    label: str
    done_at: datetime
    effects: list[Effect]


def last_command(*, session: Session) -> Undone:
    """What `crm undo` would take back; NotFound or Conflict (with the reason) when nothing."""
    entry, rows = _pending(session)
    return Undone(entry.label, entry.done_at, _effects(rows))


def undo_last(*, session: Session) -> Undone:
    if _postgres(session):
        from crm.services.plan import lock_for_writing

        # in the order every writer takes them (the counter, then the journal): crm's writers
        # queue behind the undo; a write from outside crm already under way makes it wait,
        # then refuse (that write's rows are in the journal)
        lock_for_writing(session)
        session.execute(text("LOCK TABLE undo_row IN EXCLUSIVE MODE"))
    entry, rows = _pending(session)
    for (table, op), run in groupby(reversed(rows), key=lambda r: (r.table_name, r.op)):
        _put_back(session, table, op, list(run))
    session.execute(delete(UndoEntry))
    session.flush()
    return Undone(entry.label, entry.done_at, _effects(rows))


def _pending(session: Session) -> tuple[UndoEntry, list[UndoRow]]:
    entry = session.get(UndoEntry, 1)
    if entry is None:
        raise NotFound(
            "nothing to undo: no record-keeping command since the last undo, or since this "
            "database was upgraded"
        )
    mine = (
        col(UndoRow.tx) == entry.tx
        if _postgres(session)
        else col(UndoRow.seq).between(entry.first_seq, entry.last_seq)
    )
    since = list(session.exec(select(UndoRow).where(~mine).order_by(col(UndoRow.seq))))
    moved = _changes(session) != entry.changes
    if since or moved:
        what = f" ({_summary(_effects(since), 'changed')})" if since else ""
        raise Conflict(
            f"cannot undo `{entry.label}`: the database changed since{what}, by another crm, "
            "the daemon or a plan run; nothing was undone"
        )
    rows = list(session.exec(select(UndoRow).where(mine).order_by(col(UndoRow.seq))))
    return entry, rows


def _put_back(session: Session, table: str, op: str, rows: list[UndoRow]) -> None:
    if op == "insert":
        ids = [r.row_id for r in rows]
        for start in range(0, len(ids), CHUNK):
            chunk = ids[start : start + CHUNK]
            session.execute(text(f"DELETE FROM {table} WHERE id IN ({', '.join(map(str, chunk))})"))
        return
    for row in rows:
        assert row.old is not None
        if _postgres(session):
            _put_back_postgres(session, table, op, row)
        else:
            _put_back_sqlite(session, table, op, row)


def _put_back_sqlite(session: Session, table: str, op: str, row: UndoRow) -> None:
    # the JSON holds the values exactly as SQLite stored them (text dates, 0/1 booleans)
    old: dict[str, Any] = json.loads(row.old or "{}")
    names = list(old)
    params = {f"p{i}": old[name] for i, name in enumerate(names)}
    if op == "update":
        sets = ", ".join(f'"{name}" = :p{i}' for i, name in enumerate(names))
        session.execute(
            text(f"UPDATE {table} SET {sets} WHERE id = :row_id"), {**params, "row_id": row.row_id}
        )
    else:
        columns = ", ".join(f'"{name}"' for name in names)
        values = ", ".join(f":p{i}" for i in range(len(names)))
        session.execute(text(f"INSERT INTO {table} ({columns}) VALUES ({values})"), params)


def _put_back_postgres(session: Session, table: str, op: str, row: UndoRow) -> None:
    # json_populate_record gives every value its column's type back, as row_to_json wrote it
    record = f"json_populate_record(NULL::{table}, CAST(:old AS json))"
    if op == "update":
        names = ", ".join(f'"{name}"' for name in json.loads(row.old or "{}"))
        statement = f"UPDATE {table} SET ({names}) = (SELECT {names} FROM {record}) WHERE id = :id"
        session.execute(text(statement), {"old": row.old, "id": row.row_id})
    else:
        session.execute(text(f"INSERT INTO {table} SELECT * FROM {record}"), {"old": row.old})


def _effects(rows: list[UndoRow]) -> list[Effect]:
    """Each row once, by what undoing the command does to it (its first write decides)."""
    seen: dict[tuple[str, int], str] = {}
    for row in rows:
        seen.setdefault((row.table_name, row.row_id), EFFECT[row.op])
    effects: dict[tuple[str, str], Effect] = {}
    for (table, row_id), verb in seen.items():
        effects.setdefault((verb, table), Effect(verb, table)).ids.append(row_id)
    return list(effects.values())


def _summary(effects: list[Effect], verb: str | None = None) -> str:
    parts = [
        f"{verb or e.verb} {len(e.ids)} {e.table}{'' if len(e.ids) == 1 else 's'}" for e in effects
    ]
    return ", ".join(parts)


def _changes(session: Session) -> int:
    return session.exec(select(ChangeCounter.changes).where(ChangeCounter.id == 1)).one()


def _postgres(session: Session) -> bool:
    return session.get_bind().dialect.name == "postgresql"
