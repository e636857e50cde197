"""`crm import`, `crm export`, `crm calendar`, `crm backup`: data in and out, in others' formats."""

from __future__ import annotations

from collections.abc import Callable, Iterable, Iterator
from contextlib import contextmanager
from itertools import chain
from pathlib import Path
from typing import TYPE_CHECKING

import typer

from crm.cli.common import env, report_plan
from crm.cli.mail import mail

if TYPE_CHECKING:
    from crm.cli.env import Env
    from crm.services.agenda import Stream
    from crm.services.imports import ImportResult, ParsedFile, Skipped

imports = typer.Typer(
    help="Bring in contacts and touches: LinkedIn, vCard, Google, mail, or a crm JSON export.",
    no_args_is_help=True,
)

SKIP_BAD = typer.Option(
    False, "--skip-bad", help="Skip malformed rows (and list them) rather than import nothing."
)
SHOWN_SKIPPED = 20  # lines listed; a longer list ends with how many more


@imports.command("linkedin")
def linkedin(
    file: Path = typer.Argument(
        ..., metavar="FILE", help="Connections.csv or messages.csv from LinkedIn."
    ),
    skip_bad: bool = SKIP_BAD,
) -> None:
    """Import LinkedIn connections (or messages); import again later to see job changes.

    Get the files from LinkedIn: Settings, Data privacy, Get a copy of your data. People are
    matched by profile (by name and company in old exports without one), so a new export
    updates rather than duplicates them; a changed company or position is kept as history and
    makes a task to congratulate them. messages.csv logs each message with a known contact
    once: theirs as replies, yours as emails.

    Example: crm import linkedin ~/Downloads/Connections.csv
    """
    from crm.services.linkedin import is_google_contacts, is_messages, parse_connections

    lines = _lines(file)
    header = next(lines)  # the first line tells the file: messages, Google, or connections
    content = chain([header], lines)
    if is_messages(header):
        _import_messages(file, "".join(content), skip_bad)
    elif is_google_contacts(header):
        from crm.services.google_contacts import parse_google_contacts

        _say(f"{file.name} is a Google Contacts export: importing it as crm import google would.")
        _import_people(file, content, skip_bad, _whole(parse_google_contacts), "google")
    else:
        _import_people(file, content, skip_bad, parse_connections, "linkedin")


@imports.command("google")
def google(
    file: Path = typer.Argument(..., metavar="FILE", help="A Google Contacts CSV export."),
    skip_bad: bool = SKIP_BAD,
) -> None:
    """Import contacts from Google Contacts' CSV export.

    Get the file from contacts.google.com: Export, Google CSV. People are matched as for
    vCards: LinkedIn profile, email address, or name (and employer).

    Example: crm import google ~/Downloads/contacts.csv
    """
    from crm.services.google_contacts import parse_google_contacts

    _import_people(file, _lines(file), skip_bad, _whole(parse_google_contacts), "google")


@imports.command("vcard")
def vcard(
    file: Path = typer.Argument(..., metavar="FILE", help="A .vcf file of one or many cards."),
    skip_bad: bool = SKIP_BAD,
) -> None:
    """Import contacts from a vCard file (3.0 or 4.0).

    As phones, Google, Apple and Nextcloud export them. People are matched by LinkedIn
    profile, email address, or a name only one contact has.

    Example: crm import vcard contacts.vcf
    """
    from crm.services.vcard import parse_vcards

    _import_people(file, _lines(file), skip_bad, _whole(parse_vcards), "vcard")


imports.command("mail")(mail)


@imports.command("json")
def json_(
    file: Path = typer.Argument(..., metavar="FILE", help="What crm export --format json wrote."),
) -> None:
    """Restore a crm JSON export into an empty database, ids and all.

    Example: crm --db restored.db import json crm-export.json
    """
    from crm.services.restore import read_export, restore

    document = read_export(_read(file), str(file))
    e = env()
    with e.writing() as session:
        restored = restore(session=session, document=document)
    _say(f"Restored {file.name}: {_counted(restored)}.")
    report_plan()


def export(
    format_: str = typer.Option(
        "json", "--format", metavar="json|csv|vcard", help="json, csv or vcard."
    ),
    output: str | None = typer.Option(
        None,
        "--output",
        metavar="PATH",
        help="JSON, vCard: a file (default: stdout). CSV: a folder, or a file ending in .zip. "
        "A path ending in / is a folder where crm names the file.",
    ),
) -> None:
    """Export everything: JSON to restore, CSV for spreadsheets, vCard for phones.

    vcard writes the contacts as vCard 4.0, for a phone or an address book. Files are created
    readable by you alone; an existing file is replaced only once the new one is complete.

    Example: crm export --format csv --output crm.zip
    """
    from crm.errors import BadInput

    chosen = format_.strip().lower()
    write = EXPORTS.get(chosen)
    if write is None:
        raise BadInput(f"--format is {_choices(EXPORTS)}, not {format_!r}")
    where, written = write(output)
    if where is not None:
        _say(f"Exported {_counted(written)} to {where}.")


