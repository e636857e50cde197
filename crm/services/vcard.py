"""vCard files as phones, Google, Apple and Thunderbird export them, read with vobject.

vobject reads vCard 3.0 (RFC 2426) and, with the same rules, 4.0 (RFC 6350): folded lines,
escapes, `ENCODING=b` photos, grouped properties (`item1.URL`), quoted-printable values of the
2.1 that Android still writes. What 4.0 writes differently is handled here: a phone number as a
`tel:` URI, `PREF=1` rather than `TYPE=pref`, `TYPE="work,voice"` as one quoted list, and `KIND`.

The file is cut into cards here, before vobject sees them, so that a problem is reported with
the line it is on, and one bad card can be skipped without losing the others. What real
address books write and vobject refuses is mended on the way (each seen in an export from
Android, iPhone, Outlook, Lotus Notes, Mac, SOGo or Monica; tests/test_real_vcards.py):
CR CR LF line ends; a `PROFILE:VCard` line; pictures (PHOTO, LOGO: never used, and sometimes
bad base64 or a data: URI); quoted-printable values, decoded here in their CHARSET (UTF-8, else
Latin-1, when none is given; a bad byte becomes U+FFFD rather than costing the card); `\\:`.
A card with no name takes its NICKNAME, else its email address.
"""

import quopri
import re
from collections.abc import Iterator
from typing import Any

from crm.errors import BadInput
from crm.services.imports import (
    MOST_PEOPLE,
    ParsedFile,
    Person,
    Skipped,
    file_tags,
    too_many_people,
)
from crm.services.lookup import clean_name
from crm.services.text import clean_text

VERSIONS = ("2.1", "3.0", "4.0")
LISTS = {"N", "ADR", "CATEGORIES", "GEO", "BEGIN", "END", "VERSION"}
# properties crm never reads whose values break vobject in real files
DROPPED = {"PHOTO", "LOGO", "SOUND", "KEY", "PROFILE"}
STRUCTURED = {"N", "ADR", "ORG"}  # values whose ";" separate parts
NOT_PEOPLE = {"group": "a group of contacts", "org": "an organisation", "location": "a place"}


def parse_vcards(text: str, name: str) -> ParsedFile:
    """The people in a vCard file; BadInput when it holds no card at all."""
    from crm.services.vcard_export import WRITTEN_BY_CRM

    parsed = ParsedFile(
        written_by_crm=re.search(rf"^PRODID:.*{WRITTEN_BY_CRM}", text, re.M) is not None
    )
    found = False
    for line, card, problem in _cards(text):
        found = found or bool(card)
        if problem:
            parsed.bad.append(Skipped(line, problem))
            continue
        try:
            _card(line, card, parsed)
        except BadInput as error:
            parsed.bad.append(Skipped(line, str(error)))
        if len(parsed.people) > MOST_PEOPLE:
            raise too_many_people(name)
    if not found and not any("never ends" in b.reason for b in parsed.bad):
        raise BadInput(f"{name} is not a vCard file: it has no BEGIN:VCARD ... END:VCARD")
    return parsed


def _cards(text: str) -> Iterator[tuple[int, str, str | None]]:
    """(line, text of the card, problem) for each card, and for each line outside any card."""
    start: int | None = None
    body: list[str] = []
    problem: tuple[int, str] | None = None
    for number, line in _unfolded(text):
        word = line.strip().upper()
        if start is None:
            if word == "BEGIN:VCARD":
                start, body, problem = number, [line], None
            elif word:
                yield number, "", "a line outside any card (BEGIN:VCARD ... END:VCARD)"
            continue
        if word == "BEGIN:VCARD":
            yield start, "", "the card beginning here never ends (no END:VCARD)"
            start, body, problem = number, [line], None
            continue
        if word and ":" not in line and problem is None:
            problem = (number, f"{line.strip()[:40]!r} is not a vCard property (NAME:value)")
        if _property(line) in DROPPED:
            continue
        body.append(_commas_escaped(_quoted_printable_decoded(line)))
        if word == "END:VCARD":
            card = "\r\n".join(body) + "\r\n"
            yield (problem[0], card, problem[1]) if problem else (start, card, None)
            start = None
    if start is not None:
        yield start, "", "the card beginning here never ends (is the file cut short?)"


