"""The weekly review as Markdown: headings, paragraphs and GitHub-flavoured tables.

Names and titles are the user's text and may hold anything: each character Markdown could
read as syntax is escaped with a backslash (CommonMark allows that before any ASCII
punctuation), and a line break inside a table cell, which would end the row, becomes a space.
"""

import re

from crm.views.review_report import Block, Report, Table

# `|` ends a cell; the rest start emphasis, code, links, HTML, entities or strike-through.
SPECIAL = re.compile(r"([\\`*_\[\]<>|~&])")


def review_markdown(report: Report) -> str:
    lines = [f"# {escape(report.title)}", ""]
    for block in report.intro:
        lines += _block(block)
    for section in report.sections:
        lines += [f"## {escape(section.title)}", ""]
        for block in section.blocks:
            lines += _block(block)
    return "\n".join(lines).rstrip("\n") + "\n"


def escape(text: str) -> str:
    return SPECIAL.sub(r"\\\1", " ".join(text.split()))


def _block(block: Block) -> list[str]:
    if isinstance(block, str):
        return [escape(block), ""]
    return [*_table(block), ""]


def _table(table: Table) -> list[str]:
    def row(cells: list[str]) -> str:
        return "| " + " | ".join(escape(cell) for cell in cells) + " |"

    rule = ["---:" if i in table.figures else "---" for i in range(len(table.columns))]
    return [row(table.columns), "| " + " | ".join(rule) + " |", *(row(r) for r in table.rows)]
