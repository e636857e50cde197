"""Everything a command touches outside itself, in one object that tests can replace.

One Env per invocation: one settings file read, one clock reading, one engine, one session
scope. Heavy modules (SQLAlchemy, SQLModel) are imported only when a command opens the database.
"""

from __future__ import annotations

from collections.abc import Callable, Iterator
from contextlib import contextmanager
from datetime import date, datetime
from typing import TYPE_CHECKING

from crm import clock
from crm.settings import Settings, load_settings

if TYPE_CHECKING:
    from rich.console import Console
    from sqlmodel import Session

    from crm.db import Database
    from crm.lean import Writer
    from crm.services.plan import PlanResult, Scope
    from crm.store import Store


class Env:
    def __init__(self, db: str | None = None) -> None:
        self.db_arg = db
        self._settings: Settings | None = None
        self._now: datetime | None = None
        self._today: date | None = None
        self._database: Database | None = None
        self._out: Console | None = None
        self._err: Console | None = None
        self.plan_result: PlanResult | None = None

    @property
    def settings(self) -> Settings:
        if self._settings is None:
            self._settings = load_settings()
        return self._settings

    @property
    def now(self) -> datetime:
        """Now, in the local time zone with its daylight-saving rules (a named zone)."""
        if self._now is None:
            self._now = clock.now(self.settings.zone or clock.system_zone())
        return self._now

    @property
    def today(self) -> date:
        """Today's local date. Cheaper than `now` when nothing else needs the named zone: the
        current UTC offset gives today's date exactly, and finding the zone's name costs ~30 ms
        that `crm today` has better use for."""
        if self._now is not None:
            return self._now.date()
        if self._today is None:
            self._today = clock.now(self.settings.zone).date()
        return self._today

    @property
    def url(self) -> str:
        from crm.db import resolve_url

        return resolve_url(self.db_arg, self.settings)

    @property
    def uses_default_file(self) -> bool:
        import os

        return not (self.db_arg or os.environ.get("CRM_DATABASE") or self.settings.database)

    def database(self) -> Database:
        if self._database is None:
            from crm.db import Database

            self._database = Database(self.url, default_file=self.uses_default_file)
        return self._database

    @contextmanager
    def reading(self) -> Iterator[Session]:
        with self.database().session(write=False) as session:
            yield session

    @contextmanager
    def writing(self, *, check: Callable[[PlanResult], None] | None = None) -> Iterator[Session]:
        """One write transaction that ends with the follow-up plan carried out for what the
        block changed (crm/services/plan.py collects that from the session).

        Every such transaction is a record-keeping command: what it wrote (the plan's changes
        included) becomes what `crm undo` takes back. `check` sees what the plan did before
        anything is committed, and may refuse it all by raising. Once committed, the calendar
        feed is rewritten, when config.toml names one.
        """
        from crm.services import plan
        from crm.store import SessionStore

        with self.database().session(write=True) as session:
            plan.lock_for_writing(session)
            plan.collect_scope(session)
            written = plan.scope_of(session)
            with self._planned_and_remembered(SessionStore(session), written, check):
                yield session
        self._refresh_calendar()

    @contextmanager
    def recording(self, *, lean: bool = True) -> Iterator[Store]:
        """`writing()` as a `Store` (crm/store.py): on an SQLite file at this crm's schema,
        with nothing but the standard library (no SQLAlchemy to import: a third of a second),
        else through a session. `lean=False` asks for the session (a check that reads
        through the ORM). The same transaction either way: the plan carried out for what the
        block wrote, the command remembered for `crm undo`, then the calendar feed."""
        with self._lean_transaction(lean) as writer:
            if writer is not None:
                with self._planned_and_remembered(writer, writer.scope):
                    yield writer
        if writer is not None:
            self._refresh_calendar()
            return
        from crm.store import SessionStore

        with self.writing() as session:
            yield SessionStore(session)

    @contextmanager
    def _lean_transaction(self, lean: bool = True) -> Iterator[Writer | None]:
        """A write transaction on the standard library's sqlite3 (crm/lean.py), or None where
        it will not do: another database, a schema to migrate, a file the ordinary path must
        explain (not there, not writable)."""
        import os

        from crm.db import sqlite_path

        path = sqlite_path(self.url) if lean else None
        if path is None or not os.access(path, os.R_OK | os.W_OK):
            yield None
            return
        import sqlite3

        from crm.db import explain, not_utf8
        from crm.errors import DatabaseError
        from crm.lean import lean_writer

        try:
            with lean_writer(path) as writer:
                yield writer
        except sqlite3.Error as error:
            raise DatabaseError(explain(self.url, error)) from None
        except UnicodeEncodeError as error:
            raise not_utf8(error) from None

    @contextmanager
    def _planned_and_remembered(
        self, db: Store, written: Scope, check: Callable[[PlanResult], None] | None = None
    ) -> Iterator[None]:
        """Around the block's writes, in its transaction: the plan for what it wrote
        (`written`, filled in as it writes), checked, and the command kept for `crm undo`."""
        from crm.journal import journal_mark, remember
        from crm.services import plan

        fingerprint = self.settings.plan_fingerprint()
        before = plan.plan_status(db, fingerprint, self.now.date())
        since = journal_mark(db)
        yield
        self.plan_result = plan.plan_after_write(
            session=db,
            now=self.now,
            plan=self.settings.plan,
            fingerprint=fingerprint,
            before=before,
            written=written,
        )
        if check is not None:
            check(self.plan_result)
        remember(db, now=self.now, label=command_line(), since=since)

    def bring_plan_up_to_date(self) -> None:
        """The plan current before tasks are read: a write transaction only when it is not
        (on SQLite through the standard library, when the schema is current)."""
        from crm.db import sqlite_path

        fingerprint = self.settings.plan_fingerprint()
        path = sqlite_path(self.url)
        if path is not None:
            from crm.lean import lean_reader

            with lean_reader(path, fingerprint, self.today) as reader:
                if reader is not None:
                    return  # current: no writer waited for, none kept waiting
        from crm.services import plan  # only now: `crm remind` on a current plan needs none

        with self._lean_transaction() as writer:
            if writer is not None:
                self.plan_result = plan.bring_up_to_date(
                    session=writer, now=self.now, plan=self.settings.plan, fingerprint=fingerprint
                )
        if writer is None:
            with self.reading() as session:
                if plan.plan_status(session, fingerprint, self.now.date()).current:
                    return
            with self.database().session(write=True) as session:
                plan.lock_for_writing(session)
                self.plan_result = plan.bring_up_to_date(
                    session=session,
                    now=self.now,
                    plan=self.settings.plan,
                    fingerprint=fingerprint,
                )
        if self.plan_result is not None:
            self._refresh_calendar()

    def _refresh_calendar(self) -> None:
        """The calendar feed follows every change of the tasks (notify.calendar_file). The write
        itself is committed by now: a feed that cannot be written is a warning, not a failure."""
        if not self.settings.notify.calendar_file:
            return
        from crm.errors import CrmError
        from crm.notify import refresh_calendar

        try:
            refresh_calendar(self.database(), self.settings, self.now)
        except CrmError as error:
            self.err.print(f"Warning: the calendar feed was not written: {error}", soft_wrap=True)

    @property
    def out(self) -> Console:
        if self._out is None:
            from crm.render import console

            self._out = console()
        return self._out

    @property
    def err(self) -> Console:
        if self._err is None:
            from crm.render import console

            self._err = console(stderr=True)
        return self._err

    def close(self) -> None:
        if self._database is not None:
            self._database.close()


def error_line(error: Exception, e: Env | None) -> str:
    """The one line an error is shown as: no control character, no credential of the URL."""
    from crm.credentials import scrub
    from crm.errors import CrmError
    from crm.printable import one_line

    url = None
    if e is not None:
        try:
            url = e.url
        except CrmError:  # unreadable settings: the error itself says so
            url = e.db_arg
    return "Error: " + one_line(scrub(str(error), url))


_current: Env | None = None
_typed: list[str] = []


def typed(args: list[str]) -> None:
    """Remember the arguments of this invocation, as the user typed them."""
    _typed[:] = args


def command_line() -> str:
    """This invocation as `crm undo` names it: the command as typed, without --db (a URL
    may hold a password)."""
    import shlex

    words, skip = [], False
    for word in _typed:
        if skip:
            skip = False
        elif word == "--db":
            skip = True
        elif not word.startswith("--db="):
            words.append(word)
    return shlex.join(["crm", *words])


def start(db: str | None) -> Env:
    """The Env of this invocation (the root callback, or the fast path, makes one per run)."""
    global _current
    _current = Env(db)
    return _current


def env() -> Env:
    assert _current is not None, "the root callback makes the Env before any command runs"
    return _current
