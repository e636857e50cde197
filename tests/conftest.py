"""Every test gets its own crm home (database and config) and a pinned clock.

The `backend` fixture runs a test once on SQLite and once on PostgreSQL. PostgreSQL runs need
CRM_TEST_POSTGRES_URL (`.ci/run` sets it to the server this machine starts); each such test gets
a database of its own, so tests cannot see each other. Without the variable they skip.
"""

from __future__ import annotations

import hashlib
import json
import os
import uuid
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path

import pytest
from typer.testing import CliRunner

from crm.cli.app import app

POSTGRES_URL = os.environ.get("CRM_TEST_POSTGRES_URL", "")
NO_POSTGRES = "PostgreSQL runs need CRM_TEST_POSTGRES_URL (set by .ci/run); none given"


@pytest.fixture(autouse=True)
def crm_home(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    home = tmp_path / "crm-home"
    monkeypatch.setenv("CRM_HOME", str(home))
    monkeypatch.setenv("CRM_NOW", "2026-03-02T09:00:00+00:00")
    monkeypatch.setenv("TZ", "UTC")
    monkeypatch.setenv("COLUMNS", "80")
    monkeypatch.setenv("NO_COLOR", "1")
    monkeypatch.delenv("CRM_DATABASE", raising=False)
    return home


@dataclass
class Result:
    exit_code: int
    stdout: str
    stderr: str

    def json(self) -> object:
        return json.loads(self.stdout)


class Crm:
    """Runs the CLI in-process, the way a user types it."""

    def __init__(self, db: str | None = None, *, home: Path | None = None) -> None:
        self.db = db
        self.home = home
        self.runner = CliRunner()

    @property
    def url(self) -> str:
        if self.db:
            return self.db if "://" in self.db else f"sqlite:///{self.db}"
        assert self.home is not None
        return f"sqlite:///{self.home / 'crm.db'}"

    def state(self) -> str:
        """What the database holds: its bytes for SQLite, every row of every table otherwise."""
        if self.url.startswith("sqlite:///"):
            return hashlib.sha256(Path(self.url[len("sqlite:///") :]).read_bytes()).hexdigest()
        from sqlalchemy import create_engine, inspect, text

        engine = create_engine(self.url)
        try:
            with engine.connect() as connection:
                rows = [
                    (table, [tuple(r) for r in connection.execute(text(f"SELECT * FROM {table}"))])
                    for table in sorted(inspect(connection).get_table_names())
                ]
        finally:
            engine.dispose()
        return hashlib.sha256(repr(rows).encode()).hexdigest()

    def __call__(self, *args: str, now: str | None = None, ok: bool = True) -> Result:
        argv = (["--db", self.db] if self.db else []) + list(args)
        env = {"CRM_NOW": now} if now else {}
        raw = self.runner.invoke(app, argv, env=env, catch_exceptions=False)
        result = Result(raw.exit_code, raw.stdout, raw.stderr)
        if ok and result.exit_code != 0:
            raise AssertionError(
                f"crm {' '.join(args)} failed ({result.exit_code}): {result.stderr}"
            )
        return result

    def json(self, *args: str, now: str | None = None) -> object:
        return self(*args, "--json", now=now).json()


@pytest.fixture
def crm(backend: str, crm_home: Path) -> Crm:
    """The CLI, once on the default SQLite file in this test's crm home, once on PostgreSQL."""
    return Crm(None if backend.startswith("sqlite") else backend, home=crm_home)


@pytest.fixture
def sqlite_crm(crm_home: Path) -> Crm:
    """The CLI on the default SQLite file, for what only SQLite has (files, modes, locks)."""
    return Crm(home=crm_home)


@pytest.fixture(params=["sqlite", "postgresql"])
def backend(request: pytest.FixtureRequest, tmp_path: Path) -> Iterator[str]:
    """A database URL: a fresh SQLite file, or a fresh PostgreSQL database."""
    if request.param == "sqlite":
        yield f"sqlite:///{tmp_path / 'backend.db'}"
        return
    if not POSTGRES_URL:
        pytest.skip(NO_POSTGRES)
    with postgres_database() as url:
        yield url


def _admin():  # type: ignore[no-untyped-def]
    import psycopg

    return psycopg.connect(
        POSTGRES_URL.replace("postgresql+psycopg://", "postgresql://"), autocommit=True
    )


from contextlib import contextmanager  # noqa: E402


@contextmanager
def postgres_database() -> Iterator[str]:
    name = f"crm_test_{uuid.uuid4().hex[:12]}"
    with _admin() as admin:
        admin.execute(f'CREATE DATABASE "{name}"')
    base, _, _ = POSTGRES_URL.rpartition("/")
    try:
        yield f"{base}/{name}"
    finally:
        with _admin() as admin:
            admin.execute(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')


from tests.mailserver import mail_server  # noqa: E402, F401 (a fixture for every test module)
