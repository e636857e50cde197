"""Where crm keeps its files, and the settings a user can change in `config.toml`.

`CRM_HOME` puts the database and the config file in one folder of the user's choosing (tests
point it at a temporary folder); without it they follow the platform's conventions.
"""

import json
import os
from datetime import time
from pathlib import Path
from typing import NamedTuple
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

from crm.errors import BadInput

APP = "crm"
# Bump when a rule of the follow-up plan (crm/services/plan.py) changes: every database then
# runs the new plan once, because its fingerprint no longer matches.
PLAN_VERSION = 7


def data_dir() -> Path:
    home = os.environ.get("CRM_HOME")
    if home:
        return Path(home).expanduser()
    from platformdirs import user_data_path

    return user_data_path(APP)


def config_dir() -> Path:
    home = os.environ.get("CRM_HOME")
    if home:
        return Path(home).expanduser()
    from platformdirs import user_config_path

    return user_config_path(APP)


def config_path() -> Path:
    return config_dir() / "config.toml"


# Named tuples, not dataclasses: every command reads the settings, and `crm today` would pay
# ~8 ms to import dataclasses (which imports inspect) for them alone.


class Plan(NamedTuple):
    """The follow-up plan's intervals (the `[plan]` table of config.toml)."""

    thank_you_after_days: int = 1
    thank_you_expires_days: int = 14  # a thank-you not sent this long after its due date
    linkedin_after_days: int = 3  # after the answer
    info_interview_after_days: int = 21  # after the answer
    nurture_every_months: int = 1
    slow_nurture_every_months: int = 3
    unanswered_before_slowing: int = 3  # an advocate's unanswered notes before quarterly
    unanswered_notes_limit: int = 2  # then this many more (after the thank-you: in all): quiet
    nurture_needs_reply: bool = True  # false: nurture everyone thanked, answer or not
    check_openings_after_days: tuple[int, ...] = (30, 90)
    dormant_after_days: int = 120  # no touch for this long: no new nurture
    expire_after_days: int = 30  # an open plan task this overdue expires (and is not made)
    reply_window_days: int = 21  # the review counts a thank-you answered within this
    applied_follow_up_days: int = 10  # no news this long after applying: ask about it
    offer_deadline_warning_days: int = 2  # the reminder before an offer's deadline


# Settings an older crm knew by another name: read as the new one.
RENAMED = {"too_late_after_days": "expire_after_days"}


CHANNELS = ("desktop", "email", "command")
WEEKDAYS = ("monday", "tuesday", "wednesday", "thursday", "friday", "saturday", "sunday")


class Notify(NamedTuple):
    """How reminders reach the user (the `[notify]` table of config.toml).

    No password is ever a setting: the SMTP password comes from the environment
    (CRM_SMTP_PASSWORD) or the system keyring, when a message is sent.
    """

    channels: tuple[str, ...] = ()  # any of CHANNELS; none: the daemon only runs the plan
    digest_at: str = "08:00"  # local time of the daily digest
    digest_when_empty: bool = False  # send the digest on a day with nothing due
    review_day: str = "monday"  # the weekly review goes out that morning; "" for never
    review_dir: str = ""  # a folder the weekly review is also written to, as Markdown
    email_to: str = ""
    email_from: str = ""
    smtp_url: str = ""  # smtp://user@host:587 (STARTTLS) or smtps://user@host:465 (TLS)
    command: str = ""  # a program that gets the digest's text on stdin
    calendar_file: str = ""  # an iCalendar feed the daemon rewrites after each run


class Settings(NamedTuple):
    database: str | None = None  # a path or an SQLAlchemy URL; default: crm.db in data_dir()
    timezone: str | None = None  # an IANA name; default: the system's zone
    remind_at: str = "07:00"  # when `crm daemon` runs the plan each day, local time
    # the user's own email addresses: `crm import mail` tells what they sent from what they got
    me: tuple[str, ...] = ()
    import_max_mb: int = 200  # the largest file an import reads (crm/files.py), in MB
    plan: Plan = Plan()
    notify: Notify = Notify()

    @property
    def zone(self) -> ZoneInfo | None:
        return ZoneInfo(self.timezone) if self.timezone else None

    @property
    def digest_time(self) -> time:
        hour, minute = (int(part) for part in self.notify.digest_at.split(":"))
        return time(hour, minute)

    def plan_fingerprint(self) -> str:
        """Changes whenever the plan would decide differently: its rules or its intervals.
        The settings themselves, as text (a few hundred characters): exact, and no hash
        library to import for each `crm today`."""
        return json.dumps([PLAN_VERSION, self.plan._asdict(), self.timezone], sort_keys=True)


