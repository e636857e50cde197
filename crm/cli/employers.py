"""`crm employer`: the organisations whose people you met."""

from __future__ import annotations

from shlex import quote

import typer

from crm.cli.common import EMPLOYER, JSON, confirmed, env, report_merge, report_plan
from crm.printable import one_line

app = typer.Typer(help="Add, list, show, edit and merge employers.", no_args_is_help=True)


@app.command("add")
def add(
    name: str = typer.Argument(..., metavar="NAME", help="The employer's name (unique, any case)."),
    website: str | None = typer.Option(None, "--website", metavar="URL"),
    careers_url: str | None = typer.Option(None, "--careers-url", metavar="URL"),
    notes: str | None = typer.Option(None, "--notes", metavar="TEXT"),
) -> None:
    """Add an employer.

    Example: crm employer add "Acme Robotics" --careers-url https://acme.example/jobs
    """
    from crm.services.employers import add_employer

    e = env()
    with e.writing() as session:
        employer = add_employer(
            session=session,
            now=e.now,
            name=name,
            website=website,
            careers_url=careers_url,
            notes=notes,
        )
    e.out.print(f"Added employer {employer.name} (#{employer.id}).")


@app.command("list")
def list_(json: bool = JSON) -> None:
    """List employers with how many people and jobs each has.

    Example: crm employer list
    """
    from crm.cli.shapes import employer_doc
    from crm.render import print_json, table
    from crm.services.employers import list_employers

    e = env()
    with e.reading() as session:
        rows = list_employers(session=session)
    zone = e.now.tzinfo
    if json:
        print_json(
            [dict(employer_doc(r.employer, zone), contacts=r.contacts, jobs=r.jobs) for r in rows]
        )
        return
    if not rows:
        e.out.print('No employers yet. Add one: crm employer add "Acme Robotics"')
        return
    grid = table("id", "employer", "people", "jobs", "careers page")
    for r in rows:
        grid.add_row(
            f"#{r.employer.id}",
            r.employer.name,
            str(r.contacts),
            str(r.jobs),
            r.employer.careers_url or "",
        )
    e.out.print(grid)


@app.command("show")
def show(name: str = EMPLOYER, json: bool = JSON) -> None:
    """Show an employer, its people and its jobs.

    Example: crm employer show acme
    """
    from rich.text import Text

    from crm.cli.shapes import contact_doc, employer_doc, job_doc
    from crm.render import human, print_json, table
    from crm.services.contacts import list_contacts
    from crm.services.jobs import list_jobs
    from crm.services.lookup import find_employer

    e = env()
    with e.reading() as session:
        employer = find_employer(session, name)
        people = list_contacts(session=session, now=e.now, plan=e.settings.plan, employer=employer)
        jobs = [r.job for r in list_jobs(session=session) if r.employer.id == employer.id]
    zone = e.now.tzinfo
    if json:
        doc = employer_doc(employer, zone)
        doc["contacts"] = [
            contact_doc(p.contact, employer, p.stage, p.relationship, zone, p.tags) for p in people
        ]
        doc["jobs"] = [job_doc(j, employer) for j in jobs]
        print_json(doc)
        return
    e.out.print(Text.assemble((one_line(employer.name), "bold"), f" (#{employer.id})"))
    for label, value in (
        ("website", employer.website),
        ("careers", employer.careers_url),
        ("notes", employer.notes),
    ):
        if value:
            e.out.print(f"  {label:<9}{value}")
    if jobs:
        grid = table("job", "status", "applied", "rejected", "rank", title="Jobs")
        for j in jobs:
            grid.add_row(
                j.title,
                j.status,
                str(j.applied_on or ""),
                str(j.rejected_on or ""),
                str(j.finalist_rank or ""),
            )
        e.out.print(grid)
    if people:
        grid = table("id", "name", "role", "stage", title="People")
        for p in people:
            grid.add_row(f"#{p.contact.id}", p.contact.name, human(p.contact.role), p.stage.value)
        e.out.print(grid)
    else:
        e.out.print(
            f"  Nobody yet. Add who you met: crm contact add NAME --employer {quote(employer.name)}"
        )


@app.command("edit")
def edit(
    name: str = EMPLOYER,
    new_name: str | None = typer.Option(None, "--name", help="A new name."),
    website: str | None = typer.Option(None, "--website", metavar="URL"),
    careers_url: str | None = typer.Option(None, "--careers-url", metavar="URL"),
    notes: str | None = typer.Option(None, "--notes", metavar="TEXT"),
) -> None:
    """Change an employer's name, website, careers page or notes ("" clears a field).

    Example: crm employer edit acme --careers-url https://acme.example/careers
    """
    from crm.errors import BadInput
    from crm.services.employers import edit_employer
    from crm.services.lookup import find_employer

    changes: dict[str, str | None] = {
        k: v
        for k, v in (
            ("name", new_name),
            ("website", website),
            ("careers_url", careers_url),
            ("notes", notes),
        )
        if v is not None
    }
    if not changes:
        raise BadInput("nothing to change; give --name, --website, --careers-url or --notes")
    e = env()
    with e.writing() as session:
        employer = edit_employer(
            session=session, employer=find_employer(session, name), changes=changes
        )
    e.out.print(f"Updated employer {employer.name} (#{employer.id}).")


@app.command("merge")
def merge(
    keep: str = typer.Argument(
        ...,
        metavar="KEEP",
        help="The employer to keep: name or #ID.",
        autocompletion=EMPLOYER.autocompletion,
    ),
    other: str = typer.Argument(
        ...,
        metavar="OTHER",
        help="The same employer recorded again: name or #ID.",
        autocompletion=EMPLOYER.autocompletion,
    ),
    yes: bool = typer.Option(False, "--yes", "-y", help="Do not ask (needed without a terminal)."),
) -> None:
    """Merge an employer recorded twice ("Acme" and "Acme, Inc."): OTHER's people, jobs, tasks
    and the fields KEEP lacks go to KEEP, then OTHER is deleted. Conflicting fields are listed.

    Example: crm employer merge Acme "Acme, Inc." --yes
    """
    from crm.services.lookup import find_employer
    from crm.services.merge import merge_employers, refuse_itself

    e = env()
    with e.reading() as session:
        kept, gone = find_employer(session, keep), find_employer(session, other)
    refuse_itself(kept, gone)
    if not confirmed(f"Merge {gone.name} (#{gone.id}) into {kept.name} (#{kept.id})", yes):
        return
    with e.writing() as session:
        merged = merge_employers(
            session=session,
            keep=find_employer(session, f"#{kept.id}"),
            other=find_employer(session, f"#{gone.id}"),
        )
    report_merge(merged, f"{kept.name} (#{kept.id})", "employer")
    report_plan()
