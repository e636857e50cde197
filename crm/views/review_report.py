"""The weekly review in words: sections of sentences and tables.

The terminal (crm/cli/review.py) and the Markdown file (crm/views/review_markdown.py) draw
the same report from these, so the two never say different things. Cells are plain text;
each renderer escapes what its own format needs.
"""

from dataclasses import dataclass, field
from datetime import date

from crm.render import human, relative_day
from crm.services.review import Change, Rate, Review

SHOWN = 20  # rows a table shows; --json lists them all

FIRST_STEPS = [
    ['crm job add Acme --title "Data Analyst"', "the job you applied for"],
    ['crm contact add "Dana Whitfield" --employer Acme', "each person you met there"],
    ["crm job reject Acme --rank 2", "when the answer is no"],
    ["crm log thank-you dana", "each thank-you you send"],
]

HEADLINE = {
    "touches_out": "touches out",
    "touches_in": "touches in",
    "thank_yous_sent": "thank-yous sent",
    "rejections_received": "rejections received",
    "people_who_answered": "people who answered",
    "new_advocates": "new advocates",
    "tasks_done": "tasks done",
    "tasks_skipped": "tasks skipped",
    "thank_you_reply_rate": "thank-you reply rate",
    "nurture_reply_rate": "nurture reply rate",
}


@dataclass
class Table:
    columns: list[str]
    rows: list[list[str]] = field(default_factory=list)
    figures: frozenset[int] = frozenset()  # the columns holding numbers, aligned right
    shrink: frozenset[int] = frozenset()  # the user's text, shortened first when space is short


Block = str | Table


@dataclass
class Section:
    title: str
    blocks: list[Block]


@dataclass
class Report:
    title: str
    intro: list[Block]
    sections: list[Section]


def review_report(review: Review, *, today: date) -> Report:
    title = f"Review of {span(review.period.start, review.period.end)}"
    if review.empty:
        return Report(
            title,
            [
                "Nothing yet: there is no one, no job and no touch to review. Start with:",
                Table(["command", "what for"], FIRST_STEPS),
                "Next week's review shows what you did, who answered and what comes next.",
            ],
            [],
        )
    return Report(
        title,
        [],
        [
            _at_a_glance(review),
            _activity(review),
            _replies(review, today),
            _funnel(review, today),
            *([_pipeline(review)] if review.pipeline is not None else []),
            _going_cold(review, today),
            _went_quiet(review, today),
            _expired(review, today),
            _door_reopening(review, today),
            _next_week(review, today),
        ],
    )


def span(start: date, end: date) -> str:
    """'Tue 24 Feb to Mon 02 Mar 2026 (7 days)'."""
    days = (end - start).days + 1
    if start == end:
        return f"{end:%a %d %b %Y} (1 day)"
    first = f"{start:%a %d %b}" if start.year == end.year else f"{start:%a %d %b %Y}"
    return f"{first} to {end:%a %d %b %Y} ({days} days)"


def ago(day: date, today: date) -> str:
    days = (today - day).days
    if days < 0:
        return relative_day(day, today)
    return {0: "today", 1: "yesterday"}.get(days, f"{days} days ago")


def plural(n: int, word: str, many: str | None = None) -> str:
    return f"{n} {word if n == 1 else many or word + 's'}"


def _at_a_glance(review: Review) -> Section:
    grid = Table(["", "this period", "previous", "change"], figures=frozenset({1, 2, 3}))
    for name, label in HEADLINE.items():
        change = review.headline[name]
        rate = name.endswith("_rate")
        grid.rows.append([label, *_figures(change, rate)])
    days = review.period.days
    return Section(
        "At a glance",
        [grid, f"Previous: the {plural(days, 'day')} before, {_previous(review)}."],
    )


def _previous(review: Review) -> str:
    return span(review.previous_period.start, review.previous_period.end).rsplit(" (", 1)[0]


def _figures(change: Change, rate: bool) -> list[str]:
    def shown(value: float | None) -> str:
        if value is None:
            return "n/a"
        return f"{value:.0%}" if rate else str(int(value))

    delta = change.change
    if delta is None:
        moved = "n/a"
    elif rate:
        moved = f"{delta * 100:+.0f} pts" if round(delta * 100) else "0 pts"
    else:
        moved = f"{int(delta):+d}" if delta else "0"
    return [shown(change.this_period), shown(change.previous_period), moved]


