"""`crm today`, `crm task list`, `crm contact show`, `crm calendar`, `crm search`, `crm log`,
`crm task done|skip`, `crm remind` and `crm review` without Typer: the commands worth a
shortcut.

People run `crm today` in shell prompts and status bars, search in the middle of something, and
log a call right after it, where every start counts; building the Typer app (and the pydantic
it now imports) is ~70 ms of the ~150 ms `crm today` needs. Only the exact forms below take the
shortcut; anything else (`crm today --help`, `crm search --limit 5 x`, `crm log note dana
--file x`, a typo) goes through Typer, which runs the very same `show_today`, `show_task_list`,
`show_contact`, `write_calendar`, `show_search`, `log_touch_as_typed`, `finish_as_typed`,
`remind` and `show_review`.
"""

from __future__ import annotations

import os
import sys
from collections.abc import Callable
from typing import TYPE_CHECKING

if TYPE_CHECKING:
    from crm.cli.env import Env

FORMS = (["today"], ["today", "--json"], ["today", "--brief"])


def today_shortcut(argv: list[str]) -> bool:
    """Run `[--db PATH_OR_URL] today [--json|--brief]` and return True, or return False
    untouched."""
    db, rest = _db_option(argv)
    if rest not in FORMS or "_CRM_COMPLETE" in os.environ:
        return False
    from crm.cli.env import start
    from crm.cli.today_view import show_today

    return _run(
        start(db), lambda env: show_today(env, json=rest == FORMS[1], brief=rest == FORMS[2])
    )


def task_list_shortcut(argv: list[str]) -> bool:
    """Run `[--db PATH_OR_URL] task list [--all] [--json]` and return True, or return False."""
    db, rest = _db_option(argv)
    options = rest[2:]
    if rest[:2] != ["task", "list"] or "_CRM_COMPLETE" in os.environ:
        return False
    if len(set(options)) != len(options) or not set(options) <= {"--all", "--json"}:
        return False
    from crm.cli.env import start
    from crm.cli.task_list_view import show_task_list

    return _run(
        start(db),
        lambda env: show_task_list(env, all_="--all" in options, json="--json" in options),
    )


def calendar_shortcut(argv: list[str]) -> bool:
    """Run `[--db PATH_OR_URL] calendar FILE` and return True, or return False."""
    db, rest = _db_option(argv)
    if len(rest) != 2 or rest[0] != "calendar" or rest[1].startswith("-"):
        return False
    if "_CRM_COMPLETE" in os.environ:
        return False
    from crm.cli.calendar_view import write_calendar
    from crm.cli.env import start

    return _run(start(db), lambda env: write_calendar(env, rest[1]))


def search_shortcut(argv: list[str]) -> bool:
    """Run `[--db PATH_OR_URL] search WORD... [--json]` and return True, or return False."""
    db, rest = _db_option(argv)
    json = "--json" in rest[1:]
    words = [w for w in rest[1:] if w != "--json"]
    if rest[:1] != ["search"] or not words or "_CRM_COMPLETE" in os.environ:
        return False
    if any(w.startswith("-") for w in words):
        return False  # an option, or a word that looks like one: Typer decides
    from crm.cli.env import start
    from crm.cli.search_view import show_search

    return _run(start(db), lambda env: show_search(env, words, json=json))


def contact_show_shortcut(argv: list[str]) -> bool:
    """Run `[--db PATH_OR_URL] contact show NAME [--json]` and return True, or return False."""
    db, rest = _db_option(argv)
    if rest[:2] != ["contact", "show"] or "_CRM_COMPLETE" in os.environ:
        return False
    json = "--json" in rest[2:]
    words = [w for w in rest[2:] if w != "--json"]
    if len(words) != 1 or words[0].startswith("-") or rest[2:].count("--json") > 1:
        return False  # an option, no name or two: Typer decides and says why
    from crm.cli.contact_view import show_contact
    from crm.cli.env import start

    return _run(start(db), lambda env: show_contact(env, words[0], json=json))


LOG_OPTIONS = {"--note": "note", "--on": "on", "--topic": "topic"}


