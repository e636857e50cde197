"""The three-person story of tests/test_story.py, replayed up to a day, then `crm review` and
`crm today` as the user would see them that morning.

Acme Robotics says no on Friday 30 January 2026; the user had met Dana, Sam and Lee. Every task
is done on the day it falls due; Dana answers a week after the thank-you, Sam never, Lee two
months later. The replay stops the evening before `--until` (default 2026-04-30, month 3), so
the last day's tasks are still to do.

    .venv/bin/python bench/story.py [--until 2026-04-30] [--keep DIR]
"""

from __future__ import annotations

import argparse
import json
import os
import subprocess
import sys
import tempfile
from datetime import date, timedelta
from pathlib import Path

REJECTED = date(2026, 1, 30)
ANSWERS = {date(2026, 2, 7): "dana", date(2026, 3, 31): "lee"}  # Sam never answers
CRM = str(Path(sys.executable).with_name("crm"))


def crm(home: Path, day: date, *args: str) -> str:
    env = {**os.environ, "CRM_HOME": str(home), "CRM_NOW": day.isoformat(), "NO_COLOR": "1"}
    env.pop("CRM_DATABASE", None)
    done = subprocess.run([CRM, *args], env=env, capture_output=True, text=True, check=False)
    if done.returncode != 0:
        raise SystemExit(f"crm {' '.join(args)} failed on {day}: {done.stderr}")
    return done.stdout


def replay(home: Path, until: date) -> int:
    """The story up to the evening before `until`; returns how many tasks were done."""
    start = date(2026, 1, 5)
    crm(home, start, "employer", "add", "Acme Robotics")
    for name, role in (
        ("Dana Whitfield", "hiring manager"),
        ("Sam Ortiz", "recruiter"),
        ("Lee Chen", "interviewer"),
    ):
        crm(home, start, "contact", "add", name, "--employer", "acme", "--role", role)
    crm(home, start, "job", "add", "acme", "--title", "Data Analyst", "--applied", "2025-12-01")
    crm(home, REJECTED, "job", "reject", "acme", "--rank", "2")
    day, done = REJECTED, 0
    while day < until:
        if day in ANSWERS:
            crm(home, day, "log", "reply", ANSWERS[day], "--note", "Thank you, let's stay in touch")
        for task in json.loads(crm(home, day, "today", "--json"))["today"]:
            crm(home, day, "task", "done", str(task["id"]))
            done += 1
        open_tasks = json.loads(crm(home, day, "task", "list", "--json"))
        later = [date.fromisoformat(t["due"]) for t in open_tasks] + list(ANSWERS)
        day = min((d for d in later if d > day), default=until)
    return done


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--until", type=date.fromisoformat, default=date(2026, 4, 30))
    parser.add_argument("--keep", type=Path, help="build the database in this folder, and keep it")
    args = parser.parse_args()
    with tempfile.TemporaryDirectory() as scratch:
        home = args.keep or Path(scratch)
        home.mkdir(parents=True, exist_ok=True)
        done = replay(home, args.until)
        print(f"$ CRM_NOW={args.until} crm review   # after {done} tasks done on their day")
        print(crm(home, args.until, "review"), end="")
        print(f"\n$ CRM_NOW={args.until} crm today")
        print(crm(home, args.until, "today"), end="")
        before = args.until - timedelta(days=1)
        print(f"\n(the replay ran through {before}; nothing of {args.until} is done yet)")


if __name__ == "__main__":
    main()
