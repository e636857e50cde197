"""Contacts: the people met in a hiring process."""

import re
from collections import defaultdict
from collections.abc import Iterable
from dataclasses import dataclass, field
from datetime import date, datetime

from sqlmodel import Session, col, delete, select

from crm.errors import BadInput, Conflict
from crm.kinds import Role
from crm.models import Contact, ContactTag, Employer, Employment
from crm.services.cadence import parse_every
from crm.services.employers import employer_for
from crm.services.lookup import clean_name, name_key
from crm.services.plan import relationships
from crm.services.relationships import Relationship, Stage
from crm.services.text import clean_text
from crm.settings import Plan

# LinkedIn's are under 100 characters; the URL is unique, and PostgreSQL's unique index holds an
# entry of at most ~2,700 bytes (500 characters at four bytes each)
LONGEST_URL = 500
EDIT = "edit"  # the employment history's source for what `crm contact edit --since` recorded
LONGEST_TAG = 50


def clean_tag(text: str) -> str:
    tag = " ".join(text.split())
    if not tag:
        raise BadInput("a tag cannot be empty")
    if "\x00" in tag or len(tag) > LONGEST_TAG:
        raise BadInput(f"{tag[:60]!r} is not a tag: at most {LONGEST_TAG} printable characters")
    return tag


def tag_contact(session: Session, contact: Contact, tags: Iterable[str]) -> None:
    have = {
        t.tag_key
        for t in session.exec(select(ContactTag).where(ContactTag.contact_id == contact.id))
    }
    for text in tags:
        tag = clean_tag(text)
        if tag.casefold() not in have:
            have.add(tag.casefold())
            session.add(ContactTag(contact_id=contact.id or 0, tag=tag, tag_key=tag.casefold()))
    session.flush()


def untag_contact(session: Session, contact: Contact, tags: Iterable[str]) -> None:
    for text in tags:
        key = clean_tag(text).casefold()
        gone = session.exec(
            delete(ContactTag).where(
                col(ContactTag.contact_id) == contact.id, col(ContactTag.tag_key) == key
            )
        )
        if not gone.rowcount:
            raise BadInput(f"{contact.name} has no tag {text.strip()!r}")
    session.flush()


def tags_of(session: Session, contact_ids: list[int] | None = None) -> dict[int, list[str]]:
    """Each contact's tags, in alphabetical order."""
    query = select(ContactTag.contact_id, ContactTag.tag).order_by(col(ContactTag.tag_key))
    if contact_ids is not None:
        query = query.where(col(ContactTag.contact_id).in_(contact_ids))
    found: dict[int, list[str]] = defaultdict(list)
    for contact_id, tag in session.exec(query):
        found[contact_id].append(tag)
    return found


LONGEST_EMAIL = 254  # RFC 5321's limit on a path
# what never belongs in one address: space and control characters (a CR/LF would add a
# header to the mail a mailto: link makes), a ? or & (they add headers to a mailto: link),
# and the separators of address lists
NOT_IN_EMAIL = re.compile(r"[\s\x00-\x1f\x7f-\x9f?&,;<>\"()\[\]\\]")


def check_email(email: str) -> str:
    """One email address, as `--email` and every import must give it; BadInput otherwise.

    The message never repeats the address: it may hold a line break or a terminal escape."""
    local, at, domain = email.partition("@")
    if not at or not local or not domain or "@" in domain:
        raise BadInput("an email address has one @ with text on both sides, like ana@example.org")
    if NOT_IN_EMAIL.search(email):
        raise BadInput(
            "an email address cannot hold spaces, line breaks, control characters or any of "
            '? & , ; < > " ( ) [ ] \\'
        )
    if len(email) > LONGEST_EMAIL:
        raise BadInput(f"an email address is at most {LONGEST_EMAIL} characters")
    return email


def parse_role(text: str) -> str:
    """A role as people type it: "hiring manager", "Hiring-Manager", "recruiter"..."""
    wanted = "-".join(text.strip().lower().replace("_", " ").split())
    for role in Role:
        if role.value == wanted:
            return role.value
    choices = ", ".join(r.value.replace("-", " ") for r in Role)
    raise BadInput(f"{text!r} is not a role; use one of: {choices}")


