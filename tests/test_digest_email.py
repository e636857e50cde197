"""The daily digest by email, received by a real SMTP server on loopback: exactly one a local
day, whoever sends it (daemons, restarts, cron's `crm remind --notify`, a night skipped), on
SQLite and PostgreSQL."""

from __future__ import annotations

import os
import signal
import subprocess
import sys
import time
from pathlib import Path

import pytest

from tests.conftest import Crm
from tests.helpers import ACME_DIGEST, acme_story, lines
from tests.mailserver import MailServer

DAY1 = "2026-03-02T09:00:00+00:00"  # the conftest's CRM_NOW: Dana's thank-you is due today


def configure(home: Path, text: str) -> None:
    home.mkdir(exist_ok=True)
    (home / "config.toml").write_text(text)


def test_the_digest_goes_once_a_day_with_text_and_html(
    crm: Crm, crm_home: Path, mail_server: MailServer
) -> None:
    acme_story(crm)
    configure(crm_home, mail_server.config())
    early = crm("remind", "--notify", now="2026-03-02T07:59:00+00:00")
    assert "digest by" not in early.stdout  # digest_at is 08:00: not due yet
    assert mail_server.messages() == []

    sent = crm("remind", "--notify", now=DAY1)
    assert lines(sent.stdout)[-1] == "digest by email: sent"
    again = crm("remind", "--notify", now="2026-03-02T18:00:00+00:00")
    assert "digest by" not in again.stdout
    [mail] = mail_server.wait_for(1)
    assert mail["Subject"] == "crm: 2 overdue (Mon 02 Mar)"
    assert mail["Date"] == "Mon, 02 Mar 2026 09:00:00 +0000"  # crm's now, not the machine's
    assert mail["To"] == "me@example.org"
    assert mail["From"] == "crm@localhost"
    assert mail["Auto-Submitted"] == "auto-generated"
    assert mail.get_content_type() == "multipart/alternative"
    assert mail_server.logins == ["PLAIN"]  # logged in, after STARTTLS (the server insists)
    text = mail.get_body(("plain",)).get_content()  # type: ignore[union-attr]
    assert text.splitlines() == ACME_DIGEST
    html = mail.get_body(("html",)).get_content()  # type: ignore[union-attr]
    assert "<h2>Overdue</h2>" in html
    assert "Dana Whitfield · Acme Robotics" in html


def test_nothing_is_sent_on_a_day_with_nothing_due_unless_asked(
    crm: Crm, crm_home: Path, mail_server: MailServer
) -> None:
    crm("contact", "add", "Dana Whitfield")
    configure(crm_home, mail_server.config())
    out = crm("remind", "--notify").stdout
    assert "digest by email: nothing due today: not sent" in out
    assert mail_server.messages() == []
    configure(crm_home, mail_server.config(extra="digest_when_empty = true\n"))
    assert "digest by email: sent" in crm("remind", "--notify").stdout
    [mail] = mail_server.wait_for(1)
    assert mail["Subject"] == "crm: nothing due (Mon 02 Mar)"
    assert "Nothing is due today." in mail.get_body(("plain",)).get_content()  # type: ignore[union-attr]


def test_a_failing_channel_is_retried_at_the_next_run_and_the_others_still_go(
    crm: Crm, crm_home: Path, tmp_path: Path, mail_server: MailServer
) -> None:
    acme_story(crm)
    received = tmp_path / "pushed.txt"
    broken = "command = \"sh -c 'echo the push service is down >&2; exit 3'\"\n"
    configure(crm_home, mail_server.config('["command", "email"]', broken))
    first = crm("remind", "--notify", ok=False)
    assert first.exit_code == 1
    assert lines(first.stdout)[-2:] == [
        "digest by command: not delivered, will retry at the next run: sh exited with status 3: "
        "the push service is down",
        "digest by email: sent",
    ]
    fixed = f"command = \"sh -c 'cat > {received}'\"\n"
    configure(crm_home, mail_server.config('["command", "email"]', fixed))
    second = crm("remind", "--notify", now="2026-03-02T09:05:00+00:00")
    assert lines(second.stdout)[-1] == "digest by command: sent"  # email: already sent
    assert len(mail_server.wait_for(1)) == 1
    assert received.read_text().startswith("Monday 02 March 2026\n\nOverdue\n  #1 Send")


