"""The tables: employers, the people met there, hiring processes, touchpoints and tasks.

Dates a person plans by (applied, rejected, due) are `date`; moments (a touch, a creation) are
timezone-aware datetimes, stored in UTC and shown in local time.
"""

from datetime import date, datetime

from sqlalchemy import BigInteger, Index, UniqueConstraint
from sqlmodel import Field, SQLModel

from crm.kinds import JobStatus, Role, TaskStatus

# Named constraints, so a later batch migration on SQLite can find and change them.
SQLModel.metadata.naming_convention = {
    "ix": "ix_%(column_0_label)s",
    "uq": "uq_%(table_name)s_%(column_0_name)s",
    "ck": "ck_%(table_name)s_%(constraint_name)s",
    "fk": "fk_%(table_name)s_%(column_0_name)s_%(referred_table_name)s",
    "pk": "pk_%(table_name)s",
}


class Employer(SQLModel, table=True):
    id: int | None = Field(default=None, primary_key=True)
    name: str
    # casefolded name, unique: SQLite's lower() folds only ASCII, so "Élan" and "élan"
    # would both pass a unique index on lower(name).
    name_key: str = Field(unique=True)
    website: str | None = None
    careers_url: str | None = None
    notes: str | None = None
    created_at: datetime


class Contact(SQLModel, table=True):
    id: int | None = Field(default=None, primary_key=True)
    name: str
    name_key: str = Field(index=True)  # people may share a name; lookups say so
    employer_id: int | None = Field(default=None, foreign_key="employer.id", index=True)
    role: str = Field(default=Role.OTHER.value)
    position: str | None = None  # their job title, as LinkedIn or a vCard gives it
    email: str | None = None
    phone: str | None = None
    linkedin_url: str | None = Field(default=None, unique=True)
    linkedin_connected_on: date | None = None
    notes: str | None = None
    keep_in_touch: bool = True
    # their own keep-in-touch cadence ("6w", "2m", "off"); None: the plan's default rules
    every: str | None = None
    archived_at: datetime | None = None
    created_at: datetime


class Job(SQLModel, table=True):
    id: int | None = Field(default=None, primary_key=True)
    employer_id: int = Field(foreign_key="employer.id", index=True)
    title: str
    url: str | None = None
    applied_on: date | None = None
    status: str = Field(default=JobStatus.APPLIED.value)
    rejected_on: date | None = None
    finalist_rank: int | None = None
    created_at: datetime


class JobMove(SQLModel, table=True):
    """One change of a job's status, dated: the pipeline's history is kept, not overwritten."""

    __tablename__ = "job_move"

    id: int | None = Field(default=None, primary_key=True)
    job_id: int = Field(foreign_key="job.id", index=True)
    status: str
    moved_on: date
    deadline: date | None = None  # an offer's answer-by date
    created_at: datetime


class ContactTag(SQLModel, table=True):
    """A word the user files a contact under ("robotics", "referral")."""

    __tablename__ = "contact_tag"
    __table_args__ = (UniqueConstraint("contact_id", "tag_key", name="uq_contact_tag_contact"),)

    id: int | None = Field(default=None, primary_key=True)
    contact_id: int = Field(foreign_key="contact.id")
    tag: str
    tag_key: str = Field(index=True)  # casefolded: "Robotics" and "robotics" are one tag


class Touchpoint(SQLModel, table=True):
    # covering, in the plan's order (time, then id): the per-contact reads and aggregates (the
    # plan, stages, the review) read only the index (migration 0012)
    __table_args__ = (
        Index(
            "ix_touchpoint_contact_history",
            "contact_id",
            "happened_at",
            "id",
            "kind",
            "direction",
            "purpose",
        ),
        # a message imported from a mailbox or LinkedIn is one touch per contact, ever: a
        # re-import of the same folder, or of an overlapping one, adds nothing
        Index("ix_touchpoint_message", "message_id", "contact_id", unique=True),
    )

    id: int | None = Field(default=None, primary_key=True)
    contact_id: int = Field(foreign_key="contact.id")
    kind: str
    direction: str
    happened_at: datetime = Field(index=True)
    summary: str | None = None
    body: str | None = None
    # what the conversation was about, in words the user chose for a draft to quote
    # ("the robot arm demo"); memos (`crm log note`) and summaries never are quoted
    topic: str | None = None
    purpose: str | None = None  # a Purpose, for the outgoing touches that need one
    # the hiring process it belongs to (an interview), when the user or crm knows it
    job_id: int | None = Field(default=None, foreign_key="job.id")
    # where an import found it: an email's Message-ID, or "linkedin:" and a LinkedIn message's
    # digest; None for touches the user logged
    message_id: str | None = None
    created_at: datetime


# Indexes a database keeps of its own, outside these models: on SQLite, ix_task_list holds what a
# list of open tasks reads, in its order (migration 0013; a PostgreSQL btree refuses a long title).
# On both, ix_task_planned holds the plan's own tasks (a key) by contact (migration 0015), and
# ix_touchpoint_job the touches that name a job, by contact (0016): partial indexes, whose WHERE
# a model can say only per dialect, and naming PostgreSQL's made every command that loads the
# models load SQLAlchemy's PostgreSQL dialect too (~3 MB, even on SQLite). Autogenerate leaves
# them be (alembic/env.py).
OWN_INDEXES = frozenset({"ix_task_list", "ix_task_planned", "ix_touchpoint_job"})


