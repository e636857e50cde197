"""A full plan on two cores: a helper process plans the later half of the contacts.

A full run (the first `crm remind`, the first after a settings change or an upgrade) reads
and plans every contact's history: at the benchmark's 1x, 300 ms of Python on one core of a
machine that has two. No contact's plan depends on another's (crm/services/plan_batches.py),
so such a run splits them by id. This process plans the first half and writes as it goes; a
helper process (`python -P -m crm.services.plan_split`) meanwhile plans the rest through its own
connection and writes each batch's plan to a private temporary file; this process then writes
those, in order, in its one transaction. The database ends the same, row for row, as when one
process plans everyone (tests/test_plan_split.py).

Only where the helper reads exactly what this process reads: an SQLite file whose write
transaction this process holds (no one else can commit meanwhile) and has written nothing in
yet (the helper cannot see what is not committed). So `crm remind` and the daemon's full runs,
not a write that re-plans everything after it; on PostgreSQL a run plans alone. Whatever goes
wrong with the helper (it cannot start, fails, sees other data or another crm, leaves a
broken file), this process plans what it did not: slower, never different.
"""

from __future__ import annotations

import os
import pickle
import sys
import time
from collections.abc import Iterator, Mapping
from dataclasses import dataclass
from datetime import datetime
from pathlib import Path
from typing import IO, TYPE_CHECKING

from crm.services.plan_batches import BatchPlan, Rules, contact_batches, plan_batch

if TYPE_CHECKING:
    from subprocess import Popen

    from crm.settings import Plan
    from crm.store import Store

CODE = str(Path(__file__).resolve().parents[1])  # this crm's package folder

# Contacts a run must have before a helper pays for its start (~45 ms of Python's and crm's
# imports, on the other core) and for this process's writing its half after its own. A first
# remind on the benchmark's data at 2,000, 4,000, 6,000 and 10,000 contacts took 1.27, 1.05,
# 0.96 and 0.77 times as long split as alone.
SPLIT_AT = 6_000
HELPER = ("-m", "crm.services.plan_split")  # what the helper's Python runs (after -P)


@dataclass(frozen=True)
class Request:
    """What the helper is asked to plan: the contacts past `after`, as this process sees them."""

    path: str
    after: int
    changes: int  # the write count this process reads: the helper must read the same
    now: datetime
    plan: Plan
    code: str = CODE  # the helper must plan with the very crm this process plans with


