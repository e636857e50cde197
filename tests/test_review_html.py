"""The review as pictures: the 12 weeks counted by the database (both of them), the page drawn by
a real headless Chromium (bars counted in the rendered page, no console error, no request
leaving the file), and the terminal's one-line sparkline."""

from __future__ import annotations

from datetime import date
from pathlib import Path

import pytest

from tests.browser import chromium, visit
from tests.conftest import Crm, replayed
from tests.helpers import acme_story, lines


@replayed
def story(crm: Crm) -> None:
    """Twelve weeks end on Mon 2 Mar 2026 (the conftest's today): the last one starts Tue 24
    Feb, the first Tue 9 Dec 2025."""
    acme_story(crm)
    crm("contact", "add", "<script>alert('x')</script> & Co", "--employer", "Acme")
    crm("log", "email", "sam", "--on", "2025-12-09")  # the first day of the first week
    crm("log", "email", "sam", "--on", "2025-12-08")  # the day before: not in the chart
    crm("log", "call", "dana", "--on", "2026-02-10")  # week 10
    crm("log", "reply", "dana", "--on", "2026-02-11")  # week 10, in
    crm("log", "note", "dana", "--on", "2026-02-12")  # a note is not a touch
    crm("log", "thank-you", "dana", "--on", "2026-02-28")  # week 12 (and closes a task)
    crm("log", "thank-you", "sam", "--on", "2026-02-28")
    crm("log", "reply", "dana", "--on", "2026-03-02")  # today: still week 12
    crm("log", "reply", "#4", "--on", "2026-02-25")  # the name with markup in it answered


def test_twelve_weeks_counted_by_the_database(crm: Crm) -> None:
    from crm.db import Database
    from crm.services.activity import weekly_activity

    story(crm)
    database = Database(crm.url)
    try:
        with database.session(write=False) as session:
            weeks = weekly_activity(session=session, zone=None, last_day=date(2026, 3, 2))
    finally:
        database.close()
    assert len(weeks) == 12
    assert (weeks[0].start, weeks[0].end) == (date(2025, 12, 9), date(2025, 12, 15))
    assert (weeks[-1].start, weeks[-1].end) == (date(2026, 2, 24), date(2026, 3, 2))
    assert [(w.touches_out, w.answers_in, w.tasks_done) for w in weeks] == [
        (1, 0, 0),
        *[(0, 0, 0)] * 8,
        (1, 1, 0),
        (0, 0, 0),
        (2, 2, 2),  # the two thank-yous closed the two thank-you tasks
    ]


def test_the_terminal_review_has_the_twelve_weeks_in_one_line(crm: Crm) -> None:
    story(crm)
    out = lines(crm("review").stdout)
    assert out[1] == "12 weeks: out ▅▁▁▁▁▁▁▁▁▅▁█  in ▁▁▁▁▁▁▁▁▁▅▁█  done ▁▁▁▁▁▁▁▁▁▁▁█"


def test_the_sparkline_scales_to_the_largest_week() -> None:
    from crm.views.sparkline import sparkline

    assert sparkline([0, 1, 2, 4, 8]) == "▁▂▃▅█"
    assert sparkline([0, 0, 0]) == "▁▁▁"
    assert sparkline([100, 1]) == "█▂"  # a week with anything at all shows above zero


def test_the_html_review_is_one_safe_file(sqlite_crm: Crm, tmp_path: Path) -> None:
    story(sqlite_crm)
    page = tmp_path / "review.html"
    out = sqlite_crm("review", "--output", str(page)).stdout
    assert lines(out) == [f"Wrote the review of Tue 24 Feb to Mon 02 Mar 2026 (7 days) to {page}."]
    html = page.read_text()
    assert (page.stat().st_mode & 0o777) == 0o600
    assert "<script>" not in html  # the contact's name is text, escaped
    assert "&lt;script&gt;" in html
    for fetch in ("http://", "https://", "src=", "@import", "url("):
        assert fetch not in html.replace('xmlns="http://www.w3.org/2000/svg"', "")
    assert html.count('<rect class="bar ') == 36
    assert html.count('<rect class="funnel-bar"') == 7


COUNT = """JSON.stringify({
  title: document.title,
  bars: document.querySelectorAll('svg.activity rect.bar').length,
  drawn: Object.fromEntries(['touches_out', 'answers_in', 'tasks_done'].map(name => [name,
    [...document.querySelectorAll('svg.activity rect.bar.' + name)]
      .map(r => Math.round(r.getBoundingClientRect().height))])),
  funnel: [...document.querySelectorAll('svg.funnel rect.funnel-bar')]
    .map(r => Math.round(r.getBoundingClientRect().width)),
  chartWidth: Math.round(document.querySelector('svg.activity').getBoundingClientRect().width),
  headings: [...document.querySelectorAll('h2')].map(h => h.textContent),
  tables: document.querySelectorAll('table').length,
})"""


@pytest.mark.slow
def test_chromium_draws_the_chart_and_the_funnel(sqlite_crm: Crm, tmp_path: Path) -> None:
    if chromium() is None:
        pytest.skip("chromium is not installed (.ci/run installs Debian's chromium)")
    import json

    story(sqlite_crm)
    page = tmp_path / "review.html"
    sqlite_crm("review", "--output", str(page))
    seen = visit(page, COUNT, tmp_path / "chromium-profile")
    Path(tmp_path / "review.png").write_bytes(seen.screenshot)
    shot = Path(__file__).resolve().parent.parent / ".pytest_cache" / "review.png"
    shot.parent.mkdir(exist_ok=True)
    shot.write_bytes(seen.screenshot)  # kept to look at: the last run's screenshot

    assert seen.errors == [], seen.console
    assert seen.requests == [page.resolve().as_uri()]  # the page itself, nothing else
    drawn = json.loads(seen.values)
    assert drawn["title"] == "Review of Tue 24 Feb to Mon 02 Mar 2026 (7 days)"
    assert drawn["bars"] == 36
    heights = drawn["drawn"]
    # one bar per week and series; a week with nothing has a bar of no height
    assert [h > 0 for h in heights["touches_out"]] == [True, *[False] * 8, True, False, True]
    assert [h > 0 for h in heights["answers_in"]] == [False] * 9 + [True, False, True]
    assert [h > 0 for h in heights["tasks_done"]] == [False] * 11 + [True]
    assert heights["touches_out"][-1] == 2 * heights["touches_out"][0]  # 2 touches, then 1
    assert len(drawn["funnel"]) == 7 and drawn["funnel"][0] > 0
    assert drawn["chartWidth"] > 700
    assert drawn["headings"][:3] == ["Twelve weeks", "From met to nurturing", "At a glance"]
    assert drawn["tables"] >= 5
    assert seen.screenshot.startswith(b"\x89PNG")
