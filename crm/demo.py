"""`crm demo`: a throwaway database holding the advice's story, positioned around today.

The story is a script of the very commands a user types, each on its day, so the demo shows
what crm does with them rather than rows made up behind its back: a rejection at rank 2 from
Northwind Analytics, four people met (one the user did not click with), thank-you notes, a
reply, a LinkedIn connection, a job change seen in a LinkedIn export, and the employer posting
a new role: a second chance.
"""

from __future__ import annotations

import os
from collections.abc import Iterator
from contextlib import contextmanager, redirect_stdout
from datetime import date, datetime, timedelta
from io import StringIO
from pathlib import Path
from typing import TYPE_CHECKING

if TYPE_CHECKING:
    from click import Command

DANA_NOTE = """Dear Dana,

Thank you for letting me know how the search for the Data Analyst role ended, even though the
news was not what I hoped. I am disappointed, but grateful for the time, courtesy and
consideration you and the panel showed me: our conversation about your team's churn model
stayed with me.

I enjoyed learning about Northwind and meeting the people who work there, and I remain very
interested in joining the team. Please keep me in mind and get in touch when a new opening
comes up.

With thanks,
Alex
"""

CONNECTIONS = (  # as LinkedIn writes Connections.csv: notes first, CRLF line ends
    "Notes:\r\n"
    '"When exporting your connection data, you may notice that some of the email addresses'
    ' are missing."\r\n'
    "\r\n"
    "First Name,Last Name,URL,Email Address,Company,Position,Connected On\r\n"
    "Dana,Whitfield,https://www.linkedin.com/in/dana-whitfield-demo,,Northwind Analytics,"
    "Head of Data,{dana}\r\n"
    "Sam,Ortiz,https://www.linkedin.com/in/sam-ortiz-demo,,{company},{position},{sam}\r\n"
)


def story(today: date, folder: Path) -> Iterator[tuple[int, list[str]]]:
    """(days before today, the crm command) for each step of the story."""
    dana_note = folder / "thank-you-dana.txt"
    dana_note.write_text(DANA_NOTE, encoding="utf-8")
    before, after = folder / "Connections-before.csv", folder / "Connections.csv"
    connected = f"{today - timedelta(days=4):%d %b %Y}"
    before.write_text(
        CONNECTIONS.format(
            dana=connected, sam=connected, company="Northwind Analytics", position="Talent Partner"
        ),
        encoding="utf-8",
    )
    after.write_text(
        CONNECTIONS.format(
            dana=connected, sam=connected, company="Globex", position="Senior Recruiter"
        ),
        encoding="utf-8",
    )
    acme = "Northwind Analytics"
    yield 45, ["employer", "add", acme, "--careers-url", "https://northwind.example/careers"]
    yield 45, ["job", "add", acme, "--title", "Data Analyst", "--applied", "today"]
    for name, role, notes in (
        ("Dana Whitfield", "hiring manager", "Panel lead; talked about her team's churn model"),
        ("Sam Ortiz", "recruiter", "Kept me informed at every step"),
        ("Lee Chen", "interviewer", "Asked good questions about testing dbt models"),
    ):
        yield 20, ["contact", "add", name, "--employer", acme, "--role", role, "--notes", notes]
    yield (
        20,
        [
            "contact",
            "add",
            "Pat Moss",
            "--employer",
            acme,
            "--role",
            "interviewer",
            "--notes",
            "We did not click",
            "--no-keep-in-touch",
        ],
    )
    for name in ("dana", "lee", "pat"):
        yield 14, ["log", "meeting", name, "--note", "Panel interview"]
    yield 6, ["job", "reject", acme, "--rank", "2"]
    yield 5, ["log", "thank-you", "dana", "--file", str(dana_note)]
    yield 5, ["log", "thank-you", "sam", "--note", "Thanked Sam for keeping me informed"]
    yield 4, ["log", "reply", "dana", "--note", "Thanks Alex, let's stay in touch!"]
    yield 4, ["import", "linkedin", str(before)]
    yield 4, ["log", "linkedin", "dana", "--note", "Connected"]
    yield 1, ["import", "linkedin", str(after)]
    yield (
        1,
        [
            "job",
            "add",
            acme,
            "--title",
            "Senior Data Analyst",
            "--url",
            "https://northwind.example/careers/sda",
        ],
    )


@contextmanager
def pretending(moment: datetime) -> Iterator[None]:
    """Run a step as if it were `moment` (CRM_NOW is how crm is told what time it is)."""
    saved = os.environ.get("CRM_NOW")
    os.environ["CRM_NOW"] = moment.isoformat()
    try:
        yield
    finally:
        if saved is None:
            os.environ.pop("CRM_NOW", None)
        else:
            os.environ["CRM_NOW"] = saved


def build(crm: Command, folder: Path, now: datetime) -> Path:
    """Write the story into folder/demo.db, step by step, with `crm` (the root command, which
    the demo command is given: the story knows no command module); return the path."""
    database = folder / "demo.db"
    for days, argv in story(now.date(), folder):
        with pretending(now - timedelta(days=days)), redirect_stdout(StringIO()):
            status = run(crm, database, argv)
        if status:
            raise RuntimeError(f"the demo's step `crm {' '.join(argv)}` failed ({status})")
    return database


def run(crm: Command, database: Path, argv: list[str]) -> int:
    """One crm command in this process, as typed; its exit status."""
    status = crm.main(["--db", str(database), *argv], prog_name="crm", standalone_mode=False)
    return status if isinstance(status, int) else 0
