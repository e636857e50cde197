"""The CLI against a model small enough to be obviously right, over hundreds of random steps.

Hypothesis drives crm through random sequences of adding employers and contacts, logging
touches, rejecting jobs and closing tasks, and after each step compares what `crm ... --json`
says with the model: the employers, the contacts and where they work, each contact's touches,
the tasks the user closed. Steps the model expects to fail (a duplicate employer in any case, an
unknown name or id, a task closed twice) must fail with their documented status and change
nothing.
"""

from __future__ import annotations

import difflib
import itertools
import json
import re
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import pytest
from hypothesis import HealthCheck, settings
from hypothesis import strategies as st
from hypothesis.stateful import (
    RuleBasedStateMachine,
    initialize,
    invariant,
    precondition,
    rule,
    run_state_machine_as_test,
)

from tests.reliability.common import restore, scale
from tests.reliability.conftest import Record
from tests.reliability.fuzzing import Cli, Outcome, SqliteStore, check_the_contract

pytestmark = pytest.mark.reliability

# Employer names no two of which a lookup could confuse (see test_the_names_are_distinct): a
# name typed in another case is the same employer; any other is a new one.
EMPLOYERS = ["Acme Robotics", "Globex", "Initech", "Umbrella", "Hooli", "Vandelay Industries"]
PEOPLE = ["Dana Whitfield", "Sam Ortiz", "Lee Chen", "Priya Nair", "Tomás Ruiz", "Zoë Adler"]
KINDS = ["thank-you", "reply", "email", "linkedin", "call", "meeting", "info-interview", "note"]
# marking one of these plan tasks done logs the touch it asked for (crm/services/tasks.py)
TOUCHING_TASKS = {"thank_you", "linkedin_connect", "info_interview", "nurture"}
CASES = [str.lower, str.upper, str.title, lambda s: s]


@dataclass
class Model:
    employers: dict[str, str] = field(default_factory=dict)  # casefolded name -> name
    contacts: dict[int, tuple[str, str | None]] = field(default_factory=dict)  # id -> name, at
    touches: dict[int, int] = field(default_factory=dict)  # contact id -> touchpoints
    closed: dict[int, str] = field(default_factory=dict)  # task id -> done | skipped
    own_tasks: dict[int, str] = field(default_factory=dict)  # task id -> title
    rejected: set[tuple[str, str]] = field(default_factory=set)  # (employer key, title)

    def employer(self, typed: str) -> str | None:
        return self.employers.get(typed.casefold())


TALLY = {"sequences": 0, "rules": 0, "steps": 0, "expected_errors": 0}


