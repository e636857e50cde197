"""search: a touchpoint's topic is found too

Revision ID: 0011
Revises: 0010
Create Date: 2026-12-02

`crm log meeting NAME --topic "the robot arm demo"` records what a conversation was about, the
very thing people search for later ("who mentioned the robot arm demo?"); 0009 indexed only a
touch's summary and text. The touchpoint's search triggers are made again with the topic as its
third field (entry id `touch id * 64 + 3 * 8 + 2`), and the topics already stored are indexed.
The triggers are 0009's own, given the new fields: one definition of how an entry is written.
"""

import importlib.util
from collections.abc import Sequence
from pathlib import Path

from alembic import op

revision: str = "0011"
down_revision: str | None = "0010"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None

FIELDS = ("{r}.summary", "{r}.body")
WITH_TOPIC = (*FIELDS, "{r}.topic")
TOPIC_ENTRY = "touchpoint.id * 64 + 3 * 8 + 2"


def _search():  # type: ignore[no-untyped-def]
    """0009's module, for its trigger writer."""
    path = Path(__file__).with_name("0009_pipeline_tags_search.py")
    spec = importlib.util.spec_from_file_location("crm_migration_0009", path)
    assert spec is not None and spec.loader is not None
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module


def _triggers(fields: tuple[str, ...]) -> None:
    search = _search()
    search.drop_search_triggers("touchpoint")
    search.create_search_triggers("touchpoint", {"touchpoint": (3, fields)})


def upgrade() -> None:
    _triggers(WITH_TOPIC)
    search = _search()
    op.execute(
        search._insert(
            f"SELECT {TOPIC_ENTRY} AS id, topic AS body FROM touchpoint "
            "WHERE topic IS NOT NULL AND topic <> ''"
        )
    )


def downgrade() -> None:
    key = "rowid" if op.get_bind().dialect.name == "sqlite" else "id"
    op.execute(f"DELETE FROM search_index WHERE {key} % 64 = 3 * 8 + 2")
    _triggers(FIELDS)
