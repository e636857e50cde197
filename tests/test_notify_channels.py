"""The channels one by one: desktop notifications on a real D-Bus session bus, a command of the
user's, `crm notify test`, and the [notify] settings (checked, shown with the password masked)."""

from __future__ import annotations

import os
import shutil
import subprocess
import threading
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field
from pathlib import Path

import pytest

from tests.conftest import Crm
from tests.helpers import ACME_DIGEST, acme_story, lines


def configure(home: Path, text: str) -> None:
    home.mkdir(exist_ok=True)
    (home / "config.toml").write_text(text)


# -- desktop: a real session bus, and a listener in the notification service's place ----------


@dataclass
class Notifications:
    """Owns org.freedesktop.Notifications on the bus and keeps the arguments of each Notify."""

    address: str
    calls: list[tuple[object, ...]] = field(default_factory=list)
    stop: threading.Event = field(default_factory=threading.Event)
    ready: threading.Event = field(default_factory=threading.Event)

    def serve(self) -> None:
        from jeepney import HeaderFields, MessageType, new_method_return
        from jeepney.bus_messages import message_bus
        from jeepney.io.blocking import open_dbus_connection

        with open_dbus_connection(bus=self.address) as connection:
            owner = connection.send_and_get_reply(
                message_bus.RequestName("org.freedesktop.Notifications")
            )
            assert owner.body == (1,)  # the primary owner of the name
            self.ready.set()
            while not self.stop.is_set():
                try:
                    message = connection.receive(timeout=0.2)
                except TimeoutError:
                    continue
                header = message.header
                if (
                    header.message_type == MessageType.method_call
                    and header.fields.get(HeaderFields.member) == "Notify"
                ):
                    self.calls.append(message.body)
                    connection.send(new_method_return(message, "u", (len(self.calls),)))


@contextmanager
def dbus_session(monkeypatch: pytest.MonkeyPatch) -> Iterator[str]:
    """A real session bus of this test's own (dbus-daemon), its address in the environment."""
    daemon = shutil.which("dbus-daemon")
    if daemon is None:
        pytest.skip("dbus-daemon is not installed (.ci/run installs the dbus package)")
    process = subprocess.Popen(
        [daemon, "--session", "--nofork", "--print-address=1"],
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        text=True,
    )
    assert process.stdout is not None
    address = process.stdout.readline().strip()
    if not address:
        process.kill()
        pytest.skip(f"dbus-daemon --session did not start: {process.stderr.read()}")  # type: ignore[union-attr]
    monkeypatch.setenv("DBUS_SESSION_BUS_ADDRESS", address)
    try:
        yield address
    finally:
        process.terminate()
        process.wait(10)


@pytest.fixture
def session_bus(monkeypatch: pytest.MonkeyPatch) -> Iterator[Notifications]:
    with dbus_session(monkeypatch) as address:
        service = Notifications(address)
        thread = threading.Thread(target=service.serve, daemon=True)
        thread.start()
        assert service.ready.wait(10)
        try:
            yield service
        finally:
            service.stop.set()
            thread.join(5)


def test_notify_test_shows_a_desktop_notification(
    sqlite_crm: Crm, session_bus: Notifications
) -> None:
    out = sqlite_crm("notify", "test", "--channel", "desktop").stdout
    assert lines(out) == ["desktop  delivered"]
    [call] = session_bus.calls
    app, replaces, icon, summary, body, actions, hints, timeout = call
    assert (app, replaces, icon, actions, hints, timeout) == ("crm", 0, "", [], {}, -1)
    assert summary == "crm: test notification"
    assert body == (
        "This is a test from crm, sent 2026-03-02 09:00 UTC.\n"
        "If you can read it, this channel will carry your daily digest."
    )


