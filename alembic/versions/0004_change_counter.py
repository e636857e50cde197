"""change_counter: database triggers count every write the follow-up plan depends on

Revision ID: 0004
Revises: 0003
Create Date: 2026-11-26

SQLite drops a table's triggers when a batch migration rebuilds the table: a later migration
that rebuilds one of COUNTED must call `create_triggers` again for it
(tests/test_migrations.py checks every counted table has its triggers at head).
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "0004"
down_revision: str | None = "0003"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None

COUNTED = ("contact", "job", "touchpoint", "task")
EVENTS = ("insert", "update", "delete")
BUMP = "UPDATE change_counter SET changes = changes + 1 WHERE id = 1"


def create_triggers(table: str) -> None:
    if op.get_bind().dialect.name == "sqlite":
        for event in EVENTS:
            op.execute(
                f"CREATE TRIGGER crm_count_{table}_{event} AFTER {event.upper()} ON {table} "
                f"BEGIN {BUMP}; END"
            )
    else:
        op.execute(
            f"CREATE TRIGGER crm_count_{table} AFTER INSERT OR UPDATE OR DELETE ON {table} "
            "FOR EACH STATEMENT EXECUTE FUNCTION crm_count_change()"
        )


def drop_triggers(table: str) -> None:
    if op.get_bind().dialect.name == "sqlite":
        for event in EVENTS:
            op.execute(f"DROP TRIGGER IF EXISTS crm_count_{table}_{event}")
    else:
        op.execute(f"DROP TRIGGER IF EXISTS crm_count_{table} ON {table}")


def upgrade() -> None:
    op.create_table(
        "change_counter",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("changes", sa.Integer(), nullable=False),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_change_counter")),
    )
    op.execute("INSERT INTO change_counter (id, changes) VALUES (1, 0)")
    with op.batch_alter_table("plan_state") as batch:
        batch.add_column(
            # -1 matches no count: the plan runs once after this migration
            sa.Column("changes_planned", sa.Integer(), nullable=False, server_default="-1")
        )
    if op.get_bind().dialect.name != "sqlite":
        op.execute(
            "CREATE FUNCTION crm_count_change() RETURNS trigger LANGUAGE plpgsql AS "
            f"$$ BEGIN {BUMP}; RETURN NULL; END $$"
        )
    for table in COUNTED:
        create_triggers(table)


def downgrade() -> None:
    for table in COUNTED:
        drop_triggers(table)
    if op.get_bind().dialect.name != "sqlite":
        op.execute("DROP FUNCTION IF EXISTS crm_count_change()")
    with op.batch_alter_table("plan_state") as batch:
        batch.drop_column("changes_planned")
    op.drop_table("change_counter")
