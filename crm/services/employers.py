"""Employers: the organisations whose people the user met."""

from dataclasses import dataclass
from datetime import datetime

from sqlmodel import Session, col, func, select

from crm.errors import Conflict, NotFound
from crm.models import Contact, Employer, Job
from crm.services.lookup import clean_name, find_employer, name_key
from crm.services.text import clean_text


def add_employer(
    *,
    session: Session,
    now: datetime,
    name: str,
    website: str | None = None,
    careers_url: str | None = None,
    notes: str | None = None,
) -> Employer:
    name = clean_name(name, "employer")
    _refuse_duplicate(session, name)
    employer = Employer(
        name=name,
        name_key=name_key(name),
        website=clean_text(website, "website"),
        careers_url=clean_text(careers_url, "careers page"),
        notes=clean_text(notes, "notes"),
        created_at=now,
    )
    _insert_unless_raced(session, employer)
    return employer


def _insert_unless_raced(session: Session, employer: Employer) -> None:
    """Insert the new employer; Conflict when another process added the same name meanwhile.

    On PostgreSQL two commands can both find no "Acme" and both insert it: the unique index on
    name_key makes the second wait for the first to commit, then fail. The insert runs in a
    savepoint so that failure is undone alone, and the row the other process made is then
    visible (READ COMMITTED: each statement sees what was committed before it). SQLite never
    gets here: its write transactions begin IMMEDIATE, one at a time.
    """
    from sqlalchemy.exc import IntegrityError

    try:
        with session.begin_nested():
            session.add(employer)
            session.flush()
    except IntegrityError:
        if employer in session:
            session.expunge(employer)
        _refuse_duplicate(session, employer.name)
        raise  # not the name after all: another constraint, a bug to see


def employer_for(*, session: Session, now: datetime, name: str) -> tuple[Employer, bool]:
    """The employer a person means by `name`, created when none has or resembles that name.

    A name that merely resembles an existing one ("Acme Crop") is an error with the suggestion,
    not a second employer: a typo should not split one employer's history in two.
    """
    try:
        return find_employer(session, name), False
    except NotFound as error:
        if "did you mean" in str(error):
            raise
    try:
        return add_employer(session=session, now=now, name=name), True
    except Conflict:  # another process added it a moment ago: it is the one meant
        return find_employer(session, name), False


def edit_employer(
    *, session: Session, employer: Employer, changes: dict[str, str | None]
) -> Employer:
    for field, value in changes.items():
        if field == "name":
            name = clean_name(value or "", "employer")
            if name_key(name) != employer.name_key:
                _refuse_duplicate(session, name)
            employer.name, employer.name_key = name, name_key(name)
        else:
            setattr(employer, field, clean_text(value, field.replace("_", " ")))
    session.add(employer)
    session.flush()
    return employer


@dataclass
class EmployerRow:
    employer: Employer
    contacts: int
    jobs: int


def list_employers(*, session: Session) -> list[EmployerRow]:
    contacts = (
        select(Contact.employer_id, func.count().label("n"))
        .group_by(col(Contact.employer_id))
        .subquery()
    )
    jobs = (
        select(Job.employer_id, func.count().label("n")).group_by(col(Job.employer_id)).subquery()
    )
    query = (
        select(Employer, func.coalesce(contacts.c.n, 0), func.coalesce(jobs.c.n, 0))
        .outerjoin(contacts, contacts.c.employer_id == Employer.id)
        .outerjoin(jobs, jobs.c.employer_id == Employer.id)
        .order_by(col(Employer.name_key))
    )
    return [EmployerRow(e, c, j) for e, c, j in session.exec(query)]


def _refuse_duplicate(session: Session, name: str) -> None:
    existing = session.exec(select(Employer).where(Employer.name_key == name_key(name))).first()
    if existing:
        raise Conflict(f"there is already an employer named {existing.name!r} (#{existing.id})")
