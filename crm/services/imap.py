"""Mail kept only on a server, read over IMAP (TLS only): headers first, bodies when needed.

`imaps://USER@HOST[:PORT]/FOLDER`: the folder is opened read-only (EXAMINE), its messages'
headers are fetched in batches and handed to `MailImport.wanted`; only the messages that make
a touch are fetched whole. Nothing on the server changes (no \\Seen flag is set).
"""

import email
import imaplib
import re
import socket
import ssl
from collections.abc import Iterator
from dataclasses import dataclass
from datetime import date
from email.parser import BytesHeaderParser
from urllib.parse import unquote, urlsplit

from crm.errors import BadInput, CrmError
from crm.services.mail import Letter, MailImport, letter_of

HEADERS_AT_ONCE = 500
BODIES_AT_ONCE = 50
TIMEOUT = 60  # seconds without an answer before giving up on the server
# IMAP's month names, whatever the locale (strftime's %b follows it)
MONTHS = ("Jan", "Feb", "Mar", "Apr", "May", "Jun", "Jul", "Aug", "Sep", "Oct", "Nov", "Dec")
UID = re.compile(rb"UID (\d+)")


@dataclass(frozen=True)
class Server:
    user: str
    host: str
    port: int
    folder: str

    def __str__(self) -> str:
        return f"imaps://{self.user}@{self.host}:{self.port}/{self.folder}"


def is_imap(text: str) -> bool:
    return text.lower().startswith(("imaps://", "imap://"))


def server_of(text: str) -> Server:
    parts = urlsplit(text)
    if parts.scheme.lower() != "imaps":
        raise BadInput(f"{text}: crm reads mail over TLS only: imaps://USER@HOST/FOLDER (port 993)")
    user, at, host = parts.netloc.rpartition("@")  # the user may be an address: a@b@host
    host, _, port = host.partition(":")
    if not at or not user or not host:
        raise BadInput(f"{text}: write the server as imaps://USER@HOST/FOLDER")
    if port and not (port.isdigit() and 0 < int(port) < 65536):
        raise BadInput(f"{text}: {port!r} is not a port number")
    folder = unquote(parts.path.lstrip("/")) or "INBOX"
    return Server(unquote(user), host, int(port) if port else 993, folder)


def read_server(server: Server, password: str, since: date | None, into: MailImport) -> None:
    """Every message of the folder (since `since`) through `into`."""
    try:
        with imaplib.IMAP4_SSL(
            server.host, server.port, ssl_context=ssl.create_default_context(), timeout=TIMEOUT
        ) as imap:
            _login(imap, server, password)
            status, _ = imap.select(_quoted(server.folder), readonly=True)
            if status != "OK":
                raise BadInput(f"{server}: no folder {server.folder!r} on the server")
            criteria = (
                f"SINCE {since.day}-{MONTHS[since.month - 1]}-{since.year}" if since else "ALL"
            )
            status, found = imap.uid("SEARCH", criteria)
            uids = found[0].split() if status == "OK" and found and found[0] else []
            wanted: dict[bytes, Letter] = {}
            for uid, data in _fetch(imap, uids, "BODY.PEEK[HEADER]", HEADERS_AT_ONCE):
                headers = BytesHeaderParser().parsebytes(data)
                letter = letter_of(headers)
                if letter is None:
                    into.unreadable()
                elif into.wanted(letter):
                    wanted[uid] = letter
            for uid, data in _fetch(imap, list(wanted), "BODY.PEEK[]", BODIES_AT_ONCE):
                into.add(wanted[uid], email.message_from_bytes(data))
    except ssl.SSLCertVerificationError as error:
        raise CrmError(
            f"{server.host}: its certificate is not trusted ({error.verify_message}); for a "
            "server with its own certificate, point SSL_CERT_FILE at it"
        ) from None
    except (OSError, imaplib.IMAP4.error) as error:
        reason = error.strerror if isinstance(error, OSError) and error.strerror else error
        if isinstance(error, socket.timeout):
            reason = f"no answer in {TIMEOUT} s"
        raise CrmError(f"cannot read {server}: {reason}") from None


def _login(imap: imaplib.IMAP4_SSL, server: Server, password: str) -> None:
    try:
        imap.login(server.user, password)
    except imaplib.IMAP4.error as error:
        reason = (
            error.args[0].decode() if error.args and isinstance(error.args[0], bytes) else error
        )
        raise BadInput(f"{server}: the server refused the login ({reason})") from None


def _quoted(folder: str) -> str:
    return '"' + folder.replace("\\", "\\\\").replace('"', '\\"') + '"'


def _fetch(
    imap: imaplib.IMAP4_SSL, uids: list[bytes], part: str, at_once: int
) -> Iterator[tuple[bytes, bytes]]:
    for start in range(0, len(uids), at_once):
        chunk = b",".join(uids[start : start + at_once]).decode()
        status, data = imap.uid("FETCH", chunk, f"(UID {part})")
        if status != "OK":
            raise CrmError(f"the server would not send messages {chunk}: {data!r}")
        for item in data:
            if isinstance(item, tuple):
                found = UID.search(item[0])
                if found:
                    yield found.group(1), item[1]
