"""Importing people from someone else's files (LinkedIn, vCard) into contacts.

The file is read and checked whole before anything is written (crm/services/linkedin.py,
crm/services/vcard.py); `import_people` then merges the people it holds, in one transaction:

- A person is the contact with the same LinkedIn profile; failing that, with one of the same
  email addresses; failing that, the one contact of that name at the same employer, or the
  only contact of that name (and no other profile). So importing next month's file updates
  contacts rather than duplicating them.
- An address book's card without ORG says nothing about a job: it never opens or closes one.
  A job change makes one congratulation, ever: seeing the same move again makes none.
- An import fills in what a contact lacks and never overwrites what the user typed.
- Each source's view of a contact's job (company, position) is kept as history in `Employment`:
  the first import records it; a later import that shows another job closes that row, opens the
  next, moves the contact to the new employer and makes a task to congratulate them, since a new
  job is the best reason to get in touch.
- Employers are matched by name (case-insensitively) or created.
"""

import hashlib
from collections.abc import Sequence
from dataclasses import dataclass, field, fields
from datetime import date, datetime
from types import SimpleNamespace
from typing import Any
from urllib.parse import unquote

from sqlalchemy import insert, update
from sqlmodel import Session, SQLModel, col, select

from crm.errors import BadInput
from crm.kinds import Role, TaskKind, TaskStatus
from crm.models import Contact, ContactTag, Employer, Employment, Task
from crm.services.lookup import name_key
from crm.services.plan import touched
from crm.services.plan_rules import JOB_CHANGE
from crm.services.text import clean_text

CRM = "crm"  # the source of a file crm itself wrote
SOURCE_NAMES = {"linkedin": "LinkedIn", "vcard": "vCard", "google": "Google Contacts"}
# sources whose row without a company means "between jobs": an address book's card without
# ORG only means nobody typed one
SAYS_WHO_LEFT = {"linkedin"}
# The most people one file may bring. LinkedIn lets a member have 30,000 connections, and an
# import holds its people in memory (and checks them all before writing any): 30,000 take
# ~180 MB at the peak; a file of a million rows is refused at row 30,001 rather than read whole.
MOST_PEOPLE = 30_000


def too_many_people(name: str) -> BadInput:
    return BadInput(
        f"{name} holds more than {MOST_PEOPLE:,} people, the most one import takes "
        "(LinkedIn's own limit of connections); split it and import the parts"
    )


@dataclass
class Person:
    """One person as a file describes them, checked and cleaned."""

    line: int
    name: str
    company: str | None = None
    position: str | None = None
    emails: list[str] = field(default_factory=list)
    phones: list[str] = field(default_factory=list)
    linkedin_url: str | None = None
    connected_on: date | None = None
    urls: list[str] = field(default_factory=list)  # web links other than the LinkedIn profile
    notes: str | None = None
    tags: list[str] = field(default_factory=list)  # a vCard's CATEGORIES, Google's labels


@dataclass
class Skipped:
    line: int
    reason: str


@dataclass
class ParsedFile:
    people: list[Person] = field(default_factory=list)
    # rows the source itself writes without what a contact needs (LinkedIn's hidden members,
    # a group card): always skipped, and listed
    skipped: list[Skipped] = field(default_factory=list)
    # malformed rows: the import stops at the first one unless told to skip them
    bad: list[Skipped] = field(default_factory=list)
    # `crm export --format vcard` wrote it: what it says of jobs is what crm already knows
    written_by_crm: bool = False


@dataclass
class JobChange:
    name: str
    before: str  # "Data Lead at Acme Robotics", or "no position"
    after: str
    task: Task | None  # None for a contact who gets no reminders (archived, not keep-in-touch)


@dataclass
class ImportResult:
    added: int = 0
    updated: int = 0
    unchanged: int = 0
    employers_added: int = 0
    job_changes: list[JobChange] = field(default_factory=list)
    # people added as new whom a file without profile URLs could not match to a contact
    unmatched: list[Person] = field(default_factory=list)


