"""Google Contacts' CSV export (contacts.google.com → Export → Google CSV), read as Google
writes it.

Two layouts are in use: the current one (`First Name,Middle Name,Last Name,...,Organization
Name,Organization Title,...,E-mail 1 - Value,Phone 1 - Value,...`) and the one before 2024
(`Name,Given Name,...,Organization 1 - Name,Organization 1 - Title,...`). A cell holding
several values separates them with " ::: ". Both are read by column name.
"""

import csv
import io

from crm.errors import BadInput
from crm.services.imports import ParsedFile, Person, Skipped, file_tags
from crm.services.lookup import clean_name
from crm.services.text import clean_text

SEVERAL = " ::: "
NAME_PARTS = (("First Name", "Given Name"), ("Middle Name", "Additional Name"))
LAST = ("Last Name", "Family Name")
COMPANY = ("Organization Name", "Organization 1 - Name")
TITLE = ("Organization Title", "Organization 1 - Title")
DEPARTMENT = ("Organization Department", "Organization 1 - Department")


def parse_google_contacts(text: str, name: str) -> ParsedFile:
    reader = csv.reader(io.StringIO(text.removeprefix("\ufeff"), newline=""))
    try:
        header = [cell.strip() for cell in next(reader)]
    except (StopIteration, csv.Error):
        raise BadInput(f"{name} is not a Google Contacts CSV") from None
    if not any(c.startswith("E-mail 1 - ") for c in header) and "Given Name" not in header:
        raise BadInput(
            f"{name} is not a Google Contacts CSV: no 'E-mail 1 - Value' column "
            "(export with contacts.google.com, Export, Google CSV)"
        )
    parsed = ParsedFile()
    while True:
        line = reader.line_num + 1
        try:
            values = next(reader)
        except StopIteration:
            return parsed
        except csv.Error as error:
            parsed.bad.append(Skipped(line, f"not valid CSV: {error}"))
            continue
        if not any(v.strip() for v in values):
            continue
        if len(values) != len(header):
            parsed.bad.append(
                Skipped(line, f"{len(values)} values where the header has {len(header)}")
            )
            continue
        try:
            parsed.people.append(_person(line, dict(zip(header, values, strict=True))))
        except BadInput as error:
            parsed.bad.append(Skipped(line, str(error)))


def _person(line: int, row: dict[str, str]) -> Person:
    def first(names: tuple[str, ...]) -> str:
        return next((row[n].strip() for n in names if row.get(n, "").strip()), "")

    def numbered(kind: str) -> list[str]:
        found: list[str] = []
        for column, value in row.items():
            if column.startswith(f"{kind} ") and column.endswith(" - Value"):
                found += [v.strip() for v in value.split(SEVERAL) if v.strip()]
        return list(dict.fromkeys(found))

    emails = numbered("E-mail")
    parts = [first(p) for p in NAME_PARTS] + [first(LAST)]
    full = row.get("Name", "").strip() or " ".join(p for p in parts if p)
    full = full or row.get("Nickname", "").strip() or next(iter(emails), "")
    if not full:
        raise BadInput("the contact has no name, nickname or email address")
    urls = [clean_text(u, "URL") or "" for u in numbered("Website")]
    profiles = [u for u in urls if "linkedin.com/in/" in u.lower()]
    company = first(COMPANY)
    department = first(DEPARTMENT)
    notes = [row.get("Notes", "").strip(), f"Department: {department}" if department else ""]
    return Person(
        line=line,
        name=clean_name(full, "contact"),
        company=clean_name(company, "employer") if company else None,
        position=clean_text(first(TITLE), "position"),
        emails=[e for e in (clean_text(e, "email address") for e in emails) if e],
        phones=[p for p in (clean_text(p, "phone") for p in numbered("Phone")) if p],
        linkedin_url=profiles[0] if profiles else None,
        urls=[u for u in urls if u and u not in profiles[:1]],
        notes=clean_text("\n".join(n for n in notes if n), "notes"),
        tags=file_tags(_labels(row)),
    )


def _labels(row: dict[str, str]) -> list[str]:
    """The contact's own labels ("Labels", older exports "Group Membership"): `Work ::: Friends`,
    without Google's system groups (`* myContacts`, `* starred`)."""
    value = row.get("Labels") or row.get("Group Membership") or ""
    return [
        label.strip()
        for label in value.split(SEVERAL)
        if label.strip() and not label.strip().startswith("*")
    ]
