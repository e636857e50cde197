"""The ways a message leaves crm: a desktop notification, an email, or a program of the user's.

Each channel sends one `Message` or raises `NotDelivered` with one line that says why. Nothing
here decides what to send or when (crm/notify.py does); nothing here reads the database.
"""

from __future__ import annotations

import os
import subprocess
import sys
from dataclasses import dataclass
from datetime import datetime

from crm.errors import CrmError
from crm.settings import Notify

SMTP_TIMEOUT_SECONDS = 30
COMMAND_TIMEOUT_SECONDS = 60
DBUS_TIMEOUT_SECONDS = 10
KEYRING_SERVICE = "crm-smtp"  # keyring set crm-smtp USER@HOST


class NotDelivered(CrmError):
    pass


@dataclass(frozen=True)
class Message:
    subject: str  # the notification's summary, the mail's subject
    text: str  # the plain body: the desktop shows its first lines, a command gets all of it
    html: str | None = None  # the email's HTML alternative
    written: datetime | None = None  # the email's Date (crm's now, which may be CRM_NOW)


def send(channel: str, message: Message, notify: Notify) -> None:
    if channel == "desktop":
        send_desktop(message)
    elif channel == "email":
        missing = [n for n in ("smtp_url", "email_to", "email_from") if not getattr(notify, n)]
        if missing:
            raise NotDelivered(f"the email channel needs notify.{missing[0]} in config.toml")
        send_email(message, notify)
    elif channel == "command":
        send_command(message, notify.command)
    else:
        raise NotDelivered(f"unknown channel {channel!r}")


# -- desktop -------------------------------------------------------------------------------


def send_desktop(message: Message) -> None:
    """A freedesktop notification over the D-Bus session bus; Notification Center on macOS."""
    if sys.platform == "darwin":
        _osascript(message)
        return
    address = os.environ.get("DBUS_SESSION_BUS_ADDRESS")
    if not address:
        raise NotDelivered("no desktop session: DBUS_SESSION_BUS_ADDRESS is not set")
    from jeepney import DBusAddress, new_method_call
    from jeepney.io.blocking import open_dbus_connection
    from jeepney.wrappers import DBusErrorResponse, unwrap_msg

    target = DBusAddress(
        "/org/freedesktop/Notifications",
        bus_name="org.freedesktop.Notifications",
        interface="org.freedesktop.Notifications",
    )
    # app_name, replaces_id, app_icon, summary, body, actions, hints, expire_timeout (-1: the
    # server's default)
    call = new_method_call(
        target,
        "Notify",
        "susssasa{sv}i",
        ("crm", 0, "", message.subject, _desktop_body(message.text), [], {}, -1),
    )
    try:
        connection = open_dbus_connection(bus=address)
    except (OSError, ValueError) as error:
        raise NotDelivered(f"cannot reach the desktop session bus: {error}") from None
    try:
        # an error is a reply like any other (no notification service on the bus: "not
        # provided by any .service files"): unwrap_msg raises it
        unwrap_msg(connection.send_and_get_reply(call, timeout=DBUS_TIMEOUT_SECONDS))
    except DBusErrorResponse as error:
        raise NotDelivered(f"the desktop refused the notification: {error.name}") from None
    except TimeoutError:
        raise NotDelivered("the desktop's notification service did not answer") from None
    finally:
        connection.close()


def _desktop_body(text: str, lines: int = 8) -> str:
    """A notification shows a few lines; the digest's list is cut there, with a pointer."""
    kept = [line for line in text.splitlines() if line.strip()][:lines]
    return "\n".join(kept)


def _osascript(message: Message) -> None:
    script = [
        "on run argv",
        "display notification (item 2 of argv) with title (item 1 of argv)",
        "end run",
    ]
    argv = ["osascript", *(part for line in script for part in ("-e", line))]
    _run([*argv, message.subject, _desktop_body(message.text, 3)], None, "osascript")


# -- command -------------------------------------------------------------------------------


def send_command(message: Message, command: str) -> None:
    """Run the user's program (split as a shell would, but without a shell), the text on stdin."""
    import shlex

    argv = shlex.split(command)
    if not argv:
        raise NotDelivered("the command channel needs notify.command in config.toml")
    _run(argv, message.text, argv[0])


def _run(argv: list[str], stdin: str | None, name: str) -> None:
    try:
        done = subprocess.run(
            argv,
            input=stdin,
            capture_output=True,
            text=True,
            timeout=COMMAND_TIMEOUT_SECONDS,
        )
    except FileNotFoundError:
        raise NotDelivered(f"{name}: no such program") from None
    except PermissionError:
        raise NotDelivered(f"{name}: not allowed to run it") from None
    except subprocess.TimeoutExpired:
        raise NotDelivered(f"{name} did not finish within {COMMAND_TIMEOUT_SECONDS} s") from None
    if done.returncode != 0:
        said = (done.stderr.strip().splitlines() or [""])[-1][:200]
        raise NotDelivered(
            f"{name} exited with status {done.returncode}" + (f": {said}" if said else "")
        )


