"""`crm remind` and `crm daemon`: the follow-up plan, once or every day."""

from __future__ import annotations

import typer

from crm.cli.common import env


def remind(
    verbose: bool = typer.Option(False, "--verbose", "-v", help="List every change, not 20."),
    notify: bool = typer.Option(
        False,
        "--notify",
        help="Then send the daily digest (and the weekly review) if due and not yet sent.",
    ),
) -> None:
    """Run the follow-up plan once, now, and say what it changed.

    Every command that changes something already runs it for what it changed; this brings the
    whole plan up to date (a new day, new settings), for cron and for checking. With --notify,
    the digest goes out by the channels in config.toml once digest_at has passed, at most once
    a day whoever else (a daemon) sends it.

    Example: crm remind --notify
    """
    from crm.cli.remind_view import remind as run_remind

    e = env()
    run_remind(e, verbose=verbose)
    if notify:
        from crm.notify import deliver_due

        failed = 0
        for outcome in deliver_due(e.database(), e.settings, e.now):
            e.out.print(str(outcome), soft_wrap=True)
            failed += not outcome.sent and "will retry" in outcome.why
        if failed:
            raise typer.Exit(1)


daemon_app = typer.Typer(invoke_without_command=True)


@daemon_app.callback()
def daemon(
    ctx: typer.Context,
    every: int | None = typer.Option(
        None,
        "--every",
        metavar="SECONDS",
        min=1,
        max=366 * 24 * 3600,  # a year; APScheduler overflows on 10**20
        help="Run the plan every SECONDS instead of daily (for testing and soak runs).",
    ),
) -> None:
    """Run the plan now and every day at remind_at, and deliver the digest at digest_at, in
    the foreground.

    Only one daemon runs per database. Stop it with Ctrl-C or SIGTERM. `crm daemon install`
    makes the system start it at login.

    Example: crm daemon
    """
    if ctx.invoked_subcommand is not None:
        return
    from crm.scheduler import run_daemon

    e = env()
    e.database()  # migrate and report a bad database before anything is scheduled
    raise typer.Exit(run_daemon(e.url, e.settings, every))


DRY_RUN = typer.Option(False, "--dry-run", help="Print what would be done; change nothing.")


@daemon_app.command("install")
def install(dry_run: bool = DRY_RUN) -> None:
    """Write the systemd user unit (Linux) or launchd agent (macOS) that runs crm daemon.

    It runs this crm, on the database this command would use. Prints the one command that
    starts it now and at every login.

    Example: crm daemon install --dry-run
    """
    from crm.private_files import output_file, write_private
    from crm.service_files import service_file

    e = env()
    made = service_file(db=e.db_arg)
    if dry_run:
        e.out.print(f"# {made.path}", soft_wrap=True, highlight=False)
        e.out.print(made.text.rstrip("\n"), soft_wrap=True, highlight=False)
        return
    made.path.parent.mkdir(parents=True, exist_ok=True)
    replaced = made.path.exists()
    write_private(output_file(made.path, default_name=made.path.name), made.text.encode())
    e.out.print(f"{'Replaced' if replaced else 'Wrote'} {made.path}.", soft_wrap=True)
    e.out.print(f"Start it now and at every login: {made.enable}", soft_wrap=True)


@daemon_app.command("uninstall")
def uninstall(dry_run: bool = DRY_RUN) -> None:
    """Remove the file crm daemon install wrote (stop the service first: the command is shown).

    Example: crm daemon uninstall
    """
    from crm.errors import NotFound
    from crm.service_files import service_file

    e = env()
    made = service_file(db=e.db_arg)
    if not made.path.exists():
        raise NotFound(f"no crm daemon is installed: {made.path} does not exist")
    if dry_run:
        e.out.print(f"Would remove {made.path}.", soft_wrap=True)
        return
    e.out.print(f"Stop it first, if it runs: {made.disable}", soft_wrap=True)
    made.path.unlink()
    e.out.print(f"Removed {made.path}.", soft_wrap=True)
