"""`crm draft`: a personal thank-you note to edit and send, from what crm knows.

crm never sends mail: it prints the draft, opens it in your editor, or prints a mailto: link
for your mail client. The draft's text goes to stdout untouched (no wrapping, no markup), so
`crm draft dana > note.txt` gives a file that `crm log thank-you dana --file` accepts.
"""

from __future__ import annotations

import sys
from typing import TYPE_CHECKING

import typer

from crm.cli.common import CONTACT, JSON, env, report_plan
from crm.printable import one_line, printable

if TYPE_CHECKING:
    from pathlib import Path

    from crm.cli.env import Env
    from crm.models import Contact
    from crm.services.drafts import PreparedDraft


def draft(
    contact: str = CONTACT,
    edit: bool = typer.Option(
        False, "--edit", help="Open the draft in $VISUAL or $EDITOR, check it, offer to log it."
    ),
    mailto: bool = typer.Option(
        False, "--mailto", help="Print a mailto: link (subject and body) for your mail client."
    ),
    yes: bool = typer.Option(
        False,
        "--yes",
        "-y",
        help="Answer yes: draft for a contact marked not keep-in-touch; log the edited note.",
    ),
    strict: bool = typer.Option(
        False, "--strict", help="With --edit: refuse to log a note the checks warn about."
    ),
    json: bool = JSON,
) -> None:
    """Draft a personal thank-you note after a rejection, with what crm knows.

    The draft covers the six elements of the advice and names the job, the employer and what
    you noted; where crm knows no specific detail it leaves a [[...]] place for one.

    Example: crm draft dana --edit
    """
    from crm.errors import BadInput
    from crm.services.drafts import prepare_draft
    from crm.services.lookup import find_contact

    if json and edit:
        raise BadInput("--json and --edit don't go together: --json prints the draft as data")
    e = env()
    with e.reading() as session:
        prepared = prepare_draft(session=session, now=e.now, contact=find_contact(session, contact))
    person = prepared.facts.contact
    if not person.keep_in_touch and not yes:
        _sincerity_gate(person)
    if json:
        _print_json(e, prepared)
    elif edit:
        _edit_and_log(e, prepared, yes=yes, strict=strict, mailto=mailto)
    elif mailto:
        _warn(prepared.checks.warnings(e.now.tzinfo))
        _print_mailto(person, prepared.draft.subject, prepared.draft.body)
    else:
        # a file (`> note.txt`) gets the text as it is; a terminal never gets its control characters
        text = prepared.draft.text
        typer.echo(printable(text) if sys.stdout.isatty() else text, nl=False)
        _warn(prepared.checks.warnings(e.now.tzinfo))


def stdin_is_terminal() -> bool:
    """Whether a question can be asked (tests replace this to answer through CliRunner)."""
    return sys.stdin.isatty()


def _sincerity_gate(person: Contact) -> None:
    """The advice: don't fake enthusiasm you don't feel. Ask before drafting for such a contact."""
    from crm.errors import BadInput

    name = one_line(person.name)
    why = f"{name} is marked not keep-in-touch, and the advice is not to fake enthusiasm"
    if not stdin_is_terminal():
        raise BadInput(f"{why}; to draft a thank-you anyway, add --yes")
    if not typer.confirm(f"{why}. Draft a thank-you anyway?", default=False, err=True):
        typer.echo(f"No draft for {one_line(person.name)}.", err=True)
        raise typer.Exit(1)


def _edit_and_log(
    e: Env, prepared: PreparedDraft, *, yes: bool, strict: bool, mailto: bool
) -> None:
    """Write the draft to a private file, open the editor, then check and offer to log it."""
    from shlex import quote

    from crm.errors import BadInput
    from crm.services.note_checks import check_note, split_subject

    person = prepared.facts.contact
    path = _private_file(prepared.draft.text)
    kept = f"your note is kept in {path}"
    try:
        status = _run_editor(str(path))
    except BaseException:  # the editor never ran: nothing was edited, nothing worth keeping
        path.unlink(missing_ok=True)
        raise
    if status != 0:  # it may have been edited, then the editor failed: never lose that text
        raise BadInput(f"the editor exited with status {status}; nothing logged; {kept}")
    try:
        text = path.read_text(encoding="utf-8")
    except (OSError, UnicodeDecodeError) as error:
        raise BadInput(f"cannot read the edited note back ({error}); {kept}") from None
    subject, body = split_subject(text)
    if not body.strip() or text == prepared.draft.text:
        path.unlink(missing_ok=True)
        what = "empty" if not body.strip() else "not changed"
        e.out.print(f"The note is {what}: nothing logged.")
        return
    with e.reading() as session:
        checks = check_note(session=session, contact=person, text=body)
    warnings = checks.warnings(e.now.tzinfo)
    if strict and warnings:
        raise BadInput(f"not logged (--strict): {'; '.join(warnings)}; {kept}")
    if warnings:
        _warn(warnings)
    else:
        e.out.print("Checked: all six elements are there, nothing left to fill in.")
    question = f"Log this as the thank-you to {person.name}?"
    if yes or (stdin_is_terminal() and typer.confirm(question, default=False, err=True)):
        _log_thank_you(e, person, subject, body)
        path.unlink(missing_ok=True)
    else:
        e.out.print(
            f"Not logged; {kept}: crm log thank-you {quote(person.name)} --file {quote(str(path))}",
            soft_wrap=True,  # a command to copy: never broken across lines
        )
    if mailto:
        _print_mailto(person, subject, body)


