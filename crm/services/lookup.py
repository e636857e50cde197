"""Finding an employer or a contact the way a person names them.

`#12` is the record with id 12. Otherwise the name is compared case-insensitively: an exact
match wins; failing that, a name whose words start with what was typed ("dana", "whit" for
"Dana Whitfield") is taken when it is the only one. Anything else is an error that lists the
candidates with their ids, so the user can type `#ID` next time.
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import TYPE_CHECKING, Any, NamedTuple

from crm.errors import Ambiguous, BadInput, NotFound
from crm.services.text import name_key

if TYPE_CHECKING:
    from sqlmodel import Session

    from crm.models import Contact, Employer
    from crm.services.agenda import Query
# ids are INTEGER columns, which PostgreSQL keeps to 32 bits: it refuses even to compare a
# larger number with one, so no record has a larger id and none is asked for
LARGEST_ID = 2**31 - 1
# Names are indexed, and PostgreSQL refuses an index entry over ~2,700 bytes: 200 characters
# stay under it even casefolded ("ß" is "ss") at four bytes a character.
LONGEST_NAME = 200


def parse_id(text: str, what: str, where: str = "") -> int:
    """A task's or a touchpoint's number as typed, `12` or `#12`."""
    digits = text.strip().lstrip("#")
    if not (digits.isascii() and digits.isdigit()) or len(digits) > 18:  # "²" is a digit too
        raise BadInput(
            f"{text!r} is not {_article(what)} {what} id; ids look like 12 or #12{where}"
        )
    return int(digits)


def clean_name(name: str, what: str) -> str:
    cleaned = " ".join(name.split())
    if not cleaned:
        raise BadInput(f"{_article(what)} {what} needs a name")
    if "\x00" in cleaned:
        raise BadInput(f"a {what}'s name cannot contain a NUL character")
    if cleaned.startswith("#"):
        raise BadInput(f"a {what}'s name cannot start with '#' (that is how ids are written)")
    if len(cleaned) > LONGEST_NAME:
        raise BadInput(
            f"the {what}'s name is {len(cleaned):,} characters; the most is {LONGEST_NAME}"
        )
    return cleaned


def find_employer(session: Session, text: str) -> Employer:
    from crm.models import Employer
    from crm.services.agenda import session_query

    session.flush()  # plain SQL does not flush: what this transaction added is found too
    found = session.get(Employer, find_id(session_query(session), "employer", text))
    assert found is not None  # just read in the same transaction
    return found


def find_contact(session: Session, text: str, *, include_archived: bool = True) -> Contact:
    from crm.models import Contact
    from crm.services.agenda import session_query

    session.flush()  # plain SQL does not flush: what this transaction added is found too
    number = find_id(session_query(session), "contact", text, include_archived=include_archived)
    found = session.get(Contact, number)
    assert found is not None
    return found


class Named(NamedTuple):
    id: int
    name: str
    name_key: str


TABLES = ("employer", "contact")  # what `find_id` finds: each its table's name


def find_id(query: Query, what: str, text: str, *, include_archived: bool = True) -> int:
    """The id of the employer or contact (`what`) a person means by `text`; NotFound,
    Ambiguous or BadInput otherwise. Plain SQL, so that a command on the lean path
    (crm/lean.py) finds people as every other command does."""
    assert what in TABLES  # never a name from outside into the SQL
    table = what
    live = "" if include_archived or what != "contact" else " AND archived_at IS NULL"
    text = text.strip()
    if "\x00" in text:  # no name holds one (clean_name refuses it); PostgreSQL cannot compare it
        raise NotFound(f"no {what} named {text!r}")
    if text.startswith("#"):
        digits = text[1:]
        if not (digits.isascii() and digits.isdigit()) or len(digits) > 18:  # "²" is a digit
            raise BadInput(f"{text!r} is not an id; ids look like #12")
        number = int(digits)
        if number > LARGEST_ID or not query(
            f"SELECT id FROM {table} WHERE id = :id", {"id": number}
        ):
            raise NotFound(f"no {what} with id {text}")
        return number
    if len(text) > LONGEST_NAME:  # no name is longer (clean_name)
        shown = text[:40] + "…"
        raise NotFound(f"no {what} named {shown!r}: names are at most {LONGEST_NAME} characters")
    key = name_key(text)
    if not key:
        raise BadInput(f"name {_article(what)} {what}, or give its #ID")
    # an employer whose name folds to another's keeps its key made unique with " #ID" (see
    # migration 0007): it is still found by its name, and the two are listed together. No
    # contact's key is made unique (people share names): theirs is the indexed equality alone.
    same = f"{key} #"
    also = " OR substr(name_key, 1, :length) = :same" if what == "employer" else ""
    exact = _named(
        query(
            f"SELECT id, name, name_key FROM {table} WHERE (name_key = :key{also}){live}"
            " ORDER BY id",
            {"key": key, "same": same, "length": len(same)},
        )
    )
    if len(exact) == 1:
        return exact[0].id
    if exact:
        merge = f"; or make them one: crm {what} merge" if what == "employer" else ""
        raise Ambiguous(
            f"{len(exact)} {what}s are named {text!r}: {_listed(exact)}; use #ID{merge}"
        )
    rows = _named(
        query(f"SELECT id, name, name_key FROM {table} WHERE 1 = 1{live} ORDER BY id", {})
    )
    starts = [row for row in rows if _words_start(row.name_key, key)]
    if len(starts) == 1:
        return starts[0].id
    if starts:
        raise Ambiguous(f"{text!r} could be {_listed(starts)}; use the full name or #ID")
    close = _closest(key, rows)
    hint = f"; did you mean {_listed(close)}?" if close else ""
    raise NotFound(f"no {what} named {text!r}{hint}")


def _named(rows: Sequence[Sequence[Any]]) -> list[Named]:
    return [Named(*row) for row in rows]


def _closest(key: str, rows: list[Named], most: int = 3, cutoff: float = 0.6) -> list[Named]:
    """The names a typo was most likely meant for: compared whole, and word for word ("maira"
    is María González's first name with two letters swapped, far from her whole name)."""
    import difflib

    typed = len(key.split())
    scored = []
    for row in rows:
        words = row.name_key.split()
        parts = [row.name_key] + [
            " ".join(words[i : i + typed]) for i in range(len(words) - typed + 1)
        ]
        best = max(difflib.SequenceMatcher(None, key, part).ratio() for part in parts)
        if best >= cutoff:
            scored.append((-best, row.id, row))
    return [row for _, _, row in sorted(scored, key=lambda s: s[:2])[:most]]


def _words_start(name: str, typed: str) -> bool:
    words = name.split()
    wanted = typed.split()
    return any(
        all(w.startswith(t) for w, t in zip(words[i:], wanted, strict=False))
        and len(words) - i >= len(wanted)
        for i in range(len(words))
    )


def _listed(rows: list[Named]) -> str:
    return ", ".join(f"{row.name} (#{row.id})" for row in rows[:8]) + (
        f" and {len(rows) - 8} more" if len(rows) > 8 else ""
    )


def _article(word: str) -> str:
    return "an" if word[0] in "aeiou" else "a"
