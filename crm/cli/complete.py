"""Shell completion of contact and employer names, straight from the database.

Completion runs the whole CLI on every Tab, so this reads SQLite with the standard library
(no SQLAlchemy) and never creates, migrates or writes a database: no file, no names.
"""

from __future__ import annotations

import os
import sqlite3
from contextlib import closing
from typing import Any

LIMIT = 50


def contact_names(ctx: Any, incomplete: str) -> list[str]:
    return _names(ctx, "SELECT name FROM contact WHERE archived_at IS NULL", incomplete)


def employer_names(ctx: Any, incomplete: str) -> list[str]:
    return _names(ctx, "SELECT name FROM employer", incomplete)


def _names(ctx: Any, sql: str, incomplete: str) -> list[str]:
    from crm.db import resolve_url, sqlite_path
    from crm.settings import load_settings

    try:
        db = ctx.find_root().params.get("db") if ctx is not None else None
        path = sqlite_path(resolve_url(db, load_settings()))
    except Exception:  # a broken config must not break the shell's Tab key
        return []
    if path is None or not path.is_file():
        return []
    try:
        with closing(sqlite3.connect(f"file:{path}?mode=ro", uri=True)) as connection:
            names = [row[0] for row in connection.execute(f"{sql} ORDER BY name")]
    except sqlite3.Error:
        return []
    # Shells (and Typer) keep only completions that start with what was typed, as typed; crm
    # matches names in any case, so "da" may complete to "dana Whitfield".
    size = len(incomplete)
    typed = incomplete.casefold()
    found = [incomplete + n[size:] for n in names if n[:size].casefold() == typed][:LIMIT]
    typed_word = os.environ.get("COMP_WORDS", "").split(" ")[-1]
    quoted = typed_word[:1] in ("'", '"')  # inside quotes a space needs no escape
    if os.environ.get("_CRM_COMPLETE") == "complete_bash" and " " not in incomplete and not quoted:
        # bash inserts a completion as it is: escape the spaces, or "Sam Ortiz" is two words
        return [name.replace(" ", "\\ ") for name in found]
    return found
