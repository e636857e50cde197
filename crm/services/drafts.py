"""A personal thank-you draft after a rejection, filled with what the database knows.

The words live in a Jinja2 template: the default ships with crm (crm/templates/), and a
`thank_you.txt.j2` in the config folder replaces it. Templates see plain values (documented in
docs/draft.md), never the tables, so a user's template keeps working when the tables change.
Undefined names are errors (StrictUndefined): a misspelt placeholder must not vanish silently.
"""

from __future__ import annotations

import re
from dataclasses import dataclass, replace
from datetime import date, datetime, tzinfo
from importlib.resources import files
from pathlib import Path
from typing import TYPE_CHECKING, Any

from sqlmodel import Session, col, select

from crm.errors import BadInput
from crm.kinds import JobStatus, TouchKind
from crm.models import Contact, Employer, Employment, Job, Touchpoint
from crm.services.note_checks import NoteCheck, check_note, split_subject
from crm.settings import config_dir

if TYPE_CHECKING:
    import jinja2

TEMPLATE_NAME = "thank_you.txt.j2"
# the day after an interview, while the process goes on: a shorter note of another kind
INTERVIEW_TEMPLATE_NAME = "thank_you_interview.txt.j2"
AFTER_REJECTION, AFTER_INTERVIEW = "after-rejection", "after-interview"
# Notes often start the way people jot them; the draft says "our conversation about ..."
JOTTED = re.compile(r"^(we )?(talked|spoke|chatted) about |^discussed ", re.IGNORECASE)


@dataclass(frozen=True)
class DraftFacts:
    """What the database knows that a sincere note can use."""

    contact: Contact
    employer: Employer | None  # where they were met for `job`, not where they work now
    job: Job | None  # the most recent rejection in a process the contact was part of
    met_on: date | None
    # what conversations were about, as the user wrote it for a draft (`crm log meeting NAME
    # --topic ...`), oldest first. Memos (`crm log note`) and the contact's notes are private
    # and never go into a note to them.
    topics: tuple[str, ...]
    topic_on: date | None = None  # the day of the latest topic's conversation
    # after-interview: the latest interview came after any rejection in the contact's processes
    kind: str = AFTER_REJECTION
    interviewed_on: date | None = None


@dataclass(frozen=True)
class Draft:
    subject: str | None
    body: str

    @property
    def text(self) -> str:
        """The draft as printed and edited: the subject line, a blank line, the body."""
        head = f"Subject: {self.subject}\n\n" if self.subject else ""
        return f"{head}{self.body}\n"


@dataclass(frozen=True)
class PreparedDraft:
    facts: DraftFacts
    draft: Draft
    checks: NoteCheck


def prepare_draft(*, session: Session, now: datetime, contact: Contact) -> PreparedDraft:
    """The facts, the draft rendered from the template in use, and the checks on it."""
    facts = draft_facts(session=session, now=now, contact=contact)
    draft = render_draft(facts, today=now.date())
    checks = check_note(session=session, contact=contact, text=draft.body)
    if facts.kind == AFTER_INTERVIEW:  # the six elements are those of a note after a rejection
        checks = replace(checks, coverage=())
    return PreparedDraft(facts, draft, checks)


def draft_facts(*, session: Session, now: datetime, contact: Contact) -> DraftFacts:
    job = _process(session, contact)
    employer_id = job.employer_id if job is not None else contact.employer_id
    employer = session.get(Employer, employer_id) if employer_id else None
    touches = list(
        session.exec(
            select(Touchpoint)
            .where(Touchpoint.contact_id == contact.id)
            .order_by(col(Touchpoint.happened_at), col(Touchpoint.id))
        )
    )
    zone = now.tzinfo
    # a memo (`log note`) is the user's own note, not a day they talked with the person
    with_them = [t for t in touches if t.kind != TouchKind.NOTE.value]
    if with_them:
        met_on: date | None = with_them[0].happened_at.astimezone(zone).date()
    else:
        # The day the contact was added, unless it says nothing: added today, or after the
        # rejection (the interviews came before it).
        met_on = contact.created_at.astimezone(zone).date()
        rejected_on = job.rejected_on if job is not None else None
        if met_on >= now.date() or (rejected_on is not None and met_on > rejected_on):
            met_on = None
    talked = [t for t in touches if t.topic and t.kind != TouchKind.NOTE.value]
    topic_on = talked[-1].happened_at.astimezone(zone).date() if talked else None
    interview = _latest_interview(touches)
    if interview is not None and (job is None or _after(interview, job, zone)):
        process = session.get(Job, interview.job_id) if interview.job_id else None
        employer_id = process.employer_id if process else contact.employer_id
        return DraftFacts(
            contact,
            session.get(Employer, employer_id) if employer_id else None,
            process,
            met_on,
            tuple(t.topic or "" for t in talked),
            topic_on,
            AFTER_INTERVIEW,
            interview.happened_at.astimezone(zone).date(),
        )
    return DraftFacts(
        contact, employer, job, met_on, tuple(t.topic or "" for t in talked), topic_on
    )


def _latest_interview(touches: list[Touchpoint]) -> Touchpoint | None:
    """The latest interview: `crm log interview`, or a meeting tied to a hiring process."""
    held = [
        t
        for t in touches
        if t.kind == TouchKind.INTERVIEW.value
        or (t.kind == TouchKind.MEETING.value and t.job_id is not None)
    ]
    return held[-1] if held else None


