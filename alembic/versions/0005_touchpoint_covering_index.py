"""touchpoint: a covering index for the per-contact history the plan and the review aggregate

Revision ID: 0005
Revises: 0004
Create Date: 2026-11-26

The plan (on every write) and the review group touchpoints by contact and read their time,
kind and direction; with all four in the index they never touch the table (the review's
per-contact groupings went from ~155 ms to ~29 ms over 100,000 touchpoints).
"""

from collections.abc import Sequence

from alembic import op

revision: str = "0005"
down_revision: str | None = "0004"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    op.create_index(
        "ix_touchpoint_contact_history",
        "touchpoint",
        ["contact_id", "happened_at", "kind", "direction"],
    )
    op.drop_index("ix_touchpoint_contact_time", table_name="touchpoint")


def downgrade() -> None:
    op.create_index("ix_touchpoint_contact_time", "touchpoint", ["contact_id", "happened_at"])
    op.drop_index("ix_touchpoint_contact_history", table_name="touchpoint")
