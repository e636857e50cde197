"""Contacts: the people met in a hiring process."""

import re
from dataclasses import dataclass, field
from datetime import date, datetime

from sqlmodel import Session, col, select

from crm.errors import BadInput, Conflict
from crm.models import Contact, Employer, Role, Task, TaskKind, TaskStatus, Touchpoint
from crm.services.employers import employer_for
from crm.services.lookup import clean_name, name_key
from crm.services.plan import relationships
from crm.services.relationships import Relationship, Stage
from crm.services.text import clean_text
from crm.settings import Plan

# LinkedIn's are under 100 characters; the URL is unique, and PostgreSQL's unique index holds an
# entry of at most ~2,700 bytes (500 characters at four bytes each)
LONGEST_URL = 500
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
        created_at=now,
    )
    _set_text(
        contact, {"email": email, "phone": phone, "linkedin_url": linkedin_url, "notes": notes}
    )
    _refuse_duplicate_linkedin(session, contact)
    session.add(contact)
    session.flush()
    return contact, found, created


def edit_contact(
    *, session: Session, now: datetime, contact: Contact, changes: dict[str, object]
) -> Contact:
    for name, value in changes.items():
        if name == "name":
            contact.name = clean_name(str(value), "contact")
            contact.name_key = name_key(contact.name)
        elif name == "employer":
            found, _ = employer_for(session=session, now=now, name=str(value))
            contact.employer_id = found.id
        elif name == "role":
            contact.role = parse_role(str(value))
        elif name == "keep_in_touch":
            contact.keep_in_touch = bool(value)
        else:
            _set_text(contact, {name: value})  # type: ignore[dict-item]
    _refuse_duplicate_linkedin(session, contact)
    session.add(contact)
    session.flush()
    return contact


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


def list_contacts(
    *,
    session: Session,
    now: datetime,
    plan: Plan,
    employer: Employer | None = None,
    include_archived: bool = False,
) -> list[ContactRow]:
    query = select(Contact, Employer).outerjoin(Employer, col(Contact.employer_id) == Employer.id)
    if employer is not None:
        query = query.where(Contact.employer_id == employer.id)
    if not include_archived:
        query = query.where(col(Contact.archived_at).is_(None))
    rows = list(session.exec(query.order_by(col(Contact.name_key), col(Contact.id))))
    ids = [c.id for c, _ in rows if c.id] if employer else None
    known = relationships(session=session, zone=now.tzinfo, plan=plan, contact_ids=ids)
    today = now.date()
    return [
        ContactRow(c, e, (r := known.get(c.id or 0, Relationship())).stage(today, plan), r)
        for c, e in rows
    ]


@dataclass
class ContactDetails:
    contact: Contact
    employer: Employer | None
    stage: Stage
    relationship: Relationship
    next_nurture: date | None
    open_tasks: list[Task] = field(default_factory=list)
    timeline: list[Touchpoint] = field(default_factory=list)


def contact_details(
    *, session: Session, now: datetime, plan: Plan, contact: Contact
) -> ContactDetails:
    assert contact.id is not None
    found = relationships(session=session, zone=now.tzinfo, plan=plan, contact_ids=[contact.id])
    relationship = found.get(contact.id, Relationship())
    employer = session.get(Employer, contact.employer_id) if contact.employer_id else None
    tasks = list(
        session.exec(
            select(Task)
            .where(Task.contact_id == contact.id, Task.status == TaskStatus.OPEN.value)
            .order_by(col(Task.due), col(Task.id))
        )
    )
    timeline = list(
        session.exec(
            select(Touchpoint)
            .where(Touchpoint.contact_id == contact.id)
            .order_by(col(Touchpoint.happened_at).desc(), col(Touchpoint.id).desc())
        )
    )
    nurture = [t.due for t in tasks if t.kind == TaskKind.NURTURE.value]
    return ContactDetails(
        contact=contact,
        employer=employer,
        stage=relationship.stage(now.date(), plan),
        relationship=relationship,
        next_nurture=nurture[0] if nurture else None,
        open_tasks=tasks,
        timeline=timeline,
    )


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
