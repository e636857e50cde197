"""Every test gets its own crm home (database and config) and a pinned clock.

The `backend` fixture runs a test once on SQLite and once on PostgreSQL. PostgreSQL runs need
CRM_TEST_POSTGRES_URL (`.ci/run` sets it to the server this machine starts); each such test gets
a database of its own, so tests cannot see each other. Without the variable they skip.

The databases the `crm` fixtures hand out are already at the current schema: copies of one
migrated once per test process (a file copy on SQLite, `CREATE DATABASE … TEMPLATE` on
PostgreSQL). Migrating costs 0.3–1 s, in nearly every test; a copy costs milliseconds, and
holds exactly what the migration made. Tests of what the first command does to a place that
holds no database yet (creating the file and its folder, migrating) are marked
`fresh_database` and get nothing.

The stories many tests begin with (tests/helpers.py: acme_story, in ~500 tests) are
`@replayed`: their commands run once a test process; later tests that begin the same way get
the rows they left (`Crm.replay`). tests/test_replayed_stories.py holds the two to one answer.
"""

from __future__ import annotations

import functools
import hashlib
import json
import os
import shutil
import uuid
from collections.abc import Callable, Iterator
from contextlib import AbstractContextManager, contextmanager
from dataclasses import dataclass
from pathlib import Path
from typing import Any, Protocol

import pytest
import typer.testing
from typer.testing import CliRunner

from crm.cli.app import app

# Typer's test runner turns the app into click's command tree on every invoke, which is a third
# of an in-process command's time; the tree is the same for the whole run, so it is made once.
typer.testing._get_command = functools.cache(typer.testing._get_command)

POSTGRES_URL = os.environ.get("CRM_TEST_POSTGRES_URL", "")
NO_POSTGRES = "PostgreSQL runs need CRM_TEST_POSTGRES_URL (set by .ci/run); none given"


def pytest_configure(config: pytest.Config) -> None:
    """Compile crm's bytecode before the tests start `python -m crm` processes, as an installed
    crm has it: where PYTHONDONTWRITEBYTECODE is set (it is on this machine), every one of
    those processes would otherwise compile each module it imports, again."""
    if not hasattr(config, "workerinput"):  # once, in the process that starts the workers
        import compileall

        compileall.compile_dir(Path(__file__).parent.parent / "crm", quiet=1)


