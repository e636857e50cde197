"""`crm remind`'s report: the plan brought up to date, and what it changed, in plain lines.

Typer's `crm remind` runs it, and so does the shortcut (crm/cli/shortcut.py) for `crm remind
[--verbose]`: cron runs it every morning, and on a current plan it is the cost of starting.
"""

from __future__ import annotations

import sys
from typing import TYPE_CHECKING

if TYPE_CHECKING:
    from crm.cli.env import Env

REPORTED = 20  # changes listed without --verbose


def remind(e: Env, *, verbose: bool) -> None:
    e.bring_plan_up_to_date()
    result = e.plan_result
    if result is None or not result.changed:
        sys.stdout.write("The plan is up to date: nothing new to do.\n")
        return
    from crm.cli.record_view import report_plan
    from crm.plain import plan_summary

    sys.stdout.write(plan_summary(result) + "\n")
    report_plan(e, most=None if verbose else REPORTED)
