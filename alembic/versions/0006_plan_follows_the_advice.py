"""touchpoint topic and purpose, task closed_by and the expired status, a per-contact task index

Revision ID: 0006
Revises: 0005
Create Date: 2026-12-01

- touchpoint.topic: what a conversation was about, the only text a draft quotes.
- touchpoint.purpose: "info-interview-request" for the email that asked for an informational
  interview (an interview held is its own kind).
- task.closed_by: "user" or "plan". The plan reopens or removes only what it closed itself, so a
  corrected history gives the tasks it would have given from the start. For tasks closed before
  this revision it is read from what is left: `task done` logged a touch "done: task #ID", and the
  plan skipped the tasks of people archived or not kept in touch with; everything else is the
  user's, which the plan never changes.
- plan_state.planned_on: the local day the plan last planned for; a new day re-plans the few
  contacts whose tasks the calendar can expire (NULL: the plan runs once, in full).
- ix_task_contact_status_due replaces ix_task_contact_id: `contact show` and the plan for one
  contact read that contact's tasks without scanning every open task.
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "0006"
down_revision: str | None = "0005"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


CLOSED_BY = """
UPDATE task SET closed_by = CASE
  WHEN rule IS NOT NULL AND status = 'done' AND NOT EXISTS (
    SELECT 1 FROM touchpoint AS t WHERE t.summary = 'done: task #' || task.id) THEN 'plan'
  WHEN rule IS NOT NULL AND status = 'skipped' AND EXISTS (
    SELECT 1 FROM contact AS c WHERE c.id = task.contact_id
    AND (c.archived_at IS NOT NULL OR NOT c.keep_in_touch)) THEN 'plan'
  ELSE 'user' END
WHERE status <> 'open'
"""


def upgrade() -> None:
    # plain ADD COLUMN: no table rebuild on SQLite, so no trigger or foreign-key trouble
    op.add_column("touchpoint", sa.Column("topic", sa.String(), nullable=True))
    op.add_column("touchpoint", sa.Column("purpose", sa.String(), nullable=True))
    op.add_column("task", sa.Column("closed_by", sa.String(), nullable=True))
    op.add_column("plan_state", sa.Column("planned_on", sa.Date(), nullable=True))
    op.execute(CLOSED_BY)
    op.create_index("ix_task_contact_status_due", "task", ["contact_id", "status", "due"])
    op.drop_index("ix_task_contact_id", table_name="task")


def downgrade() -> None:
    op.create_index("ix_task_contact_id", "task", ["contact_id"])
    op.drop_index("ix_task_contact_status_due", table_name="task")
    # an expired task was an open one left alone: the old schema knows it as skipped
    op.execute("UPDATE task SET status = 'skipped' WHERE status = 'expired'")
    # plain DROP COLUMN (SQLite 3.35+): a batch rebuild would drop the change-counter triggers
    op.drop_column("plan_state", "planned_on")
    op.drop_column("task", "closed_by")
    op.drop_column("touchpoint", "purpose")
    op.drop_column("touchpoint", "topic")
