"""`crm contact`: the people you met, and where each relationship stands."""

from __future__ import annotations

from shlex import quote
from typing import TYPE_CHECKING

import typer

from crm.cli.common import CONTACT, JSON, confirmed, day, env, report_merge, report_plan

if TYPE_CHECKING:
    from crm.cli.env import Env

app = typer.Typer(help="Add, list, show, edit, merge and archive contacts.", no_args_is_help=True)

ROLE_HELP = "hiring manager, recruiter, interviewer, other; connection: imported, not met"
EVERY_HELP = "Keep in touch every 6w, 2m, 3m...; off: never; default: the plan's rhythm."
TAG_HELP = "A tag to file them under (repeat for several)."


@app.command("add")
def add(
    name: str = typer.Argument(..., metavar="NAME", help="The person's name."),
    employer: str | None = typer.Option(None, "--employer", metavar="NAME", help="Created if new."),
    role: str | None = typer.Option(None, "--role", metavar="TEXT", help=ROLE_HELP),
    email: str | None = typer.Option(None, "--email", metavar="E"),
    phone: str | None = typer.Option(None, "--phone", metavar="P"),
    linkedin: str | None = typer.Option(None, "--linkedin", metavar="URL"),
    notes: str | None = typer.Option(
        None, "--notes", metavar="TEXT", help="What you talked about."
    ),
    keep_in_touch: bool = typer.Option(
        True,
        "--keep-in-touch/--no-keep-in-touch",
        help="Whether you sincerely liked them: no reminders for people you did not.",
    ),
    every: str | None = typer.Option(None, "--every", metavar="6w|2m|3m|off", help=EVERY_HELP),
    tag: list[str] = typer.Option([], "--tag", metavar="T", help=TAG_HELP),
) -> None:
    """Add a person you met in a hiring process.

    Example: crm contact add "Dana Whitfield" --employer Acme --role "hiring manager"
    """
    from crm.services.contacts import add_contact

    e = env()
    with e.writing() as session:
        contact, found, created = add_contact(
            session=session,
            now=e.now,
            name=name,
            employer=employer,
            role=role,
            email=email,
            phone=phone,
            linkedin_url=linkedin,
            notes=notes,
            keep_in_touch=keep_in_touch,
            every=every,
            tags=tag,
        )
    if created and found:
        e.out.print(f"Added employer {found.name} (#{found.id}).")
    at = f" at {found.name}" if found else ""
    e.out.print(f"Added contact {contact.name} (#{contact.id}){at}.")
    report_plan()


@app.command("list")
def list_(
    employer: str | None = typer.Option(None, "--employer", metavar="NAME"),
    archived: bool = typer.Option(False, "--archived", help="Include archived contacts."),
    tag: str | None = typer.Option(None, "--tag", metavar="T", help="Only those with this tag."),
    json: bool = JSON,
) -> None:
    """List contacts with their employer, role and relationship stage.

    Example: crm contact list --employer acme
    """
    from crm.cli.shapes import contact_doc
    from crm.render import human, print_json, table
    from crm.services.contacts import list_contacts
    from crm.services.lookup import find_employer

    e = env()
    with e.reading() as session:
        only = find_employer(session, employer) if employer else None
        rows = list_contacts(
            session=session,
            now=e.now,
            plan=e.settings.plan,
            employer=only,
            include_archived=archived,
            tag=tag,
        )
    zone = e.now.tzinfo
    if json:
        print_json(
            [
                contact_doc(r.contact, r.employer, r.stage, r.relationship, zone, r.tags)
                for r in rows
            ]
        )
        return
    if not rows:
        if tag is not None:
            e.out.print(
                f"Nobody is tagged {tag.strip()!r}. Tag someone: crm contact edit NAME --tag T"
            )
        elif only is not None:
            e.out.print(f"Nobody at {only.name} yet. Add who you met there:")
            e.out.print(f"  crm contact add NAME --employer {quote(only.name)}", soft_wrap=True)
        elif archived or not _any_archived(e):
            e.out.print("No contacts yet. Add someone you met:")
            e.out.print('  crm contact add "Dana Whitfield" --employer Acme')
        else:
            e.out.print("No contacts but archived ones: crm contact list --archived")
        return
    grid = table("id", "name", "employer", "role", "stage")
    for r in rows:
        name = r.contact.name + ("" if r.contact.keep_in_touch else " (no reminders)")
        grid.add_row(
            f"#{r.contact.id}",
            name,
            r.employer.name if r.employer else "",
            human(r.contact.role),
            r.stage.value,
        )
    e.out.print(grid)


def _any_archived(e: Env) -> bool:
    from sqlmodel import col, func, select

    from crm.models import Contact

    with e.reading() as session:
        query = select(func.count()).where(col(Contact.archived_at).is_not(None))
        return session.exec(query).one() > 0


