"""`crm notify test`: try each channel the digest would go by."""

from __future__ import annotations

import typer

from crm.cli.common import env

app = typer.Typer(
    help="Notifications: the channels the daily digest and weekly review go by.",
    no_args_is_help=True,
)


@app.command("test")
def test(
    channel: list[str] | None = typer.Option(
        None,
        "--channel",
        metavar="NAME",
        help="Only this channel (desktop, email or command); may be repeated.",
    ),
) -> None:
    """Send a short test through each configured channel and say, per channel, what happened.

    Exits with status 1 when any channel did not deliver.

    Example: crm notify test --channel email
    """
    from crm.errors import BadInput
    from crm.notify import notify_test
    from crm.settings import CHANNELS

    e = env()
    chosen = list(dict.fromkeys(channel or e.settings.notify.channels))
    strange = [c for c in chosen if c not in CHANNELS]
    if strange:
        raise BadInput(f"unknown channel {strange[0]!r} (the channels are {', '.join(CHANNELS)})")
    if not chosen:
        raise BadInput(
            'no channel configured: add channels = ["desktop"] (or "email", "command") under '
            "[notify] in config.toml, or name one with --channel"
        )
    failed = 0
    for outcome in notify_test(e.settings, chosen, e.now):
        e.out.print(f"{outcome.channel:<8} {outcome.why}", soft_wrap=True)
        failed += not outcome.sent
    if failed:
        raise typer.Exit(1)
