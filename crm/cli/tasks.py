"""`crm task`: the reminders, and the user's own to-dos."""

from __future__ import annotations

import typer

from crm.cli.common import DATE_HELP, JSON, day, env, report_plan

TASK_ID = typer.Argument(
    ..., metavar="ID", help="The task's number as crm today and crm task list show it: 12 or #12."
)

app = typer.Typer(
    help="List, add, finish, skip, snooze, reopen and edit tasks.", no_args_is_help=True
)


@app.command("list")
def list_(
    all_: bool = typer.Option(False, "--all", help="Include done and skipped tasks."),
    json: bool = JSON,
) -> None:
    """List open tasks by due date (--all: every task).

    Example: crm task list --all
    """
    from crm.cli.task_list_view import show_task_list

    show_task_list(env(), all_=all_, json=json)


@app.command("add")
def add(
    title: str = typer.Argument(..., metavar="TITLE", help="What to do."),
    contact: str | None = typer.Option(None, "--contact", metavar="C", help="Name or #ID."),
    due: str = typer.Option("today", "--due", metavar="DATE", help=DATE_HELP),
) -> None:
    """Add a task of your own.

    Example: crm task add "Send Dana the article on robotics hiring" --contact dana --due friday
    """
    from crm.services.lookup import find_contact
    from crm.services.tasks import add_task

    e = env()
    due_on = day(due)
    assert due_on is not None
    with e.writing() as session:
        who = find_contact(session, contact) if contact else None
        task = add_task(session=session, now=e.now, title=title, due=due_on, contact=who)
    e.out.print(f"Added task #{task.id}: {task.title} (due {task.due}).")


def _finish(task_id: str, status: str) -> None:
    from crm.cli.record_view import finish_as_typed

    finish_as_typed(env(), task_id, status)


@app.command("done")
def done(task_id: str = TASK_ID) -> None:
    """Mark a task done (a thank-you, LinkedIn or interview task also logs that touch).

    Example: crm task done 12
    """
    _finish(task_id, "done")


@app.command("skip")
def skip(task_id: str = TASK_ID) -> None:
    """Skip a task: it will not come back (a skipped nurture gives way to the next period's).

    Example: crm task skip 12
    """
    _finish(task_id, "skipped")


@app.command("snooze")
def snooze(
    task_id: str = TASK_ID,
    until: str = typer.Option(..., "--until", metavar="DATE", help=DATE_HELP),
) -> None:
    """Move a task to a later day.

    Example: crm task snooze 12 --until monday
    """
    from crm.services.tasks import parse_task_id, snooze_task

    e = env()
    number = parse_task_id(task_id)
    until_day = day(until)
    assert until_day is not None
    with e.writing() as session:
        task = snooze_task(session=session, now=e.now, task_id=number, until=until_day)
    from crm.render import day_words

    e.out.print(f"Snoozed #{task.id} {task.title} until {day_words(task.due, e.today)}.")


@app.command("reopen")
def reopen(task_id: str = TASK_ID) -> None:
    """Open a done or skipped task again, as if it had never been closed (the touch a
    `crm task done` logged for it is deleted).

    Example: crm task reopen 12
    """
    from crm.errors import Conflict
    from crm.services.plan import PlanResult
    from crm.services.tasks import parse_task_id, reopen_task

    e = env()
    number = parse_task_id(task_id)

    def stays_open(result: PlanResult) -> None:
        if any(t.id == number for t in (*result.completed, *result.withdrawn)):
            raise Conflict(
                f"task #{number} is answered by what is recorded (a touchpoint, or a contact "
                "not kept in touch); crm contact show lists the touchpoints: delete or edit "
                "the one that answers it"
            )

    with e.writing(check=stays_open) as session:
        task, touch = reopen_task(session=session, task_id=number)
    e.out.print(f"Reopened #{task.id} {task.title} (due {task.due:%a %d %b}).")
    if touch is not None:
        e.out.print(f"  - touchpoint #{touch.id} ({touch.kind}) deleted: it was the task's")
    report_plan()


@app.command("edit")
def edit(
    task_id: str = TASK_ID,
    title: str | None = typer.Option(None, "--title", metavar="TEXT", help="What to do."),
    due: str | None = typer.Option(None, "--due", metavar="DATE", help=DATE_HELP),
) -> None:
    """Change a task's title or due date.

    Example: crm task edit 12 --due friday --title "Call Dana about the robotics team"
    """
    from crm.errors import BadInput
    from crm.services.tasks import edit_task, parse_task_id

    if title is None and due is None:
        raise BadInput("nothing to change; give --title or --due")
    e = env()
    number = parse_task_id(task_id)
    due_on = day(due)
    with e.writing() as session:
        task = edit_task(session=session, task_id=number, title=title, due=due_on)
    e.out.print(f"Updated #{task.id} {task.title} (due {task.due:%a %d %b %Y}).")
    report_plan()
