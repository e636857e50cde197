"""The one place that reads the real clock.

Everything else is handed `now`. `CRM_NOW` (an ISO date or datetime) makes the whole tool act
as if it were that moment, for what-if planning and for tests. `CRM_NOW=@FILE` reads the moment
from FILE at every reading, so a long-running `crm daemon` can be moved through days (a night
passing, a laptop waking) by rewriting the file.
"""

import os
from datetime import date, datetime, time
from pathlib import Path
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

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
    zone = _named_zone(os.environ.get("TZ"), LOCALTIME)
    if zone is not None:
        return zone
    import tzlocal

    try:
        zone = tzlocal.get_localzone()
    except Exception:  # an unreadable /etc/localtime: the current offset will do
        return None
    return zone if isinstance(zone, ZoneInfo) else None


LOCALTIME = Path("/etc/localtime")


def _named_zone(tz: str | None, localtime: Path) -> ZoneInfo | None:
    """The zone that TZ names, or else the one /etc/localtime links to (how systemd and macOS
    name it); None leaves the question to tzlocal, which also reads the older distributions'
    files. tzlocal's search costs ~30 ms, every command's but `crm today`; these two
    readings, well under one."""
    if tz:
        name = tz.removeprefix(":")
    else:
        try:
            link = os.readlink(localtime)
        except OSError:  # no such file, or not a link (a copied zone file)
            return None
        _, found, name = link.partition("zoneinfo/")
        if not found:
            return None
        # Debian's second copies: the same rules (posix/), and clocks that count leap seconds
        # (right/), which would put every moment some 27 s off
        name = name.removeprefix("posix/").removeprefix("right/")
    try:
        return ZoneInfo(name)
    except (ValueError, ZoneInfoNotFoundError):  # a POSIX rule like "CET-1CEST", a bad name
        return None


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
