"""employment: the history of where each contact worked, as imports saw it

Revision ID: 0003
Revises: 0002
Create Date: 2026-11-26
"""

from collections.abc import Sequence

import sqlalchemy as sa
import sqlmodel.sql.sqltypes
from alembic import op

revision: str = "0003"
down_revision: str | None = "0002"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None

text = sqlmodel.sql.sqltypes.AutoString
moment = sqlmodel.sql.sqltypes.UTCDateTime


def upgrade() -> None:
    op.create_table(
        "employment",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("contact_id", sa.Integer(), nullable=False),
        sa.Column("employer_id", sa.Integer(), nullable=True),
        sa.Column("company", text(), nullable=True),
        sa.Column("position", text(), nullable=True),
        sa.Column("seen_from", sa.Date(), nullable=False),
        sa.Column("seen_until", sa.Date(), nullable=True),
        sa.Column("source", text(), nullable=False),
        sa.Column("created_at", moment(), nullable=False),
        sa.ForeignKeyConstraint(
            ["contact_id"], ["contact.id"], name=op.f("fk_employment_contact_id_contact")
        ),
        sa.ForeignKeyConstraint(
            ["employer_id"], ["employer.id"], name=op.f("fk_employment_employer_id_employer")
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_employment")),
    )
    op.create_index(op.f("ix_employment_contact_id"), "employment", ["contact_id"])


def downgrade() -> None:
    op.drop_table("employment")  # its index goes with it
