"""APScheduler wiring for `crm daemon`: the job runs the follow-up plan, nothing else.

Choices, each against a way APScheduler 3 silently drops work:
- `misfire_grace_time=None` with `coalesce=True`: a run that starts late (a laptop asleep at
  07:00) still runs, once. The default grace is one second.
- No persistent job store. The plan decides from the data what is due, so the daemon catches
  up by running it at start; a stored job would add the risk of two daemons sharing one store
  (each job run twice) and of stored options outliving changed settings.
- One daemon per database, held by a lock for the daemon's whole life: a file lock beside an
  SQLite database, an advisory lock on PostgreSQL (which works across machines).
"""

from __future__ import annotations

import os
import signal
import sys
from collections.abc import Iterator
from contextlib import contextmanager
from datetime import datetime
from types import FrameType

from crm import clock
from crm.db import Database, make_engine, masked, sqlite_path
from crm.errors import Conflict, CrmError
from crm.printable import one_line
from crm.settings import Settings, load_settings

DAEMON_LOCK = 0x63726D01  # the PostgreSQL advisory lock's number: any fixed integer
# run however late (never the 1-second default grace), and once for any number of missed runs
JOB_DEFAULTS = {"misfire_grace_time": None, "coalesce": True, "max_instances": 1}


def say(message: str) -> None:
    stamp = clock.now().strftime("%Y-%m-%d %H:%M:%S")
    print(f"{stamp} crm daemon: {one_line(message)}", file=sys.stderr, flush=True)


def run_plan(url: str) -> None:
    """One run of the plan in its own transaction (a module-level function: APScheduler's jobs
    must be importable by reference). Settings are read again each run, so edits take effect."""
    from crm.plain import plan_lines, plan_summary
    from crm.services.plan import bring_up_to_date, lock_for_writing

    try:
        settings = load_settings()
        now = clock.now(settings.zone or clock.system_zone())
        database = Database(url)
        try:
            with database.session(write=True) as session:
                lock_for_writing(session)
                result = bring_up_to_date(
                    session=session,
                    now=now,
                    plan=settings.plan,
                    fingerprint=settings.plan_fingerprint(),
                )
        finally:
            database.close()
    except CrmError as error:
        say(f"the plan did not run: {error}")
        return
    if result is None or not result.changed:
        say("plan ran: up to date, nothing new")
        return
    say(f"plan ran: {plan_summary(result).removeprefix('The plan ').rstrip('.')}")
    for line in plan_lines(result, now.date()):
        say(line)


class _Stop(Exception):
    pass


def _stop(signum: int, frame: FrameType | None) -> None:
    raise _Stop(signal.Signals(signum).name)


def run_daemon(url: str, settings: Settings, every_seconds: int | None = None) -> int:
    """Run the plan now, then daily at `remind_at` (or every `every_seconds`), until a signal."""
    from apscheduler.schedulers.blocking import BlockingScheduler
    from apscheduler.triggers.cron import CronTrigger
    from apscheduler.triggers.interval import IntervalTrigger

    hour, minute = (int(part) for part in settings.remind_at.split(":"))
    with single_daemon(url):
        say(f"started on {masked(url)}, pid {os.getpid()}; catching up")
        run_plan(url)
        scheduler = BlockingScheduler(job_defaults=JOB_DEFAULTS, **_zone(settings))
        trigger: CronTrigger | IntervalTrigger = (
            IntervalTrigger(seconds=every_seconds, **_zone(settings))
            if every_seconds
            else CronTrigger(hour=hour, minute=minute, **_zone(settings))
        )
        scheduler.add_job(run_plan, trigger, args=[url], id="follow-up-plan")
        # the scheduler's own (real) clock: it is what APScheduler will fire by, CRM_NOW or not
        upcoming = trigger.get_next_fire_time(None, datetime.now(trigger.timezone))
        then = f"every {every_seconds} s" if every_seconds else "daily"
        say(f"next run at {upcoming:%Y-%m-%d %H:%M:%S %Z}, then {then}")
        signal.signal(signal.SIGTERM, _stop)
        signal.signal(signal.SIGINT, _stop)
        try:
            scheduler.start()  # blocks until a signal stops it
        except _Stop as why:
            say(f"stopping ({why})")
        finally:
            if scheduler.running:
                scheduler.shutdown(wait=True)  # a plan run in progress finishes its transaction
    return 0


def _zone(settings: Settings) -> dict[str, object]:
    return {"timezone": settings.zone} if settings.zone else {}


@contextmanager
def single_daemon(url: str) -> Iterator[None]:
    path = sqlite_path(url)
    if path is not None:
        with _file_lock(path.with_name(path.name + ".daemon.lock")):
            yield
    else:
        with _advisory_lock(url):
            yield


@contextmanager
def _file_lock(lock_path: os.PathLike[str]) -> Iterator[None]:
    import fcntl

    fd = os.open(lock_path, os.O_RDWR | os.O_CREAT, 0o600)
    try:
        try:
            fcntl.flock(fd, fcntl.LOCK_EX | fcntl.LOCK_NB)
        except BlockingIOError:
            holder = os.read(fd, 32).decode(errors="replace").strip() or "another process"
            raise Conflict(
                f"a crm daemon is already running on this database (pid {holder})"
            ) from None
        os.ftruncate(fd, 0)
        os.write(fd, str(os.getpid()).encode())
        yield
    finally:
        os.close(fd)


@contextmanager
def _advisory_lock(url: str) -> Iterator[None]:
    engine = make_engine(url)
    try:
        with engine.connect() as connection:
            got = connection.exec_driver_sql(f"SELECT pg_try_advisory_lock({DAEMON_LOCK})").scalar()
            connection.commit()
            if not got:
                raise Conflict("a crm daemon is already running on this database (on some machine)")
            yield
    finally:
        engine.dispose()
