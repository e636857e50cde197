"""Merging one person (or employer) recorded twice into one record.

Everything that pointed at OTHER points at KEEP afterwards; the fields KEEP lacks are filled
from OTHER, and the fields both have and disagree on are listed (KEEP's value stays). OTHER is
deleted.

The plan's task keys name the contact (`nurture:12:...`). OTHER's open plan tasks go (the plan
makes again what the merged history calls for); its closed ones are history and are given
KEEP's key: where KEEP already has that task, the one the user acted on is kept, never both.
"""

from dataclasses import dataclass, field
from typing import Any

from sqlmodel import Session, col, select

from crm.errors import BadInput
from crm.kinds import Role, TaskStatus
from crm.models import Contact, Employer, Employment, Job, Task, Touchpoint

CONTACT_FIELDS = ("employer_id", "role", "position", "email", "phone", "linkedin_url",
                  "linkedin_connected_on", "notes")  # fmt: skip
EMPLOYER_FIELDS = ("website", "careers_url", "notes")
# roles that say nothing of how they were met: any other role fills them
UNKNOWN_ROLES = (Role.OTHER.value, Role.CONNECTION.value)


@dataclass
class Merged:
    kept_id: int
    other_name: str
    other_id: int
    moved: dict[str, int] = field(default_factory=dict)  # what moved to KEEP, by table
    filled: list[str] = field(default_factory=list)  # KEEP's empty fields taken from OTHER
    conflicts: list[tuple[str, object, object]] = field(default_factory=list)  # field, kept, other


def refuse_itself(keep: Contact | Employer, other: Contact | Employer) -> None:
    if keep.id == other.id:
        raise BadInput(f"cannot merge {keep.name} (#{keep.id}) into itself")


def merge_contacts(*, session: Session, keep: Contact, other: Contact) -> Merged:
    refuse_itself(keep, other)
    assert keep.id is not None and other.id is not None
    merged = Merged(keep.id, other.name, other.id)
    _fill(keep, other, CONTACT_FIELDS, merged)
    if keep.keep_in_touch != other.keep_in_touch:
        merged.conflicts.append(("keep_in_touch", keep.keep_in_touch, other.keep_in_touch))
    if other.linkedin_url is not None:  # unique: OTHER lets go of it before KEEP takes it
        url, other.linkedin_url = other.linkedin_url, None
        session.add(other)
        session.flush()
        if keep.linkedin_url is None:
            keep.linkedin_url = url
    merged.moved["touchpoint"] = _repoint(session, Touchpoint, "contact_id", other.id, keep.id)
    merged.moved["employment"] = _repoint(session, Employment, "contact_id", other.id, keep.id)
    merged.moved["task"] = _move_tasks(session, other.id, keep.id)
    session.add(keep)
    session.flush()
    session.delete(other)
    session.flush()
    return merged


def merge_employers(*, session: Session, keep: Employer, other: Employer) -> Merged:
    refuse_itself(keep, other)
    assert keep.id is not None and other.id is not None
    merged = Merged(keep.id, other.name, other.id)
    _fill(keep, other, EMPLOYER_FIELDS, merged)
    for table, model in (("contact", Contact), ("job", Job), ("task", Task)):
        merged.moved[table] = _repoint(session, model, "employer_id", other.id, keep.id)
    merged.moved["employment"] = _repoint(session, Employment, "employer_id", other.id, keep.id)
    session.add(keep)
    session.flush()
    session.delete(other)
    session.flush()
    return merged


def _fill(keep: object, other: object, fields: tuple[str, ...], merged: Merged) -> None:
    for name in fields:
        mine, theirs = getattr(keep, name), getattr(other, name)
        if name == "role":
            if theirs not in UNKNOWN_ROLES and mine in UNKNOWN_ROLES:
                setattr(keep, name, theirs)
                merged.filled.append(name)
            elif theirs not in UNKNOWN_ROLES and mine != theirs:
                merged.conflicts.append((name, mine, theirs))
        elif mine is None and theirs is not None:
            if name != "linkedin_url":  # moved by the caller, who must free it first
                setattr(keep, name, theirs)
            merged.filled.append(name)
        elif theirs is not None and mine != theirs:
            merged.conflicts.append((name, mine, theirs))


def _repoint(session: Session, model: type, column: str, old: int, new: int) -> int:
    rows: list[Any] = list(session.exec(select(model).where(getattr(model, column) == old)))
    for row in rows:
        setattr(row, column, new)
        session.add(row)
    session.flush()
    return len(rows)


def _move_tasks(session: Session, other_id: int, keep_id: int) -> int:
    """OTHER's tasks become KEEP's, their keys renamed; of two with one key, one stays."""
    theirs = list(session.exec(select(Task).where(Task.contact_id == other_id)))
    keys = {t.key: t for t in session.exec(select(Task).where(col(Task.key).is_not(None)))}
    moved = 0
    for task in theirs:
        if task.key is not None and task.status == TaskStatus.OPEN.value:
            # the plan's, never acted on: the plan makes again what the merged history calls
            # for (two open nurture notes for one person would be one too many)
            session.delete(task)
            continue
        key = _renamed(task.key, other_id, keep_id)
        existing = keys.get(key) if key is not None else None
        if existing is not None and existing.id != task.id:
            if _acted_on(existing) or not _acted_on(task):
                session.delete(task)
                continue
            session.delete(existing)
            session.flush()
        task.key, task.contact_id = key, keep_id
        session.add(task)
        moved += 1
    session.flush()
    return moved


def _renamed(key: str | None, other_id: int, keep_id: int) -> str | None:
    """`nurture:12:2026-03-02:1:1` → `nurture:7:2026-03-02:1:1`: the plan's keys (and an
    import's job_change key) name the contact second."""
    if key is None:
        return None
    parts = key.split(":")
    if len(parts) > 1 and parts[1] == str(other_id):
        parts[1] = str(keep_id)
    return ":".join(parts)


def _acted_on(task: Task) -> bool:
    return task.status != TaskStatus.OPEN.value
