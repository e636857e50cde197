"""LinkedIn's messages.csv: the conversations in the same export as Connections.csv.

`CONVERSATION ID,CONVERSATION TITLE,FROM,SENDER PROFILE URL,TO,RECIPIENT PROFILE URLS,DATE,
SUBJECT,CONTENT,FOLDER,...` (older exports lack the URL columns), dates like
`2024-03-12 14:05:33 UTC`. A message from a known contact is a `reply` from them; one to known
contacts is an `email` to each (the user is in every conversation of their own export, and is
not a contact). Contacts are found by profile URL, else by a name only one contact has. Each
message is kept by a digest of its conversation, time, sender and text, so importing the next
export adds only what is new.
"""

import csv
import hashlib
import io
from dataclasses import dataclass
from datetime import UTC, datetime

from sqlmodel import Session, col, select

from crm.errors import BadInput
from crm.kinds import TouchKind
from crm.models import Contact
from crm.services.imports import Skipped, url_key
from crm.services.lookup import name_key
from crm.services.mail import (
    ALREADY,
    SPAM,
    SUMMARY_CHARS,
    UNKNOWN,
    MailResult,
    Touches,
    first_lines,
)
from crm.services.text import clean_text

NEEDED = ("CONVERSATION ID", "FROM", "TO", "DATE", "CONTENT")
DATE_FORMATS = ("%Y-%m-%d %H:%M:%S %Z", "%Y-%m-%d %H:%M:%S", "%Y-%m-%d %H:%M")


@dataclass(frozen=True)
class LinkedInMessage:
    line: int
    key: str
    when: datetime
    sender: tuple[str, str]  # name, profile URL ("" when the export has none)
    recipients: tuple[tuple[str, str], ...]
    subject: str
    content: str
    spam: bool


def parse_messages(text: str, name: str) -> tuple[list[LinkedInMessage], list[Skipped]]:
    """The messages in a messages.csv, and the rows that are malformed."""
    reader = csv.reader(io.StringIO(text.removeprefix("\ufeff"), newline=""))
    try:
        header = [cell.strip().upper() for cell in next(reader)]
    except (StopIteration, csv.Error):
        raise BadInput(f"{name} is not LinkedIn's messages.csv") from None
    missing = [c for c in NEEDED if c not in header]
    if missing:
        raise BadInput(f"{name} has no {', '.join(missing)} column: is it LinkedIn's messages.csv?")
    column = {c: i for i, c in enumerate(header)}
    found: list[LinkedInMessage] = []
    bad: list[Skipped] = []
    while True:
        line = reader.line_num + 1
        try:
            values = next(reader)
        except StopIteration:
            break
        except csv.Error as error:
            bad.append(Skipped(line, f"not valid CSV: {error}"))
            continue
        if not any(v.strip() for v in values):
            continue
        if len(values) != len(header):
            bad.append(Skipped(line, f"{len(values)} values where the header has {len(header)}"))
            continue
        try:
            found.append(_message(line, {c: values[i].strip() for c, i in column.items()}))
        except BadInput as error:
            bad.append(Skipped(line, str(error)))
    return found, bad


def _message(line: int, get: dict[str, str]) -> LinkedInMessage:
    when = _when(get["DATE"])
    urls = [u.strip() for u in get.get("RECIPIENT PROFILE URLS", "").split(",") if u.strip()]
    names = [get["TO"]] if len(urls) <= 1 else [n.strip() for n in get["TO"].split(",")]
    recipients = tuple(
        (names[i] if i < len(names) else "", urls[i] if i < len(urls) else "")
        for i in range(max(len(names), len(urls)))
    )
    sender = (get["FROM"], get.get("SENDER PROFILE URL", ""))
    seed = "\n".join([get["CONVERSATION ID"], get["DATE"], *sender, get["CONTENT"]])
    return LinkedInMessage(
        line=line,
        key="linkedin:" + hashlib.sha256(seed.encode()).hexdigest()[:40],
        when=when,
        sender=sender,
        recipients=recipients,
        subject=get.get("SUBJECT", ""),
        content=get["CONTENT"],
        spam=get.get("FOLDER", "").upper() == "SPAM",
    )


def _when(text: str) -> datetime:
    for form in DATE_FORMATS:
        try:
            return datetime.strptime(text, form).replace(tzinfo=UTC)  # LinkedIn writes UTC
        except ValueError:
            continue
    raise BadInput(f"DATE {text!r} is not a time like 2024-03-12 14:05:33 UTC")


def import_messages(
    *, session: Session, now: datetime, messages: list[LinkedInMessage]
) -> MailResult:
    touches = Touches(session=session, now=now)
    contacts = list(session.exec(select(Contact).order_by(col(Contact.id))))
    by_url = {url_key(c.linkedin_url): c for c in contacts if c.linkedin_url}
    by_name: dict[str, list[Contact]] = {}
    for contact in contacts:
        by_name.setdefault(contact.name_key, []).append(contact)

    def find(name: str, url: str) -> Contact | None:
        if url and url_key(url) in by_url:
            return by_url[url_key(url)]
        namesakes = by_name.get(name_key(name), []) if name else []
        return namesakes[0] if len(namesakes) == 1 else None

    result = touches.result
    for message in messages:
        result.read += 1
        if message.spam:
            result.skipped[SPAM] += 1
            continue
        sender = find(*message.sender)
        if sender is not None:
            made = [(sender, TouchKind.REPLY.value)]
        else:
            found = {c.id: c for c in (find(*r) for r in message.recipients) if c is not None}
            made = [(c, TouchKind.EMAIL.value) for c in found.values()]
        if not made:
            result.skipped[UNKNOWN] += 1
            continue
        body = clean_text(first_lines(message.content), "note")
        summary = clean_text(message.subject[:SUMMARY_CHARS], "note")
        added = [
            touches.touch(contact, kind, message.when, message.key, summary, body)
            for contact, kind in made
        ]
        if not any(added):
            result.skipped[ALREADY] += 1
    session.flush()
    return result
