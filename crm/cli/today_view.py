"""The `crm today` screen: the agenda, found the fastest way there is, as text or JSON.

Neither Typer nor Rich nor SQLAlchemy is imported on the way when the plan is current on an
SQLite database (crm/lean.py): this is what people run every morning and in their prompt.
"""

from __future__ import annotations

import sys
from datetime import date
from functools import lru_cache
from typing import TYPE_CHECKING

from crm.cli.planned import planned_query
from crm.plain import fit
from crm.services.agenda import Agenda, Quiet, TaskLine, agenda, quiet

if TYPE_CHECKING:
    from crm.cli.env import Env
    from crm.plain import Painter

SHOWN = 20  # tasks a section shows; a morning list longer than that is read in `crm task list`

FIRST_STEPS = """\
Nothing to follow up yet. crm keeps your follow-ups once it knows whom you met:
  crm job add Acme --title "Data Analyst"            the job you applied for
  crm contact add "Dana Whitfield" --employer Acme   each person you met there
  crm job reject Acme --rank 2                       when the answer is no
Or look around a made-up story first: crm demo"""


def show_today(e: Env, *, json: bool, brief: bool = False) -> None:
    if json:
        _print_document(e)
        return
    with planned_query(e) as (query, as_text):
        if brief:  # the counts alone: each section read with LIMIT 0, then counted
            counts = agenda(query, today=e.today, until_as_text=as_text, limit=0).totals
            _brief(counts)
            return
        result = agenda(query, today=e.today, until_as_text=as_text, limit=SHOWN)
        calm = quiet(query, today=e.today, until_as_text=as_text) if result.empty else None
    sys.stdout.write(render(result, calm))


def _brief(counts: dict[str, int]) -> None:
    """One line for a prompt or a status bar; nothing at all when nothing is due."""
    from crm.views.digest import brief

    line = brief(counts.get("overdue", 0), counts.get("today", 0))
    if line:
        sys.stdout.write(line + "\n")


def _print_document(e: Env) -> None:
    """The agenda as JSON, every task of each section in the one shape every task command
    prints, written as the rows are read: 40,000 overdue tasks are never all in memory."""
    from crm.cli.planned import planned_stream
    from crm.cli.shapes import task_doc
    from crm.render import print_json
    from crm.services.agenda import section_lines, sections

    zone = e.now.tzinfo if e.settings.timezone else None
    with planned_stream(e) as (stream, as_text):
        print_json(
            {
                "date": e.today,
                **{
                    name: (
                        task_doc(t, t.contact, t.employer, zone)
                        for t in section_lines(stream, bounds)
                    )
                    for name, bounds in sections(today=e.today, until_as_text=as_text).items()
                },
            }
        )


class Layout:
    """One task a line, as wide as the terminal (80 piped): id, what to do, who, when (status).

    `id_width` fits the longest id; `natural`, the longest title and "who", lets a terminal
    wider than 80 columns give them room (crm/plain.py `columns`)."""

    def __init__(self, *, id_width: int, natural: tuple[int, int], status: bool = False) -> None:
        from crm.plain import columns, width

        self.status = status
        self.id_width = id_width
        fixed = [self.id_width, 12] + ([7] if status else [])
        self.title_width, self.who_width = columns(width(), fixed, [30, 27], list(natural))

    @classmethod
    def of(cls, shown: list[TaskLine], *, status: bool = False) -> Layout:
        """The layout of the tasks shown."""
        return cls(
            id_width=max((len(f"#{i.id}") for i in shown), default=2),
            natural=(
                max((len(i.title) for i in shown), default=0),
                max((len(i.who) for i in shown), default=0),
            ),
            status=status,
        )

    def line(self, task: TaskLine, today: date, paint: Painter) -> str:
        # `crm task list` draws thousands of lines (8,381 at the benchmark's 1x): `fit`
        # written out for printable text (a cut and an ellipsis), TaskLine.who too, and one
        # format for the line; most cells are cut at 80 columns
        task_id, _, title, due, status, contact, employer, *_ = task
        if status == "open":
            when = _when(due, today)
            if due < today and paint.enabled:
                when = paint(when, "red")
        else:
            when = fit(f"{due:%d %b %Y}", 12, right=True)
        who = f"{contact} · {employer}" if contact and employer else contact or employer or ""
        tw, ww = self.title_width, self.who_width
        if not title.isprintable():
            title = fit(title, tw)
        elif len(title) > tw:
            title = title[: tw - 1] + "…"
        if not who.isprintable():
            who = fit(who, ww)
        elif len(who) > ww:
            who = who[: ww - 1] + "…"
        line = f"#{task_id:<{self.id_width - 1}}  {title:<{tw}}  {who:<{ww}}  {when}"
        return f"{line}  {status}" if self.status else line.rstrip()

    def header(self) -> str:
        cells = [
            fit("id", self.id_width),
            fit("to do", self.title_width),
            fit("who", self.who_width),
        ]
        return "  ".join([*cells, fit("due", 12, right=True)] + (["status"] if self.status else []))