def _export_json(output: str | None) -> tuple[Path | None, dict[str, int]]:
    from crm.private_files import output_file, replacing
    from crm.services.exports import write_json

    e = env()
    if output is None:
        return None, _json_to_stdout()
    target = output_file(output, default_name=f"crm-export-{e.now:%Y%m%d-%H%M%S}.json")
    with _rows(e) as (stream, sqlite), replacing(target) as file:
        return target.shown, write_json(file, stream=stream, now=e.now, sqlite=sqlite)


def _json_to_stdout() -> dict[str, int]:
    import sys

    from crm.errors import CrmError
    from crm.services.exports import write_json

    e = env()
    sys.stdout.flush()
    try:
        with _rows(e) as (stream, sqlite):
            written = write_json(sys.stdout.buffer, stream=stream, now=e.now, sqlite=sqlite)
        sys.stdout.buffer.flush()
    except BrokenPipeError:
        raise  # `crm export | head`: the reader has gone
    except OSError as error:  # a full disk, /dev/full
        raise CrmError(f"cannot write to standard output: {error.strerror}") from None
    return written


def _export_csv(output: str | None) -> tuple[Path | None, dict[str, int]]:
    from crm.errors import BadInput
    from crm.private_files import output_file, output_folder, replacing
    from crm.services.exports import SECTIONS, write_csv, write_csv_zip

    if output is None:
        raise BadInput("CSV is one file per table: give --output FOLDER or --output FILE.zip")
    e = env()
    if output.lower().endswith(".zip"):
        target = output_file(output, default_name="")
        with _rows(e) as (stream, _), replacing(target) as file:
            return target.shown, write_csv_zip(file, stream=stream, now=e.now)
    folder = output_folder(output)
    files = {s.name: output_file(folder / f"{s.name}.csv", default_name="") for s in SECTIONS}
    written = {}
    with _rows(e) as (stream, _):
        for section in SECTIONS:
            with replacing(files[section.name]) as file:
                written[section.name] = write_csv(file, stream=stream, section=section)
    return folder, written


@contextmanager
def _rows(e: Env) -> Iterator[tuple[Stream, bool]]:
    """Every row of the database in one read transaction, and whether SQLite gives them.

    On an SQLite database at this crm's schema, through the standard library alone
    (crm/lean.py): an export needs no ORM. Otherwise through the ORM's session, which upgrades
    the schema first."""
    from crm.db import sqlite_path

    path = sqlite_path(e.url)
    if path is not None:
        from crm.lean import schema_reader

        with schema_reader(path) as reader:
            if reader is not None:
                yield reader.stream, True
                return
    from crm.services.agenda import session_stream

    with e.reading() as session:
        yield session_stream(session), path is not None


# each format: what it writes to the output the user gave, and where (None: stdout)
def _export_vcards(output: str | None) -> tuple[Path | None, dict[str, int]]:
    import sys

    from crm.private_files import output_file, replacing
    from crm.services.vcard_export import write_vcards

    e = env()
    if output is None:
        with e.reading() as session:
            written = write_vcards(sys.stdout.buffer, session=session)
        return None, {"contacts": written}
    target = output_file(output, default_name=f"crm-contacts-{e.now:%Y%m%d-%H%M%S}.vcf")
    with e.reading() as session, replacing(target) as file:
        written = write_vcards(file, session=session)
    return target.shown, {"contacts": written}


EXPORTS: dict[str, Callable[[str | None], tuple[Path | None, dict[str, int]]]] = {
    "json": _export_json,
    "csv": _export_csv,
    "vcard": _export_vcards,
}


def _choices(formats: Iterable[str]) -> str:
    names = list(formats)
    return ", ".join(names[:-1]) + f" or {names[-1]}" if len(names) > 1 else names[0]


def calendar(
    file: str = typer.Argument(
        ...,
        metavar="FILE.ics",
        help="The feed to write (replaced); a folder ending in / gets crm.ics.",
    ),
) -> None:
    """Write open tasks as an iCalendar feed for your calendar app.

    One all-day event per task on its due date; write it again (by hand or from cron) and a
    calendar subscribed to the file updates its events. How to subscribe:
    docs/import-export.md.

    Example: crm calendar ~/crm-calendar/crm.ics
    """
    from crm.cli.calendar_view import write_calendar

    write_calendar(env(), file)


def backup(
    path: str | None = typer.Argument(
        None, metavar="PATH", help="A new file, or a folder (default: beside the database)."
    ),
) -> None:
    """Back up the database safely, even while crm is running.

    The copy is named crm-backup-YYYYmmdd-HHMMSS.db unless you name it, is readable by you
    alone, and never replaces a file. PostgreSQL: use pg_dump.

    Example: crm backup ~/Backups/
    """
    from crm.services.backup import backup_database

    e = env()
    made = backup_database(url=e.url, target=path, now=e.now)
    size = f"{made.size / 1024:,.0f} KB"
    _say(f"Backed up {made.source} to {made.path} ({size}, integrity check ok).")


