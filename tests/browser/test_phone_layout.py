"""In Chromium at 390 px: the submitted proposal's tables (consortium, work plan, indicators,
budget, annexes) scroll inside their boxes and keep their words whole (issue 15, point 5: they
broke as "Coor/dinat/or", "Netherla/nds", "125 byte/s"); only the SHA-256 may break. And the
proposal page's section badges stay badge-sized beside a title on two lines, and a required
field's asterisk stays on its label's last line."""

from __future__ import annotations

from decimal import Decimal
from pathlib import Path

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


# The list pages (issue 15): at 390 px each row of their tables is a card of "label: value"
# lines (.table-stack) instead of a table to scroll sideways in its box, and dates stay whole.
LISTS_SHOTS = Path(__file__).resolve().parents[2] / "test-artifacts" / "phone-lists"

# What reaches past the window's right edge, inside a scroll box or not (what a box with
# overflow hidden cuts off, such as a visually hidden header row, is not seen), the scroll boxes
# that scroll sideways, and the dates of the tables that take more than one line.
_LIST_LAYOUT = """() => {
  const limit = document.documentElement.clientWidth + 1;
  const right = (el) => {
    let edge = el.getBoundingClientRect().right;
    for (let up = el.parentElement; up; up = up.parentElement) {
      if (['hidden', 'clip'].includes(getComputedStyle(up).overflowX))
        edge = Math.min(edge, up.getBoundingClientRect().right);
    }
    return edge;
  };
  const name = (el) => el.tagName + '.' + [...el.classList].join('.') + ' '
    + el.textContent.trim().slice(0, 30) + ' right=' + Math.round(right(el));
  const wide = [...document.querySelectorAll('main *')].filter((el) => right(el) > limit);
  const boxes = [...document.querySelectorAll('main .table-responsive')]
    .filter((b) => b.scrollWidth > b.clientWidth + 1);
  const dates = [...document.querySelectorAll('main table time')].map((t) =>
    [t.textContent.trim(), new Set([...t.getClientRects()].map((r) => Math.round(r.top))).size]);
  return {wide: wide.slice(0, 5).map(name), boxes: boxes.map(name),
          dates: dates.length, broken: dates.filter(([, lines]) => lines > 1)};
}"""

# Each body cell of each list table (.table-stack): its data-label against its column's
# header, and whether that label is shown before the cell (the ::before content) and the row
# laid out as a table row.
_CELL_LABELS = """() => [...document.querySelectorAll('main table.table-stack')]
.flatMap((table) => {
  const heads = [...table.querySelectorAll('thead th')].map((th) => {
    const copy = th.cloneNode(true);  // what a screen reader reads: no sort arrow
    copy.querySelectorAll('[aria-hidden="true"]').forEach((el) => el.remove());
    return copy.textContent.trim();
  });
  return [...table.querySelectorAll('tbody tr')].filter((tr) => !tr.querySelector('[colspan]'))
    .flatMap((tr) => [...tr.children].map((td, i) => ({
      header: heads[i], label: td.dataset.label,
      shown: getComputedStyle(td, '::before').content !== 'none',
      row: getComputedStyle(tr).display,
      head: table.tHead ? table.tHead.getBoundingClientRect().height : 0})));
})"""


def _check_list_page(
    page, url: str, name: str, javascript: bool = True, dates: bool = True
) -> None:
    LISTS_SHOTS.mkdir(parents=True, exist_ok=True)
    page.goto(url)
    suffix = "" if javascript else "-nojs"
    for width in (1280, 390):
        page.set_viewport_size({"width": width, "height": 900})
        page.wait_for_timeout(50)
        page.screenshot(path=str(LISTS_SHOTS / f"{name}-{width}{suffix}.png"), full_page=True)
        cells = page.evaluate(_CELL_LABELS)
        assert len(cells) >= 4, (name, cells)
        assert [c for c in cells if c["label"] != c["header"]] == [], name
        if width == 1280:  # a table as before: its header row shown, no labels in the cells
            assert all(c["row"] == "table-row" and not c["shown"] for c in cells), (name, cells)
            assert all(c["head"] > 10 for c in cells), name
            continue
        assert all(c["row"] != "table-row" and c["shown"] for c in cells), (name, cells)
        layout = page.evaluate(_LIST_LAYOUT)
        assert layout["wide"] == [] and layout["boxes"] == [], (name, layout)
        assert (layout["dates"] > 0) == dates and layout["broken"] == [], (name, layout)
    problems = check_page(page, f"phone-list-{name}", javascript)
    assert problems == []


