"""APScheduler wiring for `crm daemon`: the job runs the follow-up plan, then delivers what is
due (crm/notify.py decides what, and makes sure it goes once), then rewrites the calendar feed.

Choices, each against a way APScheduler 3 silently drops work:
- `misfire_grace_time=None` with `coalesce=True`: a run that starts late (a laptop asleep at
  07:00) still runs, once. The default grace is one second.
- No persistent job store. The plan decides from the data what is due, so the daemon catches
  up by running it at start; a stored job would add the risk of two daemons sharing one store
  (each job run twice) and of stored options outliving changed settings.
- The job runs at remind_at and at digest_at. Whether the digest is due is decided from the
  clock and the database at each run, not by which trigger fired: a run that catches up after a
  sleep sends today's digest once, never one per missed day.
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


def run_jobs(url: str) -> None:
    """One run: the plan, then what is due to be delivered, then the calendar feed (a
    module-level function: APScheduler's jobs must be importable by reference). Settings are
    read again each run, so edits take effect."""
    try:
        settings = load_settings()
        now = clock.now(settings.zone or clock.system_zone())
        database = Database(url)
    except CrmError as error:
        say(f"the plan did not run: {error}")
        return
    try:
        run_plan(database, settings, now)
        deliver(database, settings, now)
        write_calendar(database, settings, now)
    finally:
        database.close()


def run_plan(database: Database, settings: Settings, now: datetime) -> None:
    """The plan in its own transaction, and what it did, in the log."""
    from crm.plain import plan_lines, plan_summary
    from crm.services.plan import bring_up_to_date, lock_for_writing

    try:
        with database.session(write=True) as session:
            lock_for_writing(session)
            result = bring_up_to_date(
                session=session,
                now=now,
                plan=settings.plan,
                fingerprint=settings.plan_fingerprint(),
            )
    except CrmError as error:
        say(f"the plan did not run: {error}")
        return
    if result is None or not result.changed:
        say("plan ran: up to date, nothing new")
        return
    say(f"plan ran: {plan_summary(result).removeprefix('The plan ').rstrip('.')}")
    for line in plan_lines(result, now.date()):
        say(line)


def deliver(database: Database, settings: Settings, now: datetime) -> None:
    """The digest and the review, if due; each channel's outcome in the log."""
    from crm.notify import deliver_due

    try:
        outcomes = deliver_due(database, settings, now)
    except CrmError as error:
        say(f"nothing delivered: {error}")
        return
    for outcome in outcomes:
        say(str(outcome))


def write_calendar(database: Database, settings: Settings, now: datetime) -> None:
    """Rewrite notify.calendar_file, if set, with the open tasks as they now are."""
    from crm.notify import refresh_calendar

    try:
        refresh_calendar(database, settings, now)
    except CrmError as error:
        say(f"the calendar feed was not written: {error}")


class _Stop(Exception):
    pass


def _stop(signum: int, frame: FrameType | None) -> None:
    raise _Stop(signal.Signals(signum).name)


def run_daemon(url: str, settings: Settings, every_seconds: int | None = None) -> int:
    """Run the plan now, then daily at `remind_at` (or every `every_seconds`), until a signal."""
    from apscheduler.schedulers.blocking import BlockingScheduler
    from apscheduler.triggers.cron import CronTrigger
    from apscheduler.triggers.interval import IntervalTrigger

    with single_daemon(url):
        say(f"started on {masked(url)}, pid {os.getpid()}; catching up")
        run_jobs(url)
        scheduler = BlockingScheduler(job_defaults=JOB_DEFAULTS, **_zone(settings))
        triggers: list[CronTrigger | IntervalTrigger] = (
            [IntervalTrigger(seconds=every_seconds, **_zone(settings))]
            if every_seconds
            else [
                CronTrigger(hour=at.split(":")[0], minute=at.split(":")[1], **_zone(settings))
                for at in sorted({settings.remind_at, settings.notify.digest_at})
            ]
        )
        for i, trigger in enumerate(triggers):
            scheduler.add_job(run_jobs, trigger, args=[url], id=f"crm-{i}")
        # the scheduler's own (real) clock: it is what APScheduler will fire by, CRM_NOW or not
        upcoming = min(t.get_next_fire_time(None, datetime.now(t.timezone)) for t in triggers)
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
