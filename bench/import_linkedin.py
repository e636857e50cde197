"""How long `crm import linkedin` takes on 10,000 connections (the target: under 5 s).

Times a real `crm` process, start to finish, on a new database (everything added), then on
the same file again (everything compared, nothing changes), then on a file where a tenth of
the people changed jobs (history rows and congratulation tasks).

    python bench/import_linkedin.py [--rows 10000]
"""

from __future__ import annotations

import argparse
import os
import subprocess
import sys
import tempfile
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent))

from connections import fake_connections, write_connections_csv

TARGET_SECONDS = 5.0


def timed(database: Path, csv_path: Path, now: str) -> float:
    env = dict(os.environ, CRM_NOW=now)
    command = [sys.executable, "-m", "crm", "--db", str(database), "import", "linkedin"]
    started = time.perf_counter()
    done = subprocess.run([*command, str(csv_path)], env=env, capture_output=True, text=True)
    elapsed = time.perf_counter() - started
    if done.returncode != 0:
        sys.exit(done.stderr)
    print(f"  {done.stdout.splitlines()[0]}")
    return elapsed


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--rows", type=int, default=10_000)
    rows = parser.parse_args().rows
    with tempfile.TemporaryDirectory() as folder:
        here = Path(folder)
        database = here / "bench.db"
        first = fake_connections(rows)
        later = [
            [*r[:4], "Newco Analytics", "Head of Data", r[6]] if i % 10 == 0 else r
            for i, r in enumerate(first)
        ]
        runs = [
            ("new database", write_connections_csv(here / "a.csv", first), "2026-03-02T09:00"),
            ("same file again", here / "a.csv", "2026-03-09T09:00"),
            (
                "a tenth changed jobs",
                write_connections_csv(here / "b.csv", later),
                "2026-04-02T09:00",
            ),
        ]
        subprocess.run(
            [sys.executable, "-m", "crm", "--db", str(database), "db", "upgrade"],
            check=True,
            capture_output=True,
        )
        worst = 0.0
        for label, path, now in runs:
            seconds = timed(database, path, now)
            worst = max(worst, seconds)
            print(f"{rows:,} rows, {label}: {seconds:.2f} s")
    verdict = "within" if worst < TARGET_SECONDS else "OVER"
    print(f"slowest {worst:.2f} s: {verdict} the {TARGET_SECONDS:.0f} s target")
    sys.exit(0 if worst < TARGET_SECONDS else 1)


if __name__ == "__main__":
    main()
