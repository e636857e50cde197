"""The words crm stores for kinds and states: roles, touch kinds, task kinds and statuses.

Apart from crm/models.py so that what reads them without the ORM (the plan's pure rules, the
commands on the lean path, crm/lean.py) never imports SQLModel and SQLAlchemy (~250 ms).
"""

from enum import StrEnum


class Role(StrEnum):
    HIRING_MANAGER = "hiring-manager"
    RECRUITER = "recruiter"
    INTERVIEWER = "interviewer"
    OTHER = "other"
    # someone an import brought in (a LinkedIn connection, a phone contact), not known to have
    # been met in a hiring process: no thank-you is asked for until their role says otherwise
    CONNECTION = "connection"


class JobStatus(StrEnum):
    """A hiring process's stages, in the order it usually moves through them."""

    SAVED = "saved"
    APPLIED = "applied"
    SCREENING = "screening"
    INTERVIEWING = "interviewing"
    OFFER = "offer"
    ACCEPTED = "accepted"
    REJECTED = "rejected"
    WITHDRAWN = "withdrawn"


class TouchKind(StrEnum):
    THANK_YOU = "thank-you"
    REPLY = "reply"
    EMAIL = "email"
    LINKEDIN = "linkedin"
    CALL = "call"
    MEETING = "meeting"
    INTERVIEW = "interview"
    INFO_INTERVIEW = "info-interview"
    NOTE = "note"


class Direction(StrEnum):
    OUT = "out"
    IN = "in"


class TaskKind(StrEnum):
    THANK_YOU = "thank_you"
    LINKEDIN_CONNECT = "linkedin_connect"
    INFO_INTERVIEW = "info_interview"
    NURTURE = "nurture"
    CHECK_OPENINGS = "check_openings"
    FOLLOW_UP = "follow_up"
    CUSTOM = "custom"


class TaskStatus(StrEnum):
    OPEN = "open"
    DONE = "done"
    SKIPPED = "skipped"
    EXPIRED = "expired"  # a plan task left alone past its use (see crm/services/plan.py)


class ClosedBy(StrEnum):
    """Who closed a task: the user's word is history; the plan's is derived and may be redone."""

    USER = "user"
    PLAN = "plan"


class Purpose(StrEnum):
    """Why an outgoing touch was sent, when the kind alone does not say."""

    # `task done` on "Ask for an informational interview": an email asking, not one held
    INFO_INTERVIEW_REQUEST = "info-interview-request"
