"""The `crm` command line: thin adapters from arguments to one service call and its output."""

import sys


def main() -> None:
    from crm.cli.shortcut import search_shortcut, task_list_shortcut, today_shortcut

    argv = sys.argv[1:]
    if today_shortcut(argv) or task_list_shortcut(argv) or search_shortcut(argv):
        return
    from crm.cli.app import app

    app(prog_name="crm")