def test_the_digest_reaches_the_desktop_once(
    crm: Crm, crm_home: Path, session_bus: Notifications
) -> None:
    acme_story(crm)
    configure(crm_home, '[notify]\nchannels = ["desktop"]\n')
    assert lines(crm("remind", "--notify").stdout)[-1] == "digest by desktop: sent"
    assert "digest by" not in crm("remind", "--notify").stdout
    [call] = session_bus.calls
    assert call[3] == "crm: 2 overdue (Mon 02 Mar)"
    assert str(call[4]).splitlines()[:3] == [
        "Monday 02 March 2026",
        "Overdue",
        "  #1 Send a thank-you note — Dana Whitfield · Acme Robotics — 2 days late",
    ]


def test_without_a_desktop_session_the_desktop_channel_says_why(
    sqlite_crm: Crm, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.delenv("DBUS_SESSION_BUS_ADDRESS", raising=False)
    result = sqlite_crm("notify", "test", "--channel", "desktop", ok=False)
    assert result.exit_code == 1
    assert lines(result.stdout) == [
        "desktop  not delivered: no desktop session: DBUS_SESSION_BUS_ADDRESS is not set"
    ]


def test_a_bus_without_a_notification_service_is_not_a_delivery(
    crm: Crm, crm_home: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """The bus answers the call with an error ("not provided by any .service files"): the
    digest is not recorded as sent, and the next run tries again."""
    acme_story(crm)
    configure(crm_home, '[notify]\nchannels = ["desktop"]\n')
    with dbus_session(monkeypatch):
        failed = crm("remind", "--notify", ok=False)
        assert failed.exit_code == 1
        [line] = [x for x in lines(failed.stdout) if x.startswith("digest by desktop")]
        assert line.startswith(
            "digest by desktop: not delivered, will retry at the next run: the desktop refused "
            "the notification: org.freedesktop.DBus.Error.ServiceUnknown"
        ), line
        again = crm("remind", "--notify", ok=False)
        assert "digest by desktop: not delivered" in again.stdout
        tried = crm("notify", "test", "--channel", "desktop", ok=False)
        assert (tried.exit_code, lines(tried.stdout)) == (
            1,
            [
                "desktop  not delivered: the desktop refused the notification: "
                "org.freedesktop.DBus.Error.ServiceUnknown"
            ],
        )


# -- command --------------------------------------------------------------------------------


def test_the_command_gets_the_digest_on_stdin(crm: Crm, crm_home: Path, tmp_path: Path) -> None:
    acme_story(crm)
    out = tmp_path / "stdin.txt"
    configure(crm_home, f'[notify]\nchannels = ["command"]\ncommand = "sh -c \'cat > {out}\'"\n')
    assert lines(crm("remind", "--notify").stdout)[-1] == "digest by command: sent"
    assert out.read_text().splitlines() == ACME_DIGEST


def test_a_slow_send_leaves_the_database_to_other_commands(
    sqlite_crm: Crm, crm_home: Path, tmp_path: Path
) -> None:
    """The delivery is claimed, then sent with no transaction open: while a command channel
    takes its time, another process can write at once (SQLite's lock is free)."""
    import sqlite3
    import sys
    import time

    acme_story(sqlite_crm)
    started, out = tmp_path / "started", tmp_path / "out.txt"
    slow = f"sh -c 'touch {started}; sleep 30; cat > {out}'"
    configure(crm_home, f'[notify]\nchannels = ["command"]\ncommand = "{slow}"\n')
    env = dict(os.environ, CRM_HOME=str(crm_home))
    remind = subprocess.Popen(
        [sys.executable, "-m", "crm", "remind", "--notify"],
        env=env,
        stdout=subprocess.DEVNULL,
        start_new_session=True,  # its command's sleep is killed with it
    )
    try:
        deadline = time.monotonic() + 60
        while not started.exists():
            assert remind.poll() is None and time.monotonic() < deadline, "the command never ran"
            time.sleep(0.05)
        database = sqlite3.connect(crm_home / "crm.db", timeout=0, isolation_level=None)
        database.execute("BEGIN IMMEDIATE")  # "database is locked" while a send holds it
        database.execute("ROLLBACK")
        database.close()
    finally:
        os.killpg(remind.pid, 9)
        remind.wait(10)


def test_notify_test_says_per_channel_what_happened(sqlite_crm: Crm, crm_home: Path) -> None:
    configure(
        crm_home,
        '[notify]\nchannels = ["command", "email"]\ncommand = "no-such-program-here --x"\n'
        'email_to = "me@example.org"\nemail_from = "crm@localhost"\n'
        'smtp_url = "smtp://me@127.0.0.1:1"\n',
    )
    result = sqlite_crm("notify", "test", ok=False)
    assert result.exit_code == 1
    assert lines(result.stdout) == [
        "command  not delivered: no-such-program-here: no such program",
        "email    not delivered: cannot reach the mail server at 127.0.0.1:1: [Errno 111] "
        "Connection refused",
    ]


# -- settings ---------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("table", "message"),
    [
        ('channels = ["pager"]', "notify.channels: unknown channel 'pager' (the channels are "),
        ('channels = "email"', 'notify.channels must be a list, like ["desktop", "email"]'),
        ('digest_at = "8 am"', "notify.digest_at must be a time like 08:00, not '8 am'"),
        ('review_day = "someday"', "notify.review_day must be a weekday like monday"),
        ('smtp_url = "http://mail.example.org"', "notify.smtp_url must look like smtp://"),
        ('smtp_url = "smtp://me:hunter2@mail.example.org"', "must not hold a password"),
        ('smtp_password = "hunter2"', "crm never keeps a password in config.toml"),
        ('channels = ["email"]', "the email channel needs notify.email_to"),
        ('channels = ["command"]', "the command channel needs notify.command"),
        ("digest_when_empty = 1", "notify.digest_when_empty must be true or false"),
        ('email_to = "me"', "notify.email_to must be an email address, not 'me'"),
        ('colour = "red"', "unknown setting(s): notify.colour"),
    ],
)
def test_notify_settings_are_checked_in_one_line(
    sqlite_crm: Crm, crm_home: Path, table: str, message: str
) -> None:
    configure(crm_home, f"[notify]\n{table}\n")
    result = sqlite_crm("config", ok=False)
    assert result.exit_code == 2
    assert result.stderr.count("\n") == 1
    assert message in result.stderr
    assert "hunter2" not in result.stderr


def test_config_shows_the_notify_settings_and_never_the_password(
    sqlite_crm: Crm, crm_home: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    configure(
        crm_home,
        '[notify]\nchannels = ["email", "desktop"]\nemail_to = "me@example.org"\n'
        'email_from = "crm@localhost"\nsmtp_url = "smtps://me@mail.example.org:465"\n',
    )
    monkeypatch.setenv("CRM_SMTP_PASSWORD", "hunter2")
    out = sqlite_crm("config").stdout
    assert lines(out)[-12:] == [
        "[notify]",
        '  channels                    ["email", "desktop"]',
        "  digest_at                   08:00",
        "  digest_when_empty           false",
        "  review_day                  monday",
        "  review_dir                  (not set)",
        "  email_to                    me@example.org",
        "  email_from                  crm@localhost",
        "  smtp_url                    smtps://me@mail.example.org:465",
        "  command                     (not set)",
        "  calendar_file               (not set)",
        "  smtp_password               *** (from CRM_SMTP_PASSWORD)",
    ]
    doc = sqlite_crm.json("config")
    assert doc["notify"]["smtp_password"] == "*** (from CRM_SMTP_PASSWORD)"  # type: ignore[index]
    assert "hunter2" not in out + str(doc)


# -- today --brief ------------------------------------------------------------------------------


def test_today_brief_is_one_line_or_nothing(crm: Crm) -> None:
    assert crm("today", "--brief").stdout == ""
    acme_story(crm)
    assert crm("today", "--brief").stdout == "2 overdue\n"
    crm("task", "add", "Call the recruiter back", "--due", "today")
    assert crm("today", "--brief").stdout == "2 overdue · 1 today\n"
    crm("log", "thank-you", "dana")
    crm("log", "thank-you", "sam")
    assert crm("today", "--brief").stdout == "1 today\n"


def test_today_brief_takes_the_fast_path(sqlite_crm: Crm, crm_home: Path) -> None:
    from tests.test_files_and_startup import heavy, imported

    acme_story(sqlite_crm)
    assert heavy(imported("today", "--brief", home=crm_home)) == set()


# -- daemon install -----------------------------------------------------------------------------


def test_daemon_install_writes_a_systemd_user_unit_and_uninstall_removes_it(
    sqlite_crm: Crm, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    import sys

    if sys.platform == "darwin":
        pytest.skip("the launchd agent is written on macOS")
    monkeypatch.setenv("XDG_CONFIG_HOME", str(tmp_path / "config"))
    unit = tmp_path / "config" / "systemd" / "user" / "crm.service"
    dry = sqlite_crm("daemon", "install", "--dry-run").stdout
    assert not unit.exists()
    out = sqlite_crm("daemon", "install").stdout
    assert lines(out) == [
        f"Wrote {unit}.",
        "Start it now and at every login: systemctl --user daemon-reload && "
        "systemctl --user enable --now crm.service",
    ]
    text = unit.read_text()
    assert dry == f"# {unit}\n{text}"
    assert f"ExecStart={sys.executable} -m crm daemon\n" in text
    assert f"Environment=CRM_HOME={os.environ['CRM_HOME']}\n" in text
    assert (unit.stat().st_mode & 0o777) == 0o600
    assert "Replaced" in sqlite_crm("daemon", "install").stdout
    assert lines(sqlite_crm("daemon", "uninstall").stdout) == [
        "Stop it first, if it runs: systemctl --user disable --now crm.service",
        f"Removed {unit}.",
    ]
    assert not unit.exists()
    missing = sqlite_crm("daemon", "uninstall", ok=False)
    assert missing.exit_code == 3
    assert missing.stderr == f"Error: no crm daemon is installed: {unit} does not exist\n"


def test_a_relative_database_or_home_is_written_as_an_absolute_path(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """A user service starts in the home folder: `--db crm.db` typed elsewhere must still be
    that file."""
    from crm.service_files import service_file

    monkeypatch.chdir(tmp_path)
    monkeypatch.setenv("CRM_HOME", "data")
    monkeypatch.setenv("CRM_DATABASE", "sqlite:///jobs.db")
    for db, written in (
        ("a.db", f"{tmp_path}/a.db"),
        ("sqlite:///b.db", f"sqlite:///{tmp_path}/b.db"),
        ("sqlite:////srv/c.db", "sqlite:////srv/c.db"),
        ("postgresql+psycopg://me@db.example/crm", "postgresql+psycopg://me@db.example/crm"),
    ):
        text = service_file(db=db, platform="linux").text
        assert f" -m crm --db {written} daemon\n" in text, text
    assert f"Environment=CRM_HOME={tmp_path}/data\n" in text
    assert f"Environment=CRM_DATABASE=sqlite:///{tmp_path}/jobs.db\n" in text


def test_the_launchd_agent_runs_this_crm_on_macos() -> None:
    import plistlib
    import sys

    from crm.service_files import service_file

    made = service_file(db="/data/my crm.db", platform="darwin")
    assert made.path.name == "org.crm.daemon.plist"
    plist = plistlib.loads(made.text.encode())
    assert plist["ProgramArguments"] == [
        sys.executable, "-m", "crm", "--db", "/data/my crm.db", "daemon",
    ]  # fmt: skip
    assert plist["RunAtLoad"] is True
    assert made.enable.startswith("launchctl bootstrap gui/$(id -u) ")


# -- the calendar feed, kept current ------------------------------------------------------------


def test_the_calendar_file_follows_every_write(crm: Crm, crm_home: Path, tmp_path: Path) -> None:
    feed = tmp_path / "feeds" / "crm.ics"
    configure(crm_home, f'[notify]\ncalendar_file = "{feed}"\n')
    crm("task", "add", "Call the recruiter back", "--due", "tomorrow")
    assert "SUMMARY:Call the recruiter back" not in (feed.read_text() if feed.exists() else "")
    feed.parent.mkdir()
    crm("task", "add", "Write to Dana", "--due", "tomorrow")
    text = feed.read_text()
    assert text.count("BEGIN:VEVENT") == 2
    assert "SUMMARY:Write to Dana" in text
    assert (feed.stat().st_mode & 0o777) == 0o600
    crm("task", "done", "1")
    assert feed.read_text().count("BEGIN:VEVENT") == 1


def test_a_calendar_file_that_cannot_be_written_warns_and_keeps_the_write(
    sqlite_crm: Crm, crm_home: Path, tmp_path: Path
) -> None:
    feed = tmp_path / "nowhere" / "crm.ics"
    configure(crm_home, f'[notify]\ncalendar_file = "{feed}"\n')
    result = sqlite_crm("task", "add", "Call the recruiter back", "--due", "tomorrow")
    assert result.exit_code == 0
    assert result.stderr.startswith("Warning: the calendar feed was not written: cannot write ")
    assert len(sqlite_crm.json("task", "list")) == 1  # type: ignore[arg-type]


# -- pure rules ---------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("review_day", "today", "due_on"),
    [
        ("monday", "2026-03-02", "2026-03-02"),  # a Monday: today's
        ("monday", "2026-03-08", "2026-03-02"),  # Sunday: still that week's, if not yet sent
        ("friday", "2026-03-02", "2026-02-27"),
        ("", "2026-03-02", None),
    ],
)
def test_the_review_is_due_for_the_latest_review_day(
    review_day: str, today: str, due_on: str | None
) -> None:
    from datetime import date

    from crm.notify import review_due_on
    from crm.settings import Notify, Settings

    settings = Settings(notify=Notify(review_day=review_day))
    found = review_due_on(settings, date.fromisoformat(today))
    assert found == (date.fromisoformat(due_on) if due_on else None)


def test_smtp_urls_name_the_server_the_port_and_the_user() -> None:
    from crm.channels import Server, server_of

    assert server_of("smtp://me@mail.example.org") == Server(False, "mail.example.org", 587, "me")
    assert server_of("smtps://me%40work@mail.example.org:2465") == Server(
        True, "mail.example.org", 2465, "me@work"
    )
    assert server_of("smtp://[::1]:25") == Server(False, "::1", 25, None)
    assert server_of("smtps://[::1]") == Server(True, "::1", 465, None)


def test_the_brief_line() -> None:
    from crm.views.digest import brief

    assert brief(0, 0) == ""
    assert brief(2, 0) == "2 overdue"
    assert brief(0, 3) == "3 today"
    assert brief(2, 3) == "2 overdue · 3 today"


def test_the_digest_says_what_expired_since_the_last_one(
    crm: Crm, crm_home: Path, tmp_path: Path
) -> None:
    acme_story(crm)
    out = tmp_path / "stdin.txt"
    configure(
        crm_home,
        f'[notify]\nchannels = ["command"]\ncommand = "sh -c \'cat > {out}\'"\n'
        "digest_when_empty = true\n",
    )
    crm("remind", "--notify")  # Monday 2 March: the two thank-yous, due 28 February
    crm("remind", "--notify", now="2026-03-20T09:00:00+00:00")  # never sent: they expire
    assert out.read_text().splitlines() == [
        "Friday 20 March 2026",
        "Nothing is due today.",
        "",
        "Expired since the last digest",
        "  #1 Send a thank-you note — Dana Whitfield · Acme Robotics — expired",
        "  #2 Send a thank-you note — Sam Ortiz · Acme Robotics — expired",
        "",
        "The whole list: crm today · Done one? crm log KIND NAME or crm task done ID",
    ]
    # Dana answers the next day: the plan asks for a note by 21 April. No digest goes out
    # until late May, when that task has expired: made and expired since the last digest, it
    # is listed once, as expired
    crm("log", "reply", "dana", now="2026-03-21T09:00:00+00:00")
    crm("remind", "--notify", now="2026-05-25T09:00:00+00:00")
    digest = out.read_text()
    assert digest.count("#5 Write about a shared interest") == 1, digest
    assert "#5 Write about a shared interest" in digest.split("Expired since the last")[1]