def _activity(review: Review) -> Section:
    a = review.activity
    blocks: list[Block] = []
    if a.touches:
        grid = Table(["kind", "out", "in"], figures=frozenset({1, 2}))
        for k in a.touches:
            grid.rows.append([k.kind, str(k.outgoing), str(k.incoming)])
        grid.rows.append(["all touches", str(a.touches_out), str(a.touches_in)])
        blocks.append(grid)
    else:
        blocks.append("No touches logged in this period.")
    blocks.append(
        f"{plural(a.thank_yous_sent, 'thank-you')} sent against "
        f"{plural(a.rejections_received, 'rejection')} received."
    )
    if a.notes:
        blocks.append(f"{plural(a.notes, 'note')} written for yourself (not counted as touches).")
    # withdrawn only when there were some: most weeks the plan withdraws nothing
    withdrawn = f"{a.tasks_withdrawn} withdrawn, " if a.tasks_withdrawn else ""
    blocks.append(
        f"Tasks: {a.tasks_done} done, {a.tasks_skipped} skipped, {a.tasks_expired} expired, "
        f"{withdrawn}{a.tasks_overdue} still overdue."
    )
    return Section("Activity", blocks)


def _replies(review: Review, today: date) -> Section:
    r = review.replies
    blocks: list[Block] = []
    if r.answered:
        grid = Table(
            ["who", "employer", "replies", "last"],
            figures=frozenset({2}),
            shrink=frozenset({0, 1}),
        )
        for p in r.answered[:SHOWN]:
            grid.rows.append(
                [p.contact, p.employer or "", str(p.replies), ago(p.last_reply.date(), today)]
            )
        blocks += [grid, *_more(len(r.answered))]
    else:
        blocks.append("Nobody answered in this period.")
    rates = Table(["reply rate", "this period", "all time"])
    rates.rows.append(
        [
            "on thank-yous",
            _rate(r.thank_you_reply_rate.this_period),
            _rate(r.thank_you_reply_rate.all_time),
        ]
    )
    rates.rows.append(
        [
            "on nurture notes",
            _rate(r.nurture_reply_rate.this_period),
            _rate(r.nurture_reply_rate.all_time),
        ]
    )
    blocks.append(rates)
    if r.new_advocates:
        names = [
            f"{a.contact} ({a.employer})" if a.employer else a.contact for a in r.new_advocates
        ]
        shown = ", ".join(names[:SHOWN]) + _and_more(len(names))
        blocks.append(f"New advocates: {shown}.")
    else:
        blocks.append("No new advocates in this period.")
    return Section("Replies", blocks)


def _rate(rate: Rate) -> str:
    if rate.rate is None:
        return "none sent"
    return f"{rate.answered} of {rate.sent} ({rate.rate:.0%})"


def _funnel(review: Review, today: date) -> Section:
    if not review.funnel:
        return Section(
            "Funnel by employer",
            ["No job added, applied for or rejected in this period, nor a rejection in 90 days."],
        )
    columns = ["employer", "met", "thanked", "replied", "LinkedIn", "info", "nurture"]
    grid = Table(
        [*columns, "rank", "rejected"], figures=frozenset(range(1, 8)), shrink=frozenset({0})
    )
    for f in review.funnel[:SHOWN]:
        counts = (f.met, f.thanked, f.replied, f.linkedin, f.info_interview, f.nurturing)
        grid.rows.append(
            [
                f.employer,
                *(str(n) for n in counts),
                str(f.finalist_rank or ""),
                ago(f.rejected_on, today) if f.rejected_on else "",
            ]
        )
    return Section("Funnel by employer", [grid, *_more(len(review.funnel))])


