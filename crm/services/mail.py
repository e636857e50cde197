"""Touchpoints from the user's mail: who wrote to whom, when, and the first lines of it.

A message is read in two steps, so that a server need send only the headers of most messages:
`Letter.of` reads the headers, `MailImport.wanted` decides from them alone whether the message
is between the user (the `me` setting) and a known contact, and `MailImport.add` reads the
body of those that are. A message from a contact is a `reply` (in), one from the user to
contacts an `email` (out) to each, at the message's Date; its note is the subject and the
first lines of the body, quoted text and the signature left out.

Each touch keeps the message's Message-ID, so a folder imported twice, or two folders that
hold the same message, add it once. Mailing lists, auto-replies and no-reply senders are
skipped and counted; so are senders crm does not know, and those whose domain is an
employer's are listed, since they are likely people to add.
"""

import email.errors
import email.header
import email.utils
import hashlib
import re
from collections import Counter
from dataclasses import dataclass, field
from datetime import UTC, datetime
from email.message import Message
from html.parser import HTMLParser
from urllib.parse import urlsplit

from sqlmodel import Session, col, select

from crm.errors import BadInput
from crm.kinds import Direction, TouchKind
from crm.models import Contact, Employer, Touchpoint
from crm.services.text import clean_text

NOTE_LINES = 5  # the first lines of a body that go into the note
NOTE_CHARS = 600
SUMMARY_CHARS = 200
LONGEST_MESSAGE_ID = 250  # a longer one is stored as its digest (it is indexed)
UNKNOWN_SHOWN = 10

# the reasons a message gives no touch, in the order the summary lists them
MAILING_LIST = "mailing list"
AUTO_REPLY = "auto-reply"
NO_REPLY = "no-reply sender"
NO_DATE = "no readable Date"
UNREADABLE = "unreadable message"
BEFORE_SINCE = "before --since"
ALREADY = "already imported"
UNKNOWN = "not with a known contact"
SPAM = "in LinkedIn's spam folder"
REASONS = (
    MAILING_LIST, AUTO_REPLY, NO_REPLY, SPAM, NO_DATE, UNREADABLE, BEFORE_SINCE, ALREADY, UNKNOWN
)  # fmt: skip

NO_REPLY_SENDER = re.compile(
    r"^(no-?reply|do-?not-?reply|donotreply|mailer-daemon|postmaster|bounces?|notifications?)"
    r"([+._-].*)?$",
    re.IGNORECASE,
)
AUTO_SUBJECT = re.compile(
    r"^\s*(auto(matic)?[ -]?(reply|response|antwort)|out of (the )?office|"
    r"abwesenheitsnotiz|réponse automatique|absence|undeliverable|delivery status notification)",
    re.IGNORECASE,
)
# "On Mon, 2 Mar 2026 at 10:02, Dana <dana@acme.example> wrote:", and its German and French
ATTRIBUTION = re.compile(r"(wrote|schrieb|a écrit)\s*:\s*$", re.IGNORECASE)
ENDS_BODY = re.compile(
    r"^(-- ?$|_{10,}\s*$|-{3,}\s*(original message|ursprüngliche nachricht|message d'origine)"
    r"|sent from my |envoyé de mon |von meinem .* gesendet)",
    re.IGNORECASE,
)
# addresses anyone may have: a contact's gmail address says nothing about their employer
FREE_MAIL = {
    "gmail.com", "googlemail.com", "outlook.com", "hotmail.com", "live.com", "yahoo.com",
    "icloud.com", "me.com", "mac.com", "aol.com", "gmx.de", "gmx.net", "web.de", "proton.me",
    "protonmail.com", "fastmail.com", "mail.com", "yandex.ru", "orange.fr", "free.fr",
}  # fmt: skip
# the line an import (crm/services/imports.py) keeps a contact's other addresses on
OTHER_ADDRESSES = re.compile(r"^Other email addresses: (.+)$", re.MULTILINE)


