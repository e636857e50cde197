"""The undo journal's triggers: every write to the user's tables, as the database saw it.

Each insert, update and delete on a journaled table adds one `undo_row`: the table, the row's
id, what happened, and (for an update or a delete) the whole row before it, as JSON. Triggers
see everything: the ORM's writes, the follow-up plan's plain SQL, an import's bulk
inserts. So `crm undo` can put back exactly what a command changed, without each service having
to remember it (crm/services/undo.py reads the journal).

SQLite's triggers name every column (it has no row_to_json), so they must be made again when a
table gains a column, and a batch migration that rebuilds a table drops them: `install` runs
at the end of every upgrade (crm/migrations.py) and of migration 0007, and drops and remakes
them from the live schema.

A record-keeping command marks where the journal stood before it (`journal_mark`) and, once
written, keeps only its own rows and stamps `undo_entry` (`remember`), in plain SQL that the
standard library's sqlite3 runs as well as a session (crm/store.py).
"""

from __future__ import annotations

from typing import TYPE_CHECKING

if TYPE_CHECKING:
    from datetime import datetime

    from sqlalchemy import Connection

    from crm.store import Store

# What the user wrote. plan_state and change_counter are bookkeeping, and the journal itself is
# not journaled.
JOURNALED = (
    "employer",
    "contact",
    "job",
    "touchpoint",
    "task",
    "employment",
    "job_move",  # since migration 0009, like contact_tag: journaled where the schema has them
    "contact_tag",
)
EVENTS = ("insert", "update", "delete")
TX = "txid_current()"
JOURNAL_ROW = "INSERT INTO undo_row (table_name, row_id, op, old, tx) VALUES"


def journal_mark(db: Store) -> int:
    """The journal's last row before a command begins."""
    return int(db.rows("SELECT max(seq) FROM undo_row")[0][0] or 0)


def remember(db: Store, *, now: datetime, label: str, since: int) -> None:
    """Make the command that wrote the journal rows after `since` the one undo takes back.
    On PostgreSQL its rows are its transaction's (a concurrent writer's rows have another)."""
    tx = None if db.sqlite else db.rows("SELECT txid_current()")[0][0]
    mine, params = ("seq > :since", {"since": since}) if db.sqlite else ("tx = :tx", {"tx": tx})
    first, last = db.rows(f"SELECT min(seq), max(seq) FROM undo_row WHERE {mine}", params)[0]
    if first is None:
        return  # it wrote nothing: the command before it can still be undone
    db.run(f"DELETE FROM undo_row WHERE NOT ({mine})", params)
    db.run(
        "INSERT INTO undo_entry (id, label, done_at, first_seq, last_seq, changes, tx)"
        " VALUES (1, :label, :now, :first, :last,"
        " (SELECT changes FROM change_counter WHERE id = 1), :tx)"
        " ON CONFLICT (id) DO UPDATE SET label = excluded.label, done_at = excluded.done_at,"
        " first_seq = excluded.first_seq, last_seq = excluded.last_seq,"
        " changes = excluded.changes, tx = excluded.tx",
        {"label": label, "now": now, "first": first, "last": last, "tx": tx},
    )


def install(connection: Connection) -> None:
    """(Re)make the triggers for the schema as it is now, and forget the journal: a command
    recorded under another schema cannot be put back column for column."""
    uninstall(connection)
    tables = _present(connection)
    if connection.dialect.name == "sqlite":
        for table in tables:
            _sqlite_triggers(connection, table)
    else:
        connection.exec_driver_sql(
            "CREATE FUNCTION crm_journal_row() RETURNS trigger LANGUAGE plpgsql AS $$ BEGIN "
            "IF TG_OP = 'INSERT' THEN "
            f"{JOURNAL_ROW} (TG_TABLE_NAME, NEW.id, 'insert', NULL, {TX}); ELSE "
            f"{JOURNAL_ROW} (TG_TABLE_NAME, OLD.id, lower(TG_OP), row_to_json(OLD)::text, {TX}); "
            "END IF; RETURN NULL; END $$"
        )
        for table in tables:
            connection.exec_driver_sql(
                f"CREATE TRIGGER crm_journal_{table} AFTER INSERT OR UPDATE OR DELETE ON {table} "
                "FOR EACH ROW EXECUTE FUNCTION crm_journal_row()"
            )
    connection.exec_driver_sql("DELETE FROM undo_row")
    connection.exec_driver_sql("DELETE FROM undo_entry")


def uninstall(connection: Connection) -> None:
    sqlite = connection.dialect.name == "sqlite"
    for table in _present(connection):
        if sqlite:
            for event in EVENTS:
                connection.exec_driver_sql(f"DROP TRIGGER IF EXISTS crm_journal_{table}_{event}")
        else:
            connection.exec_driver_sql(f"DROP TRIGGER IF EXISTS crm_journal_{table} ON {table}")
    if not sqlite:
        connection.exec_driver_sql("DROP FUNCTION IF EXISTS crm_journal_row()")


def _present(connection: Connection) -> list[str]:
    """The journaled tables this schema has (a downgrade may be below the newer ones)."""
    from sqlalchemy import inspect

    have = set(inspect(connection).get_table_names())
    return [table for table in JOURNALED if table in have]


def installed(connection: Connection) -> bool:
    """Whether this schema has a journal (it came with migration 0007)."""
    from sqlalchemy import inspect

    return inspect(connection).has_table("undo_row")


def _sqlite_triggers(connection: Connection, table: str) -> None:
    columns = [row[1] for row in connection.exec_driver_sql(f"PRAGMA table_info({table})")]
    old = "json_object(" + ", ".join(f"'{c}', OLD.\"{c}\"" for c in columns) + ")"
    values = {
        "insert": f"'{table}', NEW.id, 'insert', NULL, NULL",
        "update": f"'{table}', OLD.id, 'update', {old}, NULL",
        "delete": f"'{table}', OLD.id, 'delete', {old}, NULL",
    }
    for event in EVENTS:
        connection.exec_driver_sql(
            f"CREATE TRIGGER crm_journal_{table}_{event} AFTER {event.upper()} ON {table} "
            f"BEGIN {JOURNAL_ROW} ({values[event]}); END"
        )
