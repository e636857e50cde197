"""`crm job`: hiring processes, and the rejection that starts the follow-up plan."""

from __future__ import annotations

from shlex import quote

import typer

from crm.cli.common import DATE_HELP, EMPLOYER, EMPLOYER_OR_NEW, JSON, day, env, report_plan

app = typer.Typer(help="Add jobs, record a rejection, list jobs.", no_args_is_help=True)


@app.command("add")
def add(
    employer: str = EMPLOYER_OR_NEW,
    title: str = typer.Option(..., "--title", metavar="TITLE", help="The job's title."),
    applied: str | None = typer.Option(None, "--applied", metavar="DATE", help=DATE_HELP),
    url: str | None = typer.Option(None, "--url", metavar="URL", help="The posting."),
) -> None:
    """Add a job you applied for.

    Example: crm job add Acme --title "Data Analyst" --applied 2026-10-01
    """
    from crm.services.jobs import add_job

    e = env()
    applied_on = day(applied, past=True)
    with e.writing() as session:
        job, found, created = add_job(
            session=session,
            now=e.now,
            employer=employer,
            title=title,
            applied_on=applied_on,
            url=url,
        )
    if created:
        e.out.print(f"Added employer {found.name} (#{found.id}).")
    e.out.print(f"Added job {job.title!r} at {found.name} (#{job.id}).")
    report_plan()


@app.command("reject")
def reject(
    employer: str = EMPLOYER,
    title: str | None = typer.Option(
        None, "--title", metavar="TITLE", help="Which job, if several."
    ),
    on: str = typer.Option("today", "--on", metavar="DATE", help=DATE_HELP),
    rank: int | None = typer.Option(
        None, "--rank", metavar="N", help="Your place: 2 if you were number 2."
    ),
) -> None:
    """Record a rejection: thank-you tasks for everyone you met there follow.

    Example: crm job reject Acme --rank 2 --on yesterday
    """

    from crm.services.jobs import reject_job

    e = env()
    rejected_on = day(on, past=True)
    assert rejected_on is not None
    with e.writing() as session:
        job, found = reject_job(
            session=session, now=e.now, employer=employer, title=title, on=rejected_on, rank=rank
        )
    place = f", you were number {job.finalist_rank}" if job.finalist_rank else ""
    e.out.print(f"Rejected: {job.title} at {found.name} ({job.rejected_on}{place}).")
    why = e.plan_result.unthanked.get(job.id or 0) if e.plan_result else None
    if why == "nobody met":
        e.out.print("  Nobody to thank yet. Add each person you met there:")
        e.out.print(f"    crm contact add NAME --employer {quote(found.name)}", soft_wrap=True)
    elif why == "too late":
        days = (e.today - rejected_on).days
        late = e.settings.plan.thank_you_expires_days + e.settings.plan.thank_you_after_days
        e.out.print(f"  No thank-you tasks: the rejection was {days} days ago (a thank-you is")
        e.out.print(f"  asked for within {late} days). A late note can still help: crm draft NAME")
    report_plan()


@app.command("list")
def list_(json: bool = JSON) -> None:
    """List jobs with their status.

    Example: crm job list --json
    """
    from crm.cli.shapes import job_doc
    from crm.render import print_json, table
    from crm.services.jobs import list_jobs

    e = env()
    with e.reading() as session:
        rows = list_jobs(session=session)
    if json:
        print_json([job_doc(r.job, r.employer) for r in rows])
        return
    if not rows:
        e.out.print('No jobs yet. Add one: crm job add Acme --title "Data Analyst"')
        return
    grid = table("id", "employer", "job", "status", "applied", "rejected", "rank")
    for r in rows:
        j = r.job
        grid.add_row(
            f"#{j.id}",
            r.employer.name,
            j.title,
            j.status,
            str(j.applied_on or ""),
            str(j.rejected_on or ""),
            str(j.finalist_rank or ""),
        )
    e.out.print(grid)
