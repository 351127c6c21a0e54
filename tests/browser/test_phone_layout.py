"""In Chromium at 390 px: the submitted proposal's tables (consortium, work plan, indicators,
budget, annexes) scroll inside their boxes and keep their words whole (issue 15, point 5: they
broke as "Coor/dinat/or", "Netherla/nds", "125 byte/s"); only the SHA-256 may break. And the
proposal page's section badges stay badge-sized beside a title on two lines, and a required
field's asterisk stays on its label's last line."""

from __future__ import annotations

import pytest

from tests.browser.sweep import broken_words, check_page, log_in
from tests.conftest import PASSWORD

pytestmark = pytest.mark.browser

# Each word of each cell (the SHA-256 cells aside): more than one line box means it was broken
# (a hyphen is a place a word may break).
_BROKEN_WORDS = broken_words(
    ".submitted-content table.grid td:not(.hash), .submitted-content table.grid th",
    r"[^\s\u2010-\u2015-]+",
)

_HASHES = """() => [...document.querySelectorAll('.submitted-content table.grid td.hash')]
  .map((td) => td.getBoundingClientRect().width)"""


def test_submitted_proposal_tables_keep_their_words_whole(
    page, live_server, create_proposal, submit_proposal
):
    proposal = create_proposal(acronym="HAVEN")
    applicant = proposal.organisation.memberships[0].user
    sent = submit_proposal(proposal)
    log_in(page, live_server.url, applicant, PASSWORD)
    page.set_viewport_size({"width": 390, "height": 900})
    page.goto(f"{live_server.url}/submissions/{sent.id}")
    page.get_by_role("heading", name="9. Annexes").wait_for()
    cells = page.locator(".submitted-content table.grid td").count()
    assert cells > 20  # the consortium, work plan, indicator, budget and annex rows are there
    assert page.evaluate(_BROKEN_WORDS) == []
    widths = page.evaluate(_HASHES)
    assert widths and min(widths) >= 150, widths  # a few lines of the hash, not one character
    problems = check_page(page, "submitted-words")
    assert problems == []


def test_section_badges_keep_their_size_beside_a_two_line_title(page, live_server, create_proposal):
    proposal = create_proposal(acronym="SAFE-HR")
    log_in(page, live_server.url, proposal.organisation.memberships[0].user, PASSWORD)
    page.set_viewport_size({"width": 390, "height": 900})
    page.goto(f"{live_server.url}/proposals/{proposal.id}")
    rows = page.locator(".list-group-item-action")
    assert rows.count() >= 9
    sizes = page.evaluate(
        """() => [...document.querySelectorAll('.list-group-item-action')].map((a) => [
             a.textContent.trim().slice(0, 30),
             a.querySelector('span').getBoundingClientRect().height,
             a.querySelector('.badge').getBoundingClientRect().height])"""
    )
    assert max(title for _, title, _ in sizes) > 40, sizes  # a title does take two lines
    assert all(badge < 30 for _, _, badge in sizes), sizes  # the badge did not stretch with it


# Each required field's asterisk against its label: the label's height, and how far the bottom
# of the asterisk is from the bottom of the label (its last line).
_ASTERISKS = """() => [...document.querySelectorAll('span.text-danger[aria-hidden="true"]')]
  .filter((star) => star.parentElement.querySelector(':scope > label')).map((star) => {
    const label = star.parentElement.querySelector(':scope > label');
    const text = label.getBoundingClientRect();
    const box = star.getBoundingClientRect();
    return [label.textContent.trim().slice(0, 40), text.height, Math.abs(box.bottom - text.bottom)];
  })"""


def test_required_asterisk_stays_on_the_label_line(page, live_server, create_user):
    manager = create_user(roles=("programme_manager",))
    log_in(page, live_server.url, manager, PASSWORD)
    page.set_viewport_size({"width": 390, "height": 900})
    page.goto(f"{live_server.url}/manage/calls/new")
    stars = page.evaluate(_ASTERISKS)
    assert len(stars) > 10 and max(h for _, h, _ in stars) > 40, stars  # two-line labels too
    assert [s for s in stars if s[2] > 4] == []