def _unfolded(text: str) -> Iterator[tuple[int, str]]:
    """Logical lines, each with the line it starts on: folded lines (a line that begins with a
    space or a tab goes on the one before) and quoted-printable soft breaks joined."""
    number, logical = 0, None
    lines = re.split(r"\r*\n|\r", text)  # CR LF, LF, CR, and the iPhone's CR CR LF
    for at, raw in enumerate(lines, start=1):
        if logical is not None and raw[:1] in (" ", "\t"):
            logical += raw[1:]
        elif logical is not None and _soft_break(logical):
            logical = logical[:-1] + raw
        else:
            if logical is not None:
                yield number, logical
            number, logical = at, raw
    if logical is not None:
        yield number, logical


def _soft_break(line: str) -> bool:
    return line.endswith("=") and "QUOTED-PRINTABLE" in line.split(":", 1)[0].upper()


def _property(line: str) -> str:
    """The property's name: "NOTE" for "item1.NOTE;CHARSET=UTF-8:..."."""
    return line.split(":", 1)[0].split(";", 1)[0].rsplit(".", 1)[-1].strip().upper()


def _quoted_printable_decoded(line: str) -> str:
    """The line with its quoted-printable value decoded, as vCard 3.0 writes text.

    vobject decodes quoted-printable as UTF-8 whatever the CHARSET, and gives up on the whole
    card at one byte that is not.
    """
    head, colon, value = line.partition(":")
    params = head.split(";")
    if not colon or not any("QUOTED-PRINTABLE" in p.upper() for p in params[1:]):
        return line
    charset = next(
        (p.split("=", 1)[1].strip('"') for p in params[1:] if p.upper().startswith("CHARSET=")),
        None,
    )
    data = quopri.decodestring(value.encode("ascii", "replace"))
    text = _decoded(data, charset)
    kept = [p for p in params if "QUOTED-PRINTABLE" not in p.upper()]
    kept = [p for p in kept if not p.upper().startswith("CHARSET=")]
    text = text.replace("\r\n", "\n").replace("\r", "\n")
    if _property(line) not in STRUCTURED:
        text = text.replace("\\", "\\\\").replace(";", "\\;")
    return ";".join(kept) + ":" + text.replace("\n", "\\n")


def _decoded(data: bytes, charset: str | None) -> str:
    if charset:
        try:
            return data.decode(charset, errors="replace")
        except LookupError:  # a charset Python does not know
            pass
    try:
        return data.decode("utf-8")
    except UnicodeDecodeError:
        return data.decode("latin-1")  # vCard 2.1's exporters without CHARSET: Windows, Latin-1


def _commas_escaped(line: str) -> str:
    """The line with every bare comma of a one-value property escaped.

    vobject cuts such a value at its first unescaped comma ("NOTE:Kind, helpful" comes back as
    "Kind"). The standards say to escape them, and vCard 2.1 (Android), many URLs and some
    exporters do not. Only N, ADR and CATEGORIES use commas to separate values.
    """
    head, colon, value = line.partition(":")
    name = head.split(";", 1)[0].rsplit(".", 1)[-1].upper()
    if not colon or name in LISTS or "," not in value:
        return line
    return head + colon + re.sub(r"(?<!\\),", r"\\,", value)