class Task(SQLModel, table=True):
    __table_args__ = (
        Index("ix_task_status_due", "status", "due"),
        # one contact's tasks (contact show, the plan for one contact) without the open list
        Index("ix_task_contact_status_due", "contact_id", "status", "due"),
        # the tasks closed in a period, by how (the review's counts and chart; migration 0014)
        Index("ix_task_status_closed_at", "status", "closed_at"),
    )

    id: int | None = Field(default=None, primary_key=True)
    kind: str
    title: str
    due: date
    status: str = Field(default=TaskStatus.OPEN.value)
    contact_id: int | None = Field(default=None, foreign_key="contact.id")
    employer_id: int | None = Field(default=None, foreign_key="employer.id", index=True)
    # the hiring process it belongs to: whether a rejection made any thank-you is asked after
    # every write near it (migration 0015: without an index, a scan of every task)
    job_id: int | None = Field(default=None, foreign_key="job.id", index=True)
    # the plan's rule that made the task (None for the user's own tasks) and the key that
    # makes the database refuse the same reminder twice
    rule: str | None = None
    key: str | None = Field(default=None, unique=True)
    created_at: datetime
    closed_at: datetime | None = None
    closed_by: str | None = None  # a ClosedBy; None while open


class Employment(SQLModel, table=True):
    """Where a contact worked, as an import saw it: a job change closes one row and opens the
    next, so the history of who worked where, when, is kept rather than overwritten."""

    id: int | None = Field(default=None, primary_key=True)
    contact_id: int = Field(foreign_key="contact.id", index=True)
    employer_id: int | None = Field(default=None, foreign_key="employer.id")
    company: str | None = None  # as the file wrote it; None when it listed only a position
    position: str | None = None
    seen_from: date  # the day an import first showed this job
    seen_until: date | None = None  # the day an import showed something else; None: current
    source: str  # "linkedin" or "vcard": each source's history is compared with itself
    created_at: datetime


class PlanState(SQLModel, table=True):
    """When the follow-up plan last ran, so `crm today` can tell whether it must run again."""

    __tablename__ = "plan_state"

    id: int = Field(default=1, primary_key=True)
    ran_at: datetime
    fingerprint: str  # the plan's version and settings it ran with
    changes_planned: int = 0  # change_counter.changes when it finished
    planned_on: date | None = None  # the local day it planned for: expiry follows the calendar


class ReplyTally(SQLModel, table=True):
    """How many thank-yous and gentle notes a contact was sent, and how many of each were
    answered within the reply window: kept by the plan as it reads each history
    (crm/services/reply_tally.py), so the review's all-time reply rates add these up rather
    than read every touch. A contact who was sent neither has no row."""

    __tablename__ = "reply_tally"

    contact_id: int = Field(primary_key=True, foreign_key="contact.id", ondelete="CASCADE")
    thank_yous: int
    thank_yous_answered: int
    notes: int
    notes_answered: int


class ChangeCounter(SQLModel, table=True):
    """How many writes the plan's inputs have seen, counted by database triggers.

    Triggers count every insert, update and delete on contact, job, touchpoint and task, from
    crm or from anything else. When the count still equals what the plan saw, nothing new can
    be due, and `crm today` or `crm remind` can say so without loading the plan at all.
    """

    __tablename__ = "change_counter"

    id: int = Field(default=1, primary_key=True)
    changes: int = 0


class UndoRow(SQLModel, table=True):
    """One row the last record-keeping command wrote, as database triggers saw it.

    `old` is the row before the change, as JSON (None when the command inserted the row):
    triggers see every write, the plan's plain SQL included, so undo is exact.
    """

    __tablename__ = "undo_row"

    seq: int | None = Field(default=None, primary_key=True)
    table_name: str
    row_id: int
    op: str  # insert, update or delete
    old: str | None = None
    # PostgreSQL's transaction id, which tells one command's rows from a concurrent one's
    # (SQLite runs one writer at a time: there, the rows since the command began are its own)
    tx: int | None = Field(default=None, sa_type=BigInteger)


class UndoEntry(SQLModel, table=True):
    """The last record-keeping command, which `crm undo` can take back while nothing changed."""

    __tablename__ = "undo_entry"

    id: int = Field(default=1, primary_key=True)
    label: str  # the command as typed
    done_at: datetime
    first_seq: int  # its rows in undo_row
    last_seq: int
    changes: int  # change_counter.changes after it
    tx: int | None = Field(default=None, sa_type=BigInteger)


class Delivery(SQLModel, table=True):
    """A message crm sent (the daily digest, the weekly review) through one channel.

    The key (`digest:2026-03-02:email`) is unique: whoever inserts it first (just before
    sending; a failed send deletes it again) is the one that sends; every other daemon, cron
    run or machine finds it there and sends nothing.
    """

    id: int | None = Field(default=None, primary_key=True)
    key: str = Field(unique=True)
    kind: str  # "digest" or "review"
    channel: str  # "desktop", "email", "command", or "file" (the review written to review_dir)
    day: date  # the local day it was for
    sent_at: datetime
