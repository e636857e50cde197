"""The pipeline's rules as pure functions: a history in, the wanted tasks and their state out."""

from __future__ import annotations

from datetime import UTC, date, datetime

from crm.services.pipeline_rules import JobFacts, Move, Pipeline, interview_wants, job_wants
from crm.services.plan_rules import DONE, OPEN, SKIPPED, ContactFacts
from crm.services.relationships import Touch
from crm.settings import Plan

PLAN = Plan()
D = date.fromisoformat


def job(job_id: int, *moves: tuple[str, str], deadline: str | None = None) -> JobFacts:
    history = tuple(
        Move(status, D(on), D(deadline) if deadline and status == "offer" else None)
        for status, on in moves
    )
    return JobFacts(job_id, job_id * 10, history[-1].status, history)


def states(pipeline: Pipeline) -> list[tuple[str, str, date]]:
    return [(w.key, w.state, w.due) for w in job_wants(pipeline, None, PLAN)]


def test_an_application_without_news_asks_and_news_answers() -> None:
    waiting = Pipeline({1: job(1, ("applied", "2026-03-02"))}, {})
    assert states(waiting) == [("follow_up:1:2026-03-02", OPEN, D("2026-03-12"))]
    answered = Pipeline({1: job(1, ("applied", "2026-03-02"))}, {10: D("2026-03-05")})
    assert states(answered) == [("follow_up:1:2026-03-02", DONE, D("2026-03-12"))]
    same_day = Pipeline({1: job(1, ("applied", "2026-03-02"))}, {10: D("2026-03-02")})
    assert states(same_day)[0][1] == OPEN  # an acknowledgement the day you applied is no news
    moved = Pipeline({1: job(1, ("applied", "2026-03-02"), ("screening", "2026-03-04"))}, {})
    assert states(moved)[0][1] == DONE
    withdrawn = Pipeline({1: job(1, ("applied", "2026-03-02"), ("withdrawn", "2026-03-04"))}, {})
    assert states(withdrawn)[0][1] == SKIPPED


def test_an_offer_warns_two_days_before_its_deadline_and_an_acceptance_ends_the_search() -> None:
    offer = job(1, ("applied", "2026-03-01"), ("offer", "2026-03-10"), deadline="2026-03-13")
    other = job(2, ("applied", "2026-03-09"))
    assert states(Pipeline({1: offer, 2: other}, {})) == [
        ("follow_up:1:2026-03-01", DONE, D("2026-03-11")),
        ("offer_deadline:1:2026-03-13", OPEN, D("2026-03-11")),
        ("follow_up:2:2026-03-09", OPEN, D("2026-03-19")),
    ]
    soon = job(1, ("offer", "2026-03-10"), deadline="2026-03-11")
    assert states(Pipeline({1: soon}, {})) == [
        ("offer_deadline:1:2026-03-11", OPEN, D("2026-03-10"))
    ]
    accepted = job(
        1, ("applied", "2026-03-01"), ("offer", "2026-03-10"), ("accepted", "2026-03-12")
    )
    assert states(Pipeline({1: accepted, 2: other}, {}))[-1] == (
        "follow_up:2:2026-03-09",
        SKIPPED,
        D("2026-03-19"),
    )


def test_a_meeting_counts_as_an_interview_only_while_interviewing() -> None:
    contact = ContactFacts(7, "Dana", 10, True, False, "other", None, frozenset({10}))
    process = job(1, ("applied", "2026-03-01"), ("interviewing", "2026-03-05"))
    pipeline = Pipeline({1: process}, {})

    def at(day: str) -> datetime:
        return datetime.fromisoformat(f"{day}T12:00:00").replace(tzinfo=UTC)

    touches = [
        Touch(1, "meeting", "out", at("2026-03-03"), None),  # screening-time coffee: no
        Touch(2, "meeting", "out", at("2026-03-06"), None),
        Touch(3, "interview", "in", at("2026-03-08"), None),
        Touch(4, "thank-you", "out", at("2026-03-08"), None),
    ]
    wants = interview_wants(
        contact, touches, {1: 1, 2: 1}, pipeline, employer_id=10, zone=UTC, plan=PLAN
    )
    assert [(w.key, w.state, w.due) for w in wants] == [
        ("thank_you_interview:7:2", DONE, D("2026-03-07")),  # the thank-you of the 8th covers it
        ("thank_you_interview:7:3", DONE, D("2026-03-09")),
    ]
