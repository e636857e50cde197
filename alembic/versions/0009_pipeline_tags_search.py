"""the job search: dated job moves, offer deadlines, interviews, tags, cadences and a search index

Revision ID: 0009
Revises: 0008
Create Date: 2026-12-01

- job_move: every change of a job's status, dated; each existing job's current status becomes
  its first move (on its rejection day, else its application day, else the day it was added).
  The status `hired` is now `accepted`.
- touchpoint.job_id: the process a touch belongs to (an interview).
- contact.every: a contact's own keep-in-touch cadence.
- contact_tag: tags.
- search_index: names, employers, roles, positions, job titles, tags, notes and every
  touchpoint's text, kept current by triggers and built here for the rows already stored.
  SQLite: an FTS5 table (unicode61, accents removed). PostgreSQL: a table with a tsvector of the
  unaccented text (the `unaccent` extension) and a GIN index.

A row of search_index has the id `source row id * 64 + source * 8 + field` (SOURCES below), so a
trigger replaces a row's entries by an id range and crm/services/search.py tells from the id
what was hit. SQLite drops a table's triggers when a batch migration rebuilds it: a later
migration that rebuilds one of SOURCES' tables must create its search triggers again.
"""

from collections.abc import Sequence

import sqlalchemy as sa
import sqlmodel.sql.sqltypes
from alembic import op

revision: str = "0009"
down_revision: str | None = "0008"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None

text = sqlmodel.sql.sqltypes.AutoString
moment = sqlmodel.sql.sqltypes.UTCDateTime

# table -> (source number, the indexed expressions by field number; {r} is the row)
SOURCES: dict[str, tuple[int, tuple[str, ...]]] = {
    "contact": (
        0,
        (
            "{r}.name",
            # the roles worth finding; `other` and an import's `connection` would only add a row
            # for nearly every contact
            "CASE WHEN {r}.role IN ('other', 'connection') THEN NULL "
            "ELSE replace({r}.role, '-', ' ') END",
            "{r}.position",
            "{r}.notes",
        ),
    ),
    "employer": (1, ("{r}.name", "{r}.notes")),
    "job": (2, ("{r}.title",)),
    "touchpoint": (3, ("{r}.summary", "{r}.body")),
    "contact_tag": (4, ("{r}.tag",)),
}
COUNT_BUMP = "UPDATE change_counter SET changes = changes + 1 WHERE id = 1"


def _is_sqlite() -> bool:
    return op.get_bind().dialect.name == "sqlite"


def _entries(table: str, row: str, sources: dict[str, tuple[int, tuple[str, ...]]]) -> str:
    """SELECT the (id, text) entries of one row (`row` is NEW, OLD or the table's name)."""
    source, fields = sources[table]
    entries = " UNION ALL ".join(
        f"SELECT {row}.id * 64 + {source * 8 + n} AS id, {expr.format(r=row)} AS body"
        for n, expr in enumerate(fields)
    )
    return f"SELECT e.id, e.body FROM ({entries}) AS e WHERE e.body IS NOT NULL AND e.body <> ''"


def _span(table: str, row: str) -> str:
    source, _ = SOURCES[table]
    return f"{row}.id * 64 + {source * 8} AND {row}.id * 64 + {source * 8 + 7}"


def _insert(select: str) -> str:
    if _is_sqlite():
        return f"INSERT INTO search_index (rowid, body) {select}"
    return (
        "INSERT INTO search_index (id, body, document) "
        f"SELECT s.id, s.body, to_tsvector('simple', unaccent(s.body)) FROM ({select}) AS s"
    )


def create_search_triggers(
    table: str, sources: dict[str, tuple[int, tuple[str, ...]]] = SOURCES
) -> None:
    """The triggers that keep `table`'s entries current (0011 reuses them with its fields)."""
    if _is_sqlite():
        op.execute(
            f"CREATE TRIGGER crm_search_{table}_insert AFTER INSERT ON {table} "
            f"BEGIN {_insert(_entries(table, 'new', sources))}; END"
        )
        op.execute(
            f"CREATE TRIGGER crm_search_{table}_update AFTER UPDATE ON {table} "
            f"BEGIN DELETE FROM search_index WHERE rowid BETWEEN {_span(table, 'old')}; "
            f"{_insert(_entries(table, 'new', sources))}; END"
        )
        op.execute(
            f"CREATE TRIGGER crm_search_{table}_delete AFTER DELETE ON {table} "
            f"BEGIN DELETE FROM search_index WHERE rowid BETWEEN {_span(table, 'old')}; END"
        )
        return
    op.execute(
        f"CREATE FUNCTION crm_search_{table}() RETURNS trigger LANGUAGE plpgsql AS $$ BEGIN "
        f"IF TG_OP <> 'INSERT' THEN "
        f"DELETE FROM search_index WHERE id BETWEEN {_span(table, 'OLD')}; END IF; "
        f"IF TG_OP <> 'DELETE' THEN {_insert(_entries(table, 'NEW', sources))}; END IF; "
        "RETURN NULL; END $$"
    )
    op.execute(
        f"CREATE TRIGGER crm_search_{table} AFTER INSERT OR UPDATE OR DELETE ON {table} "
        f"FOR EACH ROW EXECUTE FUNCTION crm_search_{table}()"
    )


