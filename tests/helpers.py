"""Small things several test files need."""

import hashlib
from pathlib import Path

from tests.conftest import Crm, replayed


def lines(text: str) -> list[str]:
    """Output lines without the padding Rich puts after the last column."""
    return [line.rstrip() for line in text.rstrip("\n").splitlines()]


def fingerprint(path: Path) -> str:
    return hashlib.sha256(path.read_bytes()).hexdigest()


@replayed
def acme_story(crm: Crm) -> None:
    """An employer, three people met (one not liked), a job, a rejection at rank 2."""
    crm("employer", "add", "Acme Robotics", "--careers-url", "https://acme.example/jobs")
    crm(
        "contact",
        "add",
        "Dana Whitfield",
        "--employer",
        "acme",
        "--role",
        "hiring manager",
        "--email",
        "dana@acme.example",
    )
    crm("contact", "add", "Sam Ortiz", "--employer", "Acme", "--role", "recruiter")
    crm(
        "contact",
        "add",
        "Lee Chen",
        "--employer",
        "Acme Robotics",
        "--role",
        "interviewer",
        "--no-keep-in-touch",
    )
    crm("job", "add", "acme", "--title", "Data Analyst", "--applied", "2026-01-10")
    crm("job", "reject", "acme", "--rank", "2", "--on", "2026-02-27")


# The digest of acme_story on the conftest's day, as its text travels (mail, a command's stdin)
ACME_DIGEST = [
    "Monday 02 March 2026",
    "",
    "Overdue",
    "  #1 Send a thank-you note — Dana Whitfield · Acme Robotics — 2 days late",
    "  #2 Send a thank-you note — Sam Ortiz · Acme Robotics — 2 days late",
    "",
    "Also new since the last digest",
    "  #3 Check their openings (day 30) — Acme Robotics — due Sun 29 Mar",
    "  #4 Check their openings (day 90) — Acme Robotics — due Thu 28 May",
    "",
    "The whole list: crm today · Done one? crm log KIND NAME or crm task done ID",
]