def add_contact(
    *,
    session: Session,
    now: datetime,
    name: str,
    employer: str | None = None,
    role: str | None = None,
    email: str | None = None,
    phone: str | None = None,
    linkedin_url: str | None = None,
    notes: str | None = None,
    keep_in_touch: bool = True,
    every: str | None = None,
    tags: Iterable[str] = (),
) -> tuple[Contact, Employer | None, bool]:
    """The new contact, its employer, and whether that employer was created for it."""
    name = clean_name(name, "contact")
    found, created = (
        employer_for(session=session, now=now, name=employer) if employer else (None, False)
    )
    contact = Contact(
        name=name,
        name_key=name_key(name),
        employer_id=found.id if found else None,
        role=parse_role(role) if role else Role.OTHER.value,
        keep_in_touch=keep_in_touch,
        every=parse_every(every) if every is not None else None,
        created_at=now,
    )
    _set_text(
        contact, {"email": email, "phone": phone, "linkedin_url": linkedin_url, "notes": notes}
    )
    _refuse_duplicate_linkedin(session, contact)
    _refuse_namesake(session, contact)
    session.add(contact)
    session.flush()
    tag_contact(session, contact, tags)
    return contact, found, created


def edit_contact(
    *,
    session: Session,
    now: datetime,
    contact: Contact,
    changes: dict[str, object],
    moved_on: date | None = None,
) -> Contact:
    """Change a contact's details. An edit corrects what was recorded; with `moved_on`, a new
    employer or position is a move on that day, kept in the employment history."""
    before = (contact.employer_id, contact.position)
    for name, value in changes.items():
        if name == "name":
            contact.name = clean_name(str(value), "contact")
            contact.name_key = name_key(contact.name)
        elif name == "employer":
            if not str(value).strip():
                contact.employer_id = None
                continue
            found, _ = employer_for(session=session, now=now, name=str(value))
            contact.employer_id = found.id
        elif name == "role":
            contact.role = parse_role(str(value))
        elif name == "keep_in_touch":
            contact.keep_in_touch = bool(value)
        elif name == "every":
            contact.every = parse_every(str(value))
        elif name == "tags":
            tag_contact(session, contact, value)  # type: ignore[arg-type]
        elif name == "untag":
            untag_contact(session, contact, value)  # type: ignore[arg-type]
        else:
            _set_text(contact, {name: value})  # type: ignore[dict-item]
    _refuse_duplicate_linkedin(session, contact)
    if "name" in changes or "employer" in changes:
        _refuse_namesake(session, contact)
    if moved_on is not None:
        if (contact.employer_id, contact.position) == before:
            raise BadInput("--since dates a move: give the new --employer or --position with it")
        _record_move(session, now, contact, before, moved_on)
    elif (contact.employer_id, contact.position) != before:
        _correct_place(session, contact)
    session.add(contact)
    session.flush()
    return contact


def _record_move(
    session: Session,
    now: datetime,
    contact: Contact,
    before: tuple[int | None, str | None],
    day: date,
) -> None:
    """Close the place an edit recorded last (or record the one they had, when nothing is
    recorded yet) and open the new one."""
    rows = list(session.exec(select(Employment).where(Employment.contact_id == contact.id)))
    if any(r.seen_from > day for r in rows):
        raise BadInput(f"their employment history already goes past {day}; give a later --since")
    current = [r for r in rows if r.source == EDIT and r.seen_until is None]
    for row in current:
        row.seen_until = day
        session.add(row)
    old_employer, old_position = before
    if not rows and (old_employer is not None or old_position):
        since = min(contact.created_at.astimezone(now.tzinfo).date(), day)
        old = _place(contact, old_employer, old_position, since, now)
        old.seen_until = day
        session.add(old)
    session.add(_place(contact, contact.employer_id, contact.position, day, now))