@pytest.mark.slow
def test_concurrent_reminds_send_one_digest(
    crm: Crm, crm_home: Path, mail_server: MailServer
) -> None:
    """Four `crm remind --notify` processes at once: the delivery's key lets one through."""
    acme_story(crm)
    configure(crm_home, mail_server.config())
    argv = [sys.executable, "-m", "crm", *(["--db", crm.db] if crm.db else [])]
    env = dict(os.environ, CRM_HOME=str(crm_home), CRM_NOW=DAY1)
    runs = [
        subprocess.Popen([*argv, "remind", "--notify"], env=env, stdout=subprocess.PIPE, text=True)
        for _ in range(4)
    ]
    outputs = [run.communicate(timeout=120)[0] for run in runs]
    assert [run.returncode for run in runs] == [0, 0, 0, 0]
    assert sum("digest by email: sent" in out for out in outputs) == 1
    time.sleep(0.5)  # a second mail, if any were sent, would have arrived by now
    assert len(mail_server.messages()) == 1


# -- the daemon as a real process, its clock moved through a file (CRM_NOW=@FILE) ---------------


class Daemon:
    def __init__(self, crm: Crm, home: Path, clock_file: Path) -> None:
        argv = [sys.executable, "-m", "crm", *(["--db", crm.db] if crm.db else [])]
        env = dict(os.environ, CRM_HOME=str(home), CRM_NOW=f"@{clock_file}")
        self.process = subprocess.Popen(
            [*argv, "daemon", "--every", "1"],
            env=env,
            stderr=subprocess.PIPE,
            stdout=subprocess.DEVNULL,
            text=True,
        )
        self.seen: list[str] = []

    def read_until(self, words: str, seconds: float = 60) -> list[str]:
        assert self.process.stderr is not None
        deadline = time.monotonic() + seconds
        start = len(self.seen)
        while time.monotonic() < deadline:
            line = self.process.stderr.readline()
            if not line:
                break
            self.seen.append(line.rstrip())
            if words in line:
                return self.seen[start:]
        raise AssertionError(f"never saw {words!r}; saw {self.seen}")

    def runs(self, count: int) -> list[str]:
        """The log of the next `count` runs of the plan."""
        seen: list[str] = []
        for _ in range(count):
            seen += self.read_until("plan ran:")
        return seen

    def stop(self) -> None:
        if self.process.poll() is None:
            self.process.send_signal(signal.SIGTERM)
            try:
                self.process.wait(timeout=30)
            except subprocess.TimeoutExpired:
                self.process.kill()
                self.process.wait()


@pytest.mark.slow
def test_one_digest_a_day_across_daemon_runs_restarts_cron_and_a_night_skipped(
    crm: Crm, crm_home: Path, tmp_path: Path, mail_server: MailServer
) -> None:
    acme_story(crm)
    configure(crm_home, mail_server.config())
    clock = tmp_path / "now.txt"
    clock.write_text(DAY1)

    daemon = Daemon(crm, crm_home, clock)
    try:
        assert "digest by email: sent" in daemon.read_until("digest by email")[-1]
        later = daemon.runs(3)  # three more runs the same day: nothing more is sent
        assert not [line for line in later if "digest by" in line]
    finally:
        daemon.stop()
    assert len(mail_server.wait_for(1)) == 1

    clock.write_text("2026-03-02T15:00:00+00:00")
    restarted = Daemon(crm, crm_home, clock)  # the same day, after a restart
    try:
        seen = restarted.read_until("next run at")
        assert not [line for line in seen if "digest by" in line], seen
        # cron's `crm remind --notify` after the daemon has sent: nothing
        assert "digest by" not in crm("remind", "--notify", now="2026-03-02T16:00:00+00:00").stdout

        # the evening, then the laptop sleeps through Tuesday and wakes on Wednesday morning
        clock.write_text("2026-03-02T23:59:00+00:00")
        restarted.runs(2)
        clock.write_text("2026-03-04T09:30:00+00:00")
        woke = restarted.read_until("digest by email")
        assert woke[-1].endswith("crm daemon: digest by email: sent")
        after = restarted.runs(3)
        assert not [line for line in after if "digest by" in line]
    finally:
        restarted.stop()
    mails = mail_server.wait_for(2)
    assert [m["Subject"] for m in mails] == [
        "crm: 2 overdue (Mon 02 Mar)",
        "crm: 2 overdue (Wed 04 Mar)",
    ]