class Helper:
    """The helper process of one run, and the file it writes its batches' plans to."""

    def __init__(self, process: Popen[bytes], output: IO[bytes], after: int) -> None:
        self.process = process
        self.output = output
        self.after = after  # this process plans the contacts up to this id; the helper the rest
        self.started = time.monotonic()

    @classmethod
    def start(cls, db: Store, *, now: datetime, plan: Plan) -> Helper | None:
        """A helper for the later half of the contacts, or None where this process plans alone."""
        from crm.lean import Writer

        path = db.unwritten_file() if isinstance(db, Writer) else None
        if path is None or _cores() < 2 or not sys.executable:
            return None
        ((count,),) = db.rows("SELECT count(*) FROM contact")
        if count < SPLIT_AT:
            return None
        ((after,),) = db.rows(
            "SELECT id FROM contact ORDER BY id LIMIT 1 OFFSET :skip", {"skip": count // 2 - 1}
        )
        ((changes,),) = db.rows("SELECT changes FROM change_counter WHERE id = 1")
        import subprocess
        import tempfile

        # mode 0600, and no name: nobody else reads it; the helper object closes it
        output = tempfile.TemporaryFile()  # noqa: SIM115
        try:
            request = pickle.dumps(Request(str(path), after, changes, now, plan))
            process = subprocess.Popen(
                # -P: not the working directory first on the path, where another `crm`
                # package may be (a checkout of another version)
                [sys.executable, "-P", *HELPER],
                stdin=subprocess.PIPE,
                stdout=output,
                stderr=subprocess.DEVNULL,
                env=_same_crm(os.environ),
            )
        except (OSError, pickle.PicklingError, TypeError, AttributeError):
            output.close()  # a zone that does not pickle (one read from a file), no Python
            return None
        helper = cls(process, output, after)
        try:
            assert process.stdin is not None
            process.stdin.write(request)  # far less than a pipe holds: never waits
            process.stdin.close()
        except OSError:
            helper.close()
            return None
        return helper

    def planned(self, db: Store, rules: Rules) -> Iterator[BatchPlan]:
        """The helper's batches, in order; what it did not plan, planned here."""
        after = self.after
        if self._finished():
            self.output.seek(0)
            while True:
                try:
                    found = pickle.load(self.output)
                except Exception:  # the file's end; or it is broken: the rest is planned here
                    break
                if not isinstance(found, BatchPlan):
                    break
                yield found
                after = found.which.last  # the last batch's reaches past every id: no rest
        for batch in contact_batches(db, after=after):
            yield plan_batch(db, batch, rules)

    def _finished(self) -> bool:
        """Whether the helper ended well. It has as much to do as this process had, and a
        start: what it takes past three times that, this process plans itself."""
        import subprocess

        waited = 30 + 3 * (time.monotonic() - self.started)
        try:
            return self.process.wait(timeout=waited) == 0
        except subprocess.TimeoutExpired:
            self.process.kill()
            self.process.wait()
            return False

    def close(self) -> None:
        """Stop the helper if it still runs (this process failed or was interrupted)."""
        if self.process.poll() is None:
            self.process.kill()
            self.process.wait()
        self.output.close()


def _cores() -> int:
    """The cores this process may run on."""
    if hasattr(os, "sched_getaffinity"):
        return len(os.sched_getaffinity(0))
    return os.cpu_count() or 1


def _same_crm(environment: Mapping[str, str]) -> dict[str, str]:
    """The environment, with this crm first on the helper's path: it must plan with the very
    code this process plans with, wherever crm was imported from."""
    here = str(Path(CODE).parent)
    path = environment.get("PYTHONPATH")
    return {**environment, "PYTHONPATH": here if not path else f"{here}{os.pathsep}{path}"}


def main() -> int:
    """The helper: plan the contacts the request names, write each batch's plan to stdout."""
    import gc
    import sqlite3

    from crm.lean import Reader
    from crm.services.pipeline_rules import load_pipeline
    from crm.services.plan_batches import by_employer, rejections

    gc.disable()  # as the plan runs (crm/services/plan.py): its tuples are in no cycle
    request = pickle.load(sys.stdin.buffer)
    if not isinstance(request, Request):
        return 2
    if request.code != CODE:
        return 4  # another crm's rules: the run plans these contacts itself
    where = f"{Path(request.path).resolve().as_uri()}?mode=ro"
    connection = sqlite3.connect(where, uri=True, isolation_level=None)
    try:
        connection.execute("BEGIN")
        reader = Reader(connection)
        ((changes,),) = reader.rows("SELECT changes FROM change_counter WHERE id = 1")
        if changes != request.changes:
            return 3  # not what the run reads: it plans these contacts itself
        zone = request.now.tzinfo
        rules = Rules(
            request.now.date(),
            zone,
            request.plan,
            by_employer(rejections(reader)),
            load_pipeline(reader, zone),
            {},
            frozenset(),
        )
        out = sys.stdout.buffer
        for batch in contact_batches(reader, after=request.after):
            pickle.dump(plan_batch(reader, batch, rules), out, pickle.HIGHEST_PROTOCOL)
        out.flush()
    finally:
        connection.close()
    return 0


if __name__ == "__main__":  # run as the helper; its classes are the module's, not __main__'s
    from crm.services.plan_split import main as helper

    sys.exit(helper())
