"""`crm job`: hiring processes, their moves through the pipeline, and the rejection that starts
the follow-up plan."""

from __future__ import annotations

from datetime import date
from shlex import quote
from typing import TYPE_CHECKING

import typer

from crm.cli.common import DATE_HELP, EMPLOYER, EMPLOYER_OR_NEW, JSON, day, env, report_plan

if TYPE_CHECKING:
    from rich.table import Table

    from crm.services.jobs import Board

app = typer.Typer(
    help="Add jobs, move them through the pipeline, record a rejection, list and show jobs.",
    no_args_is_help=True,
)

STATUSES = "saved applied screening interviewing offer accepted rejected withdrawn"
JOB = typer.Argument(
    ...,
    metavar="EMPLOYER|#ID",
    help="The employer's name (its only job in progress) or the job's #ID.",
)


@app.command("add")
def add(
    employer: str = EMPLOYER_OR_NEW,
    title: str = typer.Option(..., "--title", metavar="TITLE", help="The job's title."),
    applied: str | None = typer.Option(None, "--applied", metavar="DATE", help=DATE_HELP),
    url: str | None = typer.Option(None, "--url", metavar="URL", help="The posting."),
    status: str = typer.Option(
        "applied", "--status", metavar="S", help="saved (not applied yet) or applied..."
    ),
) -> None:
    """Add a job you applied for (or saved, to apply later).

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
            status=status,
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
    elif why == "not kept in touch":
        e.out.print("  No thank-you tasks: nobody you met there is kept in touch (added with")
        e.out.print("  --no-keep-in-touch, archived, or an imported connection). To thank one:")
        e.out.print("    crm contact edit NAME --keep-in-touch   (a connection: --role too)")
    elif why == "too late":
        days = (e.today - rejected_on).days
        late = e.settings.plan.thank_you_expires_days + e.settings.plan.thank_you_after_days
        e.out.print(f"  No thank-you tasks: the rejection was {days} days ago (a thank-you is")
        e.out.print(f"  asked for within {late} days). A late note can still help: crm draft NAME")
    report_plan()


@app.command("move")
def move(
    job: str = JOB,
    status: str = typer.Argument(..., metavar="STATUS", help=STATUSES),
    on: str = typer.Option("today", "--on", metavar="DATE", help=DATE_HELP),
    title: str | None = typer.Option(
        None, "--title", metavar="T", help="Which of the employer's jobs, if several."
    ),
    deadline: str | None = typer.Option(
        None, "--deadline", metavar="DATE", help="An offer's answer-by date: a reminder before."
    ),
) -> None:
    """Move a job to another status of the pipeline, dated; every move is kept.

    Example: crm job move Acme interviewing --on 2026-10-14
    """
    from crm.models import Employer
    from crm.services.jobs import find_job, move_job

    e = env()
    moved_on = day(on, past=True)
    answer_by = day(deadline)
    assert moved_on is not None
    with e.writing() as session:
        found = find_job(session, job, title=title, active=True)
        done = move_job(
            session=session, now=e.now, job=found, status=status, on=moved_on, deadline=answer_by
        )
        employer = session.get(Employer, found.employer_id)
        assert employer is not None
    by = f", answer by {done.deadline}" if done.deadline else ""
    what = f"{found.title!r} at {employer.name} (#{found.id})"
    e.out.print(f"Moved {what} to {done.status} on {done.moved_on}{by}.")
    report_plan()


@app.command("list")
def list_(
    status: str | None = typer.Option(None, "--status", metavar="S", help=STATUSES),
    json: bool = JSON,
) -> None:
    """List jobs with their status.

    Example: crm job list --status interviewing
    """
    from crm.cli.shapes import job_doc
    from crm.render import print_json, table
    from crm.services.jobs import list_jobs

    e = env()
    with e.reading() as session:
        rows = list_jobs(session=session, status=status)
    if json:
        print_json([job_doc(r.job, r.employer) for r in rows])
        return
    if not rows:
        if status:
            e.out.print(f"No job is {status}. All jobs: crm job list")
        else:
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


@app.command("edit")
def edit(
    job: str = typer.Argument(
        ..., metavar="EMPLOYER|#ID", help="The employer (if it has one job) or the job's #ID."
    ),
    title: str | None = typer.Option(None, "--title", metavar="TITLE", help="The job's title."),
    url: str | None = typer.Option(None, "--url", metavar="URL", help='The posting ("" clears).'),
    applied: str | None = typer.Option(None, "--applied", metavar="DATE", help=DATE_HELP),
    rank: int | None = typer.Option(
        None, "--rank", metavar="N", help="Your place among the finalists: 2 if number 2."
    ),
) -> None:
    """Correct a job: its title, posting URL, application day or finalist rank.

    Example: crm job edit "#3" --title "Senior Data Analyst" --applied 2026-01-12
    """
    from crm.errors import BadInput
    from crm.services.jobs import edit_job, find_job

    if title is None and url is None and applied is None and rank is None:
        raise BadInput("nothing to change; give --title, --url, --applied or --rank")
    e = env()
    applied_on = day(applied, past=True)
    with e.writing() as session:
        found = edit_job(
            session=session,
            job=find_job(session, job),
            title=title,
            url=url,
            applied_on=applied_on,
            rank=rank,
        )
    e.out.print(f"Updated job #{found.id} {found.title!r}.")
    report_plan()


@app.command("show")
def show(
    job: str = JOB,
    title: str | None = typer.Option(
        None, "--title", metavar="T", help="Which of the employer's jobs, if several."
    ),
    json: bool = JSON,
) -> None:
    """Show a job: its moves through the pipeline, the people met and the touchpoints.

    Example: crm job show "#3"
    """
    from rich.text import Text

    from crm.cli.shapes import job_doc, touch_doc
    from crm.render import human, print_json, short_moment, table
    from crm.services.jobs import find_job, job_details

    e = env()
    with e.reading() as session:
        d = job_details(session=session, now=e.now, job=find_job(session, job, title=title))
    zone = e.now.tzinfo
    if json:
        doc = job_doc(d.job, d.employer)
        doc["offer_deadline"] = d.offer_deadline
        doc["moves"] = [
            {"status": m.status, "on": m.moved_on, "deadline": m.deadline} for m in d.moves
        ]
        doc["people"] = [
            {"id": c.id, "name": c.name, "role": c.role, "position": c.position} for c in d.people
        ]
        doc["touchpoints"] = [
            dict(touch_doc(t, zone), contact=c.name, job_id=t.job_id) for t, c in d.touches
        ]
        print_json(doc)
        return
    j = d.job
    e.out.print(
        Text.assemble((f"{j.title} at {d.employer.name}", "bold"), f" (#{j.id}) · {j.status}")
    )
    facts = [
        ("posting", j.url),
        ("rank", f"you were number {j.finalist_rank}" if j.finalist_rank else None),
        (
            "deadline",
            f"answer the offer by {d.offer_deadline}"
            if d.offer_deadline and j.status == "offer"
            else None,
        ),
    ]
    for label, value in facts:
        if value:
            e.out.print(f"  {label:<10}{value}")
    grid = table("on", "status", title="Moves")
    for m in d.moves:
        grid.add_row(
            f"{m.moved_on:%a %d %b %Y}",
            m.status + (f" (answer by {m.deadline})" if m.deadline else ""),
        )
    e.out.print(grid)
    if d.people:
        grid = table("id", "name", "role", title="People met")
        for c in d.people:
            grid.add_row(f"#{c.id}", c.name, human(c.role))
        e.out.print(grid)
    else:
        e.out.print(
            f'  Nobody met yet. Add them: crm contact add NAME --employer "{d.employer.name}"',
            soft_wrap=True,
        )
    if d.touches:
        grid = table("when", "", "who", "kind", "summary", title="Touchpoints")
        for t, c in d.touches:
            arrow = "←" if t.direction == "in" else "→"
            grid.add_row(short_moment(t.happened_at, zone), arrow, c.name, t.kind, t.summary or "")
        e.out.print(grid)


@app.command("board")
def board(json: bool = JSON) -> None:
    """The jobs in progress as a board: one column per status, longest waiting on top.

    Example: crm job board
    """
    from crm.services.jobs import job_board

    e = env()
    with e.reading() as session:
        b = job_board(session=session)
    if json:
        from crm.cli.shapes import job_doc
        from crm.render import print_json

        columns = {
            status: [
                {**job_doc(c.job, c.employer), "since": c.since, "deadline": c.deadline}
                for c in cards
            ]
            for status, cards in b.columns.items()
        }
        print_json({"columns": columns, "closed": b.closed})
        return
    if not any(b.columns.values()):
        e.out.print('No job in progress. Add one: crm job add Acme --title "Data Analyst"')
    else:
        e.out.print(_board_grid(b, e.today, e.out.width))
    ended = [f"{n} {status}" for status, n in b.closed.items() if n]
    if ended:
        e.out.print("Closed: " + ", ".join(ended) + " (crm job list)")


SHORT = {"applied": "applied", "screening": "screen", "interviewing": "interview"}


def _board_grid(b: Board, today: date, width: int) -> Table:
    """Five equal columns across the terminal; a card is the job's id and employer, its title,
    and how long it has waited in that column."""
    from rich.table import Table

    grid = Table(
        box=None,
        pad_edge=False,
        show_edge=False,
        expand=True,
        width=width,
        header_style="bold",
        padding=(0, 1, 1, 0),
    )
    for status, cards in b.columns.items():
        name = SHORT.get(status, status) if width < 80 else status
        grid.add_column(f"{name}\n{len(cards)}", ratio=1, overflow="fold")
    for i in range(max(len(cards) for cards in b.columns.values())):
        cells = []
        for cards in b.columns.values():
            if i >= len(cards):
                cells.append("")
                continue
            c = cards[i]
            days = (today - c.since).days
            waited = "today" if days == 0 else "1 day" if days == 1 else f"{days} days"
            due = f"\nanswer by {c.deadline:%d %b}" if c.deadline else ""
            cells.append(f"#{c.job.id} {c.employer.name}\n{c.job.title}\n{waited}{due}")
        grid.add_row(*cells)
    return grid
