"""the plan: an index of the touches that name a job (an interview, a meeting)

Revision ID: 0016
Revises: 0015
Create Date: 2026-12-03

For a batch of 500 contacts the plan asks which of their interviews and meetings name a job
(the pipeline's thank-you after an interview). Through ix_touchpoint_contact_history SQLite
found every interview and meeting of those contacts and looked each row up for its job: 48 ms
of a first `crm remind` at the benchmark's 1x, 600 ms at 10x, whose touches name no job at
all. ix_touchpoint_job holds only the touches that name one (the query says `job_id IS NOT
NULL`, which both databases match to its WHERE): the plan reads those and no other. Like
ix_task_planned, it is the database's own (crm/models.py OWN_INDEXES).
"""

from collections.abc import Sequence

import sqlalchemy as sa

from alembic import op

revision: str = "0016"
down_revision: str | None = "0015"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None

INDEX = "ix_touchpoint_job"
WHERE = sa.text("job_id IS NOT NULL")


def upgrade() -> None:
    op.create_index(
        INDEX, "touchpoint", ["contact_id", "job_id"], sqlite_where=WHERE, postgresql_where=WHERE
    )


def downgrade() -> None:
    op.drop_index(INDEX, table_name="touchpoint")