def _say(line: str) -> None:
    """One line of output, however long (file paths are): scripts read them line by line."""
    env().out.print(line, soft_wrap=True)


def _read(file: Path) -> str:
    """A whole file to import, within the size limit of config.toml."""
    from crm.errors import BadInput
    from crm.files import import_limit, read_user_text

    limit, why = import_limit(env().settings.import_max_mb)
    text = read_user_text(file, limit=limit, why=why)
    if not text.strip():
        raise BadInput(f"{file} is empty")
    return text


def _lines(file: Path) -> Iterator[str]:
    """The lines of a file to import, read as they are needed, within the size limit."""
    from crm.errors import BadInput
    from crm.files import import_limit, text_lines

    limit, why = import_limit(env().settings.import_max_mb)
    lines = text_lines(file, limit=limit, why=why)
    for line in lines:  # the first line with something on it: the file is not empty
        if line.strip():
            yield line
            yield from lines
            return
    raise BadInput(f"{file} is empty")


def _whole(parse: Callable[[str, str], ParsedFile]) -> Callable[[Iterable[str], str], ParsedFile]:
    """A parser of a whole text, given the lines (vCards and Google's CSV are read whole,
    within the same size limit)."""
    return lambda lines, name: parse("".join(lines), name)


def _refuse_bad(file: Path, bad: list[Skipped], skip_bad: bool) -> None:
    from crm.errors import BadInput

    if bad and not skip_bad:
        first = bad[0]
        more = f" ({len(bad)} bad rows in all)" if len(bad) > 1 else ""
        raise BadInput(
            f"{file} line {first.line}: {first.reason}; nothing imported{more}, "
            "--skip-bad imports the rest"
        )


def _import_messages(file: Path, text: str, skip_bad: bool) -> None:
    from crm.cli.mail import report_touches
    from crm.services.linkedin_messages import import_messages, parse_messages

    messages, bad = parse_messages(text, str(file))
    _refuse_bad(file, bad, skip_bad)
    e = env()
    with e.writing() as session:
        result = import_messages(session=session, now=e.now, messages=messages)
    report_touches(result)
    for row in bad[:SHOWN_SKIPPED]:
        _say(f"  skipped line {row.line}: {row.reason}")
    report_plan()


def _import_people(
    file: Path,
    lines: Iterable[str],
    skip_bad: bool,
    parse: Callable[[Iterable[str], str], ParsedFile],
    source: str,
) -> None:
    from crm.services.imports import import_people

    parsed = parse(lines, str(file))
    _refuse_bad(file, parsed.bad, skip_bad)
    if parsed.written_by_crm:
        source = "crm"  # its own vCard export: contacts matched, no job history from it
    e = env()
    with e.writing() as session:
        result = import_people(session=session, now=e.now, people=parsed.people, source=source)
    skipped = sorted(parsed.skipped + parsed.bad, key=lambda s: s.line)
    _report_import(file, result, skipped)
    report_plan()


def _report_import(file: Path, result: ImportResult, skipped: list[Skipped]) -> None:
    from crm.render import due_phrase

    e = env()
    changes = len(result.job_changes)
    summary = (
        f"Imported {file.name}: {result.added:,} added, {result.updated:,} updated, "
        f"{result.unchanged:,} unchanged, {_plural(changes, 'job change')}, "
        f"{len(skipped):,} skipped"
    )
    if result.employers_added:
        summary += f"; {_plural(result.employers_added, 'new employer')}"
    lines = [summary + "."]
    lines += [f"  skipped line {row.line}: {row.reason}" for row in skipped[:SHOWN_SKIPPED]]
    if len(skipped) > SHOWN_SKIPPED:
        lines.append(f"  ... and {len(skipped) - SHOWN_SKIPPED} more skipped")
    if result.unmatched:
        lines.append(
            f"  no profile URLs in this export: {len(result.unmatched):,} matched no contact "
            "by name and company, added as new:"
        )
        for person in result.unmatched[:SHOWN_SKIPPED]:
            at = f" ({person.company})" if person.company else ""
            lines.append(f"    line {person.line}: {person.name}{at}")
        if len(result.unmatched) > SHOWN_SKIPPED:
            lines.append(f"    ... and {len(result.unmatched) - SHOWN_SKIPPED} more")
    for change in result.job_changes:
        lines.append(f"  {change.name}: {change.before or 'no position'} → {change.after}")
        if change.task is not None:
            task = change.task
            # the line above names the person
            lines.append(f"  + #{task.id} {task.title} · {due_phrase(task.due, e.today)}")
    for line in lines:
        _say(line)


def _counted(numbers: dict[str, int]) -> str:
    from crm.services.exports import counted

    return counted(numbers)


def _plural(n: int, word: str) -> str:
    return f"{n:,} {word}" if n == 1 else f"{n:,} {word}s"
