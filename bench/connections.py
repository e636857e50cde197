"""LinkedIn's Connections.csv at any size, written the way LinkedIn writes it.

The notes before the header, a byte-order mark, CRLF line endings, mostly empty email
addresses, companies and names with commas (quoted), accented names, dates like 12 Mar 2024.
Tests use `write_connections_csv` for their own rows; `fake_connections` makes many.

    python bench/connections.py /tmp/Connections.csv --rows 10000
"""

from __future__ import annotations

import argparse
import csv
import io
import random
from collections.abc import Iterable, Sequence
from datetime import date, timedelta
from pathlib import Path

HEADER = ["First Name", "Last Name", "URL", "Email Address", "Company", "Position", "Connected On"]
NOTES = (
    "Notes:\r\n"
    '"When exporting your connection data, you may notice that some of the email addresses '
    "are missing. You will only see email addresses for connections who have allowed their "
    "connections to see or download their email address using this setting "
    "https://www.linkedin.com/psettings/privacy/email. You can learn more here "
    'https://www.linkedin.com/help/linkedin/answer/261"\r\n'
    "\r\n"
)
FIRST = ["Dana", "Sam", "Lee", "Zoë", "Jürgen", "Priya", "Noor", "Inès", "Kai", "Mei", "Ravi"]
LAST = ["Whitfield", "Ortiz", "Chen", "Lefèvre", "Groß", "Shah", "Haddad", "Novák", "Ito"]
COMPANIES = ["Acme Robotics", "Globex, Inc.", "Initech", "Umbrella Health", "Müller & Co. KG"]
MONTHS = ["Jan", "Feb", "Mar", "Apr", "May", "Jun", "Jul", "Aug", "Sep", "Oct", "Nov", "Dec"]
POSITIONS = ["Data Lead", "Recruiter", "Engineering Manager", "Director, Data Science", "CTO"]


def connected_on(day: date) -> str:
    """LinkedIn's form, in English whatever the locale: 05 Jan 2025."""
    return f"{day.day:02d} {MONTHS[day.month - 1]} {day.year}"


def write_connections_csv(path: Path, rows: Iterable[Sequence[str]]) -> Path:
    """Connections.csv holding `rows` (seven values each, in the header's order)."""
    out = io.StringIO()
    writer = csv.writer(out, lineterminator="\r\n")
    writer.writerow(HEADER)
    writer.writerows(rows)
    path.write_bytes(("\ufeff" + NOTES + out.getvalue()).encode())
    return path


def fake_connections(count: int, *, seed: int = 7, today: date | None = None) -> list[list[str]]:
    rng = random.Random(seed)
    today = today or date(2026, 3, 2)
    rows = []
    for n in range(count):
        first, last = rng.choice(FIRST), rng.choice(LAST)
        url = f"https://www.linkedin.com/in/{first.lower()}-{last.lower()}-{n:06x}"
        email = f"{first.lower()}.{n}@example.com" if rng.random() < 0.1 else ""
        company = rng.choice(COMPANIES) + ("" if rng.random() < 0.5 else f" {n % 500}")
        day = today - timedelta(days=rng.randrange(3000))
        rows.append([first, last, url, email, company, rng.choice(POSITIONS), connected_on(day)])
    return rows


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("path", type=Path)
    parser.add_argument("--rows", type=int, default=10_000)
    arguments = parser.parse_args()
    write_connections_csv(arguments.path, fake_connections(arguments.rows))


if __name__ == "__main__":
    main()
