"""The benchmark: each crm command as a fresh process, beside taskwarrior, at 1x and 10x the data.

    .venv/bin/python bench/run.py --scale 10  # 1x and 10x; writes bench/RESULTS.md (~15 min)
    .venv/bin/python bench/run.py             # 1x only, printed (no RESULTS.md)
    .venv/bin/python bench/run.py --quick     # a small dataset, 3 runs, to try it out

crm runs as people run it, the `crm` script pip installed, and its bytecode (crm and the venv's
packages) is compiled first, as an installed crm has it. 1x is
10,000 contacts, 100,000 touchpoints, 50,000 tasks; `--scale 10` adds ten times that. The
databases are generated once and kept in bench/.cache, keyed by scale, dataset version and
schema revision.

Each command: one warm-up, then N runs (10 at 1x, 5 at larger scales, 3 for the heavy commands
that export, import or plan everything), each run right after one of taskwarrior's `task next`
over 10,000 pending tasks (when `task` is installed; Debian package `taskwarrior`), so that the
ratio compares runs made under the same load. Medians, the spread (min-max), and the peak
memory (max RSS) of the process. It is a benchmark, not a test: nothing here passes or fails CI.
"""

from __future__ import annotations

import argparse
import json
import os
import platform
import re
import shutil
import sqlite3
import statistics
import subprocess
import sys
import sysconfig
import tempfile
import time
from collections.abc import Callable
from contextlib import closing
from dataclasses import dataclass, field
from datetime import date, timedelta
from importlib.metadata import version
from pathlib import Path

HERE = Path(__file__).resolve().parent
ROOT = HERE.parent
CACHE = HERE / ".cache"
sys.path.insert(0, str(HERE))

from connections import fake_connections, write_connections_csv  # noqa: E402
from dataset import DATASET_VERSION, generate  # noqa: E402

TODAY = date(2026, 3, 2)
NOW = "2026-03-02T09:00:00"
ONE = dict(contacts=10_000, employers=1_000, touchpoints=100_000, tasks=50_000)
QUICK = dict(contacts=2_000, employers=200, touchpoints=20_000, tasks=10_000)

Argv = list[str] | Callable[[], list[str]]
# RESULTS.md below this line is the reading of the figures, written by hand; a new run keeps it
KEPT = "<!-- the reading of these figures, written by hand: bench/run.py keeps what follows -->"


@dataclass
class Measure:
    name: str
    times: list[float]
    peak_kb: int
    # taskwarrior's `task next`, run just before each of these runs
    baseline: list[float] = field(default_factory=list)

    @property
    def median(self) -> float:
        return statistics.median(self.times)

    @property
    def vs_task(self) -> float | None:
        return self.median / statistics.median(self.baseline) if self.baseline else None


def run_once(argv: list[str], env: dict[str, str]) -> tuple[float, int]:
    """Wall time, and the peak memory of the process (ru_maxrss of the child, as GNU time
    reports it: taken around a small process, it counts none of this script's pages)."""
    timed = Path("/usr/bin/time").exists()
    with tempfile.NamedTemporaryFile("r") as report:
        wrapped = ["/usr/bin/time", "-f", "%M", "-o", report.name, *argv] if timed else argv
        started = time.perf_counter()
        process = subprocess.Popen(
            wrapped, env=env, stdout=subprocess.DEVNULL, stderr=subprocess.PIPE
        )
        _, status, usage = os.wait4(process.pid, 0)
        elapsed = time.perf_counter() - started
        error = process.stderr.read().decode() if process.stderr else ""
        if process.stderr:
            process.stderr.close()
        code = os.waitstatus_to_exitcode(status)
        if code != 0:
            raise SystemExit(f"{' '.join(argv)} failed ({code}): {error}")
        return elapsed, int(report.read().split()[-1]) if timed else usage.ru_maxrss


class Bench:
    def __init__(self, env: dict[str, str], runs: int, task: list[str] | None) -> None:
        self.env = env
        self.runs = runs
        self.task = task  # the baseline's argv, None without taskwarrior
        self.task_env = env

    def measure(
        self,
        name: str,
        argv: Argv,
        *,
        runs: int | None = None,
        prepare: Callable[[], None] | None = None,
        env: dict[str, str] | None = None,
    ) -> Measure:
        runs = runs or self.runs
        m = Measure(name, [], 0)
        for i in range(runs + 1):  # the first is the warm-up
            if prepare:
                prepare()
            if self.task is not None:
                baseline, _ = run_once(self.task, self.task_env)
            elapsed, kb = run_once(argv() if callable(argv) else argv, env or self.env)
            if i:
                m.times.append(elapsed)
                m.peak_kb = max(m.peak_kb, kb)
                if self.task is not None:
                    m.baseline.append(baseline)
        ratio = f"{m.vs_task:6.2f}× task next" if m.vs_task else ""
        print(
            f"  {name:<34} {m.median * 1000:8.0f} ms  {m.peak_kb / 1024:6.1f} MB  {ratio}",
            flush=True,
        )
        return m