@app.command("show")
def show(name: str = CONTACT, json: bool = JSON) -> None:
    """Show a contact: details, stage, open tasks and the timeline of touchpoints.

    Example: crm contact show dana
    """
    from crm.cli.contact_view import show_contact

    show_contact(env(), name, json=json)


@app.command("edit")
def edit(
    name: str = CONTACT,
    new_name: str | None = typer.Option(None, "--name", help="A new name."),
    employer: str | None = typer.Option(None, "--employer", metavar="NAME"),
    role: str | None = typer.Option(None, "--role", metavar="TEXT", help=ROLE_HELP),
    position: str | None = typer.Option(
        None, "--position", metavar="TEXT", help="Their job title."
    ),
    since: str | None = typer.Option(
        None,
        "--since",
        metavar="DATE",
        help="They moved to the new --employer or --position that day: kept in their history "
        "(without it, an edit corrects what was recorded).",
    ),
    email: str | None = typer.Option(None, "--email", metavar="E"),
    phone: str | None = typer.Option(None, "--phone", metavar="P"),
    linkedin: str | None = typer.Option(None, "--linkedin", metavar="URL"),
    notes: str | None = typer.Option(None, "--notes", metavar="TEXT"),
    keep_in_touch: bool | None = typer.Option(None, "--keep-in-touch/--no-keep-in-touch"),
    every: str | None = typer.Option(None, "--every", metavar="6w|2m|3m|off", help=EVERY_HELP),
    tag: list[str] = typer.Option([], "--tag", metavar="T", help=TAG_HELP),
    untag: list[str] = typer.Option([], "--untag", metavar="T", help="A tag to take off."),
) -> None:
    """Change a contact's details ("" clears a text field).

    Example: crm contact edit dana --email dana@acme.example --no-keep-in-touch

    Example: crm contact edit dana --employer Globex --position "VP Data" --since 2026-04-02

    Example: crm contact edit dana --every 6w --tag robotics --untag recruiter
    """
    from crm.errors import BadInput
    from crm.services.contacts import edit_contact
    from crm.services.lookup import find_contact

    given: dict[str, object] = {
        "name": new_name,
        "employer": employer,
        "role": role,
        "position": position,
        "email": email,
        "phone": phone,
        "linkedin_url": linkedin,
        "notes": notes,
        "keep_in_touch": keep_in_touch,
        "every": every,
        "tags": tag or None,
        "untag": untag or None,
    }
    changes = {k: v for k, v in given.items() if v is not None}
    if not changes:
        raise BadInput("nothing to change; see crm contact edit --help")
    e = env()
    with e.writing() as session:
        contact = edit_contact(
            session=session,
            now=e.now,
            contact=find_contact(session, name),
            changes=changes,
            moved_on=day(since, past=True),
        )
    e.out.print(f"Updated contact {contact.name} (#{contact.id}).")
    report_plan()


@app.command("archive")
def archive(name: str = CONTACT) -> None:
    """Archive a contact: kept in the history, out of lists and reminders.

    Example: crm contact archive "#7"
    """
    from crm.services.contacts import archive_contact
    from crm.services.lookup import find_contact

    e = env()
    with e.writing() as session:
        contact = archive_contact(session=session, now=e.now, contact=find_contact(session, name))
    e.out.print(f"Archived contact {contact.name} (#{contact.id}).")
    report_plan()


@app.command("merge")
def merge(
    keep: str = typer.Argument(
        ...,
        metavar="KEEP",
        help="The record to keep: name or #ID.",
        autocompletion=CONTACT.autocompletion,
    ),
    other: str = typer.Argument(
        ...,
        metavar="OTHER",
        help="The same person recorded again: name or #ID.",
        autocompletion=CONTACT.autocompletion,
    ),
    yes: bool = typer.Option(False, "--yes", "-y", help="Do not ask (needed without a terminal)."),
) -> None:
    """Merge a person recorded twice: OTHER's touchpoints, tasks, employment history and the
    fields KEEP lacks go to KEEP, then OTHER is deleted. Conflicting fields are listed.

    Example: crm contact merge "Dana Whitfield" "#12" --yes
    """
    from crm.services.lookup import find_contact
    from crm.services.merge import merge_contacts, refuse_itself

    e = env()
    with e.reading() as session:
        kept, gone = find_contact(session, keep), find_contact(session, other)
    refuse_itself(kept, gone)
    if not confirmed(f"Merge {gone.name} (#{gone.id}) into {kept.name} (#{kept.id})", yes):
        return
    with e.writing() as session:
        merged = merge_contacts(
            session=session,
            keep=find_contact(session, f"#{kept.id}"),
            other=find_contact(session, f"#{gone.id}"),
        )
    report_merge(merged, f"{kept.name} (#{kept.id})", "contact")
    report_plan()
