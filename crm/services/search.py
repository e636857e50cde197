"""Search: every name, employer, role, position, job title, tag, note and touchpoint's text.

The database keeps the index itself (triggers, alembic/versions/0009 and 0011): an FTS5 table
on SQLite, a tsvector table with a GIN index on PostgreSQL, both over text with its accents
removed. Each entry's id is `row id * 64 + source * 8 + field`, so a hit says what it hit
without a join.

Every word typed must start a word of the same field (any order, accents and case ignored:
"jose robo" finds "José ... robotics"). Hits are ranked by the field, then by relevance: a name
before a tag, before a role or title, before a note, before a touchpoint's text.
"""

from __future__ import annotations

import re
import unicodedata
from datetime import UTC, datetime
from typing import Any, NamedTuple

from crm.errors import BadInput
from crm.services.agenda import Query

# (source, field) -> (what was hit, the field's name, its rank: lower first)
FIELDS: dict[tuple[int, int], tuple[str, str, int]] = {
    (0, 0): ("contact", "name", 0),
    (0, 1): ("contact", "role", 3),
    (0, 2): ("contact", "position", 3),
    (0, 3): ("contact", "notes", 4),
    (1, 0): ("employer", "name", 1),
    (1, 1): ("employer", "notes", 4),
    (2, 0): ("job", "title", 3),
    (3, 0): ("touchpoint", "summary", 5),
    (3, 1): ("touchpoint", "body", 5),
    (3, 2): ("touchpoint", "topic", 5),
    (4, 0): ("contact", "tag", 2),
}
RANK = (
    "CASE {code} "
    + " ".join(
        f"WHEN {source * 8 + field} THEN {rank}" for (source, field), (_, _, rank) in FIELDS.items()
    )
    + " ELSE 9 END"
)
WORD = re.compile(r"[^\W_]+")
MOST_WORDS = 16
SNIPPET = 60  # characters of context around the first word found


def fold(value: str) -> str:
    """Accents off and case folded: "José" → "jose"."""
    decomposed = unicodedata.normalize("NFKD", value)
    return "".join(c for c in decomposed if not unicodedata.combining(c)).casefold()


def query_words(typed: str) -> list[str]:
    words = WORD.findall(fold(typed))
    if not words:
        raise BadInput(f"nothing to search for in {typed!r}: type a word or its first letters")
    if len(words) > MOST_WORDS:
        raise BadInput(f"a search takes at most {MOST_WORDS} words")
    return list(dict.fromkeys(words))


class Hit(NamedTuple):  # not a dataclass: a search need not import dataclasses (~8 ms)
    kind: str  # contact, employer, job, touchpoint
    id: int
    field: str
    snippet: str
    label: str  # what was found, in words: "Dana Whitfield", "call with Dana W"
    contact_id: int | None = None
    employer_id: int | None = None
    when: datetime | None = None