@pytest.fixture(autouse=True)
def crm_home(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    home = tmp_path / "crm-home"
    monkeypatch.setenv("CRM_HOME", str(home))
    monkeypatch.setenv("CRM_NOW", "2026-03-02T09:00:00+00:00")
    monkeypatch.setenv("TZ", "UTC")
    monkeypatch.setenv("COLUMNS", "80")
    monkeypatch.setenv("NO_COLOR", "1")
    monkeypatch.delenv("CRM_DATABASE", raising=False)
    STORIES.patches = monkeypatch
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

    def replay(self, story: Callable[[Crm], None]) -> None:
        """Run `story` (commands through this CLI); or, where the database is still as a
        fixture handed it out and the same story ran before in this process with the same
        clock, settings and time zone and nothing patched, put back what it left: the same
        rows, for the price of a copy. A story that writes files beside the database is run
        every time."""
        place = place_of(self)
        key = STORIES.key(story, place)
        if place is None or key is None or not place.handed_out():
            story(self)
            return
        kept = STORIES.left.get(key)
        if kept is not None:
            place.put_back(kept)
            return
        story(self)
        if STORIES.home_files() == key[-1]:  # the key ends with the home's files before
            STORIES.left[key] = place.keep()


def replayed(story: Callable[[Crm], None]) -> Callable[[Crm], None]:
    """A story helper (commands that set a scene) whose rows `Crm.replay` keeps after its first
    run in a test process."""

    @functools.wraps(story)
    def replay(crm: Crm) -> None:
        crm.replay(story)

    return replay


def fresh(request: pytest.FixtureRequest) -> bool:
    """Whether the test wants no database made for it (`@pytest.mark.fresh_database`)."""
    return request.node.get_closest_marker("fresh_database") is not None


@pytest.fixture(scope="session")
def migrated_file(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """A SQLite database at the current schema, made by crm's own migration, once."""
    from crm.db import Database

    path = tmp_path_factory.mktemp("migrated") / "crm.db"
    Database(f"sqlite:///{path}").close()
    STORIES.sqlite_template = path.read_bytes()
    return path


def copy_database(template: Path, target: Path) -> None:
    """`target` as crm would have made it: the folder 0700 (when new), the file 0600."""
    if not target.parent.exists():
        target.parent.mkdir(mode=0o700, parents=True)
    shutil.copyfile(template, target)
    target.chmod(0o600)


@pytest.fixture
def crm(request: pytest.FixtureRequest, backend: str, crm_home: Path) -> Crm:
    """The CLI, once on the default SQLite file in this test's crm home, once on PostgreSQL."""
    if backend.startswith("sqlite") and not fresh(request):
        copy_database(request.getfixturevalue("migrated_file"), crm_home / "crm.db")
    return Crm(None if backend.startswith("sqlite") else backend, home=crm_home)


@pytest.fixture
def sqlite_crm(request: pytest.FixtureRequest, crm_home: Path) -> Crm:
    """The CLI on the default SQLite file, for what only SQLite has (files, modes, locks)."""
    if not fresh(request):
        copy_database(request.getfixturevalue("migrated_file"), crm_home / "crm.db")
    return Crm(home=crm_home)


@pytest.fixture(scope="session")
def migrated_postgres() -> Iterator[str]:
    """A PostgreSQL database at the current schema, made by crm's own migration, once: the
    template of every test's database."""
    from crm.db import Database

    with postgres_database() as url:
        Database(url).close()  # closed: CREATE DATABASE … TEMPLATE needs it unused
        yield url.rpartition("/")[2]


@pytest.fixture(scope="session")
def postgres_pool(migrated_postgres: str) -> Iterator[PostgresPool]:
    """Databases at the current schema for the PostgreSQL half of the tests, reused."""
    pool = PostgresPool(migrated_postgres)
    STORIES.postgres = pool
    yield pool
    STORIES.postgres = None
    pool.close()


@pytest.fixture(params=["sqlite", "postgresql"])
def backend(request: pytest.FixtureRequest, tmp_path: Path) -> Iterator[str]:
    """A database URL: a SQLite file, or a PostgreSQL database of this test's own; at the
    current schema unless the test is marked `fresh_database`."""
    if request.param == "sqlite":
        path = tmp_path / "backend.db"
        if not fresh(request):
            copy_database(request.getfixturevalue("migrated_file"), path)
        yield f"sqlite:///{path}"
        return
    if not POSTGRES_URL:
        pytest.skip(NO_POSTGRES)
    if fresh(request):
        with postgres_database() as url:
            yield url
    else:
        with request.getfixturevalue("postgres_pool").database() as url:
            yield url


OtherDatabase = Callable[[], AbstractContextManager[Crm]]


@pytest.fixture
def other_database(request: pytest.FixtureRequest, crm: Crm, tmp_path: Path) -> OtherDatabase:
    """Another database on the same kind of server as `crm`'s, at the current schema and empty:
    where an export is restored, or the same history entered another way."""
    made = iter(range(1_000))

    @contextmanager
    def other() -> Iterator[Crm]:
        if crm.db is None:
            path = tmp_path / f"other-{next(made)}.db"
            copy_database(request.getfixturevalue("migrated_file"), path)
            yield Crm(str(path))
            return
        with request.getfixturevalue("postgres_pool").database() as url:
            yield Crm(url)

    return other


def _admin():  # type: ignore[no-untyped-def]
    import psycopg

    return psycopg.connect(
        POSTGRES_URL.replace("postgresql+psycopg://", "postgresql://"), autocommit=True
    )


@contextmanager
def postgres_database() -> Iterator[str]:
    """A new, empty database, dropped afterwards."""
    name = f"crm_test_{uuid.uuid4().hex[:12]}"
    with _admin() as admin:
        admin.execute(f'CREATE DATABASE "{name}"')
    base, _, _ = POSTGRES_URL.rpartition("/")
    try:
        yield f"{base}/{name}"
    finally:
        with _admin() as admin:
            admin.execute(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')


# --- PostgreSQL databases, reused ---------------------------------------------------------------

# What a database's schema is, in one hash: tables, columns, indexes, triggers, functions and the
# revision. A test that changed any of it (a downgrade, a revision from the future) gives its
# database back unusable, and it is dropped instead of reused.
SCHEMA_FINGERPRINT = """
SELECT md5(string_agg(x, ',' ORDER BY x)) FROM (
  SELECT table_name || '.' || column_name || ':' || data_type || ':'
         || coalesce(column_default, '') || is_nullable
    FROM information_schema.columns WHERE table_schema = 'public'
  UNION ALL SELECT indexdef FROM pg_indexes WHERE schemaname = 'public'
  UNION ALL SELECT tgname || ' ON ' || tgrelid::regclass::text
    FROM pg_trigger WHERE NOT tgisinternal
  UNION ALL SELECT proname FROM pg_proc WHERE pronamespace = 'public'::regnamespace
  UNION ALL SELECT 'revision ' || version_num FROM alembic_version
) AS schema(x)
"""


class PostgresPool:
    """Databases copied from the migrated template, handed to one test at a time.

    CREATE DATABASE and DROP DATABASE cost about a second together on this machine, in half
    the tests. So a database is emptied after its test and handed to the next one: every
    connection to it ended, and the template's rows and sequences put back (`put_rows_back`;
    the migration writes some rows). DELETE, not TRUNCATE: a test leaves a few rows, and
    TRUNCATE makes new files for every table and index (0.3 s a test here; the DELETEs
    0.02 s). If its schema is no longer the template's, it is dropped.

    Its databases commit without waiting for the disk (`synchronous_commit = off`): what that
    risks is the server's own crash, which no test causes; crm's commits, rollbacks and
    locks behave the same, and a test's writes stop costing a flush each.
    """

    def __init__(self, template: str) -> None:
        self.template = template
        self.free: list[str] = []
        self.made: list[str] = []
        with self._connect(template) as connection:
            self.fingerprint = connection.execute(SCHEMA_FINGERPRINT).fetchone()[0]
            self.tables = [
                row[0]
                for row in connection.execute(
                    "SELECT tablename FROM pg_tables WHERE schemaname = 'public' "
                    "AND tablename <> 'alembic_version' ORDER BY tablename"
                )
            ]
            self.rows = read_rows(connection, self.tables)

    @staticmethod
    def _connect(name: str):  # type: ignore[no-untyped-def]
        import psycopg

        base = POSTGRES_URL.replace("postgresql+psycopg://", "postgresql://").rpartition("/")[0]
        return psycopg.connect(f"{base}/{name}", autocommit=True)

    @contextmanager
    def database(self) -> Iterator[str]:
        """The URL of a database at the current schema, empty, this block's alone."""
        name = self.take()
        try:
            yield POSTGRES_URL.rpartition("/")[0] + f"/{name}"
        finally:
            self.give_back(name)

    def take(self) -> str:
        if self.free:
            return self.free.pop()
        name = f"crm_test_{uuid.uuid4().hex[:12]}"
        with _admin() as admin:
            admin.execute(f'CREATE DATABASE "{name}" TEMPLATE "{self.template}"')
            admin.execute(f'ALTER DATABASE "{name}" SET synchronous_commit = off')
        self.made.append(name)
        return name

    def give_back(self, name: str) -> None:
        try:
            with self._connect(name) as connection:
                connection.execute(
                    "SELECT pg_terminate_backend(pid) FROM pg_stat_activity "
                    "WHERE datname = current_database() AND pid <> pg_backend_pid()"
                )
                if connection.execute(SCHEMA_FINGERPRINT).fetchone()[0] != self.fingerprint:
                    raise LookupError("the test changed the schema")
                put_rows_back(connection, self.rows)
        except Exception:
            self._drop(name)
            return
        self.free.append(name)

    def _drop(self, name: str) -> None:
        with _admin() as admin:
            admin.execute(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')
        self.made.remove(name)

    def close(self) -> None:
        for name in list(self.made):
            self._drop(name)


Rows = tuple[dict[str, list[tuple[object, ...]]], list[tuple[object, ...]]]


def read_rows(connection: Any, tables: list[str]) -> Rows:
    """Every row of every table (sorted: the order a table is read in is no part of what it
    holds), and where each sequence stands."""
    rows = {
        table: sorted(
            (tuple(row) for row in connection.execute(f'SELECT * FROM "{table}"')), key=repr
        )
        for table in tables
    }
    sequences = connection.execute(
        "SELECT schemaname || '.' || sequencename, coalesce(last_value, start_value), "
        "last_value IS NOT NULL FROM pg_sequences WHERE schemaname = 'public' ORDER BY 1"
    ).fetchall()
    return rows, [tuple(s) for s in sequences]


def put_rows_back(connection: Any, kept: Rows) -> None:
    """Make the database hold `kept` (read by `read_rows`), in one transaction. Triggers,
    foreign keys among them, are off meanwhile (`session_replication_role`), so the rows go
    in any order and the undo journal and the search index write nothing."""
    rows, sequences = kept
    with connection.transaction():
        connection.execute("SET LOCAL session_replication_role = replica")
        for table in rows:
            connection.execute(f'DELETE FROM "{table}"')
        for table, table_rows in rows.items():
            for row in table_rows:
                marks = ", ".join(["%s"] * len(row))
                connection.execute(f'INSERT INTO "{table}" VALUES ({marks})', row)
        for sequence, value, called in sequences:
            connection.execute("SELECT setval(%s, %s, %s)", (sequence, value, called))


# --- stories replayed ---------------------------------------------------------------------------


class Stories:
    """What each story (tests/helpers.py: acme_story, in ~500 tests) left in a database, kept
    per test process: its commands cost 0.2-0.5 s a test, a third of the README's run; putting
    back the rows they wrote costs milliseconds, and holds exactly what they wrote. Kept only
    for a story that began on a database as a fixture handed it out."""

    def __init__(self) -> None:
        self.left: dict[tuple[object, ...], object] = {}
        self.sqlite_template: bytes | None = None  # the migrated file, as `migrated_file` made it
        self.postgres: PostgresPool | None = None
        self.patches: pytest.MonkeyPatch | None = None  # the running test's

    def key(self, story: Callable[[Crm], None], place: Place | None) -> tuple[object, ...] | None:
        """What the story's rows depend on besides its commands: the clock, the time zone, the
        settings (every file in the crm home but the database); None when the test patched
        anything of Python's (what it patched may be what the story goes through)."""
        # MonkeyPatch keeps what setattr changed, to undo it, in `_setattr` (pytest's own
        # attribute: no public way asks whether a test patched anything yet)
        if place is None or (self.patches is not None and self.patches._setattr):
            return None
        environment = sorted(
            (name, value)
            for name, value in os.environ.items()
            if (name.startswith("CRM_") and name != "CRM_HOME") or name == "TZ"
        )
        where = (story.__module__, story.__qualname__, type(place).__name__)
        return (*where, *environment, self.home_files())

    @staticmethod
    def home_files() -> tuple[tuple[str, bytes], ...]:
        """Every file in the crm home but the database (config.toml, above all)."""
        home = Path(os.environ["CRM_HOME"])
        return tuple(
            sorted(
                (str(p.relative_to(home)), p.read_bytes())
                for p in (home.rglob("*") if home.is_dir() else [])
                if p.is_file() and not p.name.startswith("crm.db")
            )
        )


STORIES = Stories()


class Place(Protocol):
    """Where a Crm's database is, as `Crm.replay` needs it."""

    def handed_out(self) -> bool:
        """Still exactly as the fixture made it."""

    def keep(self) -> object:
        """What the database holds now, to put back later."""

    def put_back(self, kept: object) -> None:
        """Make the database hold what `keep` returned."""


@dataclass
class SqliteFile:
    path: Path

    def handed_out(self) -> bool:
        return (
            STORIES.sqlite_template is not None
            and not Path(f"{self.path}-wal").exists()
            and self.path.is_file()
            and self.path.read_bytes() == STORIES.sqlite_template
        )

    def keep(self) -> object:
        if Path(f"{self.path}-wal").exists():
            return None  # a connection left open: not a file one can copy
        return self.path.read_bytes()

    def put_back(self, kept: object) -> None:
        assert isinstance(kept, bytes)
        self.path.write_bytes(kept)


@dataclass
class PostgresDatabase:
    pool: PostgresPool
    name: str

    def handed_out(self) -> bool:
        with self.pool._connect(self.name) as connection:
            return read_rows(connection, self.pool.tables) == self.pool.rows

    def keep(self) -> object:
        with self.pool._connect(self.name) as connection:
            return read_rows(connection, self.pool.tables)

    def put_back(self, kept: object) -> None:
        with self.pool._connect(self.name) as connection:
            put_rows_back(connection, kept)  # type: ignore[arg-type]


def place_of(crm: Crm) -> Place | None:
    url = crm.url
    if url.startswith("sqlite:///"):
        return SqliteFile(Path(url[len("sqlite:///") :]))
    pool = STORIES.postgres
    server, _, name = url.rpartition("/")
    if pool is None or server != POSTGRES_URL.rpartition("/")[0] or name not in pool.made:
        return None  # not one of the pool's databases
    return PostgresDatabase(pool, name)


from tests.mailserver import mail_server  # noqa: E402, F401 (a fixture for every test module)