def compile_bytecode(python: str) -> float:
    """As pip does on install: crm and the venv's packages, compiled once before measuring."""
    started = time.perf_counter()
    packages = sysconfig.get_paths()["purelib"]
    subprocess.run(
        [python, "-m", "compileall", "-q", "-j", "0", str(ROOT / "crm"), packages],
        check=False,  # a package's test data may hold files that do not compile
        capture_output=True,
    )
    return time.perf_counter() - started


def schema_revision() -> str:
    found = re.search(r'SCHEMA_REVISION = "(\w+)"', (ROOT / "crm" / "db.py").read_text())
    return found.group(1) if found else "unknown"


def datasets(scale: dict[str, int], label: str, env: dict[str, str]) -> tuple[Path, Path, float]:
    """The generated database, and the same after its first `crm remind`, from the cache."""
    CACHE.mkdir(exist_ok=True)
    key = f"{label}-v{DATASET_VERSION}-r{schema_revision()}"
    pristine, planned = CACHE / f"{key}.db", CACHE / f"{key}-planned.db"
    started = time.perf_counter()
    if not pristine.exists():
        print(f"  generating {label}: {scale} ...", flush=True)
        partial = CACHE / f"{key}.partial.db"
        partial.unlink(missing_ok=True)
        generate(partial, today=TODAY, **scale)
        partial.rename(pristine)
    if not planned.exists():
        partial = CACHE / f"{key}-planned.partial.db"
        shutil.copy(pristine, partial)
        crm = [*command(), "--db", str(partial), "remind"]
        subprocess.run(crm, env=env, check=True, capture_output=True)
        partial.rename(planned)
    return pristine, planned, time.perf_counter() - started


def copier(source: Path, target: Path) -> Callable[[], None]:
    def prepare() -> None:
        for side in (target, Path(f"{target}-wal"), Path(f"{target}-shm")):
            side.unlink(missing_ok=True)
        shutil.copy(source, target)

    return prepare


def command() -> list[str]:
    """crm as people run it: the `crm` script pip installed beside this Python (it imports
    crm.cli and calls main; `python -m crm` also imports runpy, ~4 ms), else `python -m crm`."""
    script = Path(sys.executable).parent / "crm"
    return [str(script)] if script.exists() else [sys.executable, "-m", "crm"]


def has_command(name: str, env: dict[str, str]) -> bool:
    done = subprocess.run([*command(), name, "--help"], env=env, capture_output=True)
    return done.returncode == 0


