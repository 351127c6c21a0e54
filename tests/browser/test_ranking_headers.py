"""In Chromium: the ranking's column headers never break inside a word (issue 15, point 5),
at 1280 and 390 px, and at 1280 px the tables fit their boxes (the Decision column is not
cut).
Each table's caption stays whole in the window at 390 px, where the table scrolls sideways."""

from __future__ import annotations

from decimal import Decimal
from pathlib import Path

import pytest

from tests.browser.sweep import broken_words, check_page, log_in
from tests.conftest import PASSWORD

pytestmark = pytest.mark.browser

SHOTS = Path(__file__).resolve().parents[2] / "test-artifacts" / "ranking-headers"

# Each word of each header cell: more than one line box means the word was broken.
_BROKEN_WORDS = broken_words("table.ranking thead th")

_CUT = """() => [...document.querySelectorAll('table.ranking')].filter(
  (t) => t.parentElement.scrollWidth > t.parentElement.clientWidth + 1).map((t) => t.id)"""

# Each ranking table's name (what aria-labelledby points at), with its box and the window's
# width, after the table's scroll box was scrolled to its right end.
_CAPTIONS = """() => [...document.querySelectorAll('table.ranking')].map((t) => {
  t.parentElement.scrollLeft = t.parentElement.scrollWidth;
  const label = document.getElementById(t.getAttribute('aria-labelledby')) || t.caption;
  const box = label ? label.getBoundingClientRect() : null;
  return {id: t.id, text: label ? label.textContent.trim() : null,
          left: box && box.left, right: box && box.right,
          width: document.documentElement.clientWidth,
          scrolls: t.parentElement.scrollWidth > t.parentElement.clientWidth};
})"""


def test_ranking_headers_keep_their_words_whole(
    page, live_server, evaluated, approve_all, create_user
):
    shares = [Decimal(x) for x in ("0.9", "0.85", "0.8", "0.75")]
    call, submissions, _ = evaluated(n=4, shares=shares)
    manager = create_user(roles=("programme_manager",), name="Mona Manager")
    approve_all(call, submissions, manager)
    log_in(page, live_server.url, manager, PASSWORD)
    SHOTS.mkdir(parents=True, exist_ok=True)
    page.goto(f"{live_server.url}/manage/calls/{call.id}/ranking")
    page.get_by_text("Budget line:").wait_for()
    assert any(len(c.label.split()) > 3 for c in call.criteria)  # long labels are tried
    for width in (1280, 390):
        page.set_viewport_size({"width": width, "height": 900})
        page.wait_for_timeout(100)
        assert page.evaluate(_BROKEN_WORDS) == [], width
        if width == 1280:
            assert page.evaluate(_CUT) == []
        else:
            captions = page.evaluate(_CAPTIONS)
            assert captions and any(c["scrolls"] for c in captions), captions
            for c in captions:  # named, and wholly inside the window with the table scrolled
                assert c["text"], c
                assert c["left"] >= 0 and c["right"] <= c["width"], c
            page.evaluate(
                "() => document.querySelectorAll('.table-responsive')"
                ".forEach((b) => { b.scrollLeft = 0; })"
            )
        page.locator("table.ranking").first.screenshot(path=str(SHOTS / f"table-{width}.png"))
    problems = check_page(page, "ranking-headers")
    assert [p for p in problems if "axe" in p] == []
