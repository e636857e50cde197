"""`crm import mail imaps://...`: the same import from a real IMAP server (dovecot, loopback)."""

from __future__ import annotations

import sys
from pathlib import Path

import pytest

from tests.conftest import Crm
from tests.dovecot import PASSWORD, Dovecot, dovecot  # noqa: F401 (the fixture)
from tests.helpers import lines
from tests.mailfixtures import (
    DANA_REPLY,
    ME,
    NEWSLETTER,
    NO_REPLY,
    OUT_OF_OFFICE,
    TO_BOTH,
    TO_SAM,
    stranger,
)
from tests.test_import_mail import me, rejected_and_thanked, tasks, touches

MESSAGES = [DANA_REPLY, NEWSLETTER, NO_REPLY, stranger(1), TO_SAM, OUT_OF_OFFICE, TO_BOTH]


@pytest.fixture
def server(
    dovecot: Dovecot,  # noqa: F811 (the fixture imported above)
    monkeypatch: pytest.MonkeyPatch,
    request: pytest.FixtureRequest,
) -> Dovecot:
    monkeypatch.setenv("SSL_CERT_FILE", str(dovecot.cert))  # trust the test server's certificate
    monkeypatch.setenv("CRM_IMAP_PASSWORD", PASSWORD)
    return dovecot


def folder(request: pytest.FixtureRequest) -> str:
    return "test-" + "".join(c if c.isalnum() else "-" for c in request.node.name)[-60:]


def test_mail_on_a_server_becomes_touchpoints_once_and_only_matches_are_downloaded(
    crm: Crm, crm_home: Path, server: Dovecot, request: pytest.FixtureRequest
) -> None:
    me(crm_home)
    rejected_and_thanked(crm)
    name = folder(request)
    server.fill(name, MESSAGES)
    url = server.url(name)

    mark = server.log_size()
    out = crm("import", "mail", url).stdout
    assert lines(out) == [
        "Read 7 messages: 4 touchpoints added.",
        "  Dana Whitfield: 1 reply, 1 email",
        "  Sam Ortiz: 2 emails",
        "Skipped 4 messages:",
        "    1  mailing list",
        "    1  auto-reply",
        "    1  no-reply sender",
        "    1  not with a known contact",
        "Unknown senders at your employers (add them with crm contact add …):",
        "    1  Pat Quinn <pat.quinn@acme.example> (Acme Robotics)",
        '       crm contact add "Pat Quinn" --employer "Acme Robotics" --email '
        "pat.quinn@acme.example",
        "  + #6 Connect on LinkedIn (Dana Whitfield) · due Wed 04 Mar",
        "  + #7 Ask for an informational interview (Dana Whitfield) · due Sun 22 Mar",
        "  + #8 Write about a shared interest (Dana Whitfield) · due Wed 01 Apr",
        "  ✓ #5 Write about a shared interest (Dana Whitfield) · done",
    ]
    # headers of all seven; whole messages only of the three between Ana and her contacts
    assert server.bodies_sent(mark) == 3
    assert [t[:4] for t in touches(crm)] == [
        ("Dana Whitfield", "email", "out", "2026-03-01T17:30:00+00:00"),
        ("Dana Whitfield", "reply", "in", "2026-03-01T09:15:00+00:00"),
        ("Dana Whitfield", "thank-you", "out", "2026-02-28T12:00:00+00:00"),
        ("Sam Ortiz", "email", "out", "2026-02-28T10:00:00+00:00"),
        ("Sam Ortiz", "email", "out", "2026-03-01T17:30:00+00:00"),
    ]

    before = (touches(crm), tasks(crm))
    mark = server.log_size()
    again = crm("import", "mail", url).stdout
    assert lines(again)[0] == "Read 7 messages: 0 touchpoints added."
    assert "    3  already imported" in lines(again)
    assert server.bodies_sent(mark) == 0
    assert (touches(crm), tasks(crm)) == before


