"""What the daemon and `crm remind --notify` deliver, and when: the daily digest and the weekly
review, each at most once per local day and channel.

For each channel the delivery's key is claimed in a short transaction of its own
(crm/services/deliveries.py), then the message is sent with no transaction open: a send may
take a minute (a slow mail server, a command), and on SQLite a transaction held that long would
keep every other crm command waiting, then failing with "database is locked". A send that fails
gives the key back, to be tried again at the next run; a run killed in the middle of a send
leaves it claimed: at most once a day, never twice. A channel that fails never stops the
others. Nothing here prints: the caller reports the outcomes.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date, datetime, timedelta
from pathlib import Path
from typing import TYPE_CHECKING

from crm.channels import Message, NotDelivered, send
from crm.settings import WEEKDAYS, Settings

if TYPE_CHECKING:
    from crm.db import Database

DIGEST = "digest"
REVIEW = "review"
FILE = "file"  # the review written to review_dir: a channel of its own, keyed like the others


@dataclass(frozen=True)
class Outcome:
    kind: str  # digest, review or test
    channel: str
    sent: bool
    why: str  # what happened, in words: "sent", "already sent today", the error

    def __str__(self) -> str:
        return f"{self.kind} by {self.channel}: {self.why}"


def deliver_due(database: Database, settings: Settings, now: datetime) -> list[Outcome]:
    """Send what is due at `now`: today's digest once digest_at has passed, and the week's
    review on review_day (or at the first run after it, within the week)."""
    if now.time() < settings.digest_time:
        return []
    outcomes = _digest(database, settings, now)
    review_day = review_due_on(settings, now.date())
    if review_day is not None:
        outcomes += _review(database, settings, now, review_day)
    return outcomes


def review_due_on(settings: Settings, today: date) -> date | None:
    """The latest review day on or before today (None when reviews are off)."""
    name = settings.notify.review_day
    if not name:
        return None
    back = (today.weekday() - WEEKDAYS.index(name)) % 7
    return today - timedelta(days=back)


def _digest(database: Database, settings: Settings, now: datetime) -> list[Outcome]:
    from crm.services.deliveries import delivered, last_sent
    from crm.services.digest import daily_digest
    from crm.views.digest import digest_html, digest_text, subject

    channels = settings.notify.channels
    if not channels:
        return []
    day = now.date()
    with database.session(write=False) as session:
        done = delivered(session=session, kind=DIGEST, day=day)
        waiting = [c for c in channels if c not in done]
        if not waiting:
            return []
        digest = daily_digest(
            session=session, now=now, since=last_sent(session=session, kind=DIGEST, before=day)
        )
    if not digest.anything_due and not settings.notify.digest_when_empty:
        return [Outcome(DIGEST, c, False, "nothing due today: not sent") for c in waiting]
    message = Message(subject(digest), digest_text(digest), digest_html(digest), now)
    return [_once(database, settings, now, DIGEST, day, c, message) for c in waiting]


def _review(database: Database, settings: Settings, now: datetime, day: date) -> list[Outcome]:
    from crm.services.deliveries import delivered

    # the review is a long read: by email, and into review_dir; never a desktop popup
    targets = ["email"] if "email" in settings.notify.channels else []
    if settings.notify.review_dir:
        targets.append(FILE)
    if not targets:
        return []
    with database.session(write=False) as session:
        done = delivered(session=session, kind=REVIEW, day=day)
    waiting = [c for c in targets if c not in done]
    if not waiting:
        return []
    pages = review_pages(database, settings, now, last_day=day - timedelta(days=1))
    if pages is None:
        return [Outcome(REVIEW, c, False, "nothing recorded yet: not sent") for c in waiting]
    title, markdown, html = pages
    message = Message(f"crm: {title}", markdown, html, now)
    outcomes = []
    for channel in waiting:
        if channel == FILE:
            folder = Path(settings.notify.review_dir).expanduser()
            outcomes.append(
                _once(database, settings, now, REVIEW, day, FILE, message, folder=folder)
            )
        else:
            outcomes.append(_once(database, settings, now, REVIEW, day, channel, message))
    return outcomes


def review_pages(
    database: Database, settings: Settings, now: datetime, *, last_day: date
) -> tuple[str, str, str] | None:
    """The review of the 7 days ending `last_day`: its title, Markdown and HTML page."""
    from crm.services.activity import weekly_activity
    from crm.services.review import period_of, weekly_review
    from crm.views.review_html import review_html
    from crm.views.review_markdown import review_markdown
    from crm.views.review_report import review_report

    period = period_of(today=last_day, days=7)
    with database.session(write=False) as session:
        found = weekly_review(session=session, now=now, period=period, plan=settings.plan)
        if found.empty:
            return None
        weeks = weekly_activity(session=session, zone=now.tzinfo, last_day=last_day)
    report = review_report(found, today=now.date())
    return report.title, review_markdown(report), review_html(report, found, weeks)


def _once(
    database: Database,
    settings: Settings,
    now: datetime,
    kind: str,
    day: date,
    channel: str,
    message: Message,
    *,
    folder: Path | None = None,
) -> Outcome:
    """Claim the delivery, send it, and give the claim back if the send failed."""
    from crm.errors import CrmError
    from crm.services.deliveries import claim, release

    try:
        with database.session(write=True) as session:
            if not claim(session=session, kind=kind, day=day, channel=channel, now=now):
                return Outcome(kind, channel, False, "already sent today (by another run)")
    except CrmError as error:  # the database gone: nothing claimed
        return Outcome(kind, channel, False, f"not delivered, will retry at the next run: {error}")
    try:
        if folder is not None:
            where = _write_review(folder, day, message)
            return Outcome(kind, channel, True, f"written to {where}")
        send(channel, message, settings.notify)
    except CrmError as error:  # NotDelivered, or the review_dir not writable
        with database.session(write=True) as session:
            release(session=session, kind=kind, day=day, channel=channel)
        return Outcome(kind, channel, False, f"not delivered, will retry at the next run: {error}")
    return Outcome(kind, channel, True, "sent")


def _write_review(folder: Path, day: date, message: Message) -> Path:
    from crm.private_files import output_file, write_private

    if not folder.is_dir():
        raise NotDelivered(f"review_dir {folder} is not a folder")
    assert message.html is not None
    path = folder / f"crm-review-{day.isoformat()}.md"
    for where, text in ((path, message.text), (path.with_suffix(".html"), message.html)):
        write_private(output_file(where, default_name=where.name), text.encode())
    return path


def notify_test(settings: Settings, channels: list[str], now: datetime) -> list[Outcome]:
    """A short test message through each channel, each outcome said."""
    from html import escape

    text = (
        f"This is a test from crm, sent {now:%Y-%m-%d %H:%M %Z}.\n"
        "If you can read it, this channel will carry your daily digest.\n"
    )
    message = Message("crm: test notification", text, f"<p>{escape(text)}</p>", now)
    outcomes = []
    for channel in channels:
        try:
            send(channel, message, settings.notify)
        except NotDelivered as error:
            outcomes.append(Outcome("test", channel, False, f"not delivered: {error}"))
        else:
            outcomes.append(Outcome("test", channel, True, "delivered"))
    return outcomes


def refresh_calendar(database: Database, settings: Settings, now: datetime) -> Path | None:
    """Rewrite notify.calendar_file, if set, with the open tasks as they are now."""
    if not settings.notify.calendar_file:
        return None
    from crm.private_files import output_file, replacing
    from crm.services.agenda import session_stream
    from crm.services.calendar import FILE_NAME, open_tasks, write_feed

    target = output_file(Path(settings.notify.calendar_file).expanduser(), default_name=FILE_NAME)
    with database.session(write=False) as session, replacing(target) as out:
        write_feed(out, tasks=open_tasks(session_stream(session)), now=now)
    return target.path