def _card(line: int, text: str, parsed: ParsedFile) -> None:
    import vobject

    try:
        card = vobject.readOne(text, allowQP=True)
    except Exception as error:  # vobject raises its own and the codecs' errors on bad input
        reason = re.sub(r"^At line \d+: ", "", str(error)) or type(error).__name__
        raise BadInput(f"cannot read this card: {reason}") from None
    version = _text(_first(card, "version"))
    if version and version not in VERSIONS:
        raise BadInput(f"vCard version {version}; crm reads {', '.join(VERSIONS)}")
    kind = _text(_first(card, "kind")) or _text(_first(card, "x-addressbookserver-kind")) or ""
    if kind.lower() in NOT_PEOPLE:
        parsed.skipped.append(Skipped(line, f"{NOT_PEOPLE[kind.lower()]}, not a person"))
        return
    emails = [e for e in (_text(v) for v in _preferred(card, "email")) if e]
    phones = [p for p in (_phone(v) for v in _preferred(card, "tel")) if p]
    urls = [u for u in (_url(v) for v in _lines(card, "url", "x-socialprofile")) if u]
    profiles = [u for u in urls if "linkedin.com/in/" in u.lower()]
    company, organisation = _organisation(card)
    titles = [t for t in (_text(v) for v in _lines(card, "title")) if t]
    notes = [n for n in (_text(v) for v in _lines(card, "note")) if n]
    categories = [c for line in _lines(card, "categories") for c in _listed(line.value)]
    parsed.people.append(
        Person(
            line=line,
            name=clean_name(_name(card, emails), "contact"),
            company=company,
            position=clean_text(" / ".join(dict.fromkeys(titles)), "position"),
            emails=emails,
            phones=phones,
            linkedin_url=profiles[0] if profiles else None,
            urls=[u for u in urls if u not in profiles[:1]],
            notes=clean_text("\n".join([*dict.fromkeys(notes), *organisation]), "notes"),
            tags=file_tags(categories),
        )
    )


def _listed(value: Any) -> list[str]:
    """CATEGORIES' values: vobject gives a list, or a string where a card had one value."""
    return [str(v) for v in value] if isinstance(value, list) else [str(value)]


def _lines(card: Any, *names: str) -> list[Any]:
    return [line for name in names for line in card.contents.get(name, [])]


def _first(card: Any, name: str) -> Any:
    found = card.contents.get(name)
    return found[0] if found else None


def _text(line: Any) -> str | None:
    value = getattr(line, "value", None)
    if isinstance(value, list):
        value = " ".join(str(v) for v in value if v)
    if value is None or isinstance(value, bytes):
        return None
    # "\:" is no escape in any version, yet Apple writes it; vobject leaves it be
    return str(value).replace("\\:", ":").strip() or None


def _preferred(card: Any, name: str) -> list[Any]:
    """The lines of a property, the preferred first (3.0 TYPE=pref, 4.0 PREF=1)."""

    def rank(line: Any) -> int:
        types = {
            word.strip().lower()
            for value in [*line.params.get("TYPE", []), *line.singletonparams]
            for word in str(value).split(",")
        }
        if "pref" in types:
            return 0
        pref = line.params.get("PREF", [""])[0]
        return int(pref) if str(pref).isdigit() else 101

    return sorted(card.contents.get(name, []), key=rank)


def _phone(line: Any) -> str | None:
    text = _text(line)
    return clean_text(text.removeprefix("tel:") if text else None, "phone")


def _url(line: Any) -> str | None:
    text = _text(line)
    return clean_text(text.replace("\\:", ":") if text else None, "URL")


def _name(card: Any, emails: list[str]) -> str:
    """FN, else N; a card with neither is known by its NICKNAME, else its email address."""
    formatted = _text(_first(card, "fn"))
    if formatted:
        return formatted
    structured = getattr(_first(card, "n"), "value", None)
    parts = [getattr(structured, part, "") for part in ("given", "additional", "family")]
    words = [" ".join(p) if isinstance(p, list) else str(p) for p in parts]
    name = " ".join(w for w in words if w.strip())
    nickname = _text(_first(card, "nickname"))
    name = name or (nickname.split(",")[0].strip() if nickname else "") or next(iter(emails), "")
    if not name:
        raise BadInput("the card has no name (FN, N, NICKNAME or EMAIL)")
    return name


def _organisation(card: Any) -> tuple[str | None, list[str]]:
    """The employer (the first ORG's name), and lines for the notes with what else ORG says:
    the department, a second organisation."""
    orgs = []
    for line in _lines(card, "org"):
        value = line.value if isinstance(line.value, list) else [line.value]
        parts = [str(p).replace("\\:", ":").strip() for p in value if p and str(p).strip()]
        if parts and parts not in orgs:
            orgs.append(parts)
    if not orgs:
        return None, []
    company = clean_name(orgs[0][0], "employer")
    more = [f"Department: {', '.join(orgs[0][1:])}"] if len(orgs[0]) > 1 else []
    if len(orgs) > 1:
        more.append("Other organisations: " + "; ".join(", ".join(o) for o in orgs[1:]))
    return company, more
