"""In Chromium at 390 px: the submitted proposal's tables (consortium, work plan, indicators,
budget, annexes) scroll inside their boxes and keep their words whole (issue 15, point 5: they
broke as "Coor/dinat/or", "Netherla/nds", "125 byte/s"); only the SHA-256 may break."""

from __future__ import annotations

import pytest

from tests.browser.sweep import check_page, log_in
from tests.conftest import PASSWORD

pytestmark = pytest.mark.browser

# Each word of each cell (the SHA-256 cells aside): more than one line box means it was broken.
_BROKEN_WORDS = """() => {
  const broken = [];
  document.querySelectorAll('.submitted-content table.grid td:not(.hash), '
                            + '.submitted-content table.grid th').forEach((cell) => {
    const walker = document.createTreeWalker(cell, NodeFilter.SHOW_TEXT);
    for (let node = walker.nextNode(); node; node = walker.nextNode()) {
      const re = /[^\\s\\u2010-\\u2015-]+/g;  // a hyphen is a place a word may break
      let m;
      while ((m = re.exec(node.data))) {
        const range = document.createRange();
        range.setStart(node, m.index);
        range.setEnd(node, m.index + m[0].length);
        const tops = new Set([...range.getClientRects()].map((r) => Math.round(r.top)));
        if (tops.size > 1) broken.push(m[0]);
      }
    }
  });
  return broken;
}"""

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
