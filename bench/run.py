"""The benchmark: each crm command as a fresh process, against baselines measured in the same run.

    .venv/bin/python bench/run.py          # the big dataset, 10 runs; writes bench/RESULTS.md
    .venv/bin/python bench/run.py --quick  # a smaller dataset and 3 runs, to try it out

For each command: one warm-up, then N runs; the median and the spread (min-max) of wall time,
and the peak memory (max RSS) of the process. Baselines: `python -c pass`, and taskwarrior's
`task next` over 10,000 pending tasks with due dates when `task` is installed (Debian package
`taskwarrior`). It is a benchmark, not a test: nothing here passes or fails CI.
"""

from __future__ import annotations

import argparse
import json
import os
import platform
import shutil
import sqlite3
import statistics
import subprocess
import sys
import tempfile
import time
from collections.abc import Callable
from contextlib import closing
from dataclasses import dataclass
from datetime import date, timedelta
from importlib.metadata import version
from pathlib import Path

HERE = Path(__file__).resolve().parent
sys.path.insert(0, str(HERE))

from connections import fake_connections, write_connections_csv  # noqa: E402
from dataset import generate  # noqa: E402

TODAY = date(2026, 3, 2)
NOW = "2026-03-02T09:00:00"


@dataclass
class Measure:
    name: str
    times: list[float]
    peak_kb: int

    @property
    def median(self) -> float:
        return statistics.median(self.times)


def run_once_timed(
    argv: list[str], env: dict[str, str], prepare: Callable[[], None] | None
) -> tuple[float, int]:
    """Wall time, and peak memory measured by GNU time around the process (the peak RSS that
    wait4 reports for a child forked from this large script counts pages shared with it)."""
    if prepare:
        prepare()
    with tempfile.NamedTemporaryFile("r") as report:
        started = time.perf_counter()
        done = subprocess.run(
            ["/usr/bin/time", "-f", "%M", "-o", report.name, *argv],
            env=env,
            stdout=subprocess.DEVNULL,
            stderr=subprocess.PIPE,
            text=True,
        )
        elapsed = time.perf_counter() - started
        if done.returncode != 0:
            raise SystemExit(f"{' '.join(argv)} failed ({done.returncode}): {done.stderr}")
        return elapsed, int(report.read().split()[-1])


def run_once(
    argv: list[str], env: dict[str, str], prepare: Callable[[], None] | None
) -> tuple[float, int]:
    if prepare:
        prepare()
    started = time.perf_counter()
    process = subprocess.Popen(argv, env=env, stdout=subprocess.DEVNULL, stderr=subprocess.PIPE)
    _, status, usage = os.wait4(process.pid, 0)
    elapsed = time.perf_counter() - started
    process.returncode = os.waitstatus_to_exitcode(status)
    if process.returncode != 0:
        error = process.stderr.read().decode() if process.stderr else ""
        raise SystemExit(f"{' '.join(argv)} failed ({process.returncode}): {error}")
    if process.stderr:
        process.stderr.close()
    return elapsed, usage.ru_maxrss


def measure(
    name: str,
    argv: list[str],
    env: dict[str, str],
    runs: int,
    prepare: Callable[[], None] | None = None,
    warmup: int = 1,
) -> Measure:
    once = run_once_timed if Path("/usr/bin/time").exists() else run_once
    for _ in range(warmup):
        once(argv, env, prepare)
    results = [once(argv, env, prepare) for _ in range(runs)]
    m = Measure(name, [t for t, _ in results], max(kb for _, kb in results))
    print(f"  {name:<34} {m.median * 1000:8.1f} ms  {m.peak_kb / 1024:6.1f} MB", flush=True)
    return m


