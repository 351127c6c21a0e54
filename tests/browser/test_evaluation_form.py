"""In Chromium, the evaluation form as evaluators use it: a count under each comment against
its minimum, the running total with the thresholds not reached, the form beside the
proposal while scrolling on a wide screen and a jump to it on a phone; submitting asks once
(the browser's dialog, or without JavaScript a confirmation page)."""

from __future__ import annotations

from pathlib import Path

import pytest

from grants.extensions import db
from grants.review import evaluation as ev
from grants.review.models import AssignmentState, EvaluationState
from tests.browser.sweep import check_page, log_in
from tests.conftest import PASSWORD

pytestmark = pytest.mark.browser

SHOTS = Path(__file__).resolve().parents[2] / "test-artifacts" / "evaluation"
COMMENT = (
    "A credible referral mechanism between shelters, labour inspectors and the police, run by "
    "partners with long experience of specialised shelters for women and girls, and a plan to "
    "keep the places open after the project with regional funding."
)


@pytest.fixture
def active(closed_call, create_evaluator, create_assignment):
    _, subs = closed_call(n=1)
    return create_assignment(subs[0], create_evaluator(), AssignmentState.ACTIVE)


def _shot(page, name, width, full_page=True):
    SHOTS.mkdir(parents=True, exist_ok=True)
    page.screenshot(path=str(SHOTS / f"{name}-{width}.png"), full_page=full_page)


def _state(a):
    db.session.expire_all()
    evaluation = ev.evaluation_of(a)
    return evaluation.state if evaluation else None


def test_counts_total_sticky_and_confirm(page, live_server, active):
    a = active
    base = live_server.url
    log_in(page, base, a.evaluator, PASSWORD)
    page.goto(f"{base}/review/assignments/{a.id}/evaluate")
    criteria = list(a.call.criteria)
    first = criteria[0]
    comment = page.get_by_label(f"Comment on {first.label}")
    comment.fill("Too short.")
    count = page.locator(f"#comment_{first.id}-count")
    needed = first.min_comment_length - len("Too short.")
    assert count.inner_text() == (
        f"10 characters; at least {first.min_comment_length} ({needed} more)"
    )
    total = page.locator(".evaluation-total")
    page.get_by_label(f"Score for {first.label}").select_option("10")
    assert total.inner_text().startswith(
        f"Total so far: 10 of {ev.fmt_points(a.call.max_points)} (1 of {len(criteria)} criteria"
    )
    for c in criteria:
        page.get_by_label(f"Score for {c.label}").select_option(ev.fmt_points(c.threshold))
        page.get_by_label(f"Comment on {c.label}").fill(COMMENT)
    assert "reached" in count.inner_text()
    low = criteria[-1]
    below = ev.fmt_points(low.threshold - low.step)
    page.get_by_label(f"Score for {low.label}").select_option(below)
    assert f"Below the threshold of {low.label}." in total.inner_text()

    # Scrolled to the end of the proposal, the form is still in view beside it.
    page.evaluate("window.scrollTo({top: 1500, behavior: 'instant'})")
    box = page.locator(".evaluation-side").bounding_box()
    assert 0 <= box["y"] < 50 and box["x"] > 600
    used = page.get_by_label(f"Score for {low.label}").bounding_box()  # the panel scrolls itself
    assert 0 <= used["y"] < page.viewport_size["height"]
    _shot(page, "evaluating-scrolled", 1280, full_page=False)  # what the evaluator sees
    page.mouse.move(0, 0)
    problems = check_page(page, "evaluation form")
    assert not problems, problems

    page.once("dialog", lambda dialog: dialog.dismiss())
    page.get_by_role("button", name="Submit evaluation").click()
    assert _state(a) is None  # declined: nothing sent
    asked = []
    page.once("dialog", lambda dialog: (asked.append(dialog.message), dialog.accept()))
    page.get_by_role("button", name="Submit evaluation").click()
    page.get_by_text("Your evaluation is submitted. Thank you.").wait_for()
    assert asked == ["Submit your evaluation now? Once submitted it can no longer change."]
    assert _state(a) == EvaluationState.SUBMITTED


def test_phone_without_javascript_jumps_and_confirms(browser, live_server, active):
    a = active
    context = browser.new_context(java_script_enabled=False, viewport={"width": 390, "height": 800})
    page = context.new_page()
    try:
        base = live_server.url
        log_in(page, base, a.evaluator, PASSWORD)
        page.goto(f"{base}/review/assignments/{a.id}/evaluate")
        page.get_by_role("link", name="Go to the evaluation form").click()
        heading = page.get_by_role("heading", name="Your evaluation")
        top = "document.getElementById('evaluation').getBoundingClientRect().top"
        for _ in range(40):  # Bootstrap scrolls smoothly: wait for the scroll to end
            if abs(page.evaluate(top)) < 2:
                break
            page.wait_for_timeout(100)
        assert 0 <= heading.bounding_box()["y"] < 800  # in view, not 7 000 px down
        for c in a.call.criteria:
            page.get_by_label(f"Score for {c.label}").select_option(ev.fmt_points(c.threshold))
            page.get_by_label(f"Comment on {c.label}").fill(COMMENT)
        page.get_by_role("button", name="Submit evaluation").click()
        page.get_by_role("heading", name="Submit your evaluation of").wait_for()
        assert _state(a) is None
        _shot(page, "confirm-nojs", 390)
        assert page.evaluate("document.documentElement.scrollWidth") <= 390
        page.get_by_role("button", name="Yes, submit my evaluation").click()
        page.get_by_text("Your evaluation is submitted. Thank you.").wait_for()
        assert _state(a) == EvaluationState.SUBMITTED
        _shot(page, "submitted-nojs", 390)
    finally:
        context.close()