def run_scale(
    bench: Bench, label: str, scale: dict[str, int], work: Path, connections: Path
) -> tuple[list[Measure], float]:
    """Every command on one dataset; the measures and the time the dataset took to get."""
    env = bench.env
    print(f"{label}: {scale}", flush=True)
    pristine, planned, took = datasets(scale, label, env)
    print(f"  datasets ready in {took:.1f} s", flush=True)
    fresh, big, empty = work / f"fresh-{label}.db", work / f"big-{label}.db", work / "empty.db"
    shutil.copy(planned, big)
    crm = command()
    db = [*crm, "--db", str(big)]
    middle = scale["contacts"] // 2
    with closing(sqlite3.connect(big)) as connection:
        name = connection.execute("SELECT name FROM contact WHERE id = ?", (middle,)).fetchone()[0]
        open_ids = [
            row[0]
            for row in connection.execute(
                "SELECT id FROM task WHERE status = 'open' AND kind = 'custom' ORDER BY id DESC"
            )
        ]
    heavy = max(3, bench.runs // 3)
    results = [
        bench.measure(
            "crm remind (first run)",
            [*crm, "--db", str(fresh), "remind"],
            runs=heavy,
            prepare=copier(pristine, fresh),
        )
    ]
    for row, argv in [
        ("crm --help", [*crm, "--help"]),
        ("crm today", [*db, "today"]),
        ("crm today --json", [*db, "today", "--json"]),
        ("crm task list", [*db, "task", "list"]),
        ("crm contact show NAME", [*db, "contact", "show", name]),
        ("crm review", [*db, "review"]),
        ("crm remind (nothing new)", [*db, "remind"]),
    ]:
        results.append(bench.measure(row, argv))
    if has_command("search", env):
        results.append(bench.measure("crm search", [*db, "search", name.split()[1]]))
    notes = iter(range(1_000_000))
    results.append(
        bench.measure(
            "crm log note NAME",
            lambda: [*db, "log", "note", name, "--note", f"bench note {next(notes)}"],
        )
    )
    tasks = iter(open_ids)
    results.append(
        bench.measure("crm task done ID", lambda: [*db, "task", "done", str(next(tasks))])
    )
    results.append(
        bench.measure(
            "crm export (json)", [*db, "export", "--output", str(work / "x.json")], runs=heavy
        )
    )
    results.append(
        bench.measure("crm calendar", [*db, "calendar", str(work / "x.ics")], runs=heavy)
    )
    if not empty.exists():
        subprocess.run(
            [*crm, "--db", str(empty), "db", "upgrade"], env=env, check=True, capture_output=True
        )
    results.append(
        bench.measure(
            "crm import linkedin (10,000 rows)",
            [*crm, "--db", str(fresh), "import", "linkedin", str(connections)],
            runs=heavy,
            prepare=copier(empty, fresh),
        )
    )
    for path in work.glob(f"*-{label}.db*"):
        path.unlink()
    return results, took


def taskwarrior(work: Path, env: dict[str, str]) -> tuple[list[str], dict[str, str]] | None:
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
    return ["task", "next"], task_env


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
    parser.add_argument("--scale", type=int, default=1, help="also run at this many times 1×")
    parser.add_argument("--quick", action="store_true", help="a small dataset, 3 runs")
    parser.add_argument("--runs", type=int, default=None)
    parser.add_argument(
        "--output", type=Path, default=None, help="default: bench/RESULTS.md with --scale > 1"
    )
    args = parser.parse_args()
    runs = args.runs or (3 if args.quick else 10)
    base = QUICK if args.quick else ONE
    scales = {"1x": base}
    if args.scale > 1:
        scales[f"{args.scale}x"] = {k: v * args.scale for k, v in base.items()}
    if args.quick:
        scales = {f"quick-{k}": v for k, v in scales.items()}
    output = args.output
    if output is None and args.scale > 1 and not args.quick:
        output = HERE / "RESULTS.md"
    python = sys.executable
    started = time.perf_counter()
    print("compiling bytecode ...", flush=True)
    took = {"compile bytecode": compile_bytecode(python)}
    with tempfile.TemporaryDirectory() as tmp:
        work = Path(tmp)
        env = {k: v for k, v in os.environ.items() if k not in ("CRM_DATABASE", "NO_COLOR")}
        env.update(CRM_HOME=str(work / "home"), CRM_NOW=NOW, COLUMNS="80")
        baseline = taskwarrior(work, env)
        bench = Bench(env, runs, baseline[0] if baseline else None)
        if baseline:
            bench.task_env = baseline[1]
        python_m = bench.measure("python -c pass", [python, "-c", "pass"])
        connections = write_connections_csv(work / "Connections.csv", fake_connections(10_000))
        tables = {}
        for label, scale in scales.items():
            if scale is not scales[next(iter(scales))] and args.runs is None:
                bench.runs = max(3, runs // 2)  # slower commands: fewer runs hold the median
            begun = time.perf_counter()
            tables[label], data = run_scale(bench, label, scale, work, connections)
            took[f"{label} datasets (generate and plan, or from the cache)"] = data
            took[f"{label} measures"] = time.perf_counter() - begun - data
    took["in all"] = time.perf_counter() - started
    print("\n".join(f"  {part}: {seconds:.0f} s" for part, seconds in took.items()))
    text = report(tables, scales, python_m, runs, took)
    print(text)
    if output is not None:
        kept = ""
        if output.exists() and KEPT in (old := output.read_text()):
            kept = "\n" + KEPT + old.split(KEPT, 1)[1]
        output.write_text(text + kept)
        print(f"wrote {output}")


def report(
    tables: dict[str, list[Measure]],
    scales: dict[str, dict[str, int]],
    python_m: Measure,
    runs: int,
    took: dict[str, float],
) -> str:
    labels = list(tables)
    first = {m.name: m for m in tables[labels[0]]}
    last = {m.name: m for m in tables[labels[-1]]}
    lines = [
        "# Benchmark results",
        "",
        f"`.venv/bin/python bench/run.py --scale {_times(labels[-1])}`: {runs} runs of each "
        f"command after a warm-up at {labels[0]} ({max(3, runs // 2)} at larger scales; 3 for "
        "the heavy ones), each a fresh process of the installed `crm` script right after a "
        "`task next`; bytecode compiled first.",
        "",
        *machine(),
        f"- `python -c pass`: {python_m.median * 1000:.0f} ms, {python_m.peak_kb / 1024:.0f} MB",
        "- time taken: " + ", ".join(f"{p} {s:.0f} s" for p, s in took.items()),
        "",
    ]
    for label in labels:
        scale = scales[label]
        growth = label != labels[0]
        lines += [
            f"## {label}: {scale['contacts']:,} contacts, {scale['employers']:,} employers, "
            f"{scale['touchpoints']:,} touchpoints, {scale['tasks']:,} tasks",
            "",
            "| command | median | spread (min-max) | × task next (its median) | peak memory |"
            + (f" {label} ÷ {labels[0]} | the same, in task next |" if growth else ""),
            "|---|---:|---:|---:|---:|" + ("---:|---:|" if growth else ""),
        ]
        for m in tables[label]:
            vs = "n/a"
            if m.vs_task is not None:
                vs = f"{m.vs_task:.2f} ({statistics.median(m.baseline) * 1000:.0f} ms)"
            spread = f"{min(m.times) * 1000:.0f}-{max(m.times) * 1000:.0f} ms"
            row = (
                f"| {m.name} | {m.median * 1000:.0f} ms | {spread} | {vs} "
                f"| {m.peak_kb / 1024:.0f} MB |"
            )
            if growth:
                steady = _growth(first[m.name], m)
                row += f" {m.median / first[m.name].median:.2f} | {_shown(steady)} |"
            lines.append(row)
        lines.append("")
    lines += ["## The targets of #17", "", "| target | measured | met |", "|---|---:|---|"]
    lines += [f"| {t} | {v} | {ok} |" for t, v, ok in targets(first, last, labels, tables)]
    if len(labels) > 1:
        lines += [
            "",
            f"A growth ({labels[-1]} ÷ {labels[0]}) is each scale's median against the `task "
            "next` runs interleaved with it (taskwarrior's data is the same at every scale: it "
            "measures the machine), the plain medians' ratio beside it.",
        ]
    return "\n".join(lines) + "\n"


def targets(
    first: dict[str, Measure],
    last: dict[str, Measure],
    labels: list[str],
    tables: dict[str, list[Measure]],
) -> list[tuple[str, str, str]]:
    rows = []

    def ratio(name: str, limit: float, what: str = "× task next") -> None:
        m = first.get(name)
        if m is None or m.vs_task is None:
            return
        measured = f"{m.vs_task:.2f}×"
        rows.append((f"`{name}` at 1× ≤ {limit}{what}", measured, _met(m.vs_task, limit)))

    for name in ("crm today", "crm today --json", "crm task list", "crm contact show NAME"):
        ratio(name, 1.0)
    ratio("crm today", 0.5, "× task next (stretch)")
    for name in ("crm log note NAME", "crm task done ID"):
        ratio(name, 2.0)
    ratio("crm review", 3.0)
    ratio("crm remind (first run)", 5.0)
    ratio("crm export (json)", 8.0)
    ratio("crm calendar", 8.0)
    if len(labels) > 1:
        growth = f"{labels[-1]} ÷ {labels[0]}"
        for name, limit in [
            ("crm today", 1.2),
            ("crm contact show NAME", 1.2),
            ("crm log note NAME", 1.2),
            ("crm task done ID", 1.2),
            ("crm export (json)", 10),
            ("crm calendar", 10),
            ("crm remind (first run)", 10),
        ]:
            raw = last[name].median / first[name].median
            steady = _growth(first[name], last[name])
            value = raw if steady is None else steady
            measured = f"{value:.2f}" if steady is None else f"{steady:.2f} (medians: {raw:.2f})"
            rows.append((f"`{name}` {growth} ≤ {limit}", measured, _met(value, limit)))
    for label in labels:
        worst = max(tables[label], key=lambda m: m.peak_kb)
        peak = worst.peak_kb / 1024
        rows.append(
            (
                f"peak memory of every command at {label} ≤ 80 MB",
                f"{peak:.0f} MB ({worst.name})",
                _met(peak, 80),
            )
        )
    return rows


def _growth(small: Measure, large: Measure) -> float | None:
    """How much longer a command takes on the larger data, each median taken against the
    `task next` runs interleaved with it: taskwarrior's data is the same at every scale, so
    what it measures is the machine. This VM's speed drifts by a third within one run (`task
    next` 122 ms in the 1x phase, 191 ms in the 10x phase, of one run; `crm today`, the same
    code, 1.00 to 1.27 by plain medians across runs): against task next, the drift cancels."""
    if small.vs_task is None or large.vs_task is None:
        return None
    return large.vs_task / small.vs_task


def _shown(value: float | None) -> str:
    return "n/a" if value is None else f"{value:.2f}"


def _met(value: float, limit: float) -> str:
    return "yes" if value <= limit else f"no: {value / limit:.2f}× the target"


def _times(label: str) -> str:
    return label.removeprefix("quick-").removesuffix("x")


if __name__ == "__main__":
    main()
