"""The one place that reads the real clock.

Everything else is handed `now`. `CRM_NOW` (an ISO date or datetime) makes the whole tool act
as if it were that moment, for what-if planning and for tests. `CRM_NOW=@FILE` reads the moment
from FILE at every reading, so a long-running `crm daemon` can be moved through days (a night
passing, a laptop waking) by rewriting the file.
"""

import os
from datetime import date, datetime, time
from pathlib import Path
from zoneinfo import ZoneInfo

from crm.errors import BadInput

# A date without a time of day means midday: the moment then stays on the same local date
# under any change of time zone within eleven hours.
MIDDAY = time(12, 0)


def now(tz: ZoneInfo | None = None) -> datetime:
    """The current moment, aware, in `tz` (the system zone when None)."""
    pretend = os.environ.get("CRM_NOW", "").strip()
    if pretend.startswith("@"):
        try:
            pretend = Path(pretend[1:]).read_text(encoding="utf-8").strip()
        except OSError as error:
            raise BadInput(f"CRM_NOW names a file that cannot be read: {error}") from None
    if pretend:
        return parse_moment(pretend, tz, what="CRM_NOW")
    return datetime.now(tz).astimezone(tz)


def system_zone() -> ZoneInfo | None:
    """The system's named time zone (Europe/Berlin, not just today's +01:00), so that moments
    from the other side of a daylight-saving change land on the right local day."""
    import tzlocal

    try:
        zone = tzlocal.get_localzone()
    except Exception:  # an unreadable /etc/localtime: the current offset will do
        return None
    return zone if isinstance(zone, ZoneInfo) else None


def parse_moment(text: str, tz: ZoneInfo | None, *, what: str) -> datetime:
    """An ISO date or datetime as an aware moment; naive values are local to `tz`."""
    from crm.dates import RANGE, in_range

    try:
        if not text.isascii():
            raise ValueError  # one rule for digits: ASCII only (crm/dates.py)
        if len(text) == 10:
            moment = datetime.combine(date.fromisoformat(text), MIDDAY)
        else:
            moment = datetime.fromisoformat(text)
    except ValueError:
        raise BadInput(
            f"{what} must be an ISO date or datetime like 2026-03-04 or 2026-03-04T09:30, "
            f"not {text!r}"
        ) from None
    if not in_range(moment.date()):
        raise BadInput(f"{what} is {moment.date()}; {RANGE}")
    if moment.tzinfo is None:
        return moment.replace(tzinfo=tz) if tz else moment.astimezone()
    return moment.astimezone(tz)