def search(*, query: Query, postgresql: bool, typed: str, limit: int = 20) -> list[Hit]:
    """The best `limit` hits for the words typed. `query` runs read-only SQL (crm/lean.py's on
    SQLite: no SQLAlchemy to import, so a search costs about what `crm --help` does)."""
    words = query_words(typed)
    if not 1 <= limit <= 1000:
        raise BadInput(f"--limit is how many hits to show, 1 to 1000, not {limit}")
    if postgresql:
        sql = (
            "SELECT id, body FROM search_index, to_tsquery('simple', :q) AS q "
            f"WHERE document @@ q ORDER BY {RANK.format(code='id % 64')}, "
            "ts_rank(document, q) DESC, id DESC LIMIT :n"
        )
        wanted = " & ".join(f"{w}:*" for w in words)
    else:
        sql = (
            "SELECT rowid, body FROM search_index WHERE search_index MATCH :q "
            f"ORDER BY {RANK.format(code='rowid % 64')}, rank, rowid DESC LIMIT :n"
        )
        wanted = " AND ".join(f'"{w}"*' for w in words)
    # a contact hit by its name and its notes is shown once: read more than will be shown
    entries = [(int(i), str(b)) for i, b in query(sql, {"q": wanted, "n": limit * 4})]
    details = _Details(query, entries)
    hits: list[Hit] = []
    seen: set[tuple[str, int]] = set()
    for entry_id, body in entries:
        ref, code = divmod(entry_id, 64)
        if (code // 8, code % 8) not in FIELDS:
            continue
        hit = details.hit(ref, code // 8, code % 8, snippet(body, words))
        if hit is None or (hit.kind, hit.id) in seen:
            continue
        seen.add((hit.kind, hit.id))
        hits.append(hit)
        if len(hits) == limit:
            break
    return hits


# the rows behind the hits: (table, columns), read by id
TABLES = {
    0: ("contact", "id, name, employer_id"),
    1: ("employer", "id, name"),
    2: ("job", "id, title, employer_id"),
    3: ("touchpoint", "id, contact_id, kind, direction, happened_at"),
    4: ("contact_tag", "id, contact_id"),
}


class _Details:
    """The rows behind the hits, one query per table."""

    def __init__(self, query: Query, entries: list[tuple[int, str]]) -> None:
        self.query = query
        wanted: dict[int, set[int]] = {source: set() for source in TABLES}
        for entry_id, _ in entries:
            ref, code = divmod(entry_id, 64)
            wanted.setdefault(code // 8, set()).add(ref)
        self.tags = self._rows(4, wanted[4])
        self.touches = self._rows(3, wanted[3])
        self.jobs = self._rows(2, wanted[2])
        people = {t[1] for t in self.tags.values()} | {t[1] for t in self.touches.values()}
        self.contacts = self._rows(0, wanted[0] | people)
        self.employers = self._rows(1, wanted[1] | {j[2] for j in self.jobs.values()})

    def _rows(self, source: int, ids: set[int]) -> dict[int, Any]:
        if not ids:
            return {}
        table, columns = TABLES[source]
        listed = ", ".join(str(int(i)) for i in sorted(ids))  # ids are ours: integers
        return {
            row[0]: row
            for row in self.query(f"SELECT {columns} FROM {table} WHERE id IN ({listed})", {})
        }

    def hit(self, ref: int, source: int, field: int, snippet: str) -> Hit | None:
        kind, name, _ = FIELDS[(source, field)]
        if source == 4:
            tag = self.tags.get(ref)
            if tag is None:
                return None
            source, ref = 0, tag[1]
        if source == 0:
            c = self.contacts.get(ref)
            return Hit(kind, ref, name, snippet, c[1], c[0], c[2]) if c else None
        if source == 1:
            e = self.employers.get(ref)
            return Hit(kind, ref, name, snippet, e[1], None, e[0]) if e else None
        if source == 2:
            j = self.jobs.get(ref)
            if j is None:
                return None
            employer = self.employers.get(j[2])
            label = f"{j[1]} at {employer[1]}" if employer else j[1]
            return Hit(kind, ref, name, snippet, label, None, j[2])
        t = self.touches.get(ref)
        person = self.contacts.get(t[1]) if t else None
        if t is None or person is None:
            return None
        _, _, touch_kind, direction, happened_at = t
        word = "from" if direction == "in" else "to"
        word = "with" if touch_kind in ("interview", "meeting", "call") else word
        label = f"{touch_kind} {word} {person[1]}"
        return Hit(kind, ref, name, snippet, label, person[0], person[2], _moment(happened_at))


def _moment(value: datetime | str) -> datetime:
    """A stored moment, aware (SQLite's text is UTC without an offset)."""
    moment = value if isinstance(value, datetime) else datetime.fromisoformat(value)
    return moment if moment.tzinfo is not None else moment.replace(tzinfo=UTC)


def snippet(body: str, words: list[str]) -> str:
    """The text around the first word that starts with one of `words`, on one line."""
    flat = " ".join(body.split())
    folded, origin = [], []
    for i, char in enumerate(flat):
        for f in fold(char):
            folded.append(f)
            origin.append(i)
    found = None
    for match in WORD.finditer("".join(folded)):
        if any(match.group().startswith(w) for w in words):
            found = origin[match.start()]
            break
    if found is None or len(flat) <= SNIPPET:
        return flat if len(flat) <= SNIPPET else flat[: SNIPPET - 1] + "…"
    start = max(0, found - SNIPPET // 3)
    end = min(len(flat), start + SNIPPET)
    start = max(0, end - SNIPPET)
    return ("…" if start else "") + flat[start:end].strip() + ("…" if end < len(flat) else "")
