"""A realistic crm history at any scale, written straight into a migrated database.

Three years of a job search: employers, the people met at each, applications and rejections,
touchpoints of every kind, and tasks (most long closed, some open around today). Rows go in with
executemany in one transaction (rows made as they are inserted, never held in a list), so a
million touchpoints take seconds, not minutes. DATASET_VERSION changes whenever what is
generated does: the benchmark's cache of databases is keyed by it.

    python bench/dataset.py /tmp/big.db --contacts 10000 --employers 1000 \\
        --touchpoints 100000 --tasks 50000
"""

from __future__ import annotations

import argparse
import random
import sqlite3
import subprocess
import sys
from collections.abc import Iterator
from contextlib import closing
from datetime import UTC, date, datetime, timedelta
from pathlib import Path

DATASET_VERSION = 1
KINDS = [  # (kind, direction, weight)
    ("thank-you", "out", 10),
    ("reply", "in", 12),
    ("email", "out", 30),
    ("email", "in", 8),
    ("linkedin", "out", 10),
    ("call", "out", 8),
    ("meeting", "out", 6),
    ("info-interview", "out", 4),
    ("note", "out", 12),
]
ROLES = ["hiring-manager", "recruiter", "interviewer", "other"]
FIRST = ["Dana", "Sam", "Lee", "Pat", "Alex", "Kim", "Noor", "Ines", "Jonas", "Mei", "Ravi", "Zoë"]
LAST = ["Whitfield", "Ortiz", "Chen", "Moss", "Kim", "Haddad", "Novak", "Sato", "Okafor", "Berg"]


def stamp(moment: datetime) -> str:
    """How SQLAlchemy stores an aware moment in SQLite: UTC, no offset."""
    return moment.astimezone(UTC).strftime("%Y-%m-%d %H:%M:%S.%f")


def migrate(path: Path) -> None:
    """Let crm itself create and migrate the file, exactly as a user's first command would."""
    subprocess.run(
        [sys.executable, "-m", "crm", "--db", str(path), "db", "upgrade"],
        check=True,
        capture_output=True,
    )


def generate(
    path: Path,
    *,
    contacts: int,
    employers: int,
    touchpoints: int,
    tasks: int,
    today: date,
    seed: int = 7,
) -> None:
    rng = random.Random(seed)
    migrate(path)
    start = datetime.combine(today - timedelta(days=3 * 365), datetime.min.time(), tzinfo=UTC)
    span = (datetime.combine(today, datetime.min.time(), tzinfo=UTC) - start).total_seconds()

    def moment() -> datetime:
        return start + timedelta(seconds=rng.uniform(0, span))

    with closing(sqlite3.connect(path)) as db, db:
        db.execute("PRAGMA synchronous=OFF")  # a benchmark's file: rebuilt, never repaired
        db.execute("PRAGMA cache_size=-200000")
        created = stamp(start)
        db.executemany(
            "INSERT INTO employer (id, name, name_key, careers_url, created_at) VALUES (?,?,?,?,?)",
            [
                (i, f"Employer {i:04d}", f"employer {i:04d}", f"https://e{i}.example/jobs", created)
                for i in range(1, employers + 1)
            ],
        )

        def people() -> Iterator[tuple[object, ...]]:
            for i in range(1, contacts + 1):
                name = f"{rng.choice(FIRST)} {rng.choice(LAST)} {i:05d}"
                yield (
                    i,
                    name,
                    name.casefold(),
                    rng.randint(1, employers),
                    rng.choice(ROLES),
                    f"p{i}@example.com" if rng.random() < 0.4 else None,
                    f"https://www.linkedin.com/in/p{i}" if rng.random() < 0.5 else None,
                    0 if rng.random() < 0.05 else 1,
                    created,
                )

        db.executemany(
            "INSERT INTO contact (id, name, name_key, employer_id, role, email, linkedin_url,"
            " keep_in_touch, created_at) VALUES (?,?,?,?,?,?,?,?,?)",
            people(),
        )
        jobs = []
        for i in range(1, 2 * employers + 1):
            applied = (start + timedelta(days=rng.randint(0, 3 * 365 - 60))).date()
            rejected = rng.random() < 0.3
            jobs.append(
                (
                    i,
                    rng.randint(1, employers),
                    f"Role {i}",
                    applied.isoformat(),
                    "rejected"
                    if rejected
                    else rng.choice(["applied", "interviewing", "withdrawn"]),
                    (applied + timedelta(days=rng.randint(14, 60))).isoformat()
                    if rejected
                    else None,
                    rng.randint(1, 5) if rejected else None,
                    created,
                )
            )
        db.executemany(
            "INSERT INTO job (id, employer_id, title, applied_on, status, rejected_on,"
            " finalist_rank, created_at) VALUES (?,?,?,?,?,?,?,?)",
            jobs,
        )
        weights = [w for _, _, w in KINDS]

        def touches() -> Iterator[tuple[object, ...]]:
            for i in range(1, touchpoints + 1):
                kind, direction, _ = rng.choices(KINDS, weights)[0]
                when = stamp(moment())
                yield (i, rng.randint(1, contacts), kind, direction, when, f"{kind} #{i}", when)

        db.executemany(
            "INSERT INTO touchpoint (id, contact_id, kind, direction, happened_at, summary,"
            " created_at) VALUES (?,?,?,?,?,?,?)",
            touches(),
        )

        def work() -> Iterator[tuple[object, ...]]:
            for i in range(1, tasks + 1):
                due = today + timedelta(days=rng.randint(-3 * 365, 120))
                is_open = due >= today - timedelta(days=20) and rng.random() < 0.5
                status = "open" if is_open else rng.choice(["done", "done", "done", "skipped"])
                closed = stamp(datetime.combine(due, datetime.min.time(), tzinfo=UTC))
                yield (
                    i,
                    "custom",
                    f"Follow up on lead {i}",
                    due.isoformat(),
                    status,
                    rng.randint(1, contacts),
                    None,
                    created,
                    None if is_open else closed,
                )

        db.executemany(
            "INSERT INTO task (id, kind, title, due, status, contact_id, key, created_at,"
            " closed_at) VALUES (?,?,?,?,?,?,?,?,?)",
            work(),
        )


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("path", type=Path)
    parser.add_argument("--contacts", type=int, default=10_000)
    parser.add_argument("--employers", type=int, default=1_000)
    parser.add_argument("--touchpoints", type=int, default=100_000)
    parser.add_argument("--tasks", type=int, default=50_000)
    parser.add_argument("--today", type=date.fromisoformat, default=date(2026, 3, 2))
    args = parser.parse_args()
    if args.path.exists():
        sys.exit(f"{args.path} exists; give a new path")
    generate(
        args.path,
        contacts=args.contacts,
        employers=args.employers,
        touchpoints=args.touchpoints,
        tasks=args.tasks,
        today=args.today,
    )
    print(f"wrote {args.path}")


if __name__ == "__main__":
    main()