@pytest.mark.parametrize("javascript", [True, False], ids=["js", "nojs"])
def test_my_proposals_rows_are_cards_on_a_phone(
    browser, live_server, create_call, create_proposal, submit_proposal, javascript
):
    call = create_call(reference="AMIF-2026-THB-LONGREF")
    draft = create_proposal(call=call, acronym="SAFE-HR")
    submit_proposal(create_proposal(call=call, acronym="HAVEN", organisation=draft.organisation))
    context = browser.new_context(java_script_enabled=javascript)
    page = context.new_page()
    try:
        log_in(page, live_server.url, draft.organisation.memberships[0].user, PASSWORD)
        _check_list_page(page, f"{live_server.url}/proposals", "my-proposals", javascript)
    finally:
        context.close()


# The ranking's budget line at 390 px: its text inside its scroll box, with the table scrolled
# to its left end or to its right end (it was cut: the cell spans the whole, wider table).
_BUDGET_LINE = """() => [...document.querySelectorAll('tr.budget-line td')].flatMap((td) => {
  const box = td.closest('.table-responsive');
  return [0, box.scrollWidth].map((left) => {
    box.scrollLeft = left;
    const range = document.createRange();
    range.selectNodeContents(td);
    const text = range.getBoundingClientRect();
    const outer = box.getBoundingClientRect();
    return {text: td.textContent.trim().slice(0, 40), scrolled: box.scrollLeft,
            scrolls: box.scrollWidth > box.clientWidth + 1,
            left: Math.round(text.left - outer.left), right: Math.round(outer.right - text.right)};
  });
})"""


def test_manager_lists_are_cards_and_the_budget_line_shows_on_a_phone(
    page, live_server, evaluated, approve_all, create_user, running_grant
):
    from grants.review import pool

    shares = [Decimal(x) for x in ("0.9", "0.85", "0.8", "0.75")]
    call, submissions, _ = evaluated(n=4, shares=shares)
    manager = create_user(roles=("programme_manager", "admin"), name="Mona Manager")
    approve_all(call, submissions, manager)
    pool.invite_evaluators(["new.expert@example.org", "second.expert@example.org"], call, manager)
    base = live_server.url
    log_in(page, base, manager, PASSWORD)
    _check_list_page(page, f"{base}/audit/", "audit")
    _check_list_page(page, f"{base}/manage/calls", "manage-calls")
    _check_list_page(page, f"{base}/manage/evaluators", "evaluators")
    dashboard = f"{base}/manage/calls/{call.id}/evaluation"
    _check_list_page(page, dashboard, "evaluation-dashboard", dates=False)
    running_grant(agreement_number="GA-PHONE", manager=manager)
    _check_list_page(page, f"{base}/projects/monitoring", "monitoring", dates=False)
    _check_list_page(page, f"{base}/projects/", "projects", dates=False)

    page.goto(f"{base}/manage/calls/{call.id}/ranking")
    page.get_by_text("Budget line:").first.wait_for()
    for width in (1280, 390):
        page.set_viewport_size({"width": width, "height": 900})
        page.wait_for_timeout(50)
        page.screenshot(path=str(LISTS_SHOTS / f"ranking-{width}.png"), full_page=True)
        lines = page.evaluate(_BUDGET_LINE)
        assert lines, width
        if width == 390:
            assert any(line["scrolls"] and line["scrolled"] > 0 for line in lines), lines
        for line in lines:  # the whole text inside the box, wherever the table is scrolled
            assert line["left"] >= 0 and line["right"] >= 0, (width, line)
        page.evaluate(
            "() => document.querySelectorAll('.table-responsive')"
            ".forEach((b) => { b.scrollLeft = 0; })"
        )
        page.locator("tr.budget-line").first.scroll_into_view_if_needed()
        page.locator("table.ranking").first.screenshot(
            path=str(LISTS_SHOTS / f"ranking-table-{width}.png")
        )
