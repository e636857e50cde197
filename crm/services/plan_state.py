"""Is the follow-up plan current? One question, in one SQL that both read paths run.

The standard-library path (crm/lean.py, for `crm today` and completion) and SQLAlchemy
(crm/services/plan.py) ask it the same way: did the plan run with these settings, on exactly
this data (the write counter the database triggers keep), for this local day? Standard library
only: `crm today` imports this on its fast path.
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from datetime import date
from typing import Any, NamedTuple

PLAN_STATE_SQL = """
SELECT p.fingerprint = :fingerprint, p.changes_planned = c.changes, p.planned_on = :today
FROM plan_state AS p, change_counter AS c WHERE p.id = 1 AND c.id = 1
"""

Query = Callable[[str, dict[str, Any]], Sequence[Sequence[Any]]]


class PlanStatus(NamedTuple):  # not a dataclass: `crm today` need not import dataclasses
    same_settings: bool = False
    same_data: bool = False
    same_day: bool = False

    @property
    def current(self) -> bool:
        return self.same_settings and self.same_data and self.same_day


def plan_status(query: Query, *, fingerprint: str, today: date, as_text: bool) -> PlanStatus:
    """`as_text`: SQLite keeps dates as ISO text."""
    day: object = today.isoformat() if as_text else today
    rows = query(PLAN_STATE_SQL, {"fingerprint": fingerprint, "today": day})
    return PlanStatus(*(bool(v) for v in rows[0])) if rows else PlanStatus()