class CrmAgainstModel(RuleBasedStateMachine):
    template: Path
    db: Path

    def __init__(self) -> None:
        super().__init__()
        restore(self.template, self.db)
        self.cli = Cli(str(self.db))
        self.store = SqliteStore(self.template, self.db)
        self.model = Model()
        TALLY["sequences"] += 1

    def run(self, *argv: str) -> Outcome:
        TALLY["steps"] += 1
        outcome = self.cli(list(argv))
        check_the_contract(list(argv), outcome)
        return outcome

    def refused(self, status: int, words: str, *argv: str) -> None:
        """The step must fail with `status`, say `words`, and change nothing."""
        before = self.store.rows()
        outcome = self.run(*argv)
        assert outcome.code == status, (argv, outcome)
        assert words in outcome.stderr, (argv, outcome)
        assert self.store.rows() == before
        TALLY["expected_errors"] += 1

    def json(self, *argv: str) -> Any:
        outcome = self.run(*argv, "--json")
        assert outcome.code == 0, (argv, outcome)
        return json.loads(outcome.stdout)

    @initialize()
    def empty(self) -> None:
        assert self.json("contact", "list") == []

    # --- the rules ---------------------------------------------------------------------

    @rule(name=st.sampled_from(EMPLOYERS), case=st.sampled_from(CASES))
    def add_employer(self, name: str, case: Any) -> None:
        TALLY["rules"] += 1
        typed = case(name)
        existing = self.model.employer(typed)
        if existing is not None:
            self.refused(
                5, f"there is already an employer named {existing!r}", "employer", "add", typed
            )
            return
        outcome = self.run("employer", "add", typed)
        assert outcome.code == 0, outcome
        self.model.employers[typed.casefold()] = typed

    @rule(
        name=st.sampled_from(PEOPLE),
        employer=st.one_of(st.none(), st.sampled_from(EMPLOYERS)),
        case=st.sampled_from(CASES),
    )
    def add_contact(self, name: str, employer: str | None, case: Any) -> None:
        TALLY["rules"] += 1
        argv = ["contact", "add", name]
        at = None
        if employer is not None:
            typed = case(employer)
            argv += ["--employer", typed]
            at = self.model.employer(typed)
            if at is None:  # a new employer, created for the contact
                at = self.model.employers[typed.casefold()] = typed
        if (name, at) in self.model.contacts.values():  # told apart by name and employer only
            self.refused(5, f"there is already a contact named {name}", *argv)
            return
        outcome = self.run(*argv)
        assert outcome.code == 0, outcome
        found = re.search(r"Added contact .* \(#(\d+)\)", outcome.stdout)
        assert found, outcome.stdout
        contact_id = int(found.group(1))
        assert contact_id not in self.model.contacts
        self.model.contacts[contact_id] = (name, at)
        self.model.touches[contact_id] = 0

    @precondition(lambda self: self.model.contacts)
    @rule(data=st.data(), kind=st.sampled_from(KINDS))
    def log_touch(self, data: st.DataObject, kind: str) -> None:
        TALLY["rules"] += 1
        contact_id = data.draw(st.sampled_from(sorted(self.model.contacts)))
        outcome = self.run("log", kind, f"#{contact_id}", "--note", f"step {TALLY['steps']}")
        assert outcome.code == 0, outcome
        self.model.touches[contact_id] += 1
        self.check_timeline(contact_id)

    @rule(kind=st.sampled_from(KINDS), far=st.integers(1, 10**6))
    def log_to_nobody(self, kind: str, far: int) -> None:
        TALLY["rules"] += 1
        missing = max(self.model.contacts, default=0) + far
        self.refused(3, f"no contact with id #{missing}", "log", kind, f"#{missing}")
        self.refused(3, "no contact named 'Zed Nobody'", "log", kind, "Zed Nobody")

    @precondition(lambda self: self.model.employers)
    @rule(
        data=st.data(),
        title=st.sampled_from(["Analyst", "Data Engineer"]),
        case=st.sampled_from(CASES),
    )
    def reject_job(self, data: st.DataObject, title: str, case: Any) -> None:
        TALLY["rules"] += 1
        name = data.draw(st.sampled_from(sorted(self.model.employers.values())))
        key = (name.casefold(), title)
        argv = ["job", "reject", case(name), "--title", title, "--on", "2026-02-27"]
        if key in self.model.rejected:
            self.refused(5, "was already rejected on 2026-02-27", *argv)
            return
        outcome = self.run(*argv)
        assert outcome.code == 0, outcome
        self.model.rejected.add(key)

    @rule(title=st.sampled_from(["Send the article", "Ask about the team", "Call back"]))
    def add_task(self, title: str) -> None:
        TALLY["rules"] += 1
        outcome = self.run("task", "add", title, "--due", "+3d")
        assert outcome.code == 0, outcome
        found = re.search(r"Added task #(\d+)", outcome.stdout)
        assert found, outcome.stdout
        self.model.own_tasks[int(found.group(1))] = title

    @rule(data=st.data(), how=st.sampled_from(["done", "skip"]))
    def close_task(self, data: st.DataObject, how: str) -> None:
        TALLY["rules"] += 1
        open_tasks = self.json("task", "list")
        if not open_tasks:
            self.refused(3, "no task with id #424242", "task", how, "424242")
            return
        task = data.draw(st.sampled_from(open_tasks))
        outcome = self.run("task", how, str(task["id"]))
        assert outcome.code == 0, outcome
        self.model.closed[task["id"]] = "done" if how == "done" else "skipped"
        if how == "done" and task["kind"] in TOUCHING_TASKS and task["contact_id"]:
            self.model.touches[task["contact_id"]] += 1
            self.check_timeline(task["contact_id"])

    @precondition(lambda self: self.model.closed)
    @rule(data=st.data(), how=st.sampled_from(["done", "skip"]))
    def close_a_closed_task(self, data: st.DataObject, how: str) -> None:
        TALLY["rules"] += 1
        task_id = data.draw(st.sampled_from(sorted(self.model.closed)))
        self.refused(
            5, f"task #{task_id} is already {self.model.closed[task_id]}", "task", how, str(task_id)
        )

    # --- what crm says must be what the model says ---------------------------------------

    def check_timeline(self, contact_id: int) -> None:
        shown = self.json("contact", "show", f"#{contact_id}")
        assert len(shown["timeline"]) == self.model.touches[contact_id], shown

    @invariant()
    def the_same_people_at_the_same_employers(self) -> None:
        employers = self.json("employer", "list")
        assert sorted(e["name"] for e in employers) == sorted(self.model.employers.values())
        at = {e["name"]: e["contacts"] for e in employers}
        for name in self.model.employers.values():
            assert at[name] == sum(1 for _, where in self.model.contacts.values() if where == name)
        contacts = self.json("contact", "list")
        assert {c["id"]: (c["name"], c["employer"]) for c in contacts} == self.model.contacts

    @invariant()
    def the_closed_tasks_stay_closed(self) -> None:
        if not (self.model.closed or self.model.own_tasks):
            return
        tasks = {t["id"]: t for t in self.json("task", "list", "--all")}
        for task_id, status in self.model.closed.items():
            assert tasks[task_id]["status"] == status
        for task_id, title in self.model.own_tasks.items():
            assert tasks[task_id]["title"] == title and tasks[task_id]["kind"] == "custom"

    def teardown(self) -> None:
        for contact_id in self.model.contacts:
            self.check_timeline(contact_id)


def test_the_names_are_distinct() -> None:
    """The model's one assumption about lookups: no employer name resembles another."""
    keys = [n.casefold() for n in EMPLOYERS]
    for a, b in itertools.permutations(keys, 2):
        assert difflib.SequenceMatcher(None, a, b).ratio() < 0.6, (a, b)
        assert not any(w.startswith(v) for w in a.split() for v in b.split()), (a, b)


def test_crm_behaves_like_the_model(tmp_path: Path, figures: Record) -> None:
    template = tmp_path / "empty.db"
    Cli(str(template))(["contact", "list"])  # created and migrated once, copied for each run
    CrmAgainstModel.template, CrmAgainstModel.db = template, tmp_path / "crm.db"
    TALLY.update(sequences=0, rules=0, steps=0, expected_errors=0)
    run_state_machine_as_test(
        CrmAgainstModel,
        settings=settings(
            max_examples=scale(10, 100),
            stateful_step_count=scale(30, 60),
            deadline=None,
            suppress_health_check=[HealthCheck.too_slow, HealthCheck.filter_too_much],
            database=None,
        ),
    )
    figures(
        "stateful: CLI against the model (SQLite)",
        sequences=TALLY["sequences"],
        random_steps=TALLY["rules"],
        commands=TALLY["steps"],
        expected_errors_checked=TALLY["expected_errors"],
        mismatches=0,
        tracebacks=0,
    )
