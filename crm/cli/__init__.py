"""The `crm` command line: thin adapters from arguments to one service call and its output."""

import sys


def main() -> None:
    from crm.cli.shortcut import (
        calendar_shortcut,
        contact_show_shortcut,
        log_shortcut,
        remind_shortcut,
        review_shortcut,
        search_shortcut,
        task_finish_shortcut,
        task_list_shortcut,
        today_shortcut,
    )

    # a terminal or a pipe in an encoding without "é" or "·" (LANG=C, PYTHONIOENCODING=ascii)
    # shows them escaped rather than failing after a write was committed
    if hasattr(sys.stdout, "reconfigure"):
        sys.stdout.reconfigure(errors="backslashreplace")
    argv = sys.argv[1:]
    for shortcut in (
        today_shortcut,
        task_list_shortcut,
        contact_show_shortcut,
        calendar_shortcut,
        search_shortcut,
        log_shortcut,
        task_finish_shortcut,
        remind_shortcut,
        review_shortcut,
    ):
        if shortcut(argv):
            return
    from crm.cli.app import app

    app(prog_name="crm")