def _after(interview: Touchpoint, rejection: Job, zone: tzinfo | None) -> bool:
    day = interview.happened_at.astimezone(zone).date()
    return rejection.rejected_on is None or day > rejection.rejected_on


def _process(session: Session, contact: Contact) -> Job | None:
    """The latest rejection at an employer where the contact works or worked (as imports saw
    it): a person who moved on is thanked for the process they were part of."""
    employers = {contact.employer_id} if contact.employer_id else set()
    employers |= {
        e
        for e in session.exec(
            select(Employment.employer_id).where(Employment.contact_id == contact.id)
        )
        if e is not None
    }
    if not employers:
        return None
    return session.exec(
        select(Job)
        .where(col(Job.employer_id).in_(employers), Job.status == JobStatus.REJECTED.value)
        .order_by(col(Job.rejected_on).desc(), col(Job.id).desc())
    ).first()


def template_values(facts: DraftFacts, *, today: date) -> dict[str, Any]:
    """The names a template can use (docs/draft.md lists them)."""
    c, employer, job = facts.contact, facts.employer, facts.job
    return {
        "contact": {
            "name": c.name,
            "first_name": c.name.split()[0],
            "role": c.role.replace("-", " "),
            "position": c.position,
            "email": c.email,
        },
        "employer": {"name": employer.name, "website": employer.website} if employer else None,
        "job": {
            "title": job.title,
            "applied_on": job.applied_on,
            "rejected_on": job.rejected_on,
            "finalist_rank": job.finalist_rank,
        }
        if job
        else None,
        "met_on": facts.met_on,
        "topics": list(facts.topics),
        "notes": list(facts.topics),  # its name in crm 0.1 templates
        "detail": _topic(facts.topics[-1]) if facts.topics else None,
        "detail_on": facts.topic_on,
        "today": today,
        "kind": facts.kind,
        "interviewed_on": facts.interviewed_on,
    }


def render_draft(facts: DraftFacts, *, today: date) -> Draft:
    import jinja2

    name = INTERVIEW_TEMPLATE_NAME if facts.kind == AFTER_INTERVIEW else TEMPLATE_NAME
    source, where = template_source(name)
    values = template_values(facts, today=today)
    try:
        text = _environment(today).from_string(source).render(values)
    except jinja2.TemplateSyntaxError as error:
        raise BadInput(f"{where}, line {error.lineno}: {error.message}") from None
    except jinja2.TemplateError as error:
        raise BadInput(f"{where}: {error.message or error}") from None
    except Exception as error:  # what a template's own expressions raise ({{ 1 / 0 }})
        raise BadInput(f"{where}: {type(error).__name__}: {error}") from None
    subject, body = split_subject(_tidy(text))
    if not body:
        raise BadInput(f"{where} gave an empty note")
    return Draft(subject, body)


TEMPLATE_MAX_BYTES = 1_000_000


def template_source(name: str = TEMPLATE_NAME) -> tuple[str, str]:
    """The template's text and where it came from: the user's own, else the one crm ships."""
    own = user_template_path(name)
    if own.exists():
        from crm.files import read_user_text

        try:
            text = read_user_text(own, limit=TEMPLATE_MAX_BYTES, why="a template is a short note")
        except BadInput as error:
            raise BadInput(f"cannot read the template: {error}") from None
        return text, str(own)
    shipped = files("crm").joinpath("templates", name)
    return shipped.read_text(encoding="utf-8"), f"the default template {name}"


def user_template_path(name: str = TEMPLATE_NAME) -> Path:
    return config_dir() / name


def placeholder(text: str) -> str:
    """The mark for something only the writer can say; the checks warn while it is there."""
    return f"[[{text}]]"


def long_day(day: date | None, today: date) -> str:
    """'Thursday 12 February', with the year when it is not this year."""
    if not isinstance(day, date):
        raise ValueError(f"the day filter needs a date, not {day!r}: test it with {{% if %}}")
    year = f" {day.year}" if day.year != today.year else ""
    return f"{day:%A} {day.day} {day:%B}{year}"


def mailto_link(address: str | None, subject: str | None, body: str) -> str:
    """A mailto: link (RFC 6068): UTF-8, percent-encoded, line breaks as %0D%0A."""
    from urllib.parse import quote

    crlf = "\r\n".join(body.replace("\r\n", "\n").replace("\r", "\n").split("\n"))
    fields = ([f"subject={quote(subject, safe='')}"] if subject else []) + [
        f"body={quote(crlf, safe='')}"
    ]
    return f"mailto:{quote(address or '', safe='@')}?{'&'.join(fields)}"


def _environment(today: date) -> jinja2.Environment:
    import jinja2

    environment = jinja2.Environment(
        undefined=jinja2.StrictUndefined,
        autoescape=False,  # plain text, not HTML
        keep_trailing_newline=True,
        trim_blocks=True,
        lstrip_blocks=True,
    )
    environment.globals["placeholder"] = placeholder
    environment.filters["day"] = lambda day: long_day(day, today)
    return environment


def _tidy(text: str) -> str:
    """No trailing spaces, no runs of blank lines: what optional parts of a template leave."""
    lines = [line.rstrip() for line in text.strip().splitlines()]
    return re.sub(r"\n{3,}", "\n\n", "\n".join(lines))


def _topic(note: str) -> str:
    """A note as the end of 'our conversation about ...': first line, no jotting words."""
    line = next((line.strip() for line in note.splitlines() if line.strip()), "")
    return JOTTED.sub("", line).rstrip(" .;,")