@dataclass(slots=True)
class NewContact:
    """A contact this import adds, as the row it inserts. New contacts and history rows go in
    as one bulk INSERT each, without a model object per row: 10,000 SQLModel objects would
    take seconds to validate; slots, not a namespace's dict: 10,000 took 5 MB, now 2."""

    name: str
    name_key: str
    employer_id: int | None
    role: str
    position: str | None
    email: str | None
    phone: str | None
    linkedin_url: str | None
    linkedin_connected_on: date | None
    notes: str | None
    keep_in_touch: bool
    archived_at: datetime | None
    created_at: datetime
    id: int | None = None  # once inserted


# A contact as the import handles it: a Contact already stored, or one this import adds.
Record = Contact | NewContact


@dataclass(slots=True)
class NewJob:
    """A job the file shows that this source did not show last: a history row to insert."""

    contact: Record
    employer_id: int | None
    company: str | None
    position: str | None
    seen_from: date
    seen_until: date | None
    source: str
    created_at: datetime
    id: int | None = None  # once inserted


# the group a phone puts every contact in (Android's "My Contacts", Google's "myContacts"): it
# says nothing about the person, and as a tag it would be on everyone
EVERYONE = {"mycontacts"}


def file_tags(values: list[str]) -> list[str]:
    """A file's categories or labels as tags: cleaned, once each; one that cannot be a tag (too
    long, a NUL) is left out rather than refusing the person."""
    from crm.services.contacts import clean_tag

    tags: dict[str, str] = {}
    for value in values:
        try:
            tag = clean_tag(value)
        except BadInput:
            continue
        if "".join(tag.casefold().split()) not in EVERYONE:
            tags.setdefault(tag.casefold(), tag)
    return list(tags.values())


def url_key(url: str) -> str:
    """A LinkedIn profile URL in the form two spellings of it compare equal in."""
    text = unquote(url.strip()).casefold()
    text = text.split("#", 1)[0].split("?", 1)[0].rstrip("/")
    text = text.removeprefix("https://").removeprefix("http://")
    host, _, path = text.partition("/")
    if host.endswith("linkedin.com"):
        host = "linkedin.com"  # www., de., uk. are the same profile
    return f"{host}/{path}"


def role_words(company: str | None, position: str | None) -> str:
    """'Head of Data at Globex', 'Head of Data' or 'at Globex'."""
    return " ".join(p for p in (position, f"at {company}" if company else None) if p)


def import_people(
    *, session: Session, now: datetime, people: list[Person], source: str
) -> ImportResult:
    result = ImportResult()
    touched(session, everything=True)  # bulk Core inserts: the session cannot see whom
    known = _Known(session, source)
    result.employers_added = _add_employers(session, now, people, known)
    fresh: list[NewContact] = []
    tagged: list[tuple[Record, list[str]]] = []  # those with tags in the file
    history: list[NewJob] = []
    changes: list[tuple[Record, NewJob, str]] = []
    for person in people:
        record = known.match(person)
        if record is None:
            if source == "linkedin" and person.linkedin_url is None:
                result.unmatched.append(person)
            record = _new_contact(person, known, now)
            fresh.append(record)
            known.remember(record)
            _track_job(record, person, known, now, source, history, changes)
            if person.tags:
                tagged.append((record, person.tags))
            continue
        filled = _fill(record, person, known)
        moved = _track_job(record, person, known, now, source, history, changes)
        if person.tags:
            tagged.append((record, person.tags))
        if isinstance(record, NewContact):
            continue  # a person the file holds twice is still one contact added
        if filled or moved or not known.has_tags(record, person.tags):
            result.updated += 1
        else:
            result.unchanged += 1
    result.added = len(fresh)
    for record, contact_id in zip(fresh, _insert(session, Contact, fresh), strict=True):
        record.id = contact_id
    for job, job_id in zip(history, _insert(session, Employment, history), strict=True):
        job.id = job_id  # the congratulation's key names the job change
    _close(session, known.closed, now.date())
    _add_tags(session, known, tagged)
    session.flush()  # the contacts changed
    for record, job, before in changes:
        task = _congratulate(session, record, job, now)
        after = role_words(job.company, job.position)
        result.job_changes.append(JobChange(record.name, before, after, task))
    session.flush()
    return result


