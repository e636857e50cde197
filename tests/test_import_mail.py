"""`crm import mail`: replies and sent mail from mbox, Maildir and .eml files, once each."""

from __future__ import annotations

import json
from datetime import datetime
from pathlib import Path
from typing import Any

import pytest

from tests.conftest import Crm, replayed
from tests.helpers import lines
from tests.mailfixtures import (
    DANA_REPLY,
    ME,
    NEWSLETTER,
    NO_REPLY,
    OUT_OF_OFFICE,
    PARIS,
    TO_BOTH,
    TO_SAM,
    stranger,
    write_maildir,
    write_mbox,
)

PARIS_NOON = datetime(2026, 3, 1, 12, 0, tzinfo=PARIS)


def me(home: Path) -> None:
    home.mkdir(parents=True, exist_ok=True)
    (home / "config.toml").write_text(f'me = ["{ME}", "ana.lima@work.example"]\n')


@replayed
def rejected_and_thanked(crm: Crm) -> None:
    """Acme said no on Friday; a thank-you to Dana on Saturday; Sam not yet thanked."""
    crm("employer", "add", "Acme Robotics", "--careers-url", "https://acme.example/jobs")
    for name, role, address in (
        ("Dana Whitfield", "hiring manager", "dana@acme.example"),
        ("Sam Ortiz", "recruiter", "sam@acme.example"),
    ):
        crm("contact", "add", name, "--employer", "acme", "--role", role, "--email", address)
    crm("job", "add", "acme", "--title", "Data Analyst", "--applied", "2026-01-10")
    crm("job", "reject", "acme", "--rank", "2", "--on", "2026-02-27")
    crm("log", "thank-you", "dana", "--on", "2026-02-28")


def touches(crm: Crm) -> list[tuple[Any, ...]]:
    document = json.loads(crm("export").stdout)
    names = {c["id"]: c["name"] for c in document["contacts"]}
    return sorted(
        (names[t["contact_id"]], t["kind"], t["direction"], t["happened_at"], t["summary"])
        for t in document["touchpoints"]
    )


def tasks(crm: Crm) -> list[tuple[Any, ...]]:
    document = json.loads(crm("export").stdout)
    return [(t["id"], t["kind"], t["due"], t["status"]) for t in document["tasks"]]


def test_a_mailbox_a_maildir_and_a_message_become_touchpoints_once(
    crm: Crm, crm_home: Path, tmp_path: Path
) -> None:
    me(crm_home)
    rejected_and_thanked(crm)
    inbox = write_mbox(tmp_path / "inbox.mbox", [DANA_REPLY, NEWSLETTER, NO_REPLY, stranger(1)])
    # a second folder holds Dana's reply too (a Gmail label, a copy made by a filter)
    maildir = write_maildir(tmp_path / "Sent", [DANA_REPLY, TO_SAM, OUT_OF_OFFICE, stranger(2)])
    saved = tmp_path / "article.eml"
    saved.write_bytes(bytes(TO_BOTH))
    empty = tmp_path / "Drafts.mbox"  # Thunderbird keeps an empty file for an empty folder
    empty.write_bytes(b"")

    out = crm("import", "mail", str(inbox), str(empty), str(maildir), str(saved)).stdout
    assert lines(out) == [
        "Read 9 messages: 4 touchpoints added.",
        "  Dana Whitfield: 1 reply, 1 email",
        "  Sam Ortiz: 2 emails",
        "Skipped 6 messages:",
        "    1  mailing list",
        "    1  auto-reply",
        "    1  no-reply sender",
        "    1  already imported",
        "    2  not with a known contact",
        "Unknown senders at your employers (add them with crm contact add …):",
        "    2  Pat Quinn <pat.quinn@acme.example> (Acme Robotics)",
        '       crm contact add "Pat Quinn" --employer "Acme Robotics" --email '
        "pat.quinn@acme.example",
        # Dana answered: the plan asks to connect and to ask for an informational interview,
        # and the nurture task restarts its clock from the latest touch
        "  + #6 Connect on LinkedIn (Dana Whitfield) · due Wed 04 Mar",
        "  + #7 Ask for an informational interview (Dana Whitfield) · due Sun 22 Mar",
        "  + #8 Write about a shared interest (Dana Whitfield) · due Wed 01 Apr",
        "  ✓ #5 Write about a shared interest (Dana Whitfield) · done",
    ]
    assert touches(crm) == [
        ("Dana Whitfield", "email", "out", "2026-03-01T17:30:00+00:00", "The article I mentioned"),
        ("Dana Whitfield", "reply", "in", "2026-03-01T09:15:00+00:00", "Re: Thank you for Tuesday"),
        ("Dana Whitfield", "thank-you", "out", "2026-02-28T12:00:00+00:00", None),
        ("Sam Ortiz", "email", "out", "2026-02-28T10:00:00+00:00", "Thank you"),
        ("Sam Ortiz", "email", "out", "2026-03-01T17:30:00+00:00", "The article I mentioned"),
    ]
    reply = next(t for t in json.loads(crm("export").stdout)["touchpoints"] if t["kind"] == "reply")
    # the first lines Dana wrote: not her signature, not the note she quoted
    assert reply["body"] == (
        "Hi Ana,\n\nThank you for the kind note. We would be glad to stay in touch;\n"
        "let's talk when the analyst role reopens in the spring."
    )
    assert reply["message_id"] == "<reply-1@acme.example>"

    before = (touches(crm), tasks(crm))
    again = crm("import", "mail", str(maildir), str(inbox), str(saved)).stdout
    assert lines(again)[:2] == ["Read 9 messages: 0 touchpoints added.", "Skipped 9 messages:"]
    assert "    4  already imported" in lines(again)
    assert (touches(crm), tasks(crm)) == before


