"""What crm has delivered, so that each message goes out once per day and channel.

A delivery is claimed by inserting its key, in a transaction committed before the message is
sent: whoever inserts it first sends (the key is unique; SQLite's BEGIN IMMEDIATE or
PostgreSQL's unique index settles a tie), and everyone else finds it taken. A send that fails
deletes the key again (`release`), so that the next run tries once more.
"""

from __future__ import annotations

from datetime import date, datetime

from sqlalchemy import delete, func, select
from sqlmodel import Session, col

from crm.models import Delivery


def delivery_key(kind: str, day: date, channel: str) -> str:
    return f"{kind}:{day.isoformat()}:{channel}"


def claim(*, session: Session, kind: str, day: date, channel: str, now: datetime) -> bool:
    """Record the delivery, or return False if it was already made (by anyone)."""
    table = Delivery.__table__  # type: ignore[attr-defined]
    if session.get_bind().dialect.name == "postgresql":
        from sqlalchemy.dialects.postgresql import insert
    else:
        from sqlalchemy.dialects.sqlite import insert  # type: ignore[assignment]
    statement = (
        insert(table)
        .values(
            key=delivery_key(kind, day, channel), kind=kind, channel=channel, day=day, sent_at=now
        )
        .on_conflict_do_nothing(index_elements=["key"])
        .returning(table.c.id)  # a row back: inserted; none: the key was there (rowcount
        # cannot tell: psycopg reports 1 for an INSERT that did nothing)
    )
    return session.execute(statement).first() is not None


def release(*, session: Session, kind: str, day: date, channel: str) -> None:
    """Give a claim back after its send failed."""
    session.execute(delete(Delivery).where(col(Delivery.key) == delivery_key(kind, day, channel)))


def delivered(*, session: Session, kind: str, day: date) -> set[str]:
    """The channels that already carried this day's message."""
    rows = session.execute(
        select(col(Delivery.channel)).where(col(Delivery.kind) == kind, col(Delivery.day) == day)
    )
    return {row[0] for row in rows}


def last_sent(*, session: Session, kind: str, before: date) -> datetime | None:
    """When the latest message of this kind for an earlier day went out, on any channel."""
    return session.execute(
        select(func.max(col(Delivery.sent_at))).where(
            col(Delivery.kind) == kind, col(Delivery.day) < before
        )
    ).scalar()
