"""The file that makes the system start `crm daemon` at login: a systemd user unit on Linux, a
launchd agent on macOS.

The daemon is started as this very Python running `-m crm`, so it is the crm that wrote the file
(its virtual environment, its version) whatever PATH holds at login. CRM_HOME and CRM_DATABASE
are carried over when they are set, as is --db, each path made absolute (a service starts in
the home folder, where `--db crm.db` would be another, empty database); a database URL may hold
a password, so the file is written readable by the user alone.
"""

from __future__ import annotations

import os
import shlex
import sys
from dataclasses import dataclass
from pathlib import Path
from xml.sax.saxutils import escape

LABEL = "org.crm.daemon"
UNIT = "crm.service"
CARRIED = ("CRM_HOME", "CRM_DATABASE", "TZ")  # never CRM_SMTP_PASSWORD: no password in files


@dataclass(frozen=True)
class ServiceFile:
    path: Path
    text: str
    enable: str  # the one command that starts it now and at every login
    disable: str  # the one command that stops it, before the file is removed


def service_file(*, db: str | None, platform: str | None = None) -> ServiceFile:
    platform = platform or sys.platform
    argv = [sys.executable, "-m", "crm", *(["--db", absolute(db)] if db else []), "daemon"]
    carried = {name: os.environ[name] for name in CARRIED if os.environ.get(name)}
    for name in ("CRM_HOME", "CRM_DATABASE"):
        if name in carried:
            carried[name] = absolute(carried[name])
    if platform == "darwin":
        return _launchd(argv, carried)
    return _systemd(argv, carried)


def absolute(place: str) -> str:
    """A database file, SQLite URL or folder as an absolute path; any other URL as it is."""
    if place.startswith("sqlite:///"):
        path = place[len("sqlite:///") :]
        if not path or path == ":memory:":
            return place
        return "sqlite:///" + str(Path(path).expanduser().absolute())
    if "://" in place:
        return place
    return str(Path(place).expanduser().absolute())


def _systemd(argv: list[str], carried: dict[str, str]) -> ServiceFile:
    config = Path(os.environ.get("XDG_CONFIG_HOME") or Path.home() / ".config")
    environment = "".join(
        f"Environment={_systemd_quote(f'{k}={v}')}\n" for k, v in sorted(carried.items())
    )
    text = (
        "# Written by `crm daemon install`; `crm daemon uninstall` removes it.\n"
        "[Unit]\n"
        "Description=crm: the follow-up plan, the daily digest and the weekly review\n"
        "\n"
        "[Service]\n"
        f"ExecStart={' '.join(_systemd_quote(a) for a in argv)}\n"
        f"{environment}"
        "Restart=on-failure\n"
        "RestartSec=30\n"
        "\n"
        "[Install]\n"
        "WantedBy=default.target\n"
    )
    return ServiceFile(
        config / "systemd" / "user" / UNIT,
        text,
        f"systemctl --user daemon-reload && systemctl --user enable --now {UNIT}",
        f"systemctl --user disable --now {UNIT}",
    )


def _systemd_quote(word: str) -> str:
    """systemd's own quoting: double quotes, with backslash escapes; % doubled (specifiers)."""
    word = word.replace("%", "%%")
    if word and all(c.isalnum() or c in "-_./:=+,@" for c in word):
        return word
    return '"' + word.replace("\\", "\\\\").replace('"', '\\"') + '"'


def _launchd(argv: list[str], carried: dict[str, str]) -> ServiceFile:
    path = Path.home() / "Library" / "LaunchAgents" / f"{LABEL}.plist"
    arguments = "".join(f"\n    <string>{escape(a)}</string>" for a in argv)
    environment = "".join(
        f"\n    <key>{escape(k)}</key><string>{escape(v)}</string>"
        for k, v in sorted(carried.items())
    )
    logs = Path.home() / "Library" / "Logs" / "crm-daemon.log"
    text = f"""<?xml version="1.0" encoding="UTF-8"?>
<!DOCTYPE plist PUBLIC "-//Apple//DTD PLIST 1.0//EN" "http://www.apple.com/DTDs/PropertyList-1.0.dtd">
<!-- Written by `crm daemon install`; `crm daemon uninstall` removes it. -->
<plist version="1.0">
<dict>
  <key>Label</key><string>{LABEL}</string>
  <key>ProgramArguments</key>
  <array>{arguments}
  </array>
  <key>EnvironmentVariables</key>
  <dict>{environment}
  </dict>
  <key>RunAtLoad</key><true/>
  <key>KeepAlive</key><dict><key>SuccessfulExit</key><false/></dict>
  <key>StandardErrorPath</key><string>{escape(str(logs))}</string>
</dict>
</plist>
"""
    quoted = shlex.quote(str(path))
    return ServiceFile(
        path,
        text,
        f"launchctl bootstrap gui/$(id -u) {quoted}",
        f"launchctl bootout gui/$(id -u) {quoted}",
    )
