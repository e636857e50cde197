"""The reliability suite's figures: recorded by each test, printed at the end of the run and
written to `reliability-figures.json` in pytest's temporary folder, so a run can be quoted."""

from __future__ import annotations

import json
from collections.abc import Callable
from pathlib import Path
from typing import Any

import pytest

FIGURES: dict[str, dict[str, Any]] = {}
REPORT: list[Path] = []

Record = Callable[..., None]


@pytest.fixture(scope="session")
def figures(tmp_path_factory: pytest.TempPathFactory) -> Record:
    """`figures("crash: touches", kills=50, lost=0)` records one suite's numbers."""
    path = tmp_path_factory.getbasetemp() / "reliability-figures.json"
    REPORT[:] = [path]

    def record(name: str, **values: Any) -> None:
        FIGURES[name] = values
        path.write_text(json.dumps(FIGURES, indent=2, default=str) + "\n")
        print(f"{name}: {summary(values)}")

    return record


def summary(values: dict[str, Any]) -> str:
    return ", ".join(f"{key} {value}" for key, value in values.items())


def pytest_terminal_summary(terminalreporter: Any) -> None:
    if not FIGURES:
        return
    terminalreporter.section("reliability figures")
    for name, values in FIGURES.items():
        terminalreporter.write_line(f"{name}: {summary(values)}")
    terminalreporter.write_line(f"(also in {REPORT[0]})")
