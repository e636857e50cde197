"""Shell completion of contact and employer names, straight from the database.

Completion runs the whole CLI on every Tab, so this reads SQLite with the standard library
(no SQLAlchemy) and never creates, migrates or writes a database: no file, no names.

Names match as lookups do, without case or accents: "mar" completes to María. A name argument
with no match completes to nothing; the shells' fallback to file names is kept for the
arguments that are files (crm's bash and zsh scripts below ask for it explicitly).
"""

from __future__ import annotations

import os
import re
import sqlite3
from contextlib import closing
from typing import Any

LIMIT = 50


def contact_names(ctx: Any, incomplete: str) -> list[str]:
    return _names(ctx, "SELECT name FROM contact WHERE archived_at IS NULL", incomplete)


def employer_names(ctx: Any, incomplete: str) -> list[str]:
    return _names(ctx, "SELECT name FROM employer", incomplete)


def _names(ctx: Any, sql: str, incomplete: str) -> list[str]:
    from crm.db import resolve_url, sqlite_path
    from crm.settings import load_settings

    try:
        db = ctx.find_root().params.get("db") if ctx is not None else None
        path = sqlite_path(resolve_url(db, load_settings()))
    except Exception:  # a broken config must not break the shell's Tab key
        return []
    if path is None or not path.is_file():
        return []
    try:
        with closing(sqlite3.connect(f"file:{path}?mode=ro", uri=True)) as connection:
            names = [row[0] for row in connection.execute(f"{sql} ORDER BY name")]
    except sqlite3.Error:
        return []
    # Shells (and Typer) keep only completions that start with what was typed, as typed; crm
    # matches names in any case and without accents, so "da" may complete to "dana Whitfield"
    # and "mar" to "maría González".
    found = [m for m in (_completed(incomplete, n) for n in names) if m is not None][:LIMIT]
    typed_word = os.environ.get("COMP_WORDS", "").split(" ")[-1]
    quoted = typed_word[:1] in ("'", '"')  # inside quotes a space needs no escape
    if os.environ.get("_CRM_COMPLETE") == "complete_bash" and " " not in incomplete and not quoted:
        # bash inserts a completion as it is: escape the spaces, or "Sam Ortiz" is two words,
        # and what the shell would read as an operator ("Müller & Co")
        return [re.sub(r"([^\w@%+=:,./-])", r"\\\1", name) for name in found]
    return found


def _completed(typed: str, name: str) -> str | None:
    """`name` with its start replaced by what was typed, if the two fold alike."""
    from crm.services.text import fold

    wanted = fold(typed)
    for size in range(len(name) + 1):
        start = fold(name[:size])
        if start == wanted:
            return typed + name[size:]
        if not wanted.startswith(start):
            return None
    return None


def choices(words: list[str], incomplete: str) -> list[str]:
    """Fixed words (the kinds of touch) that start with what was typed."""
    typed = incomplete.casefold()
    return [word for word in words if word.startswith(typed)]


# What crm's bash script adds to Typer's: a parameter that is a file asks for the shell's file
# completion with this one line, and nothing else ever falls back to file names.
FILES = "::crm-files::"
BASH_SCRIPT = """
%(complete_func)s() {
    local IFS=$'\\n'
    local found
    found=( $( env COMP_WORDS="${COMP_WORDS[*]}" \\
                   COMP_CWORD=$COMP_CWORD \\
                   _CRM_COMPLETE_FILES=1 \\
                   %(autocomplete_var)s=complete_bash $1 ) )
    if [[ ${#found[@]} -eq 1 && ${found[0]} == "::crm-files::" ]]; then
        compopt -o default
        COMPREPLY=()
    else
        COMPREPLY=( "${found[@]}" )
    fi
    return 0
}

complete -F %(complete_func)s %(prog_name)s
"""


def install_shell_classes() -> None:
    """crm's own bash and zsh completion: Typer's, except for the fallback to file names."""
    import typer._completion_shared as shared
    from typer._click.shell_completion import add_completion_class
    from typer._completion_classes import BashComplete, ZshComplete

    class CrmBash(BashComplete):
        source_template = BASH_SCRIPT

        def complete(self) -> str:
            args, incomplete = self.get_completion_args()
            found, wants_files = _complete(self, args, incomplete)
            if not found and wants_files and os.environ.get("_CRM_COMPLETE_FILES"):
                return FILES
            return "\n".join(self.format_completion(item) for item in found)

    class CrmZsh(ZshComplete):
        def complete(self) -> str:
            args, incomplete = self.get_completion_args()
            found, wants_files = _complete(self, args, incomplete)
            if found:
                lines = "\n".join(self.format_completion(item) for item in found)
                return f"_arguments '*: :(({lines}))'"
            return "_files" if wants_files else "_message 'no match'"

    shared._completion_scripts["bash"] = BASH_SCRIPT  # what --install-completion writes
    add_completion_class(CrmBash, "bash")
    add_completion_class(CrmZsh, "zsh")


def _complete(shell: Any, args: list[str], incomplete: str) -> tuple[list[Any], bool]:
    """The completions, and whether the parameter being completed is a file."""
    from typer._click.shell_completion import _resolve_context, _resolve_incomplete

    ctx = _resolve_context(shell.cli, shell.ctx_args, shell.prog_name, args)
    target, incomplete = _resolve_incomplete(ctx, args, incomplete)
    found = [item for item in target.shell_complete(ctx, incomplete) if item.type != "file"]
    kind = getattr(target, "type_descriptor", None)
    return found, bool(kind is not None and (kind.is_path or kind.is_file))
