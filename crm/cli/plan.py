"""`crm remind` and `crm daemon`: the follow-up plan, once or every day."""

from __future__ import annotations

import typer

from crm.cli.common import env
from crm.cli.env import Env


def remind(
    verbose: bool = typer.Option(False, "--verbose", "-v", help="List every change, not 20."),
) -> None:
    """Run the follow-up plan once, now, and say what it changed.

    Every command that changes something already runs it for what it changed; this brings the
    whole plan up to date (a new day, new settings), for cron and for checking.

    Example: crm remind --verbose
    """
    e = env()
    if not _nothing_new(e):
        e.bring_plan_up_to_date()
    result = e.plan_result
    if result is None or not result.changed:
        typer.echo("The plan is up to date: nothing new to do.")
        return
    from crm.cli.common import report_plan
    from crm.plain import plan_summary

    typer.echo(plan_summary(result))
    report_plan(most=None if verbose else REPORTED)


REPORTED = 20  # changes listed without --verbose


def _nothing_new(e: Env) -> bool:
    """On SQLite, tell without loading the plan that it is current."""
    from crm.db import sqlite_path
    from crm.lean import lean_reader

    path = sqlite_path(e.url)
    if path is None:
        return False
    with lean_reader(path, e.settings.plan_fingerprint(), e.today) as reader:
        return reader is not None


def daemon(
    every: int | None = typer.Option(
        None,
        "--every",
        metavar="SECONDS",
        min=1,
        max=366 * 24 * 3600,  # a year; APScheduler overflows on 10**20
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