def test_an_imported_reply_moves_tasks_exactly_as_log_reply_does(
    crm: Crm, crm_home: Path, tmp_path: Path
) -> None:
    me(crm_home)
    by_hand = Crm(str(tmp_path / "by-hand.db"))
    saved = tmp_path / "reply.eml"
    saved.write_bytes(bytes(DANA_REPLY))
    for each in (crm, by_hand):
        rejected_and_thanked(each)
    logged = by_hand("log", "reply", "dana", "--on", "2026-03-01").stdout
    imported = crm("import", "mail", str(saved)).stdout
    planned = lines(logged)[1:]  # what the plan did after `crm log reply`
    assert planned and all("(Dana Whitfield)" in line for line in planned), planned
    assert lines(imported)[:2] == [
        "Read 1 message: 1 touchpoint added.",
        "  Dana Whitfield: 1 reply",
    ]
    assert lines(imported)[2:] == planned
    assert tasks(crm) == tasks(by_hand)


def test_mail_import_needs_the_me_setting(crm: Crm, tmp_path: Path) -> None:
    saved = tmp_path / "reply.eml"
    saved.write_bytes(bytes(DANA_REPLY))
    result = crm("import", "mail", str(saved), ok=False)
    assert result.exit_code == 2
    assert result.stderr.startswith("Error: crm needs your own addresses")
    assert 'me = ["you@example.org"]' in result.stderr


def test_me_is_shown_by_config(sqlite_crm: Crm, crm_home: Path) -> None:
    me(crm_home)
    assert sqlite_crm.json("config")["me"] == [ME, "ana.lima@work.example"]  # type: ignore[index]
    assert "me            ana@example.org, ana.lima@work.example" in lines(
        sqlite_crm("config").stdout
    )


@pytest.mark.parametrize(
    ("setting", "error"),
    [
        ("me = 3", "me must be a list of your addresses"),
        ('me = ["ana"]', "me: 'ana' is not an email address"),
    ],
)
def test_a_bad_me_setting_is_one_clear_line(
    sqlite_crm: Crm, crm_home: Path, setting: str, error: str
) -> None:
    crm_home.mkdir(parents=True, exist_ok=True)
    (crm_home / "config.toml").write_text(setting + "\n")
    result = sqlite_crm("config", ok=False)
    assert result.exit_code == 2
    assert error in result.stderr


def test_what_is_not_mail_is_refused_and_nothing_is_written(
    sqlite_crm: Crm, crm_home: Path, tmp_path: Path
) -> None:
    me(crm_home)
    rejected_and_thanked(sqlite_crm)
    state = sqlite_crm.state()
    notes = tmp_path / "notes.txt"
    notes.write_text("just some notes\n")
    empty = tmp_path / "empty"
    empty.mkdir()
    for path, error in (
        (notes, "is neither an mbox file nor a saved message (.eml)"),
        (empty, "is neither a Maildir (no cur/ or new/) nor holds .eml files"),
        (tmp_path / "missing.mbox", "no such file or folder"),
    ):
        result = sqlite_crm("import", "mail", str(path), ok=False)
        assert result.exit_code == 2, result.stderr
        assert error in result.stderr
        assert result.stderr.count("\n") == 1
    assert sqlite_crm.state() == state


