"""`crm undo`: take back the last record-keeping command."""

from __future__ import annotations

from typing import TYPE_CHECKING

import typer

from crm.cli.common import JSON, env

if TYPE_CHECKING:
    from crm.services.undo import Undone


def undo(
    list_: bool = typer.Option(False, "--list", help="Show what would be undone; change nothing."),
    json: bool = JSON,
) -> None:
    """Take back the last command that recorded something.

    Everything it changed is put back exactly as it was, the tasks the plan made or closed
    because of it included. One level: a log, a task done, skipped, snoozed or reopened, an
    add, an edit, a merge, a deletion, an import. Refused, with the reason, when anything
    changed since (another crm, the daemon).

    Example: crm undo --list
    """
    from crm.services.undo import last_command, undo_last

    e = env()
    if list_:
        with e.reading() as session:
            undone = last_command(session=session)
    else:
        from crm.services import plan

        with e.database().session(write=True) as session:
            undone = undo_last(session=session)
            # The journal puts back the rows, the plan's tasks with them, but not what the plan
            # keeps of its own (the reply tallies): the plan runs again over what is back, as
            # the first command after the undo would, and the database is current when it ends.
            plan.follow_up_plan(
                session=session,
                now=e.now,
                plan=e.settings.plan,
                fingerprint=e.settings.plan_fingerprint(),
            )
    if json:
        from crm.render import print_json

        print_json(
            {
                "command": undone.label,
                "done_at": undone.done_at.astimezone(e.now.tzinfo),
                "undone": not list_,
                "effects": [
                    {"effect": x.verb, "table": x.table, "ids": x.ids} for x in undone.effects
                ],
            }
        )
        return
    head = "Would undo" if list_ else "Undid"
    e.out.print(f"{head} `{undone.label}` ({_when(undone)}):", soft_wrap=True)
    for line in _effect_lines(undone):
        e.out.print(f"  {line}", soft_wrap=True)


def _when(undone: Undone) -> str:
    from crm.render import short_moment

    return short_moment(undone.done_at, env().now.tzinfo)


def _effect_lines(undone: Undone) -> list[str]:
    lines = []
    for effect in undone.effects:
        ids = ", ".join(f"#{i}" for i in effect.ids[:10])
        more = f" and {len(effect.ids) - 10} more" if len(effect.ids) > 10 else ""
        plural = "" if len(effect.ids) == 1 else "s"
        lines.append(f"{effect.verb} {len(effect.ids)} {effect.table}{plural}: {ids}{more}")
    return lines
