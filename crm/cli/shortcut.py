"""`crm today` without Typer: the one command worth a shortcut.

People run `crm today` in shell prompts and status bars, where every start counts; building the
Typer app (and the pydantic it now imports) is ~70 ms of the ~150 ms it needs. Only the exact
forms below take the shortcut; anything else (`crm today --help`, a typo) goes through Typer,
which runs the very same `show_today`.
"""

from __future__ import annotations

import os
import sys

FORMS = (["today"], ["today", "--json"])


def today_shortcut(argv: list[str]) -> bool:
    """Run `[--db PATH_OR_URL] today [--json]` and return True, or return False untouched."""
    db, rest = _db_option(argv)
    if rest not in FORMS or "_CRM_COMPLETE" in os.environ:
        return False
    from crm.cli.env import start
    from crm.cli.today_view import show_today
    from crm.errors import CrmError

    env = start(db)
    try:
        show_today(env, json=rest == FORMS[1])
        sys.stdout.flush()
    except CrmError as error:
        from crm.cli.env import error_line

        sys.stderr.write(error_line(error, env) + "\n")
        raise SystemExit(int(error.exit_status)) from None
    except BrokenPipeError:  # `crm today | head -1`: the reader has gone, and that is fine
        os.dup2(os.open(os.devnull, os.O_WRONLY), sys.stdout.fileno())
    finally:
        env.close()
    return True


def _db_option(argv: list[str]) -> tuple[str | None, list[str]]:
    if len(argv) >= 2 and argv[0] == "--db":
        return argv[1], argv[2:]
    if argv and argv[0].startswith("--db="):
        return argv[0][len("--db=") :], argv[1:]
    return None, argv
