"""The weekly review as one self-contained HTML page: the report, a funnel and a 12-week chart.

Everything is inline (styles, SVG): the page fetches nothing, so it opens the same offline, in
a mail client or from a backup folder years later. Every piece of the user's text is escaped.
"""

from __future__ import annotations

from html import escape
from typing import TYPE_CHECKING

if TYPE_CHECKING:
    from crm.services.activity import Week
    from crm.services.review import Review
    from crm.views.review_report import Block, Report

SERIES = (  # field of Week, legend, colour
    ("touches_out", "touches out", "#3566a8"),
    ("answers_in", "answers in", "#d9822b"),
    ("tasks_done", "tasks done", "#4a9a5b"),
)
STAGES = (  # field of FunnelRow, label
    ("met", "met"),
    ("thanked", "thanked"),
    ("replied", "replied"),
    ("linkedin", "connected on LinkedIn"),
    ("info_interview_asked", "asked for an interview"),
    ("info_interview", "informational interview"),
    ("nurturing", "nurturing"),
)

STYLE = """
body { font: 15px/1.45 system-ui, sans-serif; color: #1d2430; max-width: 60rem;
       margin: 2rem auto; padding: 0 1rem; }
h1 { font-size: 1.6rem; margin-bottom: .2rem; }
h2 { font-size: 1.2rem; margin-top: 2rem; border-bottom: 1px solid #d5dae1; }
table { border-collapse: collapse; margin: .6rem 0; }
th, td { padding: .2rem .7rem; text-align: left; border-bottom: 1px solid #eceff3; }
td.n, th.n { text-align: right; font-variant-numeric: tabular-nums; }
svg text { font: 11px system-ui, sans-serif; fill: #1d2430; }
.legend span { display: inline-block; margin-right: 1.2rem; }
.legend i { display: inline-block; width: .8rem; height: .8rem; margin-right: .3rem;
            vertical-align: -1px; }
"""


def review_html(report: Report, review: Review, weeks: list[Week]) -> str:
    parts = [
        '<!DOCTYPE html>\n<html lang="en">\n<head>\n<meta charset="utf-8">',
        '<meta name="viewport" content="width=device-width, initial-scale=1">',
        f"<title>{escape(report.title)}</title>\n<style>{STYLE}</style>\n</head>\n<body>",
        f"<h1>{escape(report.title)}</h1>",
    ]
    parts += [_block(block) for block in report.intro]
    if not review.empty:
        parts += ["<h2>Twelve weeks</h2>", activity_chart(weeks), _legend()]
        if review.funnel:
            parts += ["<h2>From met to nurturing</h2>", funnel_chart(review)]
    for section in report.sections:
        parts.append(f"<h2>{escape(section.title)}</h2>")
        parts += [_block(block) for block in section.blocks]
    parts.append("</body>\n</html>\n")
    return "\n".join(parts)


def _block(block: Block) -> str:
    if isinstance(block, str):
        return f"<p>{escape(block)}</p>"
    head = "".join(
        f"<th{' class=n' if i in block.figures else ''}>{escape(c)}</th>"
        for i, c in enumerate(block.columns)
    )
    rows = "".join(
        "<tr>"
        + "".join(
            f"<td{' class=n' if i in block.figures else ''}>{escape(cell)}</td>"
            for i, cell in enumerate(row)
        )
        + "</tr>"
        for row in block.rows
    )
    return f"<table><thead><tr>{head}</tr></thead><tbody>{rows}</tbody></table>"


def activity_chart(weeks: list[Week]) -> str:
    """Grouped bars, one group a week, one bar a series: 3 `rect.bar` elements per week."""
    width, height, left, right, bottom, top = 760, 240, 34, 8, 34, 12
    plot = height - bottom - top
    group = (width - left - right) / max(len(weeks), 1)
    bar = group * 0.8 / len(SERIES)
    peak = max((getattr(w, f) for w in weeks for f, _, _ in SERIES), default=0)
    scale = _nice(peak)
    shapes = []
    for step in range(5):  # gridlines and their figures
        value = scale * step / 4
        y = top + plot - plot * step / 4
        shapes.append(
            f'<line x1="{left}" x2="{width - right}" y1="{y:.1f}" y2="{y:.1f}" stroke="#e3e7ec"/>'
            f'<text x="{left - 6}" y="{y + 4:.1f}" text-anchor="end">{value:g}</text>'
        )
    for i, week in enumerate(weeks):
        x0 = left + group * i + group * 0.1
        for j, (field, label, colour) in enumerate(SERIES):
            value = getattr(week, field)
            h = plot * value / scale if scale else 0
            shapes.append(
                f'<rect class="bar {field}" x="{x0 + bar * j:.1f}" y="{top + plot - h:.1f}" '
                f'width="{bar:.1f}" height="{h:.1f}" fill="{colour}">'
                f"<title>{escape(f'{week.start:%d %b}–{week.end:%d %b}: {value} {label}')}"
                "</title></rect>"
            )
        shapes.append(
            f'<text x="{left + group * (i + 0.5):.1f}" y="{height - bottom + 16}" '
            f'text-anchor="middle">{week.start:%d %b}</text>'
        )
    label = "Touches out, answers in and tasks done, week by week"
    return (
        f'<svg class="activity" xmlns="http://www.w3.org/2000/svg" role="img" '
        f'viewBox="0 0 {width} {height}" width="100%" aria-label="{label}">'
        f"<title>{label}</title>" + "".join(shapes) + "</svg>"
    )


def _legend() -> str:
    items = "".join(
        f'<span><i style="background:{colour}"></i>{escape(label)}</span>'
        for _, label, colour in SERIES
    )
    return f'<p class="legend">{items}<br><small>Each week ends on the day shown + 6.</small></p>'


def funnel_chart(review: Review) -> str:
    """The people met at every employer, and how many reached each stage after: one bar each."""
    totals = [(label, sum(getattr(row, field) for row in review.funnel)) for field, label in STAGES]
    width, row_height, label_width = 760, 26, 190
    peak = max((n for _, n in totals), default=0) or 1
    shapes = []
    for i, (label, count) in enumerate(totals):
        y = i * row_height
        w = (width - label_width - 40) * count / peak
        shapes.append(
            f'<text x="{label_width - 8}" y="{y + 17}" text-anchor="end">{escape(label)}</text>'
            f'<rect class="funnel-bar" x="{label_width}" y="{y + 4}" width="{w:.1f}" '
            f'height="{row_height - 8}" fill="#3566a8"><title>{count} {escape(label)}</title>'
            f'</rect><text x="{label_width + w + 6:.1f}" y="{y + 17}">{count}</text>'
        )
    height = row_height * len(totals)
    return (
        f'<svg class="funnel" xmlns="http://www.w3.org/2000/svg" role="img" '
        f'viewBox="0 0 {width} {height}" width="100%" aria-label="The funnel, all employers">'
        "<title>The funnel, all employers</title>" + "".join(shapes) + "</svg>"
    )


def _nice(peak: int) -> int:
    """The axis's top: the peak rounded up to a multiple of 4 (so the gridlines fall on whole
    numbers), at least 4."""
    return max(4, -(-peak // 4) * 4)
