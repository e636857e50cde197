"""The `crm` command line: thin adapters from arguments to one service call and its output."""

from crm.cli.app import app


def main() -> None:
    app(prog_name="crm")