def load_settings(path: Path | None = None) -> Settings:
    """The settings in config.toml (if there is one) over the defaults."""
    from crm.files import read_user_text

    path = path or config_path()
    if not path.exists():
        return Settings()
    text = read_user_text(path, limit=SETTINGS_MAX_BYTES, why="a settings file is a few lines")
    import tomllib  # only when there is a file to read: most runs have none

    try:
        raw = tomllib.loads(text)
    except tomllib.TOMLDecodeError as error:
        raise BadInput(f"cannot read the settings in {path}: {error}") from None
    return _from_toml(raw, path)


SETTINGS_MAX_BYTES = 1_000_000
# the largest import_max_mb: past this a file is better split than read in one transaction
MOST_IMPORT_MB = 100_000
# the largest [plan] number: ten years of days, or three centuries of months, stay inside the
# calendar crm takes (crm/dates.py: to 9000-12-31, where Python's ends at 9999); a billion days
# made every run of the plan fail
PLAN_MOST = 3_650


def _from_toml(raw: dict[str, object], path: Path) -> Settings:
    plan_table = raw.pop("plan", {})
    notify = _notify(raw.pop("notify", {}), path)
    me = _addresses(raw.pop("me", []), path)
    known = set(Settings._fields) - {"plan", "notify", "me"}
    unknown = set(raw) - known
    if not isinstance(plan_table, dict):
        raise BadInput(f"{path}: plan must be a table: a line [plan], then one setting a line")
    else:
        for old, new in RENAMED.items():
            if old in plan_table and new not in plan_table:
                plan_table[new] = plan_table.pop(old)
        unknown |= {f"plan.{k}" for k in set(plan_table) - set(Plan._fields)}
    if unknown:
        raise BadInput(f"{path}: unknown setting(s): {', '.join(sorted(unknown))}")
    max_mb = raw.pop("import_max_mb", Settings._field_defaults["import_max_mb"])
    if not _whole(max_mb, MOST_IMPORT_MB):
        raise BadInput(
            f"{path}: import_max_mb must be a whole number of megabytes from 1 to "
            f"{MOST_IMPORT_MB:,}, like import_max_mb = 200"
        )
    for name, value in raw.items():
        if not isinstance(value, str):
            raise BadInput(
                f'{path}: {name} must be text in quotes, like {name} = "{_EXAMPLES[name]}"'
            )
    settings = Settings(**raw, import_max_mb=max_mb)  # type: ignore[arg-type]
    plan = Plan()
    assert isinstance(plan_table, dict)
    for name, value in plan_table.items():
        default = getattr(plan, name)
        if isinstance(default, bool):
            if not isinstance(value, bool):
                raise BadInput(f"{path}: plan.{name} must be true or false")
            plan = plan._replace(**{name: value})  # type: ignore[arg-type]
            continue
        if isinstance(default, tuple):
            ok = isinstance(value, list) and all(_whole(v, PLAN_MOST) for v in value)
            value = tuple(value) if ok else value
        else:
            ok = _whole(value, PLAN_MOST)
        if not ok:
            what = (
                f"a list of whole numbers from 1 to {PLAN_MOST:,}, like [30, 90]"
                if isinstance(default, tuple)
                else f"a whole number from 1 to {PLAN_MOST:,}"
            )
            raise BadInput(f"{path}: plan.{name} must be {what}")
        plan = plan._replace(**{name: value})  # type: ignore[arg-type]
    _check(settings, path)
    return settings._replace(plan=plan, notify=notify, me=me)


def _addresses(value: object, path: Path) -> tuple[str, ...]:
    if isinstance(value, str):
        value = [value]
    if not isinstance(value, list) or not all(isinstance(v, str) for v in value):
        raise BadInput(
            f'{path}: me must be a list of your addresses, like me = ["{_EXAMPLES["me"]}"]'
        )
    bad = [v for v in value if "@" not in v or any(c.isspace() for c in v.strip())]
    if bad:
        raise BadInput(f"{path}: me: {bad[0]!r} is not an email address")
    return tuple(v.strip() for v in value)


_EXAMPLES = {
    "me": "ana@example.org",
    "database": "~/crm.db",
    "timezone": "Europe/Berlin",
    "remind_at": "07:00",
}


def _whole(value: object, most: int) -> bool:
    return isinstance(value, int) and not isinstance(value, bool) and 1 <= value <= most