def test_a_mailbox_over_the_limit_or_not_a_file_is_refused_before_it_is_read(
    sqlite_crm: Crm, crm_home: Path, tmp_path: Path
) -> None:
    import os

    me(crm_home)
    with (crm_home / "config.toml").open("a") as config:
        config.write("import_max_mb = 1\n")
    rejected_and_thanked(sqlite_crm)
    state = sqlite_crm.state()
    big = tmp_path / "big.mbox"
    big.write_bytes(b"From someone Mon Mar  2 09:00:00 2026\n" + b"x" * 1_100_000)
    fifo = tmp_path / "pipe.mbox"
    os.mkfifo(fifo)  # a read would wait for a writer for ever
    # the same in a Maildir, where each message is a file of its own
    big_in_maildir = write_maildir(tmp_path / "Big", [DANA_REPLY])
    (big_in_maildir / "new" / "1700000000.big.host").write_bytes(bytes(TO_SAM) + b"x" * 1_100_000)
    fifo_in_maildir = write_maildir(tmp_path / "Piped", [DANA_REPLY])
    os.mkfifo(fifo_in_maildir / "new" / "1700000000.fifo.host")
    for path, error in (
        (big, "1.1 MB"),
        (fifo, "is a named pipe (FIFO), not a file"),
        (big_in_maildir, "1.1 MB"),
        (fifo_in_maildir, "is a named pipe (FIFO), not a file"),
    ):
        result = sqlite_crm("import", "mail", str(path), ok=False)
        assert (result.exit_code, result.stderr.count("\n")) == (2, 1), result.stderr
        assert error in result.stderr, result.stderr
    assert sqlite_crm.state() == state


def test_since_leaves_out_older_mail(crm: Crm, crm_home: Path, tmp_path: Path) -> None:
    me(crm_home)
    rejected_and_thanked(crm)
    inbox = write_mbox(tmp_path / "inbox.mbox", [DANA_REPLY, TO_SAM])
    out = crm("import", "mail", str(inbox), "--since", "2026-03-01").stdout
    assert lines(out)[:4] == [
        "Read 2 messages: 1 touchpoint added.",
        "  Dana Whitfield: 1 reply",
        "Skipped 1 message:",
        "    1  before --since",
    ]


def test_the_note_is_what_the_sender_wrote_above_the_quote() -> None:
    from email.message import EmailMessage

    from crm.services.mail import first_lines, note_of

    # Gmail wraps a long attribution line; Outlook quotes below a rule, without ">"
    assert (
        first_lines(
            "Sounds good, Tuesday works.\n\nOn Mon, 2 Mar 2026 at 10:02, Ana Lima\n"
            "<ana@example.org> wrote:\n> Would Tuesday work?\n"
        )
        == "Sounds good, Tuesday works."
    )
    assert (
        first_lines(
            "Yes, please send it.\n\n________________________________\nFrom: Ana Lima\n"
            "Sent: Monday\n\nHere is the article."
        )
        == "Yes, please send it."
    )
    assert first_lines("Merci !\n\nEnvoyé de mon iPhone\nLe 2 mars, Ana a écrit :\n> x") == (
        "Merci !"
    )
    assert first_lines("one\ntwo\n\n\nthree\nfour\nfive\nsix\nseven") == (
        "one\ntwo\n\nthree\nfour\nfive"
    )
    html = EmailMessage()
    html.set_content(
        "<html><head><style>p {}</style></head><body><p>Hello Ana,</p><p>Great to hear"
        " from you.</p><blockquote>old text</blockquote></body></html>",
        subtype="html",
    )
    assert note_of(html) == "Hello Ana,\n\nGreat to hear from you."


@pytest.mark.parametrize(
    ("headers", "reason"),
    [
        ({"List-Unsubscribe": "<mailto:leave@lists.example>"}, "mailing list"),
        ({"Precedence": "bulk"}, "mailing list"),
        ({"Auto-Submitted": "auto-generated"}, "auto-reply"),
        ({"Subject": "Out of Office: back on Monday"}, "auto-reply"),
        ({"From": "Acme <noreply+jobs@acme.example>"}, "no-reply sender"),
        ({"From": "MAILER-DAEMON@acme.example"}, "no-reply sender"),
        ({"Auto-Submitted": "no"}, None),
    ],
)
def test_what_is_skipped_whoever_sent_it(headers: dict[str, str], reason: str | None) -> None:
    from email.message import EmailMessage

    from crm.services.mail import Letter

    message = EmailMessage()
    message["From"] = headers.pop("From", "Dana <dana@acme.example>")
    message["Subject"] = headers.pop("Subject", "Re: hello")
    for name, value in headers.items():
        message[name] = value
    assert Letter.of(message).skip == reason


def test_encoded_subjects_and_names_are_read_as_written() -> None:
    import email

    from crm.services.mail import Letter
    from tests.mailfixtures import message

    sent = message(
        "Zoë Lefèvre <zoe@globex.example>",
        ME,
        "Merci pour l'entretien – à bientôt",
        "Bonjour Ana,\n",
        PARIS_NOON,
        "<zoe-1@globex.example>",
    )
    raw = bytes(sent)
    assert b"=?utf-8?" in raw  # as it travels
    letter = Letter.of(email.message_from_bytes(raw))
    assert (letter.sender_name, letter.sender, letter.subject) == (
        "Zoë Lefèvre",
        "zoe@globex.example",
        "Merci pour l'entretien – à bientôt",
    )
    assert letter.when is not None and letter.when.isoformat() == "2026-03-01T12:00:00+01:00"
