"""delivery: what the daemon sent, one row per message and channel, keyed so it is sent once

Revision ID: 0008
Revises: 0007
Create Date: 2026-12-01

The unique key (`digest:2026-03-02:email`) is inserted in the transaction that sends: a second
daemon, a `crm remind --notify` from cron or another machine on the same PostgreSQL database
finds it there (or waits for it) and sends nothing.
"""

from collections.abc import Sequence

import sqlalchemy as sa
import sqlmodel.sql.sqltypes
from alembic import op

revision: str = "0008"
down_revision: str | None = "0007"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None

text = sqlmodel.sql.sqltypes.AutoString
moment = sqlmodel.sql.sqltypes.UTCDateTime


def upgrade() -> None:
    op.create_table(
        "delivery",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("key", text(), nullable=False),
        sa.Column("kind", text(), nullable=False),
        sa.Column("channel", text(), nullable=False),
        sa.Column("day", sa.Date(), nullable=False),
        sa.Column("sent_at", moment(), nullable=False),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_delivery")),
        sa.UniqueConstraint("key", name=op.f("uq_delivery_key")),
    )


def downgrade() -> None:
    op.drop_table("delivery")
