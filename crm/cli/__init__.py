"""The `crm` command line: thin adapters from arguments to one service call and its output."""

import sys


def main() -> None:
    from crm.cli.shortcut import search_shortcut, today_shortcut

    if today_shortcut(sys.argv[1:]) or search_shortcut(sys.argv[1:]):
        return
    from crm.cli.app import app

    app(prog_name="crm")