def test_the_weekly_review_goes_by_email_and_to_review_dir_once_a_week(
    crm: Crm, crm_home: Path, tmp_path: Path, mail_server: MailServer
) -> None:
    acme_story(crm)
    crm("log", "thank-you", "dana", "--on", "2026-02-28")
    reviews = tmp_path / "reviews"
    reviews.mkdir()
    weekly = f'review_day = "monday"\nreview_dir = "{reviews}"\n'
    configure(crm_home, mail_server.config(extra=weekly).replace('review_day = ""\n', ""))

    out = lines(crm("remind", "--notify").stdout)  # Monday 2 March, 09:00
    assert out[-3:] == [
        "digest by email: sent",
        "review by email: sent",
        f"review by file: written to {reviews / 'crm-review-2026-03-02.md'}",
    ]
    # Tuesday: the digest again, the review not (it went out for this week)
    assert lines(crm("remind", "--notify", now="2026-03-03T09:00:00+00:00").stdout)[-1] == (
        "digest by email: sent"
    )
    mails = mail_server.wait_for(3)
    assert [m["Subject"] for m in mails] == [
        "crm: 1 overdue (Mon 02 Mar)",
        "crm: Review of Mon 23 Feb to Sun 01 Mar 2026 (7 days)",
        "crm: 1 overdue (Tue 03 Mar)",  # Sam's thank-you, still not sent
    ]
    review = mails[1]
    # (SMTP carries lines ending CRLF)
    markdown = review.get_body(("plain",)).get_content().replace("\r\n", "\n")  # type: ignore[union-attr]
    html = review.get_body(("html",)).get_content().replace("\r\n", "\n")  # type: ignore[union-attr]
    assert markdown.startswith("# Review of Mon 23 Feb to Sun 01 Mar 2026 (7 days)\n\n## At a")
    assert html.count('<rect class="bar ') == 36  # the chart, inline
    assert (reviews / "crm-review-2026-03-02.md").read_text() == markdown
    assert (reviews / "crm-review-2026-03-02.html").read_text() == html
    assert ((reviews / "crm-review-2026-03-02.md").stat().st_mode & 0o777) == 0o600


def test_a_review_missed_on_its_day_goes_at_the_first_run_that_week(
    sqlite_crm: Crm, crm_home: Path, mail_server: MailServer
) -> None:
    acme_story(sqlite_crm)
    configure(
        crm_home,
        mail_server.config(extra='review_day = "monday"\n').replace('review_day = ""\n', ""),
    )
    out = lines(sqlite_crm("remind", "--notify", now="2026-03-04T10:00:00+00:00").stdout)
    assert out[-1] == "review by email: sent"  # Wednesday: Monday's review, late
    assert (
        "review by" not in sqlite_crm("remind", "--notify", now="2026-03-08T10:00:00+00:00").stdout
    )
    assert (
        "review by email: sent"
        in sqlite_crm("remind", "--notify", now="2026-03-09T10:00:00+00:00").stdout
    )  # the next Monday: the next week's


class MemoryKeyring:
    """A system keyring stand-in holding one password, as `keyring set` would store it."""

    def __init__(self, service: str, account: str, password: str) -> None:
        from keyring.backend import KeyringBackend

        class Backend(KeyringBackend):
            priority = 1  # type: ignore[assignment]

            def get_password(self, s: str, a: str) -> str | None:
                return password if (s, a) == (service, account) else None

            # crm only reads the keyring: a write would store or lose the user's password
            def set_password(self, s: str, a: str, p: str) -> None:
                raise AssertionError("crm wrote a password to the keyring")

            def delete_password(self, s: str, a: str) -> None:
                raise AssertionError("crm deleted a password from the keyring")

        self.backend = Backend()


def test_the_smtp_password_comes_from_the_keyring_or_is_asked_for(
    sqlite_crm: Crm, crm_home: Path, mail_server: MailServer, monkeypatch: pytest.MonkeyPatch
) -> None:
    import keyring
    from keyring.backends.fail import Keyring as NoKeyring

    from tests.mailserver import PASSWORD, USER

    configure(crm_home, mail_server.config())
    monkeypatch.delenv("CRM_SMTP_PASSWORD")
    before = keyring.get_keyring()
    try:
        keyring.set_keyring(NoKeyring())
        result = sqlite_crm("notify", "test", ok=False)
        assert result.exit_code == 1
        assert lines(result.stdout) == [
            "email    not delivered: no SMTP password: CRM_SMTP_PASSWORD is not set and there "
            "is no system keyring"
        ]
        keyring.set_keyring(MemoryKeyring("crm-smtp", f"{USER}@127.0.0.1", PASSWORD).backend)
        assert lines(sqlite_crm("notify", "test").stdout) == ["email    delivered"]
    finally:
        keyring.set_keyring(before)
    [mail] = mail_server.wait_for(1)
    assert mail["Subject"] == "crm: test notification"