class _Known:
    """Contacts, employers and current jobs, loaded once: never a query per row."""

    def __init__(self, session: Session, source: str) -> None:
        contacts = list(session.exec(select(Contact).order_by(col(Contact.id))))
        self.by_url: dict[str, Record] = {}
        self.by_email: dict[str, Record] = {}
        self.by_name: dict[str, list[Record]] = {}
        self.named: set[int] = set()
        for contact in contacts:
            self.remember(contact)
        self.employers: dict[str, int] = {
            key: id_ for key, id_ in session.exec(select(Employer.name_key, Employer.id)) if id_
        }
        by_id = {contact.id: contact for contact in contacts}
        # the job each contact held when this source last showed them, by record identity
        self.current: dict[int, SimpleNamespace | NewJob] = {
            id(by_id[contact_id]): SimpleNamespace(id=id_, company=company, position=position)
            for id_, contact_id, company, position in session.exec(
                select(
                    Employment.id, Employment.contact_id, Employment.company, Employment.position
                ).where(Employment.source == source, col(Employment.seen_until).is_(None))
            )
        }
        self.closed: list[int] = []  # ids of stored history rows a different job ends
        self.tag_keys: dict[int, set[str]] = {}  # each stored contact's tags, casefolded
        for contact_id, key in session.exec(select(ContactTag.contact_id, ContactTag.tag_key)):
            self.tag_keys.setdefault(contact_id, set()).add(key)

    def has_tags(self, contact: Record, tags: list[str]) -> bool:
        """Whether a stored contact has every one of `tags` already."""
        return {t.casefold() for t in tags} <= self.tag_keys.get(contact.id or 0, set())

    def remember(self, record: Record) -> None:
        if record.linkedin_url:
            self.by_url.setdefault(url_key(record.linkedin_url), record)
        if record.email:
            self.by_email.setdefault(record.email.casefold(), record)
        if id(record) not in self.named:
            self.named.add(id(record))
            self.by_name.setdefault(record.name_key, []).append(record)

    def match(self, person: Person) -> Record | None:
        url = url_key(person.linkedin_url) if person.linkedin_url else None
        if url and url in self.by_url:
            return self.by_url[url]
        for email in person.emails:
            found = self.by_email.get(email.casefold())
            if found is not None and not (url and found.linkedin_url):  # another profile
                return found
        # the same name and no other profile: among namesakes, the one at the same employer;
        # an only namesake whatever their employer ("Acme" typed by hand is LinkedIn's "Acme
        # Robotics", and a new employer is a job change)
        namesakes = [
            r for r in self.by_name.get(name_key(person.name), []) if not (url and r.linkedin_url)
        ]
        employer = self.employer_id(person.company)
        at_it = [r for r in namesakes if employer is not None and r.employer_id == employer]
        if len(at_it) == 1:
            return at_it[0]
        return namesakes[0] if len(namesakes) == 1 else None

    def employer_id(self, company: str | None) -> int | None:
        return self.employers.get(name_key(company)) if company else None


def _insert(
    session: Session,
    model: type[SQLModel],
    records: Sequence[SimpleNamespace | NewContact | NewJob],
) -> list[int]:
    """Bulk INSERTs (Core, an executemany a batch); the new ids, in the order of `records`.

    The ids are taken before the INSERT rather than returned by it: psycopg parses a long
    multi-row INSERT ... RETURNING statement in Python, which took seconds for 10,000 rows.
    """
    if not records:
        return []
    table = model.__table__  # type: ignore[attr-defined]
    ids = _new_ids(session, table.name, len(records))
    for start in range(0, len(records), INSERT_BATCH):  # the rows as dicts, a batch at a time
        rows = [
            dict(_row(record), id=id_)
            for record, id_ in zip(
                records[start : start + INSERT_BATCH],
                ids[start : start + INSERT_BATCH],
                strict=True,
            )
        ]
        session.connection().execute(insert(table), rows)
    return ids


