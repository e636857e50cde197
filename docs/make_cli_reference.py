"""Write docs/cli.md from the commands' own --help, so the reference cannot drift from them.

    .venv/bin/python docs/make_cli_reference.py

tests/test_docs.py fails when docs/cli.md differs from what this would write.
"""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path
from typing import Any

import typer
import typer.main

from crm.cli.app import app

HERE = Path(__file__).resolve().parent
WIDTH = 80


def commands() -> Iterator[tuple[str, Any, Any]]:
    """(full name, command, context) for crm and every command below it, in help order."""
    root = typer.main.get_command(app)

    def walk(command: Any, name: str, parent: Any) -> Iterator[tuple[str, Any, Any]]:
        context = typer.Context(
            command,
            info_name=name.split()[-1],
            parent=parent,
            terminal_width=WIDTH,
            max_content_width=WIDTH,
        )
        yield name, command, context
        if hasattr(command, "list_commands"):
            for child in command.list_commands(context):
                yield from walk(command.get_command(context, child), f"{name} {child}", context)

    yield from walk(root, "crm", None)


def reference() -> str:
    parts = [
        "# Command reference",
        "",
        "Generated from each command's `--help` by `docs/make_cli_reference.py`; do not edit.",
        "",
    ]
    for name, command, context in commands():
        parts += [f"## {name}", "", "```", command.get_help(context).rstrip(), "```", ""]
    return "\n".join(parts)


if __name__ == "__main__":
    (HERE / "cli.md").write_text(reference(), encoding="utf-8")
    print(f"wrote {HERE / 'cli.md'}")
