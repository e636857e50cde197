"""LinkedIn's Connections.csv, read as LinkedIn writes it.

The export (Settings → Data privacy → Get a copy of your data → Connections) starts with notes
before the header: a "Notes:" line, a quoted paragraph about missing email addresses and a blank
line. Then `First Name,Last Name,URL,Email Address,Company,Position,Connected On`, dates like
`12 Mar 2024`, email addresses mostly empty (members choose whether to share them), values with
commas quoted, sometimes a UTF-8 byte-order mark.

Rows LinkedIn writes without a name or a profile URL (members who hide their profile) are
skipped and listed; a malformed row (wrong number of values, a date or URL that is not one) is
an error, or skipped when the user asks.
"""

import csv
import io
import re
from collections.abc import Iterable, Iterator
from datetime import date, datetime

from crm.dates import RANGE, in_range
from crm.errors import BadInput
from crm.services.contacts import LONGEST_URL
from crm.services.imports import MOST_PEOPLE, ParsedFile, Person, Skipped, too_many_people
from crm.services.lookup import clean_name
from crm.services.text import clean_text

NEEDED = ("First Name", "Last Name", "Company", "Position", "Connected On")
URL = "URL"  # exports before 2018 have no profile URLs: people are matched by name and company
EMAIL = "Email Address"
# the notes LinkedIn puts before the header are three lines; a little slack for a future fourth
HEADER_WITHIN_ROWS = 10


def parse_connections(text: str | Iterable[str], name: str) -> ParsedFile:
    """The people in a Connections.csv (its text, or its lines as they are read); BadInput when
    the file is not one at all."""
    if isinstance(text, str):
        text = io.StringIO(text.removeprefix("\ufeff"), newline="")
    rows = _rows(text)
    columns = _header(rows, name)
    parsed = ParsedFile()
    for line, values, problem in rows:
        if problem:
            parsed.bad.append(Skipped(line, problem))
        elif any(v.strip() for v in values):
            _row(line, values, columns, parsed)
            if len(parsed.people) > MOST_PEOPLE:
                raise too_many_people(name)
    return parsed


def _rows(lines: Iterable[str]) -> Iterator[tuple[int, list[str], str | None]]:
    """CSV rows with the line each starts on; a row the csv module cannot read is a problem."""
    reader = csv.reader(lines, strict=True)
    while True:
        line = reader.line_num + 1
        try:
            values = next(reader)
        except StopIteration:
            return
        except csv.Error as error:
            yield line, [], _csv_problem(str(error))
            continue
        yield line, values, None


def _csv_problem(message: str) -> str:
    if "unexpected end of data" in message:
        return "a quoted value never ends (is the file cut short?)"
    if "field larger than field limit" in message:
        return f"a value longer than {csv.field_size_limit():,} characters"
    return f"not valid CSV: {message}"


def _header(rows: Iterator[tuple[int, list[str], str | None]], name: str) -> dict[str, int]:
    for _ in range(HEADER_WITHIN_ROWS):
        try:
            _line, values, _problem = next(rows)
        except StopIteration:
            break
        cells = [v.strip() for v in values]
        if "First Name" in cells and "Last Name" in cells:
            missing = [c for c in NEEDED if c not in cells]
            if missing:
                raise BadInput(
                    f"{name} has no {', '.join(missing)} column: export Connections from "
                    "LinkedIn again (Settings, Data privacy, Get a copy of your data)"
                )
            return {c: i for i, c in enumerate(cells)}
    raise BadInput(
        f"{name} is not LinkedIn's Connections.csv: no header "
        "'First Name,Last Name,URL,Email Address,Company,Position,Connected On' at the top"
    )


def _row(line: int, values: list[str], columns: dict[str, int], parsed: ParsedFile) -> None:
    if len(values) != len(columns):
        parsed.bad.append(
            Skipped(line, f"{len(values)} values where the header has {len(columns)}")
        )
        return
    get = {column: values[i].strip() for column, i in columns.items()}
    full_name = " ".join(p for p in (get["First Name"], get["Last Name"]) if p)
    url = get.get(URL, "")
    if not full_name or (URL in columns and not url):
        missing = "name" if not full_name else "profile URL"
        parsed.skipped.append(Skipped(line, f"no {missing} (LinkedIn hides it for some members)"))
        return
    try:
        parsed.people.append(
            Person(
                line=line,
                name=clean_name(full_name, "contact"),
                company=clean_name(get["Company"], "employer") if get["Company"] else None,
                position=clean_text(get["Position"], "position"),
                emails=_emails(get.get(EMAIL, "")),
                linkedin_url=_profile(url) if url else None,
                connected_on=_connected_on(get["Connected On"]),
            )
        )
    except BadInput as error:
        parsed.bad.append(Skipped(line, str(error)))


def _profile(url: str) -> str:
    checked = clean_text(url, "URL") or ""
    lowered = checked.lower()
    if not lowered.startswith(("https://", "http://")) or "linkedin.com/" not in lowered:
        raise BadInput(f"{url!r} is not a LinkedIn profile URL")
    if len(checked) > LONGEST_URL:  # the limit `crm contact add --linkedin` has too
        raise BadInput(
            f"the LinkedIn URL is {len(checked):,} characters; the most is {LONGEST_URL}"
        )
    return checked


def _emails(text: str) -> list[str]:
    email = clean_text(text, "email address")
    if email is None:
        return []
    if "@" not in email or " " in email:
        raise BadInput(f"{email!r} is not an email address")
    return [email]


# LinkedIn writes "12 Mar 2024"; a spreadsheet that saved the file again writes its own form
DATE_FORMATS = ("%d %b %Y", "%d-%b-%y", "%d-%b-%Y", "%Y-%m-%d", "%d %B %Y", "%b %d, %Y")
SLASHED = re.compile(r"^(\d{1,2})/(\d{1,2})/(\d{2}|\d{4})$")


def _connected_on(text: str) -> date | None:
    if not text:
        return None
    day = _read_day(text)
    if not in_range(day) or not text.isascii():
        raise BadInput(f"Connected On {text!r} is not a date crm takes; {RANGE}")
    return day


def _read_day(text: str) -> date:
    for form in DATE_FORMATS:
        try:
            return datetime.strptime(text, form).date()
        except ValueError:
            continue
    slashed = SLASHED.match(text)
    if slashed:
        # a US spreadsheet's month/day/year, unless the first number cannot be a month
        first, second, year = (int(n) for n in slashed.groups())
        month, day = (second, first) if first > 12 else (first, second)
        try:
            return date(year + 2000 if year < 100 else year, month, day)
        except ValueError:
            pass
    # the other forms (12-Mar-24, 3/12/2024, 2024-03-12) are in docs/import-export.md
    raise BadInput(f"Connected On {text!r} is not a date like 12 Mar 2024")


def is_google_contacts(text: str) -> bool:
    """Google Contacts' CSV export (either layout), recognised by its header."""
    header = text.removeprefix("\ufeff").split("\n", 1)[0]
    return "E-mail 1 - Value" in header or ("Given Name" in header and "Family Name" in header)


def is_messages(text: str) -> bool:
    """LinkedIn's messages.csv, which lies beside Connections.csv in the same export."""
    header = text.removeprefix("\ufeff").split("\n", 1)[0].upper()
    return all(c in header for c in ("CONVERSATION ID", "FROM", "DATE", "CONTENT"))
