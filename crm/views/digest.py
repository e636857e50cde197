"""The daily digest as a notification: one summary line, plain text, and HTML for email.

`brief` is also `crm today --brief`, in shell prompts: this module imports nothing at load.
"""

from __future__ import annotations

from typing import TYPE_CHECKING

if TYPE_CHECKING:
    from datetime import date

    from crm.services.agenda import TaskLine
    from crm.services.digest import Digest


def brief(overdue: int, today: int) -> str:
    """'2 overdue · 3 today'; '' when nothing is due (for prompts and status bars)."""
    parts = [f"{overdue} overdue" if overdue else "", f"{today} today" if today else ""]
    return " · ".join(part for part in parts if part)


def subject(digest: Digest) -> str:
    summary = brief(digest.totals.get("overdue", 0), digest.totals.get("today", 0))
    return f"crm: {summary or 'nothing due'} ({digest.day:%a %d %b})"


def sections(digest: Digest) -> list[tuple[str, list[TaskLine], int]]:
    """The digest's sections that hold something: title, the tasks shown, how many in all."""
    listed = {task.id for task in digest.overdue + digest.today}
    made = [task for task in digest.made if task.id not in listed]  # not twice in one message
    found = [
        ("Overdue", digest.overdue, digest.totals.get("overdue", 0)),
        ("Due today", digest.today, digest.totals.get("today", 0)),
        ("Also new since the last digest", made, len(made)),
        ("Expired since the last digest", digest.expired, len(digest.expired)),
    ]
    return [section for section in found if section[1]]


def line(task: TaskLine, today: date) -> str:
    from crm.render import due_phrase

    when = due_phrase(task.due, today) if task.status == "open" else task.status
    return " — ".join(part for part in (f"#{task.id} {task.title}", task.who, when) if part)


def digest_text(digest: Digest) -> str:
    lines = [f"{digest.day:%A %d %B %Y}"]
    if not digest.anything_due:
        lines.append("Nothing is due today.")
    for title, tasks, total in sections(digest):
        lines += ["", title]
        lines += [f"  {line(task, digest.day)}" for task in tasks]
        if total > len(tasks):
            lines.append(f"  … and {total - len(tasks)} more")
    lines += ["", "The whole list: crm today · Done one? crm log KIND NAME or crm task done ID"]
    return "\n".join(lines) + "\n"


def digest_html(digest: Digest) -> str:
    """The same as digest_text, as a small HTML document (no images, no links out)."""
    from html import escape

    body = [f"<h1>{escape(f'{digest.day:%A %d %B %Y}')}</h1>"]
    if not digest.anything_due:
        body.append("<p>Nothing is due today.</p>")
    for title, tasks, total in sections(digest):
        body.append(f"<h2>{escape(title)}</h2>")
        items = "".join(f"<li>{escape(line(task, digest.day))}</li>" for task in tasks)
        if total > len(tasks):
            items += f"<li>… and {total - len(tasks)} more</li>"
        body.append(f"<ul>{items}</ul>")
    body.append("<p><small>The whole list: <code>crm today</code></small></p>")
    return (
        '<!DOCTYPE html>\n<html lang="en"><head><meta charset="utf-8">'
        f"<title>{escape(subject(digest))}</title></head>\n<body>\n"
        + "\n".join(body)
        + "\n</body></html>\n"
    )
