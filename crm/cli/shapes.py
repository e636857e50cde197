"""Records as JSON documents: the field names scripts rely on (the brief's names)."""

from __future__ import annotations

from datetime import datetime, tzinfo
from functools import lru_cache
from typing import TYPE_CHECKING, Any

if TYPE_CHECKING:
    from crm.models import Contact, Employer, Job, Task, Touchpoint
    from crm.services.agenda import TaskLine
    from crm.services.contact_card import ContactRow, EmployerRow, TouchRow
    from crm.services.relationships import Relationship, Stage


def employer_doc(employer: Employer, zone: tzinfo | None) -> dict[str, Any]:
    return {
        "id": employer.id,
        "name": employer.name,
        "website": employer.website,
        "careers_url": employer.careers_url,
        "notes": employer.notes,
        "created_at": employer.created_at.astimezone(zone),
    }


def contact_doc(
    contact: Contact | ContactRow,
    employer: Employer | EmployerRow | None,
    stage: Stage,
    relationship: Relationship,
    zone: tzinfo | None,
    tags: list[str],
) -> dict[str, Any]:
    return {
        "id": contact.id,
        "name": contact.name,
        "employer": employer.name if employer else None,
        "employer_id": contact.employer_id,
        "role": contact.role,
        "position": contact.position,
        "email": contact.email,
        "phone": contact.phone,
        "linkedin_url": contact.linkedin_url,
        "notes": contact.notes,
        "keep_in_touch": contact.keep_in_touch,
        "every": contact.every,
        "tags": tags,
        "archived": contact.archived_at is not None,
        "stage": stage.value,
        "advocate": relationship.answered is not None,
        "last_touch": relationship.last_touch.at.astimezone(zone)
        if relationship.last_touch
        else None,
        "created_at": contact.created_at.astimezone(zone),
    }


def job_doc(job: Job, employer: Employer) -> dict[str, Any]:
    return {
        "id": job.id,
        "employer": employer.name,
        "employer_id": job.employer_id,
        "title": job.title,
        "url": job.url,
        "applied_on": job.applied_on,
        "status": job.status,
        "rejected_on": job.rejected_on,
        "finalist_rank": job.finalist_rank,
    }


def touch_doc(touch: Touchpoint | TouchRow, zone: tzinfo | None) -> dict[str, Any]:
    return {
        "id": touch.id,
        "contact_id": touch.contact_id,
        "kind": touch.kind,
        "direction": touch.direction,
        "when": touch.happened_at.astimezone(zone),
        "summary": touch.summary,
        "body": touch.body,
        "topic": touch.topic,
    }


def task_doc(
    task: Task | TaskLine, contact: str | None, employer: str | None, zone: tzinfo | None
) -> dict[str, Any]:
    return {
        "id": task.id,
        "kind": task.kind,
        "title": task.title,
        "due": task.due.isoformat(),
        "status": task.status,
        "contact": contact,
        "employer": employer,
        "contact_id": task.contact_id,
        "employer_id": task.employer_id,
        "rule": task.rule,
        "created_at": _local(task.created_at, zone),
        "closed_at": _local(task.closed_at, zone) if task.closed_at else None,
    }


@lru_cache(maxsize=4096)
def _local(moment: datetime, zone: tzinfo | None) -> str:
    """A moment in the user's zone, as JSON writes it: said once for the many tasks the plan
    stamped with the same moment."""
    return moment.astimezone(zone).isoformat()