def _correct_place(session: Session, contact: Contact) -> None:
    """An edit without --since corrects the record: the place an edit recorded as current says
    what the record now says. What an import saw stays as it saw it (the next import compares
    with it, and a changed row would look like a job change)."""
    current = session.exec(
        select(Employment).where(
            Employment.contact_id == contact.id,
            Employment.source == EDIT,
            col(Employment.seen_until).is_(None),
        )
    )
    for row in current:
        row.employer_id, row.position = contact.employer_id, contact.position
        session.add(row)


def _place(
    contact: Contact, employer_id: int | None, position: str | None, since: date, now: datetime
) -> Employment:
    return Employment(
        contact_id=contact.id or 0,
        employer_id=employer_id,
        position=position,
        seen_from=since,
        source=EDIT,
        created_at=now,
    )


def archive_contact(*, session: Session, now: datetime, contact: Contact) -> Contact:
    if contact.archived_at is not None:
        raise Conflict(f"{contact.name} (#{contact.id}) is already archived")
    contact.archived_at = now
    session.add(contact)
    session.flush()
    return contact


@dataclass
class ContactRow:
    contact: Contact
    employer: Employer | None
    stage: Stage
    relationship: Relationship
    tags: list[str] = field(default_factory=list)


def list_contacts(
    *,
    session: Session,
    now: datetime,
    plan: Plan,
    employer: Employer | None = None,
    include_archived: bool = False,
    tag: str | None = None,
) -> list[ContactRow]:
    query = select(Contact, Employer).outerjoin(Employer, col(Contact.employer_id) == Employer.id)
    if employer is not None:
        query = query.where(Contact.employer_id == employer.id)
    if tag is not None:
        tagged = select(ContactTag.contact_id).where(
            ContactTag.tag_key == clean_tag(tag).casefold()
        )
        query = query.where(col(Contact.id).in_(tagged))
    if not include_archived:
        query = query.where(col(Contact.archived_at).is_(None))
    rows = list(session.exec(query.order_by(col(Contact.name_key), col(Contact.id))))
    some = employer is not None or tag is not None
    ids = [c.id for c, _ in rows if c.id] if some else None
    known = relationships(session=session, zone=now.tzinfo, plan=plan, contact_ids=ids)
    tags = tags_of(session, ids)
    today = now.date()
    return [
        ContactRow(
            c,
            e,
            (r := known.get(c.id or 0, Relationship())).stage(today, plan),
            r,
            tags[c.id or 0],
        )
        for c, e in rows
    ]


def _set_text(contact: Contact, values: dict[str, str | None]) -> None:
    for name, value in values.items():
        text = clean_text(value, name.replace("_", " "))
        if name == "email" and text:
            check_email(text)
        if name == "linkedin_url" and text and len(text) > LONGEST_URL:
            raise BadInput(
                f"the LinkedIn URL is {len(text):,} characters; the most is {LONGEST_URL}"
            )
        setattr(contact, name, text)


def _refuse_namesake(session: Session, contact: Contact) -> None:
    """Two contacts are told apart by name and employer: a second one with both the same
    could only be named by its id, and is almost always the same person typed twice."""
    other = session.exec(
        select(Contact).where(
            Contact.name_key == contact.name_key,
            Contact.employer_id == contact.employer_id,
            col(Contact.id) != contact.id,  # an edit: not the contact itself
        )
    ).first()
    if other is None:
        return
    employer = session.get(Employer, contact.employer_id) if contact.employer_id else None
    where = f" at {employer.name}" if employer is not None else " with no employer"
    archived = ", archived" if other.archived_at is not None else ""
    raise Conflict(
        f"there is already a contact named {other.name}{where} (#{other.id}{archived}); "
        "a namesake needs a name that tells them apart"
    )


def _refuse_duplicate_linkedin(session: Session, contact: Contact) -> None:
    if not contact.linkedin_url:
        return
    other = session.exec(
        select(Contact).where(
            Contact.linkedin_url == contact.linkedin_url, col(Contact.id) != contact.id
        )
    ).first()
    if other:
        raise Conflict(
            f"{other.name} (#{other.id}) already has the LinkedIn URL {contact.linkedin_url}"
        )
