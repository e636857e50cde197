"""the plan: indexes of its own tasks by contact and of tasks by job, and reply tallies

Revision ID: 0015
Revises: 0014
Create Date: 2026-12-03

ix_task_planned: the plan reads the tasks it made (those with a key) for a batch of 500
contacts at a time. Through ix_task_contact_status_due SQLite found every task of those
contacts and looked each row up to see its key: at the benchmark's 1x, whose 50,000 tasks are
the user's own, 67 ms of a first `crm remind` that returned no row. This index holds the
plan's tasks alone (the queries say `key IS NOT NULL`, which both databases match to its
WHERE), so the user's tasks cost the plan nothing. It is not in crm/models.py (OWN_INDEXES
says why): a model's partial index names each dialect, and naming PostgreSQL's loads that
dialect in every command on SQLite.

ix_task_job_id: after a write, the plan says why a rejection near it made no thank-you (nobody
met, not kept in touch, too late), and first asks whether it made any: tasks by job, which
without an index was a scan of every task, 73 ms of a `crm task done` at 10x (7 ms at 1x).

reply_tally: per contact, the thank-yous and gentle notes sent and how many of each were
answered (crm/services/reply_tally.py). The plan fills it as it reads each history; the
review adds it up for the all-time reply rates, which read every touch otherwise (~90 ms of a
`crm review` at 1x, ~1 s at 10x). It is bookkeeping, like plan_state: it starts empty, and
the plan's new version (PLAN_VERSION 7) re-plans every database once, which fills it. The
downgrade, which drops the tallies, forgets when the plan last ran: so the same crm going
down and up again re-plans everything too. (The upgrade keeps every row it finds, plan_state
included: tests/reliability/test_crash.py holds a killed upgrade to that.)
"""

from collections.abc import Sequence

import sqlalchemy as sa

from alembic import op

revision: str = "0015"
down_revision: str | None = "0014"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None

INDEX = "ix_task_planned"
BY_JOB = "ix_task_job_id"
WHERE = sa.text("key IS NOT NULL")


def upgrade() -> None:
    op.create_index(INDEX, "task", ["contact_id"], sqlite_where=WHERE, postgresql_where=WHERE)
    op.create_index(BY_JOB, "task", ["job_id"])
    op.create_table(
        "reply_tally",
        sa.Column("contact_id", sa.Integer(), nullable=False),
        sa.Column("thank_yous", sa.Integer(), nullable=False),
        sa.Column("thank_yous_answered", sa.Integer(), nullable=False),
        sa.Column("notes", sa.Integer(), nullable=False),
        sa.Column("notes_answered", sa.Integer(), nullable=False),
        sa.ForeignKeyConstraint(
            ["contact_id"],
            ["contact.id"],
            name="fk_reply_tally_contact_id_contact",
            ondelete="CASCADE",
        ),
        sa.PrimaryKeyConstraint("contact_id", name="pk_reply_tally"),
    )


def downgrade() -> None:
    op.drop_table("reply_tally")
    op.execute("DELETE FROM plan_state")  # up again, the next command plans everyone: the tallies
    op.drop_index(BY_JOB, table_name="task")
    op.drop_index(INDEX, table_name="task")
