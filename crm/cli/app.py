"""The root command: global options, error handling, and the command groups."""

from __future__ import annotations

from typing import Any

import typer
from typer._click import ClickException
from typer.core import TyperGroup

from crm import __version__
from crm.cli import (
    config,
    contacts,
    db,
    demo,
    draft,
    employers,
    jobs,
    log,
    notify,
    plan,
    review,
    search,
    tasks,
    today,
    touches,
    transfer,
    undo,
)
from crm.cli.common import start
from crm.cli.env import Env, error_line
from crm.errors import CrmError

ORDER = [
    "today", "log", "task", "touch", "undo", "contact", "employer", "job", "search", "draft",
    "review", "remind", "daemon", "notify", "import", "export", "calendar", "backup", "demo",
    "config", "db",
]  # fmt: skip


def _printable(error: ClickException) -> ClickException:
    """A usage error (an unknown option, a bad value) with what was typed shown escaped."""
    from crm.printable import printable

    error.message = printable(error.message)
    return error


class CrmGroup(TyperGroup):
    """Turns the errors users can cause into one line on stderr and their exit status."""

    def parse_args(self, ctx: Any, args: list[str]) -> list[str]:
        try:
            return super().parse_args(ctx, args)
        except ClickException as error:
            raise _printable(error) from None

    def invoke(self, ctx: Any) -> Any:
        try:
            return super().invoke(ctx)
        except ClickException as error:  # click's usage errors repeat what was typed
            raise _printable(error) from None
        except CrmError as error:
            typer.echo(error_line(error, ctx.obj if isinstance(ctx.obj, Env) else None), err=True)
            raise typer.Exit(int(error.exit_status)) from None
        finally:
            if isinstance(ctx.obj, Env):
                ctx.obj.close()

    def _main_shell_completion(self, *args: Any, **kwargs: Any) -> None:
        from crm.cli.complete import install_shell_classes

        install_shell_classes()  # after Typer registered its own: crm's replace them
        super()._main_shell_completion(*args, **kwargs)

    def make_context(self, info_name: Any, args: Any, parent: Any = None, **extra: Any) -> Any:
        from crm.cli.env import typed

        typed(list(args))  # `crm undo` names the command it takes back as it was typed
        return super().make_context(info_name, args, parent, **extra)

    def list_commands(self, ctx: Any) -> list[str]:
        # the order of a day's work, not the alphabet's
        known = [name for name in ORDER if name in self.commands]
        return known + [name for name in self.commands if name not in known]


app = typer.Typer(
    cls=CrmGroup,
    name="crm",
    help="Keep the follow-ups after a job rejection: thank-yous, LinkedIn, informational "
    "interviews, and a monthly note to the people you liked.",
    no_args_is_help=True,
    rich_markup_mode=None,
    add_completion=True,
    context_settings={"help_option_names": ["-h", "--help"]},
    pretty_exceptions_enable=False,
)


def _version(value: bool) -> None:
    if value:
        typer.echo(f"crm {__version__}")
        raise typer.Exit()


@app.callback()
def root(
    ctx: typer.Context,
    db: str | None = typer.Option(
        None,
        "--db",
        metavar="PATH_OR_URL",
        help="Database file or SQLAlchemy URL (default: $CRM_DATABASE, else crm.db in the "
        "data folder).",
    ),
    version: bool = typer.Option(
        False, "--version", callback=_version, is_eager=True, help="Show the version and exit."
    ),
) -> None:
    ctx.obj = start(db)


app.command("today")(today.today)
app.command("review")(review.review)
app.add_typer(employers.app, name="employer")
app.add_typer(contacts.app, name="contact")
app.add_typer(jobs.app, name="job")
app.command("log")(log.log)
app.add_typer(touches.app, name="touch")
app.command("undo")(undo.undo)
app.command("search")(search.search)
app.command("draft")(draft.draft)
app.add_typer(tasks.app, name="task")
app.command("remind")(plan.remind)
app.add_typer(plan.daemon_app, name="daemon")
app.add_typer(notify.app, name="notify")
app.add_typer(transfer.imports, name="import")
app.command("export")(transfer.export)
app.command("calendar")(transfer.calendar)
app.command("backup")(transfer.backup)
app.command("config")(config.config)
app.command("demo")(demo.demo)
app.add_typer(db.app, name="db")