def test_two_copies_of_a_message_in_a_folder_are_one_touch_and_one_skipped(
    sqlite_crm: Crm, crm_home: Path, server: Dovecot, request: pytest.FixtureRequest
) -> None:
    """Both copies pass the header check before either body is read: the second is counted
    as already imported when it adds nothing, so read = added + skipped."""
    me(crm_home)
    rejected_and_thanked(sqlite_crm)
    name = folder(request)
    server.fill(name, [DANA_REPLY, DANA_REPLY])
    out = lines(sqlite_crm("import", "mail", server.url(name)).stdout)
    assert out[:4] == [
        "Read 2 messages: 1 touchpoint added.",
        "  Dana Whitfield: 1 reply",
        "Skipped 1 message:",
        "    1  already imported",
    ]


def test_since_asks_the_server_for_newer_mail_only(
    sqlite_crm: Crm, crm_home: Path, server: Dovecot, request: pytest.FixtureRequest
) -> None:
    me(crm_home)
    rejected_and_thanked(sqlite_crm)
    name = folder(request)
    server.fill(name, MESSAGES)
    out = sqlite_crm("import", "mail", server.url(name), "--since", "2026-03-01").stdout
    # IMAP's SINCE compares the day the server received the message: the test server took
    # them all today (the files' times), so all seven come; crm then keeps its own cut
    assert lines(out)[:3] == [
        "Read 7 messages: 3 touchpoints added.",
        "  Dana Whitfield: 1 reply, 1 email",
        "  Sam Ortiz: 1 email",  # the article; not the thank-you of Feb 28
    ]


def test_a_wrong_password_is_one_clear_line(
    sqlite_crm: Crm,
    crm_home: Path,
    server: Dovecot,
    monkeypatch: pytest.MonkeyPatch,
    request: pytest.FixtureRequest,
) -> None:
    me(crm_home)
    rejected_and_thanked(sqlite_crm)
    state = sqlite_crm.state()
    monkeypatch.setenv("CRM_IMAP_PASSWORD", "wrong")
    result = sqlite_crm("import", "mail", server.url("INBOX"), ok=False)
    assert result.exit_code == 2
    assert result.stderr.startswith(
        f"Error: imaps://{ME}@localhost:{server.port}/INBOX: the server refused the login"
    )
    assert result.stderr.count("\n") == 1
    assert sqlite_crm.state() == state


def test_an_untrusted_certificate_is_one_clear_line(
    sqlite_crm: Crm, crm_home: Path, server: Dovecot, monkeypatch: pytest.MonkeyPatch
) -> None:
    me(crm_home)
    monkeypatch.delenv("SSL_CERT_FILE")
    monkeypatch.setenv("SSL_CERT_DIR", "/nonexistent")
    result = sqlite_crm("import", "mail", server.url("INBOX"), ok=False)
    assert result.exit_code == 1
    assert "its certificate is not trusted" in result.stderr
    assert "SSL_CERT_FILE" in result.stderr


def test_without_a_password_or_a_keyring_crm_says_how_to_give_one(
    sqlite_crm: Crm, crm_home: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    me(crm_home)
    monkeypatch.delenv("CRM_IMAP_PASSWORD", raising=False)
    monkeypatch.setitem(sys.modules, "keyring", None)  # as where the package is not installed
    result = sqlite_crm(
        "import", "mail", "imaps://ana@example.org@imap.example.org/INBOX", ok=False
    )
    assert result.exit_code == 2
    assert result.stderr == (
        "Error: no password for ana@example.org@imap.example.org: set CRM_IMAP_PASSWORD, or "
        "install the keyring package (pip install keyring) and store it with "
        "`keyring set crm-imap ana@example.org@imap.example.org`\n"
    )


@pytest.mark.parametrize(
    ("url", "error"),
    [
        ("imap://ana@imap.example.org/INBOX", "crm reads mail over TLS only"),
        ("imaps://imap.example.org/INBOX", "write the server as imaps://USER@HOST/FOLDER"),
        ("imaps://ana@imap.example.org:99999/INBOX", "'99999' is not a port number"),
    ],
)
def test_a_server_written_wrong_is_one_clear_line(sqlite_crm: Crm, url: str, error: str) -> None:
    result = sqlite_crm("import", "mail", url, ok=False)
    assert result.exit_code == 2
    assert error in result.stderr
