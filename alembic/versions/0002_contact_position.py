"""contact: position (their job title) and the day of the LinkedIn connection

Revision ID: 0002
Revises: 0001
Create Date: 2026-11-26
"""

from collections.abc import Sequence

import sqlalchemy as sa
import sqlmodel.sql.sqltypes
from alembic import op

revision: str = "0002"
down_revision: str | None = "0001"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    with op.batch_alter_table("contact") as batch:
        batch.add_column(sa.Column("position", sqlmodel.sql.sqltypes.AutoString(), nullable=True))
        batch.add_column(sa.Column("linkedin_connected_on", sa.Date(), nullable=True))


def downgrade() -> None:
    # On SQLite this rebuilds `contact`, which touchpoints and tasks point at: crm runs
    # migrations with foreign keys off (crm/db.py) so the rebuild cannot take their rows with it.
    # PostgreSQL drops columns in place.
    sqlite = op.get_bind().dialect.name == "sqlite"
    with op.batch_alter_table("contact", recreate="always" if sqlite else "auto") as batch:
        batch.drop_column("linkedin_connected_on")
        batch.drop_column("position")
