"""`crm remind` and `crm daemon`: the follow-up plan, once or every day."""

from __future__ import annotations

import typer

from crm.cli.common import env
from crm.cli.env import Env


def remind() -> None:
    """Run the follow-up plan once, now, and say what it made.

    Every command that changes something already runs it; this is for cron and for checking.

    Example: crm remind
    """
    e = env()
    if _nothing_new(e):
        e.out.print("The plan is up to date: nothing new to do.")
        return
    with e.writing():
        pass  # the plan runs as the write transaction ends
    result = e.plan_result
    assert result is not None
    if not (result.created or result.completed or result.moved or result.withdrawn):
        e.out.print("The plan is up to date: nothing new to do.")
        return
    from crm.cli.common import report_plan

    e.out.print(f"The plan made {len(result.created)} new task(s).")
    report_plan()


def _nothing_new(e: Env) -> bool:
    """On SQLite, tell without loading the plan that it already ran on exactly this data."""
    from crm.db import sqlite_path
    from crm.lean import lean_reader

    path = sqlite_path(e.url)
    if path is None:
        return False
    with lean_reader(path, e.settings.plan_fingerprint()) as reader:
        return reader is not None


def daemon(
    every: int | None = typer.Option(
        None,
        "--every",
        metavar="SECONDS",
        min=1,
        help="Run the plan every SECONDS instead of daily (for testing and soak runs).",
    ),
) -> None:
    """Run the plan now and then every day at remind_at (see crm config), in the foreground.

    Only one daemon runs per database. Stop it with Ctrl-C or SIGTERM.

    Example: crm daemon
    """
    from crm.scheduler import run_daemon

    e = env()
    e.database()  # migrate and report a bad database before anything is scheduled
    raise typer.Exit(run_daemon(e.url, e.settings, every))
