"""Checks on the free text users type, shared by every record."""

import unicodedata

from crm.errors import BadInput

LONGEST = 100_000  # characters; a note longer than this is almost surely a pasted file by mistake


def clean_text(value: str | None, what: str) -> str | None:
    """The text as stored: None for empty, surrounding space removed; NUL and huge text refused."""
    if value is None:
        return None
    value = value.strip()
    if "\x00" in value:
        raise BadInput(f"the {what} cannot contain a NUL character")
    if len(value) > LONGEST:
        raise BadInput(f"the {what} is {len(value):,} characters long; the most is {LONGEST:,}")
    return value or None


def name_key(name: str) -> str:
    """The form names are compared in: casefolded, accents dropped (NFKD: "María" is "maria",
    "Müller" is "muller"), inner spaces collapsed."""
    return " ".join(fold(name).split())


def fold(text: str) -> str:
    """Casefolded, without accents; spaces kept as they are (a typed prefix folds the same)."""
    decomposed = unicodedata.normalize("NFKD", text.casefold())
    bare = "".join(c for c in decomposed if not unicodedata.combining(c))
    return unicodedata.normalize("NFKC", bare).casefold()