def _private_file(text: str) -> Path:
    """The draft in a new temporary file only the user can read (mkstemp makes it 0600)."""
    import os
    import tempfile
    from pathlib import Path

    handle, name = tempfile.mkstemp(prefix="crm-thank-you-", suffix=".txt")
    with os.fdopen(handle, "w", encoding="utf-8") as file:
        file.write(text)
    return Path(name)


def editor_command(editor: str) -> list[str]:
    """$VISUAL or $EDITOR as a command: a program with arguments, split as the shell would
    (`code --wait`, `"/opt/My Editor/ed" -n`), or the path of a program with spaces in it."""
    import os
    import shlex

    from crm.errors import BadInput

    if os.path.isfile(editor) and os.access(editor, os.X_OK):
        return [editor]  # /Applications/Sublime Text.app/.../subl: a path, not a command line
    try:
        command = shlex.split(editor)
    except ValueError as error:
        raise BadInput(f"cannot read the editor command {editor!r}: {error}") from None
    if not command:
        raise BadInput("the editor command is empty; set $VISUAL or $EDITOR")
    return command


def _run_editor(path: str) -> int:
    """Run the user's editor on `path`; its exit status."""
    import os
    import subprocess

    from crm.errors import BadInput

    editor = os.environ.get("VISUAL") or os.environ.get("EDITOR") or "vi"
    command = editor_command(editor)
    try:
        return subprocess.run([*command, path], check=False).returncode
    except OSError as error:
        raise BadInput(
            f"cannot run the editor {editor!r}: {error.strerror}; set $VISUAL or $EDITOR"
        ) from None


def _log_thank_you(e: Env, person: Contact, subject: str | None, body: str) -> None:
    from crm.cli.record_view import report_logged
    from crm.kinds import TouchKind
    from crm.services.record import record_touch

    with e.recording() as db:
        touch = record_touch(
            db,
            now=e.now,
            contact_id=person.id or 0,
            kind=TouchKind.THANK_YOU.value,
            summary=subject,
            body=body,
        )
    report_logged(e, touch, person.name)
    report_plan()


def _print_mailto(person: Contact, subject: str | None, body: str) -> None:
    from crm.services.drafts import mailto_link

    if not person.email:
        hint = f"crm contact edit #{person.id} --email E"
        _warn([f"{person.name} has no email address; add one: {hint}"])
    typer.echo(mailto_link(person.email, subject, body))


def _print_json(e: Env, prepared: PreparedDraft) -> None:
    from crm.render import print_json
    from crm.services.drafts import mailto_link

    facts, draft, checks = prepared.facts, prepared.draft, prepared.checks
    zone = e.now.tzinfo
    print_json(
        {
            "contact": facts.contact.name,
            "contact_id": facts.contact.id,
            "employer": facts.employer.name if facts.employer else None,
            "subject": draft.subject,
            "body": draft.body,
            "mailto": mailto_link(facts.contact.email, draft.subject, draft.body),
            "checks": {
                "elements": [
                    {
                        "number": c.element.number,
                        "element": c.element.key,
                        "covered": c.phrase is not None,
                        "phrase": c.phrase,
                    }
                    for c in checks.coverage
                ],
                "placeholder": checks.placeholder,
                "similar": [
                    {
                        "contact": s.contact.name,
                        "contact_id": s.contact.id,
                        "sent_at": s.sent_at.astimezone(zone),
                        "ratio": round(s.ratio, 3),
                    }
                    for s in checks.similar
                ],
                "warnings": checks.warnings(zone),
            },
        }
    )


def _warn(warnings: list[str]) -> None:
    for warning in warnings:
        typer.echo(f"Warning: {one_line(warning)}", err=True)
