"""PostgreSQL: two commands adding the same new employer at once (issue #18, item 7).

Both find no "Acme", both insert it; the unique index makes the second wait for the first to
commit and then fail. The loser must see the winner's row (`contact add --employer`) or say,
in crm's words with status 5, that the employer exists (`employer add`), never the driver's
"duplicate key value violates unique constraint".
"""

from __future__ import annotations

import os
import subprocess
import sys
import time
from collections.abc import Iterator

import pytest

from tests.conftest import NO_POSTGRES, POSTGRES_URL, Crm, postgres_database

pytestmark = pytest.mark.slow


@pytest.fixture
def pg_url() -> Iterator[str]:
    if not POSTGRES_URL:
        pytest.skip(NO_POSTGRES)
    with postgres_database() as url:
        Crm(url)("employer", "list")  # migrated
        yield url


def crm_process(url: str, *args: str) -> subprocess.Popen[str]:
    env = dict(os.environ, CRM_NOW="2026-03-02T09:00:00+00:00")
    return subprocess.Popen(
        [sys.executable, "-m", "crm", "--db", url, *args],
        env=env,
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        text=True,
    )


def psycopg_connect(url: str):  # type: ignore[no-untyped-def]
    import psycopg

    return psycopg.connect(url.replace("postgresql+psycopg://", "postgresql://"))


def waiting_on_a_lock(admin, pid_of_ours: int) -> bool:  # type: ignore[no-untyped-def]
    """Whether some other backend waits for a lock our transaction holds."""
    query = "SELECT count(*) FROM pg_stat_activity WHERE %s = ANY(pg_blocking_pids(pid))"
    return admin.execute(query, (pid_of_ours,)).fetchone()[0] > 0


def race(url: str, argv: list[str], name: str) -> subprocess.CompletedProcess[str]:
    """Run crm while another transaction has inserted `name` and not yet committed: crm finds
    no such employer, inserts it, waits on the unique index; then the other commits."""
    with psycopg_connect(url) as other, psycopg_connect(url) as admin:
        admin.autocommit = True
        ours = other.info.backend_pid
        other.execute(
            "INSERT INTO employer (name, name_key, created_at) VALUES (%s, %s, now())",
            (name, name.casefold()),
        )
        process = crm_process(url, *argv)
        deadline = time.monotonic() + 60
        while not waiting_on_a_lock(admin, ours):
            assert process.poll() is None, process.communicate()
            assert time.monotonic() < deadline, "crm never reached the insert"
            time.sleep(0.05)
        other.commit()
        out, err = process.communicate(timeout=60)
    return subprocess.CompletedProcess(argv, process.returncode, out, err)


def test_employer_add_losing_a_race_says_so_in_crms_words(pg_url: str) -> None:
    done = race(pg_url, ["employer", "add", "Globex"], "Globex")
    assert done.returncode == 5, done
    assert done.stderr == "Error: there is already an employer named 'Globex' (#1)\n"


def test_contact_add_losing_a_race_takes_the_winners_employer(pg_url: str) -> None:
    done = race(pg_url, ["contact", "add", "Ann Lee", "--employer", "Globex"], "Globex")
    assert done.returncode == 0, done
    assert done.stdout.startswith("Added contact Ann Lee (#1) at Globex.")
    employers = Crm(pg_url).json("employer", "list")
    assert [e["name"] for e in employers] == ["Globex"]  # type: ignore[union-attr]


# names that resemble none of the others (a near miss is "did you mean ...?", not a new employer)
SIXTEEN = [
    "Acme", "Globex", "Initech", "Umbrella", "Hooli", "Vandelay", "Stark", "Wayne",
    "Wonka", "Cyberdyne", "Tyrell", "Soylent", "Gringotts", "Pixar", "Aperture", "Nakatomi",
]  # fmt: skip


def test_sixteen_pairs_at_once_never_show_a_database_error(pg_url: str) -> None:
    """The race as it happens: two processes started together, 16 times."""
    for n, name in enumerate(SIXTEEN):
        pair = [
            crm_process(pg_url, "employer", "add", name),
            crm_process(pg_url, "contact", "add", f"Person {n}", "--employer", name),
        ]
        results = [(p.wait(timeout=120), *p.communicate()) for p in pair]
        (add_status, _, add_err), (contact_status, _, contact_err) = results
        assert contact_status == 0, contact_err
        assert add_status in (0, 5), add_err
        if add_status == 5:
            assert add_err.startswith(f"Error: there is already an employer named '{name}'")
    names = [e["name"] for e in Crm(pg_url).json("employer", "list")]  # type: ignore[union-attr]
    assert sorted(names) == sorted(SIXTEEN)
