"""`crm review`'s report: the week looked back on, and ahead, on the terminal, as JSON, or to a
Markdown or HTML file.

Typer's `crm review` runs it, and so does the shortcut (crm/cli/shortcut.py) for `crm review
[--json]`: on SQLite with a current plan the review reads with the standard library alone,
and building the Typer app (and the pydantic it imports) is ~100 ms more.
"""

from __future__ import annotations

import sys
from collections.abc import Callable
from typing import TYPE_CHECKING

if TYPE_CHECKING:
    from crm.cli.env import Env
    from crm.services.activity import Week
    from crm.views.review_report import Block, Report, Table


def show_review(
    e: Env, *, days: int | None, since: str | None, output: str | None, json: bool
) -> None:
    """The review of the last `days` days, or since the day typed, through today."""
    from crm.dates import parse_date
    from crm.errors import BadInput
    from crm.services.review import period_of, weekly_review

    if json and output is not None:
        raise BadInput("give --json or --output, not both")
    since_day = None
    if since is not None:
        since_day = parse_date(since, today=e.today, past=True, why="a review looks back")
    period = period_of(today=e.today, days=days, since=since_day)
    target = None
    if output is not None:
        from crm.private_files import output_file

        target = output_file(output, default_name=f"crm-review-{period.end:%Y-%m-%d}.md")
    from crm.cli.planned import planned_reads
    from crm.services.activity import weekly_activity

    with planned_reads(e) as db:
        found = weekly_review(session=db, now=e.now, period=period, plan=e.settings.plan)
        weeks = weekly_activity(session=db, zone=e.now.tzinfo, last_day=period.end)
    if json:
        from dataclasses import asdict

        from crm.cli.shapes import task_doc
        from crm.render import print_json

        zone = e.now.tzinfo
        doc = asdict(found)
        for section in ("expired", "next_week"):  # tasks in the shape every command prints
            doc[section] = [task_doc(t, t.contact, t.employer, zone) for t in doc[section]]
        print_json(doc)
        return
    from crm.views.review_report import review_report, span

    report = review_report(found, today=e.today)
    if target is None:
        _show(e, report, None if found.empty else weeks)
        return
    from crm.private_files import write_private

    if target.shown.suffix.lower() in (".html", ".htm"):
        from crm.views.review_html import review_html

        page = review_html(report, found, weeks)
    else:
        from crm.views.review_markdown import review_markdown

        page = review_markdown(report)
    write_private(target, page.encode())
    e.out.print(
        f"Wrote the review of {span(period.start, period.end)} to {target.shown}.",
        soft_wrap=True,  # a long path stays whole, for scripts and for copying
    )


def _show(e: Env, report: Report, weeks: list[Week] | None) -> None:
    """Drawn as plain lines when nothing needs wrapping or measuring (the usual review), which
    is what Rich draws then too, without Rich's ~80 ms at the benchmark's 1x; otherwise by
    Rich, which wraps what is too long and measures what is wide."""
    lines = _plain(report, weeks)
    if lines is not None:
        sys.stdout.write("".join(line + "\n" for line in lines))
        return
    e.out.print(report.title, style="bold")
    if weeks:
        e.out.print(_sparklines(weeks))
    for block in report.intro:
        _print(e, block)
    for section in report.sections:
        e.out.print()
        e.out.print(section.title, style="bold")
        for block in section.blocks:
            _print(e, block)


def _plain(report: Report, weeks: list[Week] | None) -> list[str] | None:
    """The report as Rich lays it out when every line fits the terminal and every character
    is one column wide, or None. A table is drawn as Rich draws it here: each column as wide
    as `_widths` says, cut with an ellipsis, figures to the right, two spaces apart (each
    cell's padding, styled with it), the header dim."""
    from crm.plain import Painter, as_rich_would, fit, simple, wrap
    from crm.printable import one_line, printable

    room, styled = as_rich_would()
    paint = Painter(sys.stdout, enabled=styled)

    def said(text: str) -> list[str] | None:
        lines = []
        for line in printable(text).split("\n"):
            shown = wrap(line, room)
            if shown is None:
                return None
            lines += shown
        return lines

    def drawn(block: Block) -> list[str] | None:
        if isinstance(block, str):
            return said(block)
        cells = [[one_line(cell) for cell in row] for row in [block.columns, *block.rows]]
        if not all(simple(cell, room) for row in cells for cell in row):
            return None
        widths = _widths(block, room, measure=len)
        if sum(widths) + 2 * (len(widths) - 1) > room:
            return None  # Rich would squeeze the columns further
        header, *rows = (
            [
                fit(cell, size, right=i in block.figures)
                for i, (cell, size) in enumerate(zip(row, widths, strict=True))
            ]
            for row in cells
        )
        dim = paint(" ", "dim") * 2
        return [dim.join(paint(cell, "dim") for cell in header), *("  ".join(r) for r in rows)]

    head = [printable(report.title), *([_sparklines(weeks)] if weeks else [])]
    if not all(simple(line, room) for line in head):
        return None
    lines = [paint(head[0], "bold"), *head[1:]]
    parts = [(None, report.intro), *((s.title, s.blocks) for s in report.sections)]
    for title, blocks in parts:
        if title is not None:
            if not simple(title, room):
                return None
            lines += ["", paint(title, "bold")]
        for block in blocks:
            more = drawn(block)
            if more is None:
                return None
            lines += more
    return lines


def _sparklines(weeks: list[Week]) -> str:
    """The 12 weeks of the HTML page's chart, as one line."""
    from crm.views.sparkline import sparkline

    series = (("out", "touches_out"), ("in", "answers_in"), ("done", "tasks_done"))
    drawn = "  ".join(
        f"{name} {sparkline([getattr(w, field) for w in weeks])}" for name, field in series
    )
    return f"{len(weeks)} weeks: {drawn}"


def _print(e: Env, block: Block) -> None:
    from rich.text import Text

    from crm.printable import one_line
    from crm.render import table

    if isinstance(block, str):
        e.out.print(block)
        return
    grid = table(*block.columns)
    for i, (column, width) in enumerate(
        zip(grid.columns, _widths(block, e.out.width), strict=True)
    ):
        column.width, column.no_wrap, column.overflow = width, True, "ellipsis"
        if i in block.figures:
            column.justify = "right"
    for row in block.rows:
        grid.add_row(*(Text(one_line(cell)) for cell in row))  # the user's text, never Rich markup
    e.out.print(grid)


def _widths(block: Table, width: int, measure: Callable[[str], int] | None = None) -> list[int]:
    """Each column as wide as its content, except that the user's long names and titles give
    way (shortest first keeps its width) so that figures and dates are never cut. `measure`:
    a text's columns (Rich's `cell_len` unless given)."""
    from crm.printable import one_line

    if measure is None:
        from rich.cells import cell_len

        measure = cell_len
    natural = [
        max(measure(one_line(text)) for text in (header, *(row[i] for row in block.rows)))
        for i, header in enumerate(block.columns)
    ]
    room = width - 2 * (len(natural) - 1)  # two spaces between columns
    room -= sum(w for i, w in enumerate(natural) if i not in block.shrink)
    widths = list(natural)
    flexible = sorted((natural[i], i) for i in block.shrink)
    for left, (wanted, i) in zip(range(len(flexible), 0, -1), flexible, strict=True):
        widths[i] = min(wanted, max(room // left, 1))
        room -= widths[i]
    return widths