def log_shortcut(argv: list[str]) -> bool:
    """Run `[--db PATH_OR_URL] log KIND NAME` with any of `--note TEXT`, `--on DATE`,
    `--topic TEXT` (each once, `--note=TEXT` too) and `--in`, and return True, or return False."""
    db, rest = _db_option(argv)
    if rest[:1] != ["log"] or "_CRM_COMPLETE" in os.environ:
        return False
    words: list[str] = []
    options: dict[str, str] = {}
    incoming = False
    given = iter(rest[1:])
    for word in given:
        name, equals, value = word.partition("=")
        if name in LOG_OPTIONS:
            if not equals:
                value = next(given, "-")
            if LOG_OPTIONS[name] in options or value.startswith("-"):
                return False  # twice, or no value: Typer decides and says why
            options[LOG_OPTIONS[name]] = value
        elif word == "--in" and not incoming:
            incoming = True
        elif word.startswith("-"):
            return False  # --file, --job, --strict, --help, `--`...: Typer's
        else:
            words.append(word)
    if len(words) != 2:
        return False
    from crm.cli.env import start, typed
    from crm.cli.record_view import log_touch_as_typed

    typed(argv)
    kind, contact = words
    return _run(
        start(db),
        lambda env: log_touch_as_typed(
            env,
            kind=kind,
            contact=contact,
            on=options.get("on"),
            note=options.get("note"),
            topic=options.get("topic"),
            incoming=incoming,
        ),
    )


def task_finish_shortcut(argv: list[str]) -> bool:
    """Run `[--db PATH_OR_URL] task done|skip ID` and return True, or return False."""
    db, rest = _db_option(argv)
    if len(rest) != 3 or rest[0] != "task" or rest[1] not in ("done", "skip"):
        return False
    if rest[2].startswith("-") or "_CRM_COMPLETE" in os.environ:
        return False
    from crm.cli.env import start, typed
    from crm.cli.record_view import finish_as_typed

    typed(argv)
    status = "done" if rest[1] == "done" else "skipped"
    return _run(start(db), lambda env: finish_as_typed(env, rest[2], status))


def remind_shortcut(argv: list[str]) -> bool:
    """Run `[--db PATH_OR_URL] remind [--verbose|-v]` and return True, or return False (with
    --notify, Typer's: the channels need what it imports anyway)."""
    db, rest = _db_option(argv)
    if rest not in (["remind"], ["remind", "--verbose"], ["remind", "-v"]):
        return False
    if "_CRM_COMPLETE" in os.environ:
        return False
    from crm.cli.env import start
    from crm.cli.remind_view import remind

    return _run(start(db), lambda env: remind(env, verbose=len(rest) == 2))


def review_shortcut(argv: list[str]) -> bool:
    """Run `[--db PATH_OR_URL] review [--json]` and return True, or return False (--days,
    --since and --output are Typer's)."""
    db, rest = _db_option(argv)
    if rest not in (["review"], ["review", "--json"]) or "_CRM_COMPLETE" in os.environ:
        return False
    from crm.cli.env import start
    from crm.cli.review_view import show_review

    return _run(
        start(db),
        lambda env: show_review(env, days=None, since=None, output=None, json=len(rest) == 2),
    )


def _run(env: Env, show: Callable[[Env], None]) -> bool:
    from crm.errors import CrmError

    try:
        show(env)
        sys.stdout.flush()
    except CrmError as error:
        from crm.cli.env import error_line

        sys.stderr.write(error_line(error, env) + "\n")
        raise SystemExit(int(error.exit_status)) from None
    except BrokenPipeError:  # `crm today | head -1`: the reader has gone; quietly, and with
        # the status Click gives on the Typer path (1), so a pipeline reads the same either way
        os.dup2(os.open(os.devnull, os.O_WRONLY), sys.stdout.fileno())
        raise SystemExit(1) from None
    finally:
        env.close()
    return True


def _db_option(argv: list[str]) -> tuple[str | None, list[str]]:
    if len(argv) >= 2 and argv[0] == "--db":
        return argv[1], argv[2:]
    if argv and argv[0].startswith("--db="):
        return argv[0][len("--db=") :], argv[1:]
    return None, argv