def _check(settings: Settings, path: Path) -> None:
    if settings.timezone is not None:
        try:
            ZoneInfo(settings.timezone)
        except (ZoneInfoNotFoundError, ValueError):
            raise BadInput(f"{path}: unknown timezone {settings.timezone!r}") from None
    if not _clock_time(settings.remind_at):
        raise BadInput(f"{path}: remind_at must be a time like 07:00, not {settings.remind_at!r}")


def _notify(table: object, path: Path) -> Notify:
    """The [notify] table, each value checked, each mistake said in one line."""
    if not isinstance(table, dict):
        raise BadInput(f"{path}: notify must be a table: a line [notify], then one setting a line")
    unknown = set(table) - set(Notify._fields)
    if "smtp_password" in unknown or "password" in unknown:
        raise BadInput(
            f"{path}: crm never keeps a password in config.toml: set CRM_SMTP_PASSWORD or store "
            "it in the system keyring (see docs/daemon.md)"
        )
    if unknown:
        raise BadInput(
            f"{path}: unknown setting(s): {', '.join(f'notify.{k}' for k in sorted(unknown))}"
        )
    values: dict[str, object] = {}
    for name, value in table.items():
        if name == "channels":
            if not (isinstance(value, list) and all(isinstance(v, str) for v in value)):
                raise BadInput(f'{path}: notify.channels must be a list, like ["desktop", "email"]')
            strange = [v for v in value if v not in CHANNELS]
            if strange:
                raise BadInput(
                    f"{path}: notify.channels: unknown channel {strange[0]!r} "
                    f"(the channels are {', '.join(CHANNELS)})"
                )
            values[name] = tuple(dict.fromkeys(value))
        elif name == "digest_when_empty":
            if not isinstance(value, bool):
                raise BadInput(f"{path}: notify.digest_when_empty must be true or false")
            values[name] = value
        elif not isinstance(value, str):
            raise BadInput(f"{path}: notify.{name} must be text in quotes")
        else:
            values[name] = value.strip().lower() if name == "review_day" else value.strip()
    notify = Notify(**values)  # type: ignore[arg-type]
    _check_notify(notify, path)
    return notify


def _check_notify(notify: Notify, path: Path) -> None:
    if not _clock_time(notify.digest_at):
        raise BadInput(
            f"{path}: notify.digest_at must be a time like 08:00, not {notify.digest_at!r}"
        )
    if notify.review_day and notify.review_day.lower() not in WEEKDAYS:
        raise BadInput(
            f'{path}: notify.review_day must be a weekday like monday, or "" for never, '
            f"not {notify.review_day!r}"
        )
    for name in ("email_to", "email_from"):
        value = getattr(notify, name)
        if value and ("@" not in value or any(c.isspace() for c in value)):
            raise BadInput(f"{path}: notify.{name} must be an email address, not {value!r}")
    if notify.smtp_url:
        scheme, sep, rest = notify.smtp_url.partition("://")
        if scheme not in ("smtp", "smtps") or not sep or not rest.rpartition("@")[2].split(":")[0]:
            raise BadInput(
                f"{path}: notify.smtp_url must look like smtp://user@mail.example.org:587 "
                f"(STARTTLS) or smtps://user@mail.example.org:465 (TLS)"
            )
        hostport = rest.rpartition("@")[2].rstrip("/")
        port = ("", "", "") if hostport.endswith("]") else hostport.rpartition(":")
        if port[1] and not port[2].isdigit():
            raise BadInput(f"{path}: notify.smtp_url has a port that is not a number")
        if ":" in rest.rpartition("@")[0]:
            raise BadInput(
                f"{path}: notify.smtp_url must not hold a password: set CRM_SMTP_PASSWORD or "
                "store it in the system keyring"
            )
    if "email" in notify.channels:
        missing = [n for n in ("email_to", "email_from", "smtp_url") if not getattr(notify, n)]
        if missing:
            raise BadInput(f"{path}: the email channel needs notify.{missing[0]}")
    if "command" in notify.channels and not notify.command:
        raise BadInput(f"{path}: the command channel needs notify.command")
    if notify.command:
        import shlex

        try:
            shlex.split(notify.command)
        except ValueError as error:
            raise BadInput(f"{path}: notify.command cannot be read: {error}") from None


def _clock_time(text: str) -> bool:
    hour, _, minute = text.partition(":")
    return hour.isdigit() and minute.isdigit() and int(hour) < 24 and int(minute) < 60
