"""Names compared without accents, and the journal `crm undo` reads

Revision ID: 0007
Revises: 0006
Create Date: 2026-12-01

name_key is now casefolded *and* stripped of accents (NFKD), so "maria" finds María: every
stored key is computed again. Employer keys are unique; two employers whose names differ only
by accents ("Élan", "Elan") would now share one, so the later one keeps the key with " #ID"
after it: lookups find both by name and ask which (and `crm employer merge` makes them one).

undo_row and undo_entry hold the last record-keeping command's writes, recorded by triggers
(crm/journal.py, which makes them again after every later migration).
"""

import unicodedata
from collections.abc import Sequence

import sqlalchemy as sa
import sqlmodel.sql.sqltypes
from alembic import op

from crm import journal

revision: str = "0007"
down_revision: str | None = "0006"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None

text = sqlmodel.sql.sqltypes.AutoString
moment = sqlmodel.sql.sqltypes.UTCDateTime


def folded(name: str) -> str:
    """name_key as of this migration (crm/services/text.py), kept here as it was then."""
    bare = "".join(
        c for c in unicodedata.normalize("NFKD", name.casefold()) if not unicodedata.combining(c)
    )
    return " ".join(unicodedata.normalize("NFKC", bare).casefold().split())


def casefolded(name: str) -> str:
    """name_key before this migration."""
    return " ".join(name.casefold().split())


def rekey(table: str, key_of, unique: bool) -> None:  # type: ignore[no-untyped-def]
    connection = op.get_bind()
    rows = connection.execute(sa.text(f"SELECT id, name, name_key FROM {table} ORDER BY id"))
    keys: dict[int, str] = {}
    taken: set[str] = set()
    for id_, name, _ in rows.fetchall():
        key = key_of(name)
        if unique and key in taken:
            key = f"{key} #{id_}"
        taken.add(key)
        keys[id_] = key
    if not keys:
        return
    if unique:
        # two passes, so that no key is briefly held by two rows
        update = sa.text(f"UPDATE {table} SET name_key = :key WHERE id = :id")
        connection.execute(update, [{"id": i, "key": f"\x01{i}"} for i in keys])
        connection.execute(update, [{"id": i, "key": k} for i, k in keys.items()])
    else:
        update = sa.text(f"UPDATE {table} SET name_key = :key WHERE id = :id")
        connection.execute(update, [{"id": i, "key": k} for i, k in keys.items()])


def upgrade() -> None:
    rekey("contact", folded, unique=False)
    rekey("employer", folded, unique=True)
    op.create_table(
        "undo_row",
        sa.Column("seq", sa.Integer(), nullable=False),
        sa.Column("table_name", text(), nullable=False),
        sa.Column("row_id", sa.Integer(), nullable=False),
        sa.Column("op", text(), nullable=False),
        sa.Column("old", text(), nullable=True),
        sa.Column("tx", sa.BigInteger(), nullable=True),
        sa.PrimaryKeyConstraint("seq", name=op.f("pk_undo_row")),
    )
    op.create_table(
        "undo_entry",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("label", text(), nullable=False),
        sa.Column("done_at", moment(), nullable=False),
        sa.Column("first_seq", sa.Integer(), nullable=False),
        sa.Column("last_seq", sa.Integer(), nullable=False),
        sa.Column("changes", sa.Integer(), nullable=False),
        sa.Column("tx", sa.BigInteger(), nullable=True),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_undo_entry")),
    )
    journal.install(op.get_bind())


def downgrade() -> None:
    journal.uninstall(op.get_bind())
    op.drop_table("undo_entry")
    op.drop_table("undo_row")
    # casefolded keys are finer than folded ones: still unique
    rekey("employer", casefolded, unique=True)
    rekey("contact", casefolded, unique=False)