@dataclass(frozen=True)
class Letter:
    """What the headers of one message say."""

    message_id: str
    sender_name: str
    sender: str  # the address, lower case
    recipients: tuple[str, ...]  # To, Cc and Bcc addresses, lower case
    when: datetime | None
    subject: str
    skip: str | None  # a reason to skip it whoever it is from: a list, an auto-reply...

    @classmethod
    def of(cls, message: Message) -> "Letter":
        name, sender = email.utils.parseaddr(str(message.get("From", "")))
        recipients = email.utils.getaddresses(
            [str(v) for h in ("To", "Cc", "Bcc") for v in message.get_all(h, [])]
        )
        subject = " ".join(_decoded_header(message.get("Subject", "")).split())
        name = _decoded_header(name)
        when = _date(message.get("Date"))
        letter = cls(
            message_id="",
            sender_name=name.strip(),
            sender=sender.strip().lower(),
            recipients=tuple(a.strip().lower() for _, a in recipients if "@" in a),
            when=when,
            subject=subject,
            skip=_skip(message, sender, subject),
        )
        return _with_id(letter, str(message.get("Message-ID", "")).strip())


def letter_of(message: Message | None) -> Letter | None:
    """The message's headers; None for a message the email package cannot parse."""
    if message is None:
        return None
    try:
        return Letter.of(message)
    except Exception:  # a malformed header spoils that message, not the import
        return None


def _with_id(letter: Letter, message_id: str) -> Letter:
    if not message_id or len(message_id) > LONGEST_MESSAGE_ID:
        # a message without one is known by what it says about itself
        seed = message_id or "\n".join(
            [letter.sender, *letter.recipients, str(letter.when), letter.subject]
        )
        message_id = "sha256:" + hashlib.sha256(seed.encode()).hexdigest()
    return Letter(**{**vars(letter), "message_id": message_id})


def _decoded_header(value: object) -> str:
    """A header's text with its encoded words (=?utf-8?q?...?=) decoded.

    Messages are parsed with the email package's compat32 policy, which leaves them encoded:
    its modern policy parses every header into objects, three times slower over a mailbox.
    """
    text = str(value)
    if "=?" not in text:
        return text
    try:
        return str(email.header.make_header(email.header.decode_header(text)))
    except (UnicodeError, LookupError, email.errors.HeaderParseError):
        return text


def _date(value: object) -> datetime | None:
    if value is None:
        return None
    try:
        when = email.utils.parsedate_to_datetime(str(value))
    except (TypeError, ValueError, IndexError, OverflowError):
        return None
    return when if when.tzinfo is not None else when.replace(tzinfo=UTC)  # "-0000": UTC


def _skip(message: Message, sender: str, subject: str) -> str | None:
    precedence = str(message.get("Precedence", "")).strip().lower()
    if any(message.get(h) for h in ("List-Id", "List-Unsubscribe", "List-Post", "Mailing-List")):
        return MAILING_LIST
    if precedence in ("list", "bulk", "junk"):
        return MAILING_LIST
    auto = str(message.get("Auto-Submitted", "no")).strip().lower()
    if auto != "no" or precedence == "auto_reply":
        return AUTO_REPLY
    if message.get("X-Autoreply") or message.get("X-Autorespond") or AUTO_SUBJECT.match(subject):
        return AUTO_REPLY
    if NO_REPLY_SENDER.match(sender.partition("@")[0]):
        return NO_REPLY
    return None


def note_of(message: Message) -> str | None:
    """The first lines the sender wrote: no quoted text, no signature, no earlier message."""
    return first_lines(_body_text(message))


def first_lines(text: str) -> str | None:
    """The first lines of a message's text, up to what it quotes or its signature."""
    kept: list[str] = []
    for raw in text.splitlines():
        line = raw.rstrip()
        if ENDS_BODY.match(line) or ATTRIBUTION.search(line):
            if kept and ATTRIBUTION.search(line) and kept[-1].lstrip().startswith("On "):
                kept.pop()  # "On Mon ... Dana" wrapped before "<dana@...> wrote:"
            break
        if line.lstrip().startswith(">"):
            continue
        if line or (kept and kept[-1]):
            kept.append(line)
        if sum(1 for k in kept if k) >= NOTE_LINES:
            break
    text = "\n".join(kept).strip()
    return text[: NOTE_CHARS - 1] + "…" if len(text) > NOTE_CHARS else text or None


