"""A real SMTP server on loopback for the email channel's tests: aiosmtpd with STARTTLS (a
certificate from a throwaway CA that trustme makes) and a login, keeping every message it is
given, as received."""

from __future__ import annotations

import socket
import ssl
import threading
import time
from collections.abc import Iterator
from dataclasses import dataclass, field
from email import message_from_bytes, policy
from email.message import EmailMessage
from pathlib import Path

import pytest

USER, PASSWORD = "crm-user", "s3cret-pw"


@dataclass
class MailServer:
    port: int
    ca_file: Path
    received: list[bytes] = field(default_factory=list)
    logins: list[str] = field(default_factory=list)
    lock: threading.Lock = field(default_factory=threading.Lock)

    @property
    def url(self) -> str:
        return f"smtp://{USER}@127.0.0.1:{self.port}"

    def messages(self) -> list[EmailMessage]:
        with self.lock:
            raw = list(self.received)
        return [message_from_bytes(m, policy=policy.default) for m in raw]  # type: ignore[misc]

    def wait_for(self, count: int, seconds: float = 30) -> list[EmailMessage]:
        deadline = time.monotonic() + seconds
        while time.monotonic() < deadline:
            if len(self.received) >= count:
                break
            time.sleep(0.05)
        return self.messages()

    def config(self, channels: str = '["email"]', extra: str = "") -> str:
        return (
            "[notify]\n"
            f"channels = {channels}\n"
            'digest_at = "08:00"\n'
            'review_day = ""\n'
            'email_to = "me@example.org"\n'
            'email_from = "crm@localhost"\n'
            f'smtp_url = "{self.url}"\n' + extra
        )

    def env(self) -> dict[str, str]:
        """What a crm process needs to trust this server and log in."""
        return {"SSL_CERT_FILE": str(self.ca_file), "CRM_SMTP_PASSWORD": PASSWORD}


class _Keeper:
    def __init__(self, server: MailServer) -> None:
        self.server = server

    async def handle_DATA(self, smtp, session, envelope):  # type: ignore[no-untyped-def]
        with self.server.lock:
            self.server.received.append(envelope.original_content or envelope.content)
        return "250 OK"


def _free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


@pytest.fixture
def mail_server(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Iterator[MailServer]:
    try:
        import trustme
        from aiosmtpd.controller import Controller
        from aiosmtpd.smtp import AuthResult, LoginPassword
    except ImportError as error:  # pragma: no cover - the test extra brings both
        pytest.skip(f"the SMTP server cannot start: {error}")
    ca = trustme.CA()
    cert = ca.issue_cert("127.0.0.1", "localhost")
    ca_file = tmp_path / "test-ca.pem"
    ca.cert_pem.write_to_path(str(ca_file))
    context = ssl.create_default_context(ssl.Purpose.CLIENT_AUTH)
    cert.configure_cert(context)
    server = MailServer(_free_port(), ca_file)

    def authenticate(smtp, session, envelope, mechanism, data):  # type: ignore[no-untyped-def]
        ok = isinstance(data, LoginPassword) and (data.login, data.password) == (
            USER.encode(),
            PASSWORD.encode(),
        )
        if ok:
            server.logins.append(mechanism)
        return AuthResult(success=ok)

    controller = Controller(
        _Keeper(server),
        hostname="127.0.0.1",
        port=server.port,
        tls_context=context,
        require_starttls=True,
        authenticator=authenticate,
        auth_required=True,
    )
    controller.start()
    for name, value in server.env().items():
        monkeypatch.setenv(name, value)
    try:
        yield server
    finally:
        controller.stop()