@lru_cache(maxsize=1024)
def _when(day: date, today: date) -> str:
    """The "due" cell of an open task, drawn once for each due day of a long list."""
    from crm.render import relative_day

    return fit(relative_day(day, today), 12, right=True)


def render(result: Agenda, calm: Quiet | None) -> str:
    """The agenda as lines that fit the terminal (80 columns when piped): id, what to do, who,
    when."""
    from crm.plain import BASE, Painter, width

    paint = Painter(sys.stdout)
    lines = [paint(f"{result.date:%A %d %B %Y}", "bold")]
    if calm is not None:
        return "\n".join([*lines, *_quiet(calm, result)]) + "\n"
    sections = (
        ("Overdue", result.overdue, result.totals.get("overdue", 0)),
        ("Today", result.today, result.totals.get("today", 0)),
        ("Next 7 days", result.upcoming, result.totals.get("upcoming", 0)),
    )
    layout = Layout.of([i for _, items, _ in sections for i in items[:SHOWN]])
    for name, items, total in sections:
        if not items:
            continue
        lines += ["", paint(name, "bold")]
        lines += [layout.line(i, result.date, paint) for i in items[:SHOWN]]
        if total > SHOWN:
            lines.append(paint(f"… and {total - SHOWN} more: crm task list", "dim"))
    shown = [i for _, items, _ in sections for i in items[:SHOWN]]
    fold_at = min(width(), BASE)  # a narrow terminal folds them sooner; a wide one, at 80 still
    lines += ["", *(paint(line, "dim") for line in hints(shown, fold_at))]
    return "\n".join(lines) + "\n"


# What to type when a task of each kind is done: the touch it asks for, logged, closes it.
DONE_BY = {
    "thank_you": "crm log thank-you NAME",
    "linkedin_connect": "crm log linkedin NAME",
    "info_interview": "crm task done ID",  # asked: the request is logged as an email
    "nurture": "crm log email NAME",
}


def hints(shown: list[TaskLine], fold_at: int) -> list[str]:
    """The commands that fit the tasks on the screen, in lines of at most `fold_at` columns
    (a command longer than that alone on its line)."""
    commands: list[str] = []
    if any(t.kind == "thank_you" for t in shown):
        commands.append("crm draft NAME")
    for task in shown:
        command = DONE_BY.get(task.kind, "crm task done ID")
        if command not in commands:
            commands.append(command)
    commands.append("crm task skip ID")
    lines, line = [], "Done one?"
    for command in commands:
        if len(line) + 3 + len(command) > fold_at:
            lines.append(line)
            line = " " * len("Done one?") + " " + command
        else:
            line += (" · " if line != "Done one?" else " ") + command
    return [*lines, line]


def _quiet(calm: Quiet, result: Agenda) -> list[str]:
    from crm.printable import one_line
    from crm.render import relative_day

    if calm.contacts == 0:
        return [FIRST_STEPS]
    lines = ["Nothing due today or in the next 7 days."]
    if calm.next_due is not None:
        who = f" ({calm.next_contact})" if calm.next_contact else ""
        title = one_line(f"{calm.next_title}{who}")
        lines.append(f"Next: {title}, {relative_day(calm.next_due, result.date)}.")
    if calm.jobs == 0:
        lines.append('Record the jobs you are in: crm job add Acme --title "Data Analyst"')
    else:
        lines.append("When something happens, log it: crm log reply NAME, crm log call NAME ...")
    return lines
