"""A real IMAP server for the tests: Debian's dovecot on loopback, with a throwaway config.

TLS with a certificate made for the occasion (the client trusts it through SSL_CERT_FILE, as a
user with a self-signed server would), passwd-file authentication, one Maildir that the tests
fill, a free high port. `.ci/run` installs dovecot-imapd; where it cannot start, the tests that
need it skip and say why.
"""

from __future__ import annotations

import os
import pwd
import shutil
import socket
import subprocess
import tempfile
import time
from collections.abc import Iterator
from dataclasses import dataclass
from email.message import EmailMessage
from pathlib import Path

import pytest

from tests.mailfixtures import ME, write_maildir

PASSWORD = "correct horse battery staple"
CONFIG = """\
base_dir = {run}
state_dir = {state}
log_path = {log}
instance_name = crm-test-{port}
protocols = imap
listen = 127.0.0.1
ssl = required
ssl_cert = <{cert}
ssl_key = <{key}
first_valid_uid = 1
first_valid_gid = 1
auth_mechanisms = plain
{users}
passdb {{
  driver = passwd-file
  args = scheme=PLAIN username_format=%u {passwd}
}}
userdb {{
  driver = static
  args = uid={uid} gid={gid} home={mail}/%u
}}
mail_location = maildir:~/Maildir
service imap-login {{
  inet_listener imap {{
    port = 0
  }}
  inet_listener imaps {{
    address = 127.0.0.1
    port = {port}
    ssl = yes
  }}
}}
"""


@dataclass
class Dovecot:
    port: int
    cert: Path
    log: Path
    mail: Path  # the folder that holds each user's home
    uid: int
    gid: int

    def url(self, folder: str) -> str:
        return f"imaps://{ME}@localhost:{self.port}/{folder}"

    def fill(self, folder: str, messages: list[EmailMessage]) -> None:
        """A folder of the user's Maildir (Maildir++: ~/Maildir/.FOLDER) holding `messages`."""
        home = self.mail / ME
        write_maildir(home / "Maildir" / f".{folder}", messages)
        for path in [home, *home.rglob("*")]:
            os.chown(path, self.uid, self.gid)

    def bodies_sent(self, since: int) -> int:
        """How many whole messages the server sent since the log was `since` bytes long."""
        text = self.log.read_bytes()[since:].decode(errors="replace")
        return sum(int(part.split()[0]) for part in text.split("body_count=")[1:])

    def log_size(self) -> int:
        return self.log.stat().st_size if self.log.exists() else 0


def _free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return int(probe.getsockname()[1])


def _answers(port: int) -> bool:
    try:
        with socket.create_connection(("127.0.0.1", port), timeout=0.5):
            return True
    except OSError:
        return False


@pytest.fixture(scope="session")
def dovecot() -> Iterator[Dovecot]:
    binary = shutil.which("dovecot") or shutil.which("dovecot", path="/usr/sbin:/usr/local/sbin")
    if binary is None:
        pytest.skip("dovecot is not installed (apt-get install dovecot-imapd; .ci/run does)")
    if shutil.which("openssl") is None:
        pytest.skip("openssl is not installed: it makes the test server's certificate")
    work = Path(tempfile.mkdtemp(prefix="crm-dovecot-"))
    work.chmod(0o755)  # the mail processes run as another user when the tests run as root
    mail = work / "mail"
    mail.mkdir()
    cert, key, log = work / "cert.pem", work / "key.pem", work / "dovecot.log"
    subprocess.run(
        [
            *("openssl", "req", "-x509", "-newkey", "rsa:2048", "-nodes", "-days", "2"),
            *("-keyout", str(key), "-out", str(cert), "-subj", "/CN=localhost"),
            *("-addext", "subjectAltName=DNS:localhost,IP:127.0.0.1"),
        ],
        check=True,
        capture_output=True,
    )
    (work / "passwd").write_text(f"{ME}:{{PLAIN}}{PASSWORD}\n")
    if os.getuid() == 0:  # dovecot refuses to run mail processes as root
        account = pwd.getpwnam("dovecot")
        uid, gid, users = account.pw_uid, account.pw_gid, ""
    else:  # everything as the user running the tests
        me = pwd.getpwuid(os.getuid()).pw_name
        uid, gid = os.getuid(), os.getgid()
        users = f"default_login_user = {me}\ndefault_internal_user = {me}\n"
    port = _free_port()
    config = work / "dovecot.conf"
    config.write_text(
        CONFIG.format(
            run=work / "run",
            state=work / "state",
            log=log,
            port=port,
            cert=cert,
            key=key,
            users=users,
            passwd=work / "passwd",
            uid=uid,
            gid=gid,
            mail=mail,
        )
    )
    server = subprocess.Popen(
        [binary, "-F", "-c", str(config)], stdout=subprocess.PIPE, stderr=subprocess.STDOUT
    )
    try:
        deadline = time.monotonic() + 15
        while not _answers(port):
            if server.poll() is not None or time.monotonic() > deadline:
                said = server.stdout.read() if server.poll() is not None and server.stdout else b""
                logged = log.read_text(errors="replace") if log.exists() else ""
                reason = (said.decode(errors="replace") + logged).strip().splitlines()[-1:]
                pytest.skip(f"dovecot did not start: {' '.join(reason) or 'no answer in 15 s'}")
            time.sleep(0.1)
        yield Dovecot(port, cert, log, mail, uid, gid)
    finally:
        server.terminate()
        try:
            server.wait(timeout=10)
        except subprocess.TimeoutExpired:
            server.kill()
            server.wait()
        shutil.rmtree(work, ignore_errors=True)
