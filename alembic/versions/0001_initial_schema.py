"""initial schema: employers, contacts, jobs, touchpoints, tasks and the plan's state

Revision ID: 0001
Revises:
Create Date: 2026-11-26
"""

from collections.abc import Sequence

import sqlalchemy as sa
import sqlmodel.sql.sqltypes
from alembic import op

revision: str = "0001"
down_revision: str | None = None
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None

text = sqlmodel.sql.sqltypes.AutoString
moment = sqlmodel.sql.sqltypes.UTCDateTime


def upgrade() -> None:
    op.create_table(
        "employer",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("name", text(), nullable=False),
        sa.Column("name_key", text(), nullable=False),
        sa.Column("website", text(), nullable=True),
        sa.Column("careers_url", text(), nullable=True),
        sa.Column("notes", text(), nullable=True),
        sa.Column("created_at", moment(), nullable=False),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_employer")),
        sa.UniqueConstraint("name_key", name=op.f("uq_employer_name_key")),
    )
    op.create_table(
        "plan_state",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("ran_at", moment(), nullable=False),
        sa.Column("fingerprint", text(), nullable=False),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_plan_state")),
    )
    op.create_table(
        "contact",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("name", text(), nullable=False),
        sa.Column("name_key", text(), nullable=False),
        sa.Column("employer_id", sa.Integer(), nullable=True),
        sa.Column("role", text(), nullable=False),
        sa.Column("email", text(), nullable=True),
        sa.Column("phone", text(), nullable=True),
        sa.Column("linkedin_url", text(), nullable=True),
        sa.Column("notes", text(), nullable=True),
        sa.Column("keep_in_touch", sa.Boolean(), nullable=False),
        sa.Column("archived_at", moment(), nullable=True),
        sa.Column("created_at", moment(), nullable=False),
        sa.ForeignKeyConstraint(
            ["employer_id"], ["employer.id"], name=op.f("fk_contact_employer_id_employer")
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_contact")),
        sa.UniqueConstraint("linkedin_url", name=op.f("uq_contact_linkedin_url")),
    )
    op.create_index(op.f("ix_contact_employer_id"), "contact", ["employer_id"])
    op.create_index(op.f("ix_contact_name_key"), "contact", ["name_key"])
    op.create_table(
        "job",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("employer_id", sa.Integer(), nullable=False),
        sa.Column("title", text(), nullable=False),
        sa.Column("url", text(), nullable=True),
        sa.Column("applied_on", sa.Date(), nullable=True),
        sa.Column("status", text(), nullable=False),
        sa.Column("rejected_on", sa.Date(), nullable=True),
        sa.Column("finalist_rank", sa.Integer(), nullable=True),
        sa.Column("created_at", moment(), nullable=False),
        sa.ForeignKeyConstraint(
            ["employer_id"], ["employer.id"], name=op.f("fk_job_employer_id_employer")
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_job")),
    )
    op.create_index(op.f("ix_job_employer_id"), "job", ["employer_id"])
    op.create_table(
        "task",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("kind", text(), nullable=False),
        sa.Column("title", text(), nullable=False),
        sa.Column("due", sa.Date(), nullable=False),
        sa.Column("status", text(), nullable=False),
        sa.Column("contact_id", sa.Integer(), nullable=True),
        sa.Column("employer_id", sa.Integer(), nullable=True),
        sa.Column("job_id", sa.Integer(), nullable=True),
        sa.Column("rule", text(), nullable=True),
        sa.Column("key", text(), nullable=True),
        sa.Column("created_at", moment(), nullable=False),
        sa.Column("closed_at", moment(), nullable=True),
        sa.ForeignKeyConstraint(
            ["contact_id"], ["contact.id"], name=op.f("fk_task_contact_id_contact")
        ),
        sa.ForeignKeyConstraint(
            ["employer_id"], ["employer.id"], name=op.f("fk_task_employer_id_employer")
        ),
        sa.ForeignKeyConstraint(["job_id"], ["job.id"], name=op.f("fk_task_job_id_job")),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_task")),
        sa.UniqueConstraint("key", name=op.f("uq_task_key")),
    )
    op.create_index(op.f("ix_task_contact_id"), "task", ["contact_id"])
    op.create_index(op.f("ix_task_employer_id"), "task", ["employer_id"])
    op.create_index("ix_task_status_due", "task", ["status", "due"])
    op.create_table(
        "touchpoint",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("contact_id", sa.Integer(), nullable=False),
        sa.Column("kind", text(), nullable=False),
        sa.Column("direction", text(), nullable=False),
        sa.Column("happened_at", moment(), nullable=False),
        sa.Column("summary", text(), nullable=True),
        sa.Column("body", text(), nullable=True),
        sa.Column("created_at", moment(), nullable=False),
        sa.ForeignKeyConstraint(
            ["contact_id"], ["contact.id"], name=op.f("fk_touchpoint_contact_id_contact")
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_touchpoint")),
    )
    op.create_index("ix_touchpoint_contact_time", "touchpoint", ["contact_id", "happened_at"])
    op.create_index(op.f("ix_touchpoint_happened_at"), "touchpoint", ["happened_at"])


def downgrade() -> None:
    op.drop_table("touchpoint")
    op.drop_table("task")
    op.drop_table("job")
    op.drop_table("contact")
    op.drop_table("plan_state")
    op.drop_table("employer")
