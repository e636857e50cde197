"""`crm demo`: explore crm on a made-up story, in a throwaway database."""

from __future__ import annotations

from shlex import quote

import typer

from crm.cli.common import env


def demo(ctx: typer.Context) -> None:
    """Build a throwaway database with a believable story; show its today and its review.

    Your own database is not touched. The story: a rejection at rank 2, four people met, thank-you
    notes, a reply, a LinkedIn connection, a job change, and the employer hiring again.

    Example: crm demo
    """
    import tempfile
    from pathlib import Path

    from crm.demo import build, pretending, run

    e = env()
    now = e.now
    crm = ctx.find_root().command  # the whole command line, to replay the story through
    folder = Path(tempfile.mkdtemp(prefix="crm-demo-"))  # 0700, like the data folder
    database = build(crm, folder, now)
    e.out.print(
        f"A made-up job search, written to {database} (your own data is untouched).\n",
        soft_wrap=True,
    )
    with pretending(now):
        for argv in (["today"], ["review"]):
            e.out.print(f"$ crm {argv[0]}", style="bold")
            e.out.file.flush()
            run(crm, database, argv)
            e.out.print()
    e.out.print("Explore it further:")
    e.out.print(f"  crm --db {quote(str(database))} contact show dana", soft_wrap=True)
    e.out.print(f"It is yours to delete when done: rm -r {quote(str(folder))}", soft_wrap=True)