def _pipeline(review: Review) -> Section:
    """Applications by status, the moves of the period, and how long answers take."""
    p = review.pipeline
    assert p is not None
    held = [f"{n} {status}" for status, n in p.by_status.items() if n]
    if not held:
        return Section("Pipeline", ["No jobs yet: crm job add EMPLOYER --title TITLE"])
    blocks: list[Block] = ["Jobs: " + ", ".join(held) + "."]
    if p.median_days_to_answer is not None:
        blocks.append(
            f"Employers answered {plural(p.answered, 'application')} after "
            f"{p.median_days_to_answer:g} days (median); {p.waiting} still without an answer."
        )
    if p.moves:
        grid = Table(["on", "job", "employer", "moved to"], shrink=frozenset({1, 2}))
        for m in p.moves[:SHOWN]:
            grid.rows.append([f"{m.on:%a %d %b}", f"#{m.job_id} {m.title}", m.employer, m.status])
        blocks += [grid, *_more(len(p.moves))]
    else:
        blocks.append("No job moved in this period.")
    return Section("Pipeline", blocks)


def _going_cold(review: Review, today: date) -> Section:
    if not review.going_cold:
        return Section("Going cold", ["Nobody is going cold."])
    grid = Table(["id", "who", "employer", "last touch", "next note"], shrink=frozenset({1, 2}))
    for c in review.going_cold[:SHOWN]:
        grid.rows.append(
            [
                f"#{c.contact_id}",
                c.contact,
                c.employer or "",
                ago(c.last_touch.date(), today),
                relative_day(c.nurture_due, today) if c.nurture_due else "",
            ]
        )
    return Section("Going cold", [grid, *_more(len(review.going_cold))])


def _went_quiet(review: Review, today: date) -> Section:
    if not review.went_quiet:
        return Section("Went quiet", ["Nobody went quiet in this period."])
    grid = Table(["id", "who", "employer", "why", "since"], shrink=frozenset({1, 2}))
    for q in review.went_quiet[:SHOWN]:
        if q.why == "unanswered":
            why = f"{plural(q.unanswered, 'note')} unanswered"
        else:
            why = f"no touch in {(q.on - q.last_touch.date()).days} days"
        grid.rows.append([f"#{q.contact_id}", q.contact, q.employer or "", why, ago(q.on, today)])
    closing = "A new touch, either way, wakes the plan for them again."
    return Section("Went quiet", [grid, *_more(len(review.went_quiet)), closing])


def _expired(review: Review, today: date) -> Section:
    if not review.expired:
        return Section("Expired", ["No task expired in this period."])
    grid = Table(["id", "to do", "who", "was due"], shrink=frozenset({1, 2}))
    for t in review.expired[:SHOWN]:
        grid.rows.append([f"#{t.id}", t.title, t.who, f"{t.due:%a %d %b}"])
    return Section("Expired", [grid, *_more(len(review.expired))])


def _door_reopening(review: Review, today: date) -> Section:
    if not review.door_reopening:
        return Section(
            "Door reopening",
            ["No door to check yet: a rejection brings checks of the employer's openings."],
        )
    grid = Table(["employer", "what", "when"], shrink=frozenset({0, 1}))
    for door in review.door_reopening:
        for job in door.new_jobs:
            status = "" if job.status == "applied" else f" ({human(job.status)})"
            when = (
                f"applied {ago(job.applied_on, today)}"
                if job.applied_on
                else f"added {ago(job.added_on, today)}"
            )
            grid.rows.append([door.employer, f"★ a second chance: {job.title}{status}", when])
        for task in door.check_openings:
            grid.rows.append(
                [door.employer, f"#{task.task_id} {task.title}", relative_day(task.due, today)]
            )
    rows = len(grid.rows)
    grid.rows = grid.rows[:SHOWN]
    return Section("Door reopening", [grid, *_more(rows)])


def _next_week(review: Review, today: date) -> Section:
    if not review.next_week:
        return Section("Next week", ["Nothing due in the next 7 days."])
    grid = Table(["id", "to do", "who", "due"], shrink=frozenset({1, 2}))
    for t in review.next_week[:SHOWN]:
        grid.rows.append([f"#{t.id}", t.title, t.who, relative_day(t.due, today)])
    return Section("Next week", [grid, *_more(len(review.next_week))])


def _more(count: int) -> list[Block]:
    return (
        [f"… and {count - SHOWN} more: crm review --json lists them all."] if count > SHOWN else []
    )


def _and_more(count: int) -> str:
    return f" and {count - SHOWN} more" if count > SHOWN else ""
