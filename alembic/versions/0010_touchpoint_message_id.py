"""touchpoint: the Message-ID of an imported message, once per contact

Revision ID: 0010
Revises: 0009
Create Date: 2026-12-01

`crm import mail` and `crm import linkedin messages.csv` store where each touch came from, so
importing the same mailbox again, or an overlapping one, adds nothing. A message sent to two
contacts is a touch with each, hence unique with the contact. A plain ADD COLUMN and a new
index: no table is rebuilt, on SQLite either.
"""

from collections.abc import Sequence

import sqlalchemy as sa
import sqlmodel.sql.sqltypes
from alembic import op

revision: str = "0010"
down_revision: str | None = "0009"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    op.add_column("touchpoint", sa.Column("message_id", sqlmodel.sql.sqltypes.AutoString(), nullable=True))
    op.create_index(
        "ix_touchpoint_message", "touchpoint", ["message_id", "contact_id"], unique=True
    )


def downgrade() -> None:
    op.drop_index("ix_touchpoint_message", table_name="touchpoint")
    # in place (SQLite >= 3.35 drops a column without rebuilding the table): a rebuild would
    # drop the change counter's triggers on touchpoint (see 0004)
    op.drop_column("touchpoint", "message_id")