# -- email ---------------------------------------------------------------------------------


@dataclass(frozen=True)
class Server:
    tls: bool  # smtps://: TLS from the first byte; smtp://: STARTTLS
    host: str
    port: int
    user: str | None


def server_of(url: str) -> Server:
    """smtp://user@host:587 or smtps://user@host:465 (settings checked the shape already)."""
    scheme, _, rest = url.partition("://")
    user, _, hostport = rest.rpartition("@")
    hostport = hostport.rstrip("/")
    bare = ":" not in hostport or hostport.endswith("]")  # no port (an IPv6 host is in [])
    host, _, port = (hostport, "", "") if bare else hostport.rpartition(":")
    tls = scheme == "smtps"
    from urllib.parse import unquote

    return Server(
        tls, host.strip("[]"), int(port) if port else 465 if tls else 587, unquote(user) or None
    )


def smtp_password(server: Server) -> str:
    """CRM_SMTP_PASSWORD, else the system keyring's entry for user@host under crm-smtp."""
    password = os.environ.get("CRM_SMTP_PASSWORD")
    if password:
        return password
    account = f"{server.user}@{server.host}"
    try:
        import keyring
        from keyring.errors import KeyringError, NoKeyringError

        try:
            password = keyring.get_password(KEYRING_SERVICE, account)
        except NoKeyringError:
            raise NotDelivered(
                "no SMTP password: CRM_SMTP_PASSWORD is not set and there is no system keyring"
            ) from None
        except KeyringError as error:
            raise NotDelivered(
                f"no SMTP password: CRM_SMTP_PASSWORD is not set and the keyring failed ({error})"
            ) from None
    except ImportError:
        password = None
    if not password:
        raise NotDelivered(
            "no SMTP password: set CRM_SMTP_PASSWORD, or store it with "
            f"`keyring set {KEYRING_SERVICE} {account}`"
        )
    return password


def email_message(message: Message, notify: Notify) -> object:
    """The mail: text/plain, with the HTML as its alternative when there is one."""
    from email.message import EmailMessage
    from email.utils import format_datetime, make_msgid

    mail = EmailMessage()
    mail["Subject"] = message.subject
    mail["From"] = notify.email_from
    mail["To"] = notify.email_to
    if message.written is not None:
        mail["Date"] = format_datetime(message.written)
    mail["Message-ID"] = make_msgid(domain=notify.email_from.rpartition("@")[2] or None)
    mail["Auto-Submitted"] = "auto-generated"  # RFC 3834: no vacation replies to a robot
    mail.set_content(message.text, cte="quoted-printable")  # readable as it travels
    if message.html is not None:
        mail.add_alternative(message.html, subtype="html")
    return mail


def send_email(message: Message, notify: Notify) -> None:
    import smtplib
    import ssl

    server = server_of(notify.smtp_url)
    mail = email_message(message, notify)
    where = f"{server.host}:{server.port}"
    context = ssl.create_default_context()
    try:
        if server.tls:
            smtp: smtplib.SMTP = smtplib.SMTP_SSL(
                server.host, server.port, timeout=SMTP_TIMEOUT_SECONDS, context=context
            )
        else:
            smtp = smtplib.SMTP(server.host, server.port, timeout=SMTP_TIMEOUT_SECONDS)
        with smtp:
            if not server.tls:
                smtp.ehlo()
                if smtp.has_extn("starttls"):
                    smtp.starttls(context=context)
                    smtp.ehlo()
                elif not _loopback(server.host):
                    raise NotDelivered(
                        f"the mail server at {where} does not offer STARTTLS: crm will not "
                        "send mail or a password in the clear (use smtps:// if it speaks TLS)"
                    )
            if server.user:
                smtp.login(server.user, smtp_password(server))
            smtp.send_message(mail)  # type: ignore[arg-type]
    except NotDelivered:
        raise
    except smtplib.SMTPAuthenticationError as error:
        raise NotDelivered(
            f"the mail server at {where} refused the login: {_said(error)}"
        ) from None
    except smtplib.SMTPException as error:
        raise NotDelivered(f"the mail server at {where} refused the mail: {_said(error)}") from None
    except ssl.SSLError as error:
        raise NotDelivered(f"no secure connection to {where}: {error.reason or error}") from None
    except OSError as error:
        raise NotDelivered(f"cannot reach the mail server at {where}: {error}") from None


def _said(error: Exception) -> str:
    text = getattr(error, "smtp_error", b"") or str(error).encode()
    if isinstance(text, bytes):
        text = text.decode(errors="replace")
    return " ".join(str(text).split())[:200]


def _loopback(host: str) -> bool:
    """A relay on this machine (a local postfix) may speak plain SMTP: nothing crosses a wire."""
    import ipaddress

    if host == "localhost":
        return True
    try:
        return ipaddress.ip_address(host).is_loopback
    except ValueError:
        return False
