"""task: on SQLite, an index that holds what a list of open tasks shows, in its order

Revision ID: 0013
Revises: 0012
Create Date: 2026-12-02

`crm task list`, `crm today` and the calendar read open tasks by due date and id with their
kind, title, contact and employer. Through ix_task_status_due (status, due) SQLite found each
task in the index and then looked its row up in the table: for the 8,381 open tasks of the
benchmark's 1x, 26 ms of a `crm task list` that must stay under taskwarrior's `task next`
(~85 ms). This index holds every column those reads take, in their order (the id after the
due date), so the index alone answers them: 18.5 ms (medians of 20 fresh processes each).
It holds the open tasks only (their queries say `status = 'open'`, which SQLite matches to
the index's WHERE): a tenth of the tasks, and closing one only takes its entry out (a whole
index made `crm task done` at 10x 7 ms slower; this one costs nothing measurable).

SQLite only, like its full-text index: it is the database of the commands people run all day
without SQLAlchemy, and a PostgreSQL btree refuses an entry over 2,704 bytes, which a task
title (up to 100,000 characters) can be. So it is not in crm/models.py, and
tests/test_migrations.py knows it as SQLite's own. A batch migration that rebuilds the task
table keeps it: Alembic recreates the indexes it reflects.
"""

from collections.abc import Sequence

import sqlalchemy as sa

from alembic import op

revision: str = "0013"
down_revision: str | None = "0012"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None

NAME = "ix_task_list"
COLUMNS = [
    "status",
    "due",
    "id",
    "kind",
    "title",
    "contact_id",
    "employer_id",
    "rule",
    "created_at",
    "closed_at",
]


def upgrade() -> None:
    if op.get_bind().dialect.name == "sqlite":
        op.create_index(NAME, "task", COLUMNS, sqlite_where=sa.text("status = 'open'"))


def downgrade() -> None:
    if op.get_bind().dialect.name == "sqlite":
        op.drop_index(NAME, table_name="task")
