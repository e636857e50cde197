"""The docs that are generated stay generated, and every command's help teaches by example."""

from __future__ import annotations

import importlib.util
from pathlib import Path

DOCS = Path(__file__).resolve().parent.parent / "docs"


def reference_module():  # type: ignore[no-untyped-def]
    path = DOCS / "make_cli_reference.py"
    spec = importlib.util.spec_from_file_location("make_cli_reference", path)
    assert spec and spec.loader
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module


def test_the_cli_reference_is_current() -> None:
    written = (DOCS / "cli.md").read_text(encoding="utf-8")
    assert written == reference_module().reference(), (
        "docs/cli.md is out of date: run .venv/bin/python docs/make_cli_reference.py"
    )


def test_every_command_has_a_summary_and_an_example() -> None:
    for name, command, context in reference_module().commands():
        if hasattr(command, "list_commands"):
            continue  # groups list their commands
        help_text = command.get_help(context)
        assert command.get_short_help_str(), name
        assert "Example: crm " in help_text, f"{name} has no example in its help"
