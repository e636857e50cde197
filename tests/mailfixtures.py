"""Messages as mail programs keep them, built with Python's email and mailbox modules."""

from __future__ import annotations

import mailbox
from datetime import datetime, timedelta, timezone
from email.message import EmailMessage
from email.utils import format_datetime
from pathlib import Path

ME = "ana@example.org"
PARIS = timezone(timedelta(hours=1))


def message(
    sender: str,
    to: str,
    subject: str,
    body: str,
    when: datetime,
    message_id: str,
    cc: str | None = None,
    **headers: str,
) -> EmailMessage:
    msg = EmailMessage()
    msg["From"], msg["To"], msg["Subject"] = sender, to, subject
    if cc:
        msg["Cc"] = cc
    msg["Date"] = format_datetime(when)
    msg["Message-ID"] = message_id
    for name, value in headers.items():
        msg[name.replace("_", "-")] = value
    msg.set_content(body)
    return msg


DANA_REPLY = message(
    "Dana Whitfield <dana@acme.example>",
    f"Ana Lima <{ME}>",
    "Re: Thank you for Tuesday",
    "Hi Ana,\n\nThank you for the kind note. We would be glad to stay in touch;\n"
    "let's talk when the analyst role reopens in the spring.\n\n"
    "-- \nDana Whitfield\nHead of Data, Acme Robotics\n\n"
    "On Sat, 28 Feb 2026 at 10:00, Ana Lima <ana@example.org> wrote:\n"
    "> Dear Dana, thank you for the interview.\n",
    datetime(2026, 3, 1, 10, 15, tzinfo=PARIS),
    "<reply-1@acme.example>",
)
TO_SAM = message(
    f"Ana Lima <{ME}>",
    "Sam Ortiz <sam@acme.example>",
    "Thank you",
    "Dear Sam,\n\nthank you for guiding me through the process.\n",
    datetime(2026, 2, 28, 11, 0, tzinfo=PARIS),
    "<sent-1@example.org>",
)
TO_BOTH = message(
    f"Ana Lima <{ME}>",
    "Dana Whitfield <dana@acme.example>",
    "The article I mentioned",
    "Here is the article about data contracts I mentioned.\n",
    datetime(2026, 3, 1, 18, 30, tzinfo=PARIS),
    "<sent-2@example.org>",
    cc="Sam Ortiz <sam@acme.example>",
)
NEWSLETTER = message(
    "Dana Whitfield <dana@acme.example>",
    "data-team@lists.acme.example",
    "[data-team] Friday demo",
    "The demo moves to 3 pm.\n",
    datetime(2026, 2, 27, 9, 0, tzinfo=PARIS),
    "<list-1@acme.example>",
    List_Id="<data-team.lists.acme.example>",
)
OUT_OF_OFFICE = message(
    "Sam Ortiz <sam@acme.example>",
    ME,
    "Automatic reply: Thank you",
    "I am out of the office until March 9.\n",
    datetime(2026, 2, 28, 11, 1, tzinfo=PARIS),
    "<ooo-1@acme.example>",
    Auto_Submitted="auto-replied",
)
NO_REPLY = message(
    "Acme Robotics Careers <no-reply@acme.example>",
    ME,
    "Your application",
    "Thank you for applying.\n",
    datetime(2026, 2, 27, 17, 0, tzinfo=PARIS),
    "<noreply-1@acme.example>",
)


def stranger(n: int) -> EmailMessage:
    return message(
        "Pat Quinn <pat.quinn@acme.example>",
        ME,
        f"Coffee? ({n})",
        "Dana mentioned you; coffee next week?\n",
        datetime(2026, 3, 1, 8, n, tzinfo=PARIS),
        f"<pat-{n}@acme.example>",
    )


def write_mbox(path: Path, messages: list[EmailMessage]) -> Path:
    box = mailbox.mbox(path)
    for msg in messages:
        box.add(msg)
    box.close()
    return path


def write_maildir(path: Path, messages: list[EmailMessage]) -> Path:
    path.parent.mkdir(parents=True, exist_ok=True)
    box = mailbox.Maildir(path)
    for msg in messages:
        box.add(msg)
    box.close()
    return path