def _body_text(message: Message) -> str:
    html = None
    for part in message.walk() if message.is_multipart() else [message]:
        if part.get_content_maintype() != "text" or part.get_filename():
            continue
        text = _decoded(part)
        if part.get_content_subtype() == "plain":
            return text
        if part.get_content_subtype() == "html" and html is None:
            html = text
    return _html_text(html) if html else ""


def _decoded(part: Message) -> str:
    payload = part.get_payload(decode=True)
    if not isinstance(payload, bytes):
        return ""
    charset = part.get_content_charset() or "utf-8"
    try:
        return payload.decode(charset, errors="replace")
    except LookupError:  # a charset Python does not know
        return payload.decode("latin-1")


BREAKS = frozenset({"br", "p", "div", "li", "tr", "blockquote"})


class _Html(HTMLParser):
    def __init__(self) -> None:
        super().__init__()
        self.parts: list[str] = []
        self.hidden = 0  # inside <style>, <script> or a quoted <blockquote>

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        if tag in ("style", "script", "blockquote", "head"):
            self.hidden += 1
        if tag in BREAKS:
            self.parts.append("\n")

    def handle_endtag(self, tag: str) -> None:
        if tag in ("style", "script", "blockquote", "head"):
            self.hidden = max(0, self.hidden - 1)
        if tag in BREAKS:
            self.parts.append("\n")

    def handle_data(self, data: str) -> None:
        if not self.hidden:
            self.parts.append(data)


def _html_text(html: str) -> str:
    parser = _Html()
    parser.feed(html)
    return re.sub(r"[ \t]+", " ", "".join(parser.parts))


@dataclass
class MailResult:
    read: int = 0
    added: int = 0
    # contact name → kind → touches added
    per_contact: dict[str, Counter[str]] = field(default_factory=dict)
    skipped: Counter[str] = field(default_factory=Counter)
    # (messages, "Name <address>", address, employer name), most frequent first
    unknown: list[tuple[int, str, str, str]] = field(default_factory=list)


class Touches:
    """Touchpoints made from messages, once per message and contact: the keys already stored
    are loaded once."""

    def __init__(self, *, session: Session, now: datetime) -> None:
        self.session, self.now = session, now
        self.stored: set[tuple[str, int]] = {
            (message_id, contact_id)
            for message_id, contact_id in session.exec(
                select(Touchpoint.message_id, Touchpoint.contact_id).where(
                    col(Touchpoint.message_id).is_not(None)
                )
            )
            if message_id
        }
        self.result = MailResult()

    def touch(
        self,
        contact: Contact,
        kind: str,
        when: datetime,
        message_id: str,
        summary: str | None,
        body: str | None,
    ) -> bool:
        """Add the touch unless this message already made it; whether it did."""
        key = (message_id, contact.id or 0)
        if key in self.stored:
            return False
        self.stored.add(key)
        incoming = kind == TouchKind.REPLY.value
        self.session.add(
            Touchpoint(
                contact_id=contact.id or 0,
                kind=kind,
                direction=(Direction.IN if incoming else Direction.OUT).value,
                happened_at=when,
                summary=summary,
                body=body,
                message_id=message_id,
                created_at=self.now,
            )
        )
        self.result.added += 1
        self.result.per_contact.setdefault(contact.name, Counter())[kind] += 1
        return True


