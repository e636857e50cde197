"""`crm import mail`: replies and sent mail from mbox, Maildir, .eml files or an IMAP server."""

from __future__ import annotations

from datetime import datetime
from typing import TYPE_CHECKING

import typer

from crm.cli.common import DATE_HELP, day, env, report_plan

if TYPE_CHECKING:
    from crm.services.imap import Server
    from crm.services.mail import MailResult

KEYRING_SERVICE = "crm-imap"
KIND_WORDS = {"reply": ("reply", "replies"), "email": ("email", "emails")}


def mail(
    sources: list[str] = typer.Argument(
        ...,
        metavar="PATH",
        help="mbox files, Maildir folders, .eml files or folders of them, imaps://USER@HOST/FOLDER.",
    ),
    since: str | None = typer.Option(
        None, "--since", metavar="DATE", help=f"Only mail from that day on: {DATE_HELP}"
    ),
) -> None:
    """Log replies and emails from your mailbox, once per message.

    A message from a contact is a reply; one you sent (from an address in the `me` setting)
    is an email to each contact it went to. Mailing lists, auto-replies and no-reply senders
    are skipped. The IMAP password comes from CRM_IMAP_PASSWORD, or the system keyring
    (keyring set crm-imap USER@HOST).

    Example: crm import mail ~/Mail/INBOX ~/Mail/Sent
    """
    from pathlib import Path

    from crm.files import import_limit
    from crm.services.imap import is_imap, read_server, server_of
    from crm.services.mail import MailImport, letter_of
    from crm.services.mailboxes import messages

    servers = {text: server_of(text) for text in sources if is_imap(text)}
    passwords = {text: _password(server) for text, server in servers.items()}
    e = env()
    on = day(since, past=True)
    start = datetime.combine(on, datetime.min.time(), tzinfo=e.now.tzinfo) if on else None
    limit = import_limit(e.settings.import_max_mb)
    with e.writing() as session:
        into = MailImport(session=session, now=e.now, me=e.settings.me, since=start)
        for text in sources:
            if text in servers:
                read_server(servers[text], passwords[text], on, into)
                continue
            for message in messages(Path(text).expanduser(), limit=limit):
                letter = letter_of(message)
                if letter is None or message is None:
                    into.unreadable()
                elif into.wanted(letter):
                    into.add(letter, message)
        result = into.finish()
    report_touches(result)
    report_plan()


def _password(server: Server) -> str:
    import os

    from crm.errors import BadInput

    given = os.environ.get("CRM_IMAP_PASSWORD")
    if given:
        return given
    account = f"{server.user}@{server.host}"
    store = f"keyring set {KEYRING_SERVICE} {account}"
    try:
        import keyring
        import keyring.errors
    except ImportError:
        raise BadInput(
            f"no password for {account}: set CRM_IMAP_PASSWORD, or install the keyring "
            f"package (pip install keyring) and store it with `{store}`"
        ) from None
    try:
        password = keyring.get_password(KEYRING_SERVICE, account)
    except keyring.errors.KeyringError as error:
        raise BadInput(
            f"no password for {account}: set CRM_IMAP_PASSWORD (the system keyring cannot be "
            f"used: {error})"
        ) from None
    if not password:
        raise BadInput(f"no password for {account}: set CRM_IMAP_PASSWORD, or run `{store}`")
    return password


def report_touches(result: MailResult) -> None:
    """What an import of messages added, per contact, and what it skipped, and why."""
    from crm.services.mail import REASONS

    out = env().out
    added = _plural(result.added, "touchpoint")
    out.print(f"Read {_plural(result.read, 'message')}: {added} added.", soft_wrap=True)
    for name in sorted(result.per_contact, key=str.casefold):
        kinds = result.per_contact[name]
        words = [_plural(kinds[k], *KIND_WORDS[k]) for k in KIND_WORDS if kinds[k]]
        out.print(f"  {name}: {', '.join(words)}", soft_wrap=True)
    skipped = [(r, result.skipped[r]) for r in REASONS if result.skipped[r]]
    if skipped:
        out.print(f"Skipped {_plural(sum(n for _, n in skipped), 'message')}:")
        for reason, n in skipped:
            out.print(f"  {n:>3}  {reason}")
    if result.unknown:
        out.print("Unknown senders at your employers (add them with crm contact add …):")
        for count, name, address, employer in result.unknown:
            who = f"{name} <{address}>" if name else address
            out.print(f"  {count:>3}  {who} ({employer})", soft_wrap=True)
            shown = name or address.partition("@")[0]
            out.print(
                f'       crm contact add "{shown}" --employer "{employer}" --email {address}',
                soft_wrap=True,
            )


def _plural(n: int, word: str, words: str | None = None) -> str:
    return f"{n:,} {word}" if n == 1 else f"{n:,} {words or word + 's'}"
