"""Read the tasks of a database whose follow-up plan is current, the cheapest way there is.

The one rule every command that shows tasks follows: bring the plan up to date, then read
(whether it is current is `plan_status`, crm/services/plan_state.py, the same SQL either way).
On SQLite, when the plan already ran on exactly this data with these settings, the reading is
done with the standard library alone (crm/lean.py); otherwise the plan runs first, in a write
transaction (on SQLite at the current schema, through the standard library too), and the
reading follows. On PostgreSQL the same SQL is read through SQLAlchemy.
"""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager
from typing import TYPE_CHECKING

if TYPE_CHECKING:
    from crm.cli.env import Env
    from crm.services.agenda import Query, Stream
    from crm.store import Reads


@contextmanager
def planned_query(e: Env) -> Iterator[tuple[Query, bool]]:
    """A function running read-only SQL, and whether dates compare as text (SQLite)."""
    from crm.services.agenda import query_of

    with planned_stream(e) as (stream, as_text):
        yield query_of(stream), as_text


@contextmanager
def planned_stream(e: Env) -> Iterator[tuple[Stream, bool]]:
    """Like `planned_query`, its rows read as they are used: a feed or an export of every
    task never holds them all."""
    with planned_reads(e) as db:
        yield db.stream, db.sqlite


@contextmanager
def planned_reads(e: Env) -> Iterator[Reads]:
    """Plain SQL on data whose plan is current (crm/store.py): on SQLite through the standard
    library alone, else through an ORM session."""
    from crm.db import sqlite_path

    path = sqlite_path(e.url)
    for first in (True, False):  # as it is, else once the plan ran (on SQLite, lean too)
        if path is not None:
            from crm.lean import lean_reader

            with lean_reader(path, e.settings.plan_fingerprint(), e.today) as reader:
                if reader is not None:
                    yield reader
                    return
        if first:
            e.bring_plan_up_to_date()
    from crm.store import SessionStore

    with e.reading() as session:
        yield SessionStore(session)
