"""The `crm search` screen: hits as text or JSON, without Typer or Rich on the way.

People search in the middle of something; on SQLite with a current schema the search reads with
the standard library alone (crm/lean.py), and `crm search WORDS [--json]` skips building the
Typer app (crm/cli/shortcut.py), so a search costs about what `crm today` does.
"""

from __future__ import annotations

import sys
from collections.abc import Iterator
from contextlib import contextmanager
from typing import TYPE_CHECKING

if TYPE_CHECKING:
    from crm.cli.env import Env
    from crm.services.agenda import Query


def show_search(e: Env, words: list[str], *, limit: int = 20, json: bool = False) -> None:
    from crm.services.search import search as find

    typed = " ".join(words)
    with _reader(e) as (query, postgresql):
        hits = find(query=query, postgresql=postgresql, typed=typed, limit=limit)
    zone = e.settings.zone  # None: the system's local time, without naming its zone (~30 ms)
    if json:
        from crm.render import print_json

        print_json(
            [
                {
                    "kind": h.kind,
                    "id": h.id,
                    "field": h.field,
                    "snippet": h.snippet,
                    "label": h.label,
                    "contact_id": h.contact_id,
                    "employer_id": h.employer_id,
                    "when": h.when.astimezone(zone) if h.when else None,
                }
                for h in hits
            ]
        )
        return
    if not hits:
        print(f"Nothing matches {typed!r}. Fewer words, or their first letters, find more.")
        return
    from crm.plain import Painter, fit, width

    paint, room = Painter(sys.stdout), width()
    lines = []
    for h in hits:
        when = f" · {h.when.astimezone(zone):%Y-%m-%d}" if h.when else ""
        lines.append(
            paint(fit(f"{h.kind} #{h.id} {h.label}{when} · {h.field}", room).rstrip(), "bold")
        )
        lines.append("  " + fit(h.snippet, room - 2).rstrip())
    sys.stdout.write("\n".join(lines) + "\n")


@contextmanager
def _reader(e: Env) -> Iterator[tuple[Query, bool]]:
    """Read-only SQL: the standard library's sqlite3 when the schema is current, else
    SQLAlchemy (which migrates an older database first); and whether it is PostgreSQL."""
    from crm.db import sqlite_path

    path = sqlite_path(e.url)
    if path is not None:
        from crm.lean import schema_reader

        with schema_reader(path) as reader:
            if reader is not None:
                yield reader, False
                return
    from sqlalchemy import text

    with e.reading() as session:
        postgresql = session.get_bind().dialect.name == "postgresql"
        yield (lambda sql, params: session.execute(text(sql), params).all()), postgresql
