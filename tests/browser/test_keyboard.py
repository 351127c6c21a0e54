"""Keyboard only, in Chromium: the proposal's row tables and country picker and the
evaluation form are worked with Tab, Shift+Tab, Space, Enter and the arrow keys; each step
starts from where the previous one left the focus."""

from __future__ import annotations

import pytest

from grants.extensions import db
from grants.proposals.models import Proposal
from grants.review import evaluation as ev
from grants.review.models import AssignmentState, EvaluationState
from tests.browser.sweep import log_in
from tests.conftest import PASSWORD

pytestmark = pytest.mark.browser


def _focused(page) -> str:
    return page.evaluate(
        "document.activeElement.getAttribute('aria-label') || document.activeElement.id"
    )


def _tab_to(page, wanted: str, limit: int = 80, key: str = "Tab") -> None:
    for _ in range(limit):
        page.keyboard.press(key)
        if _focused(page) == wanted:
            return
    raise AssertionError(f"{wanted!r} not reached with {key}; focus on {_focused(page)!r}")


def test_proposal_forms_by_keyboard(page, live_server, create_proposal):
    draft = create_proposal(acronym="SAFE-HR")
    base = live_server.url
    log_in(page, base, draft.organisation.memberships[0].user, PASSWORD)
    page.goto(f"{base}/proposals/{draft.id}/edit/workplan")
    page.get_by_label("Work package row 2: No.").focus()
    page.keyboard.type("2")
    page.keyboard.press("Tab")
    assert _focused(page) == "Work package row 2: Title"
    page.keyboard.type("Training of labour inspectors")
    _tab_to(page, "work_packages-1-priorities-1")  # the second priority's tick box
    page.keyboard.press("Space")
    assert page.locator("#work_packages-1-priorities-1").is_checked()
    # Enter on "Add an activity" adds a row in place and puts the focus in it.
    page.get_by_role("button", name="Add an activity, deliverable or milestone").focus()
    page.keyboard.press("Enter")
    assert _focused(page) == "Item row 4: Work package"
    page.keyboard.press("ArrowDown")  # the work packages, the new one too
    page.keyboard.press("ArrowDown")
    assert page.get_by_label("Item row 4: Work package").input_value() == "2"
    page.keyboard.press("Tab")
    page.keyboard.press("Tab")
    assert _focused(page) == "Item row 4: Title"
    page.keyboard.type("Inspectors trained")
    _tab_to(page, "save")  # Save draft
    page.keyboard.press("Enter")
    page.get_by_text("Work plan: saved.").wait_for()
    db.session.expire_all()
    wp = next(w for w in db.session.get(Proposal, draft.id).work_packages if w.number == 2)
    assert wp.title == "Training of labour inspectors" and len(wp.priorities) == 1
    assert [i.title for i in wp.items] == ["Inspectors trained"]

    page.goto(f"{base}/proposals/{draft.id}/edit/targets")
    page.get_by_role("button", name="Add EU-27").focus()
    page.keyboard.press("Space")
    page.get_by_label("Find a country").focus()
    page.keyboard.type("Norw")
    page.keyboard.press("Enter")
    assert page.locator(".picker-count").inner_text() == "28 chosen:"
    # Shift+Tab from the search goes back up to the chosen list's remove buttons.
    _tab_to(page, "Remove Norway", key="Shift+Tab")
    page.keyboard.press("Enter")
    assert page.locator(".picker-count").inner_text() == "27 chosen:"


def test_evaluation_form_by_keyboard(
    page, live_server, closed_call, create_evaluator, create_assignment
):
    _, subs = closed_call(n=1)
    a = create_assignment(subs[0], create_evaluator(), AssignmentState.ACTIVE)
    base = live_server.url
    log_in(page, base, a.evaluator, PASSWORD)
    page.goto(f"{base}/review/assignments/{a.id}/evaluate")
    comment = (
        "A credible referral mechanism between shelters, labour inspectors and the police, run "
        "by partners with long experience of specialised shelters, which keeps the places open "
        "after the project with regional funding."
    )
    criteria = list(a.call.criteria)
    page.get_by_label(f"Score for {criteria[0].label}").focus()
    for c in criteria:
        assert _focused(page) == f"score_{c.id}"
        for _ in range(int(c.threshold / c.step) + 1):  # "Not scored yet", 0, 0.5 ...
            page.keyboard.press("ArrowDown")
        assert page.locator(f"#score_{c.id}").input_value() == ev.fmt_points(c.threshold)
        page.keyboard.press("Tab")
        assert _focused(page) == f"comment_{c.id}"
        page.keyboard.type(comment)
        page.keyboard.press("Tab")
    assert _focused(page) == "save"
    assert "Total so far: " + ev.fmt_points(sum(c.threshold for c in criteria)) in (
        page.locator(".evaluation-total").inner_text()
    )
    _tab_to(page, "submit_evaluation")
    page.once("dialog", lambda dialog: dialog.accept())
    page.keyboard.press("Enter")
    page.get_by_text("Your evaluation is submitted. Thank you.").wait_for()
    db.session.expire_all()
    assert ev.evaluation_of(a).state == EvaluationState.SUBMITTED