def drop_search_triggers(table: str) -> None:
    if _is_sqlite():
        for event in ("insert", "update", "delete"):
            op.execute(f"DROP TRIGGER IF EXISTS crm_search_{table}_{event}")
    else:
        op.execute(f"DROP TRIGGER IF EXISTS crm_search_{table} ON {table}")
        op.execute(f"DROP FUNCTION IF EXISTS crm_search_{table}()")


def create_count_triggers(table: str) -> None:
    """The change counter's triggers (as 0004 made them) on a table the plan reads."""
    if _is_sqlite():
        for event in ("insert", "update", "delete"):
            op.execute(
                f"CREATE TRIGGER crm_count_{table}_{event} AFTER {event.upper()} ON {table} "
                f"BEGIN {COUNT_BUMP}; END"
            )
    else:
        op.execute(
            f"CREATE TRIGGER crm_count_{table} AFTER INSERT OR UPDATE OR DELETE ON {table} "
            "FOR EACH STATEMENT EXECUTE FUNCTION crm_count_change()"
        )


def drop_count_triggers(table: str) -> None:
    if _is_sqlite():
        for event in ("insert", "update", "delete"):
            op.execute(f"DROP TRIGGER IF EXISTS crm_count_{table}_{event}")
    else:
        op.execute(f"DROP TRIGGER IF EXISTS crm_count_{table} ON {table}")


def _search_index() -> None:
    if _is_sqlite():
        op.execute(
            "CREATE VIRTUAL TABLE search_index USING fts5("
            "body, tokenize = 'unicode61 remove_diacritics 2')"
        )
    else:
        op.execute("CREATE EXTENSION IF NOT EXISTS unaccent")
        op.execute(
            "CREATE TABLE search_index (id BIGINT PRIMARY KEY, body TEXT NOT NULL, "
            "document TSVECTOR NOT NULL)"
        )
        op.execute("CREATE INDEX ix_search_index_document ON search_index USING GIN (document)")
    for table, (source, fields) in SOURCES.items():
        # the rows already stored, field by field
        for n, expr in enumerate(fields):
            value = expr.format(r=table)
            op.execute(
                _insert(
                    f"SELECT {table}.id * 64 + {source * 8 + n} AS id, {value} AS body FROM {table} "
                    f"WHERE {value} IS NOT NULL AND {value} <> ''"
                )
            )
        create_search_triggers(table)


def upgrade() -> None:
    op.create_table(
        "job_move",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("job_id", sa.Integer(), nullable=False),
        sa.Column("status", text(), nullable=False),
        sa.Column("moved_on", sa.Date(), nullable=False),
        sa.Column("deadline", sa.Date(), nullable=True),
        sa.Column("created_at", moment(), nullable=False),
        sa.ForeignKeyConstraint(["job_id"], ["job.id"], name=op.f("fk_job_move_job_id_job")),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_job_move")),
    )
    op.create_index(op.f("ix_job_move_job_id"), "job_move", ["job_id"])
    op.execute("UPDATE job SET status = 'accepted' WHERE status = 'hired'")
    first_day = "COALESCE(CASE WHEN status = 'rejected' THEN rejected_on END, applied_on, {})"
    created_day = "date(created_at)" if _is_sqlite() else "CAST(created_at AS DATE)"
    op.execute(
        "INSERT INTO job_move (job_id, status, moved_on, created_at) "
        f"SELECT id, status, {first_day.format(created_day)}, created_at FROM job ORDER BY id"
    )
    create_count_triggers("job_move")

    op.create_table(
        "contact_tag",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("contact_id", sa.Integer(), nullable=False),
        sa.Column("tag", text(), nullable=False),
        sa.Column("tag_key", text(), nullable=False),
        sa.ForeignKeyConstraint(
            ["contact_id"], ["contact.id"], name=op.f("fk_contact_tag_contact_id_contact")
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_contact_tag")),
        sa.UniqueConstraint("contact_id", "tag_key", name="uq_contact_tag_contact"),
    )
    op.create_index(op.f("ix_contact_tag_tag_key"), "contact_tag", ["tag_key"])

    with op.batch_alter_table("contact") as batch:
        batch.add_column(sa.Column("every", text(), nullable=True))
    with op.batch_alter_table("touchpoint") as batch:
        batch.add_column(sa.Column("job_id", sa.Integer(), nullable=True))
        batch.create_foreign_key(op.f("fk_touchpoint_job_id_job"), "job", ["job_id"], ["id"])
    if _is_sqlite():  # the rebuild of touchpoint dropped its triggers
        drop_count_triggers("touchpoint")
        create_count_triggers("touchpoint")
    _search_index()


def downgrade() -> None:
    for table in SOURCES:
        drop_search_triggers(table)
    op.execute("DROP TABLE search_index")  # unaccent stays: other databases' users may need it
    with op.batch_alter_table("touchpoint") as batch:
        batch.drop_constraint(op.f("fk_touchpoint_job_id_job"), type_="foreignkey")
        batch.drop_column("job_id")
    if _is_sqlite():
        drop_count_triggers("touchpoint")
        create_count_triggers("touchpoint")
    with op.batch_alter_table("contact") as batch:
        batch.drop_column("every")
    if _is_sqlite():  # the rebuild of contact dropped its triggers
        drop_count_triggers("contact")
        create_count_triggers("contact")
    op.drop_table("contact_tag")
    drop_count_triggers("job_move")
    op.drop_table("job_move")
    # the statuses the older schema knew
    for new, old in (("accepted", "hired"), ("saved", "applied"), ("screening", "applied")):
        op.execute(f"UPDATE job SET status = '{old}' WHERE status = '{new}'")