INSERT_BATCH = 1_000  # rows made dicts at a time: 10,000 at once took import linkedin to 97 MB


def _new_ids(session: Session, table: str, count: int) -> list[int]:
    if session.get_bind().dialect.name == "postgresql":
        sequence = f"pg_get_serial_sequence('{table}', 'id')"
        query = f"SELECT nextval({sequence}) FROM generate_series(1, {count})"
        return [row[0] for row in session.connection().exec_driver_sql(query)]
    # SQLite: this transaction began IMMEDIATE, so no other writer can take these ids meanwhile
    last = session.connection().exec_driver_sql(f"SELECT COALESCE(MAX(id), 0) FROM {table}")
    first = int(last.scalar_one()) + 1
    return list(range(first, first + count))


def _add_tags(session: Session, known: _Known, tagged: list[tuple[Record, list[str]]]) -> None:
    """The file's tags each contact lacks (none is taken away: the file is not the only
    place a tag comes from)."""
    rows: list[SimpleNamespace] = []
    for record, tags in tagged:
        have = known.tag_keys.setdefault(record.id or 0, set())
        for tag in tags:
            if tag.casefold() not in have:
                have.add(tag.casefold())
                rows.append(SimpleNamespace(contact_id=record.id, tag=tag, tag_key=tag.casefold()))
    _insert(session, ContactTag, rows)


def _close(session: Session, ids: list[int], day: date) -> None:
    table = Employment.__table__  # type: ignore[attr-defined]
    for start in range(0, len(ids), 1000):  # SQLite takes only so many parameters at once
        chunk = ids[start : start + 1000]
        session.connection().execute(
            update(table).where(table.c.id.in_(chunk)).values(seen_until=day)
        )


def _row(record: SimpleNamespace | NewContact | NewJob) -> dict[str, Any]:
    if isinstance(record, SimpleNamespace):
        row = dict(vars(record))
    else:
        row = {f.name: getattr(record, f.name) for f in fields(record)}
    contact = row.pop("contact", None)
    if contact is not None:
        row["contact_id"] = contact.id
    return row


def _add_employers(session: Session, now: datetime, people: list[Person], known: _Known) -> int:
    fresh: dict[str, SimpleNamespace] = {}
    for person in people:
        key = name_key(person.company) if person.company else None
        if key and key not in known.employers and key not in fresh:
            fresh[key] = SimpleNamespace(name=person.company, name_key=key, created_at=now)
    ids = _insert(session, Employer, list(fresh.values()))
    for key, employer_id in zip(fresh, ids, strict=True):
        known.employers[key] = employer_id
    return len(fresh)


def _new_contact(person: Person, known: _Known, now: datetime) -> NewContact:
    url = person.linkedin_url
    email = person.emails[0] if person.emails else None
    phone = person.phones[0] if person.phones else None
    return NewContact(
        name=person.name,
        name_key=name_key(person.name),
        employer_id=known.employer_id(person.company),
        role=Role.CONNECTION.value,
        position=person.position,
        email=email,
        phone=phone,
        linkedin_url=url if url and url_key(url) not in known.by_url else None,
        linkedin_connected_on=person.connected_on,
        notes=_notes(person, email, phone),
        keep_in_touch=True,
        archived_at=None,
        created_at=now,
    )


def _fill(record: Record, person: Person, known: _Known) -> bool:
    """Fill in what the contact lacks; whether anything changed."""
    values: dict[str, object] = {}
    url = person.linkedin_url
    if record.linkedin_url is None and url and url_key(url) not in known.by_url:
        values["linkedin_url"] = url
    if person.connected_on is not None:
        values["linkedin_connected_on"] = person.connected_on  # LinkedIn knows this best
    email = record.email or (person.emails[0] if person.emails else None)
    phone = record.phone or (person.phones[0] if person.phones else None)
    values["email"], values["phone"] = email, phone
    if record.notes is None:
        values["notes"] = _notes(person, email, phone)
    # set only what differs: an attribute set to its own value still costs an UPDATE
    changed = {k: v for k, v in values.items() if getattr(record, k) != v}
    for name, value in changed.items():
        setattr(record, name, value)
    if changed.keys() & {"linkedin_url", "email"}:
        known.remember(record)
    return bool(changed)


