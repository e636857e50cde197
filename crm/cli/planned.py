"""Read the tasks of a database whose follow-up plan is current, the cheapest way there is.

The one rule every command that shows tasks follows: bring the plan up to date, then read
(whether it is current is `plan_status`, crm/services/plan_state.py, the same SQL either way).
On SQLite, when the plan already ran on exactly this data with these settings, the reading is
done with the standard library alone (crm/lean.py); otherwise the plan runs first, in a write
transaction (on SQLite at the current schema, through the standard library too), and the
reading follows. On PostgreSQL the same SQL is read through SQLAlchemy. `planned_session` is
for what reads through the ORM (the review).
"""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager
from typing import TYPE_CHECKING

if TYPE_CHECKING:
    from sqlmodel import Session

    from crm.cli.env import Env
    from crm.services.agenda import Query, Stream


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
    from crm.db import sqlite_path

    path = sqlite_path(e.url)
    for first in (True, False):  # as it is, else once the plan ran (on SQLite, lean too)
        if path is not None:
            from crm.lean import lean_reader

            with lean_reader(path, e.settings.plan_fingerprint(), e.today) as reader:
                if reader is not None:
                    yield reader.stream, True
                    return
        if first:
            e.bring_plan_up_to_date()
    from crm.services.agenda import session_stream

    with e.reading() as session:
        yield session_stream(session), path is not None


@contextmanager
def planned_session(e: Env) -> Iterator[Session]:
    """A read-only ORM session on data whose plan is current."""
    e.bring_plan_up_to_date()
    with e.reading() as session:
        yield session