class MailImport(Touches):
    """One import of mail into touchpoints: contacts and stored Message-IDs loaded once."""

    def __init__(
        self, *, session: Session, now: datetime, me: tuple[str, ...], since: datetime | None
    ) -> None:
        if not me:
            raise BadInput(
                "crm needs your own addresses to tell what you sent from what you got: "
                'add me = ["you@example.org"] to config.toml (see crm config)'
            )
        super().__init__(session=session, now=now)
        self.since = since
        self.me = {address.strip().lower() for address in me}
        self.contacts: dict[str, Contact] = {}
        employer_of: dict[int, str] = {}
        for contact in session.exec(select(Contact).order_by(col(Contact.id))):
            for address in _addresses_of(contact):
                self.contacts.setdefault(address, contact)
        self.domains: dict[str, str] = {}  # an employer's mail domain → its name
        for employer in session.exec(select(Employer).order_by(col(Employer.id))):
            employer_of[employer.id or 0] = employer.name
            for url in (employer.website, employer.careers_url):
                host = urlsplit(url if url and "//" in url else f"//{url or ''}").hostname
                if host:
                    self.domains.setdefault(host.removeprefix("www."), employer.name)
        for address, contact in self.contacts.items():
            domain = address.rpartition("@")[2]
            if contact.employer_id in employer_of and domain not in FREE_MAIL:
                self.domains.setdefault(domain, employer_of[contact.employer_id])
        self._unknown: Counter[str] = Counter()
        self._names: dict[str, str] = {}

    def unreadable(self) -> None:
        self.result.read += 1
        self.result.skipped[UNREADABLE] += 1

    def wanted(self, letter: Letter) -> bool:
        """Whether the message makes a touch (its body is then needed); counts it if not."""
        self.result.read += 1
        reason = self._reason(letter)
        if reason is None:
            return True
        self.result.skipped[reason] += 1
        return False

    def _reason(self, letter: Letter) -> str | None:
        if letter.skip:
            return letter.skip
        if letter.when is None:
            return NO_DATE
        if self.since is not None and letter.when < self.since:
            return BEFORE_SINCE
        touches = self._touches(letter)
        if not touches:
            self._remember_unknown(letter)
            return UNKNOWN
        if all((letter.message_id, c.id) in self.stored for c, _ in touches):
            return ALREADY
        return None

    def _touches(self, letter: Letter) -> list[tuple[Contact, str]]:
        if letter.sender in self.me:
            found = [self.contacts.get(a) for a in letter.recipients if a not in self.me]
            unique = {c.id: c for c in found if c is not None}
            return [(c, TouchKind.EMAIL.value) for c in unique.values()]
        contact = self.contacts.get(letter.sender)
        return [(contact, TouchKind.REPLY.value)] if contact is not None else []

    def _remember_unknown(self, letter: Letter) -> None:
        if letter.sender in self.me or "@" not in letter.sender:
            return
        domain = letter.sender.rpartition("@")[2]
        parent = domain.partition(".")[2]  # mail.acme.example is acme.example's
        if domain in self.domains or parent in self.domains:
            self._unknown[letter.sender] += 1
            self._names.setdefault(letter.sender, letter.sender_name)

    def add(self, letter: Letter, message: Message) -> None:
        """The touches of a wanted message."""
        assert letter.when is not None
        body = clean_text(note_of(message), "note")
        summary = clean_text(letter.subject[:SUMMARY_CHARS], "note") or first_line(body)
        made = [
            self.touch(contact, kind, letter.when, letter.message_id, summary, body)
            for contact, kind in self._touches(letter)
        ]
        if not any(made):  # a copy of a message wanted before its first copy was added (IMAP
            self.result.skipped[ALREADY] += 1  # reads every header first): counted once, here

    def finish(self) -> MailResult:
        self.session.flush()
        for address, count in self._unknown.most_common(UNKNOWN_SHOWN):
            name = self._names.get(address) or ""
            domain = address.rpartition("@")[2]
            employer = self.domains.get(domain) or self.domains[domain.partition(".")[2]]
            self.result.unknown.append((count, name, address, employer))
        return self.result


def _addresses_of(contact: Contact) -> list[str]:
    """The contact's email and any other address recorded for them (an import keeps the
    others in the notes)."""
    found = [contact.email] if contact.email else []
    for line in OTHER_ADDRESSES.findall(contact.notes or ""):
        found += [address for address in line.split(", ") if "@" in address]
    return [address.strip().lower() for address in found]


def first_line(text: str | None) -> str | None:
    line = next((line.strip() for line in (text or "").splitlines() if line.strip()), None)
    return line[:SUMMARY_CHARS] if line else None