def _notes(person: Person, email: str | None, phone: str | None) -> str | None:
    """The file's note, and what a contact has no field for, so that nothing is dropped."""
    emails = [e for e in person.emails if e.casefold() != (email or "").casefold()]
    phones = [p for p in person.phones if p != phone]
    parts = [
        person.notes,
        f"Other email addresses: {', '.join(emails)}" if emails else None,
        f"Other phone numbers: {', '.join(phones)}" if phones else None,
        f"Web: {', '.join(person.urls)}" if person.urls else None,
    ]
    # the parts were checked one by one; together they may not be longer than a note can be
    return clean_text("\n".join(p for p in parts if p), "notes")


def _same_job(row: SimpleNamespace | NewJob, person: Person | NewJob) -> bool:
    def key(text: str | None) -> str:
        return name_key(text or "")

    return (key(row.company), key(row.position)) == (key(person.company), key(person.position))


def _track_job(
    record: Record,
    person: Person,
    known: _Known,
    now: datetime,
    source: str,
    history: list[NewJob],
    changes: list[tuple[Record, NewJob, str]],
) -> bool:
    """Record the job the file shows; whether it differs from the one this source showed last."""
    if person.company is None and source not in SAYS_WHO_LEFT:
        return False  # a card without ORG says nothing about where they work
    if source == CRM:
        return False  # crm's own export coming back: no news about anyone's job
    current = known.current.get(id(record))
    if current is not None and _same_job(current, person):
        return False
    employer_id = known.employer_id(person.company)
    job = NewJob(
        contact=record,
        employer_id=employer_id,
        company=person.company,
        position=person.position,
        seen_from=now.date(),
        seen_until=None,
        source=source,
        created_at=now,
    )
    history.append(job)
    known.current[id(record)] = job
    if current is None:  # the first time this source shows them: where they are, no news
        if record.employer_id is None and employer_id is not None:
            record.employer_id = employer_id
        if record.position is None and person.position is not None:
            record.position = person.position
        return True
    if isinstance(current, NewJob):  # shown earlier in this same file
        current.seen_until = now.date()
    else:
        known.closed.append(current.id)
    if employer_id is not None:
        record.employer_id = employer_id
    record.position = person.position
    if person.company or person.position:  # a new job, not a job left
        changes.append((record, job, role_words(current.company, current.position)))
    return True


def _held_before(session: Session, record: Record, job: NewJob) -> bool:
    """Back to a job this source showed them in before (a card that went back and forth, an
    old file imported after a newer one): no news to congratulate them on."""
    earlier = session.exec(
        select(Employment.company, Employment.position).where(
            Employment.contact_id == record.id,
            Employment.source == job.source,
            Employment.id != job.id,
        )
    )
    return any(_same_job(SimpleNamespace(company=c, position=p), job) for c, p in earlier)


def _congratulate(session: Session, record: Record, job: NewJob, now: datetime) -> Task | None:
    if not record.keep_in_touch or record.archived_at is not None:
        return None
    # one congratulation for one job change, ever: the same move seen again (another file,
    # a card that went back and forth) finds its task, open or done
    role = f"{name_key(job.company or '')}\n{name_key(job.position or '')}"
    key = f"{JOB_CHANGE}{record.id}:{hashlib.sha256(role.encode()).hexdigest()[:16]}"
    if session.exec(select(Task.id).where(Task.key == key)).first() is not None:
        return None
    if _held_before(session, record, job):
        return None
    task = Task(
        kind=TaskKind.FOLLOW_UP.value,
        title=f"Congratulate on the new role ({role_words(job.company, job.position)})",
        due=now.date(),
        status=TaskStatus.OPEN.value,
        contact_id=record.id,
        employer_id=job.employer_id,
        rule=f"a job change seen in the {SOURCE_NAMES.get(job.source, job.source)} import",
        key=key,
        created_at=now,
    )
    session.add(task)
    return task
