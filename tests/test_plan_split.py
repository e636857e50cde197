"""A full plan split with a helper process (crm/services/plan_split.py) leaves the database as
one process planning everyone leaves it, row for row; so does a helper that goes wrong."""

from __future__ import annotations

import shutil
import sqlite3
from contextlib import closing
from datetime import date
from pathlib import Path
from typing import Any

import pytest

from bench.dataset import generate
from crm.services import plan, plan_split
from tests.conftest import Crm

ALONE = 10**9  # SPLIT_AT: never split
CONTACTS = 1_200
SPLIT = 1_000  # SPLIT_AT for these tests: 1,200 contacts are split at the 600th


@pytest.fixture(scope="module")
def history(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """Three years of a job search, never planned (as the benchmark's, at an eighth)."""
    path = tmp_path_factory.mktemp("split") / "history.db"
    generate(
        path,
        contacts=CONTACTS,
        employers=120,
        touchpoints=12_000,
        tasks=3_000,
        today=date(2026, 3, 2),
    )
    return path


@pytest.fixture(autouse=True)
def named_zone(crm_home: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    """A zone with a name, which the helper is sent (and a daylight-saving change)."""
    monkeypatch.setenv("TZ", "America/New_York")


def every_row(path: Path) -> dict[str, list[tuple[Any, ...]]]:
    """Every row of every table, in a stable order; the undo journal's without its sequence
    number: where two runs' batches begin differs, so does the order of their writes."""
    with closing(sqlite3.connect(path)) as connection:
        tables = [
            t for (t,) in connection.execute("SELECT name FROM sqlite_master WHERE type = 'table'")
        ]
        found = {}
        for table in sorted(tables):
            columns = [c[1] for c in connection.execute(f"PRAGMA table_info({table})")]
            if table == "undo_row":
                columns.remove("seq")
            listed = ", ".join(f'"{c}"' for c in columns)
            rows = connection.execute(f"SELECT {listed} FROM {table}")
            found[table] = sorted((tuple(row) for row in rows), key=repr)
        return found


class Spy:
    """What a run did: the helper it started, and the batches this process planned."""

    def __init__(self, monkeypatch: pytest.MonkeyPatch) -> None:
        self.helpers: list[plan_split.Helper | None] = []
        self.here: list[tuple[int, int]] = []  # the batches planned in this process: ids from, to
        start, plan_batch = plan_split.Helper.start.__func__, plan.plan_batch  # type: ignore[attr-defined]
        fallback = plan_split.plan_batch

        def started(cls: type[plan_split.Helper], *args: Any, **kwargs: Any) -> Any:
            helper = start(cls, *args, **kwargs)
            self.helpers.append(helper)
            return helper

        def planned_here(db: Any, batch: Any, rules: Any) -> Any:
            self.here.append((batch.which.first, batch.which.last))
            return plan_batch(db, batch, rules)

        def planned_here_instead(db: Any, batch: Any, rules: Any) -> Any:
            self.here.append((batch.which.first, batch.which.last))
            return fallback(db, batch, rules)

        monkeypatch.setattr(plan_split.Helper, "start", classmethod(started))
        monkeypatch.setattr(plan, "plan_batch", planned_here)
        monkeypatch.setattr(plan_split, "plan_batch", planned_here_instead)


def remind(
    history: Path, target: Path, monkeypatch: pytest.MonkeyPatch, *, split_at: int
) -> tuple[str, Spy]:
    if not target.exists():
        shutil.copy(history, target)
    monkeypatch.setattr(plan_split, "SPLIT_AT", split_at)
    spy = Spy(monkeypatch)
    return Crm(str(target))("remind", "--verbose").stdout, spy


def test_a_split_first_run_writes_what_one_process_writes(
    history: Path, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    with monkeypatch.context() as patch:
        out, spy = remind(history, tmp_path / "split.db", patch, split_at=SPLIT)
    (helper,) = spy.helpers
    assert helper is not None and helper.process.returncode == 0
    assert helper.after == 600
    assert spy.here[-1][1] == helper.after  # this process planned up to the split, the helper on
    with monkeypatch.context() as patch:
        out_alone, spy_alone = remind(history, tmp_path / "alone.db", patch, split_at=ALONE)
    assert spy_alone.helpers == [None]
    assert "The plan made" in out and out.count("\n") > 500
    assert out == out_alone
    assert every_row(tmp_path / "split.db") == every_row(tmp_path / "alone.db")


def test_a_split_run_after_a_settings_change_writes_what_one_process_writes(
    history: Path, tmp_path: Path, crm_home: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """A full run over tasks the plan made before: it moves and removes as well."""
    for name in ("split.db", "alone.db"):
        shutil.copy(history, tmp_path / name)
        Crm(str(tmp_path / name))("remind")
    crm_home.mkdir(exist_ok=True)
    (crm_home / "config.toml").write_text(
        "[plan]\nnurture_every_months = 2\nunanswered_notes_limit = 1\n"
        "nurture_needs_reply = false\n"
    )
    with monkeypatch.context() as patch:
        out, spy = remind(history, tmp_path / "split.db", patch, split_at=SPLIT)
    assert spy.helpers[0] is not None and spy.here[-1][1] == spy.helpers[0].after
    with monkeypatch.context() as patch:
        out_alone, _ = remind(history, tmp_path / "alone.db", patch, split_at=ALONE)
    assert "moved" in out and "removed" in out
    assert out == out_alone
    assert every_row(tmp_path / "split.db") == every_row(tmp_path / "alone.db")


# helpers that go wrong, each as `python -c` runs it
FAILS = "import sys; sys.exit(1)"
BROKEN = "import sys; sys.stdout.buffer.write(b'not a plan')"
OTHER_DATA = (  # the real helper, asked of a write count the database does not have
    "import dataclasses, io, pickle, sys\n"
    "from crm.services import plan_split\n"
    "request = pickle.load(sys.stdin.buffer)\n"
    "changed = dataclasses.replace(request, changes=request.changes + 1)\n"
    "sys.stdin = io.TextIOWrapper(io.BytesIO(pickle.dumps(changed)))\n"
    "sys.exit(plan_split.main())\n"
)
OTHER_CODE = (  # the real helper, told this process plans with a crm somewhere else
    "import dataclasses, io, pickle, sys\n"
    "from crm.services import plan_split\n"
    "request = pickle.load(sys.stdin.buffer)\n"
    "moved = dataclasses.replace(request, code='/elsewhere/crm')\n"
    "sys.stdin = io.TextIOWrapper(io.BytesIO(pickle.dumps(moved)))\n"
    "sys.exit(plan_split.main())\n"
)
CUT_SHORT = (  # the real helper, in batches of 100, whose file ends halfway through
    "import io, sys\n"
    "from crm.services import plan_batches, plan_split\n"
    "plan_batches.BATCH = 100\n"
    "real, sys.stdout = sys.stdout, io.TextIOWrapper(io.BytesIO())\n"
    "code = plan_split.main()\n"
    "sys.stdout.flush()\n"
    "written = sys.stdout.buffer.getvalue()\n"
    "real.buffer.write(written[: len(written) // 2])\n"
    "sys.exit(code)\n"
)


@pytest.mark.parametrize(
    "program",
    [FAILS, BROKEN, OTHER_DATA, OTHER_CODE, CUT_SHORT],
    ids=["fails", "broken", "other-data", "other-code", "cut"],
)
def test_what_the_helper_did_not_plan_is_planned_here(
    program: str, history: Path, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    with monkeypatch.context() as patch:
        patch.setattr(plan_split, "HELPER", ("-c", program))
        out, spy = remind(history, tmp_path / "split.db", patch, split_at=SPLIT)
    (helper,) = spy.helpers
    assert helper is not None
    after = helper.after
    past_split = [first for first, _ in spy.here if first > after]
    assert spy.here == sorted(spy.here) and past_split
    if program == CUT_SHORT:
        # the helper's first batches (of 100 contacts) were read; the rest was planned here
        assert helper.process.returncode == 0
        assert past_split[0] > after + 1 and (past_split[0] - 1 - after) % 100 == 0
    else:
        assert past_split[0] == after + 1  # everyone past the split, here
    with monkeypatch.context() as patch:
        out_alone, _ = remind(history, tmp_path / "alone.db", patch, split_at=ALONE)
    assert out == out_alone
    assert every_row(tmp_path / "split.db") == every_row(tmp_path / "alone.db")


def test_the_helper_plans_with_this_crm_whatever_the_working_directory_holds(
    history: Path, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """`python -m` puts the working directory first on the path: a folder holding another
    `crm` (a checkout of another version) must not be what the helper imports."""
    elsewhere = tmp_path / "elsewhere"
    (elsewhere / "crm").mkdir(parents=True)
    (elsewhere / "crm" / "__init__.py").write_text("raise SystemExit('another crm')\n")
    monkeypatch.chdir(elsewhere)
    with monkeypatch.context() as patch:
        _, spy = remind(history, tmp_path / "split.db", patch, split_at=SPLIT)
    (helper,) = spy.helpers
    assert helper is not None and helper.process.returncode == 0
    assert spy.here[-1][1] == helper.after  # the helper planned the rest


def test_a_transaction_that_wrote_is_never_split(migrated_file: Path, tmp_path: Path) -> None:
    """The helper reads through its own connection, which sees only what is committed: a run
    after a write in the same transaction (a settings change, then `crm log`) plans alone."""
    from crm.lean import lean_writer

    path = tmp_path / "crm.db"
    shutil.copy(migrated_file, path)
    with lean_writer(path) as writer:
        assert writer is not None
        assert writer.unwritten_file() == path
        writer.run(
            "INSERT INTO employer (name, name_key, created_at) VALUES ('A', 'a', '2026-03-02')"
        )
        assert writer.unwritten_file() is None