def taskwarrior_baseline(work: Path, runs: int, env: dict[str, str]) -> Measure | None:
    if shutil.which("task") is None:
        print("  taskwarrior is not installed (apt-get install taskwarrior): no baseline")
        return None
    data = work / "taskdata"
    data.mkdir()
    rc = work / "taskrc"
    rc.write_text(f"data.location={data}\nconfirmation=off\nverbose=nothing\nnews.version=2.6.0\n")
    tasks = [
        {
            "description": f"Follow up with contact {n}",
            "status": "pending",
            "entry": "20250101T000000Z",
            "due": (TODAY + timedelta(days=n % 120 - 60)).strftime("%Y%m%dT000000Z"),
        }
        for n in range(10_000)
    ]
    (work / "tasks.json").write_text("\n".join(json.dumps(t) for t in tasks))
    task_env = dict(env, TASKRC=str(rc), TASKDATA=str(data))
    subprocess.run(
        ["task", "import", str(work / "tasks.json")], env=task_env, check=True, capture_output=True
    )
    return measure("task next (taskwarrior, 10k pending)", ["task", "next"], task_env, runs)


def machine() -> list[str]:
    cpu = next(
        (
            line.split(":", 1)[1].strip()
            for line in Path("/proc/cpuinfo").read_text().splitlines()
            if line.startswith("model name")
        ),
        platform.processor(),
    )
    task = (
        subprocess.run(["task", "--version"], capture_output=True, text=True).stdout.strip()
        if shutil.which("task")
        else "not installed"
    )
    packages = ", ".join(
        f"{p} {version(p)}"
        for p in ("sqlmodel", "SQLAlchemy", "typer", "rich", "alembic", "APScheduler")
    )
    return [
        f"- machine: {os.cpu_count()} cores, {cpu}, {platform.system()} {platform.release()}",
        f"- Python {platform.python_version()}, SQLite {sqlite3.sqlite_version}, "
        f"taskwarrior {task}",
        f"- {packages}",
    ]


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--quick", action="store_true", help="a smaller dataset, 3 runs")
    parser.add_argument("--runs", type=int, default=None)
    parser.add_argument("--output", type=Path, default=HERE / "RESULTS.md")
    args = parser.parse_args()
    runs = args.runs or (3 if args.quick else 10)
    scale = dict(contacts=10_000, employers=1_000, touchpoints=100_000, tasks=50_000)
    if args.quick:
        scale = dict(contacts=2_000, employers=200, touchpoints=20_000, tasks=10_000)
    python = sys.executable
    with tempfile.TemporaryDirectory() as tmp:
        work = Path(tmp)
        env = {k: v for k, v in os.environ.items() if k not in ("CRM_DATABASE", "NO_COLOR")}
        env.update(CRM_HOME=str(work / "home"), CRM_NOW=NOW, COLUMNS="80")
        print(f"generating {scale} ...", flush=True)
        started = time.perf_counter()
        pristine = work / "pristine.db"
        generate(pristine, today=TODAY, **scale)
        print(f"  in {time.perf_counter() - started:.1f} s", flush=True)
        small = work / "small.db"
        generate(small, today=TODAY, contacts=100, employers=10, touchpoints=1_000, tasks=500)
        big = work / "big.db"
        fresh = work / "fresh.db"

        def copy(source: Path, target: Path) -> Callable[[], None]:
            def prepare() -> None:
                for side in (target, Path(f"{target}-wal"), Path(f"{target}-shm")):
                    side.unlink(missing_ok=True)
                shutil.copy(source, target)

            return prepare

        crm = [python, "-m", "crm"]
        db = lambda path: [*crm, "--db", str(path)]  # noqa: E731
        results: list[Measure] = []
        print("baselines", flush=True)
        baseline = measure("python -c pass", [python, "-c", "pass"], env, runs)
        taskwarrior = taskwarrior_baseline(work, runs, env)
        print("crm", flush=True)
        results.append(
            measure(
                "crm remind (first run)",
                [*db(fresh), "remind"],
                env,
                runs,
                prepare=copy(pristine, fresh),
            )
        )
        shutil.copy(pristine, big)
        subprocess.run([*db(big), "remind"], env=env, check=True, capture_output=True)
        subprocess.run([*db(small), "remind"], env=env, check=True, capture_output=True)
        middle = scale["contacts"] // 2
        with closing(sqlite3.connect(big)) as connection:
            row = connection.execute("SELECT name FROM contact WHERE id = ?", (middle,)).fetchone()
        name = row[0]
        for label, argv in [
            ("crm --help", [*crm, "--help"]),
            ("crm today", [*db(big), "today"]),
            ("crm today --json", [*db(big), "today", "--json"]),
            ("crm task list", [*db(big), "task", "list"]),
            (f"crm contact show '{name}'", [*db(big), "contact", "show", name]),
            ("crm review", [*db(big), "review"]),
            ("crm remind (nothing new)", [*db(big), "remind"]),
        ]:
            results.append(measure(label, argv, env, runs))
        small_today = measure("crm today (1k touchpoints)", [*db(small), "today"], env, runs)
        connections = write_connections_csv(work / "Connections.csv", fake_connections(10_000))
        # into a new database, as a user starting from their LinkedIn export does
        empty = work / "empty.db"
        subprocess.run([*db(empty), "db", "upgrade"], env=env, check=True, capture_output=True)
        results.append(
            measure(
                "crm import linkedin (10,000 rows)",
                [*db(fresh), "import", "linkedin", str(connections)],
                env,
                max(3, runs // 3),
                prepare=copy(empty, fresh),
            )
        )
        report(args.output, results, baseline, taskwarrior, small_today, scale, runs)


def report(
    output: Path,
    results: list[Measure],
    baseline: Measure,
    taskwarrior: Measure | None,
    small_today: Measure,
    scale: dict[str, int],
    runs: int,
) -> None:
    by_name = {m.name: m for m in results}
    today = by_name["crm today"]
    lines = [
        "# Benchmark results",
        "",
        f"`.venv/bin/python bench/run.py`, {runs} runs after a warm-up, each a fresh process.",
        f"Dataset: {scale['contacts']:,} contacts, {scale['employers']:,} employers, "
        f"{scale['touchpoints']:,} touchpoints, {scale['tasks']:,} tasks over three years.",
        "",
        *machine(),
        "",
        "| command | median | spread (min-max) | × python -c pass | × task next | peak memory |",
        "|---|---:|---:|---:|---:|---:|",
    ]
    for m in [baseline, *([taskwarrior] if taskwarrior else []), *results, small_today]:
        vs_task = f"{m.median / taskwarrior.median:.2f}" if taskwarrior else "n/a"
        spread = f"{min(m.times) * 1000:.0f}-{max(m.times) * 1000:.0f} ms"
        lines.append(
            f"| {m.name} | {m.median * 1000:.0f} ms | {spread}"
            f" | {m.median / baseline.median:.1f} | {vs_task} | {m.peak_kb / 1024:.0f} MB |"
        )
    growth = today.median / small_today.median
    peak = max(m.peak_kb for m in results) / 1024
    targets = [
        (
            "`crm today` ≤ 1.0× `task next` (stretch 0.5×)",
            f"{today.median / taskwarrior.median:.2f}×" if taskwarrior else "no taskwarrior",
        ),
        ("`crm today` at 100k touchpoints ≤ 1.2× at 1k", f"{growth:.2f}×"),
        ("`crm review` ≤ 1 s", f"{by_name['crm review'].median:.2f} s"),
        ("`crm remind` ≤ 2 s first run", f"{by_name['crm remind (first run)'].median:.2f} s"),
        (
            "`crm remind` ≤ 0.5 s when nothing is new",
            f"{by_name['crm remind (nothing new)'].median:.2f} s",
        ),
        (
            "10,000-row LinkedIn import ≤ 5 s",
            f"{by_name['crm import linkedin (10,000 rows)'].median:.2f} s",
        ),
        ("peak memory of any command ≤ 80 MB", f"{peak:.0f} MB"),
    ]
    lines += [
        "",
        "| target | measured |",
        "|---|---:|",
        *[f"| {t} | {v} |" for t, v in targets],
        "",
    ]
    output.write_text("\n".join(lines))
    print("\n".join(lines))


if __name__ == "__main__":
    main()
