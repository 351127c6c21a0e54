"""In Chromium: radio groups rendered outside the evaluator's forms show their error at the
group, tied to each option, with the summary linking to the first option (issue 15, point 3):
the programme's decision on a submission's checks and the notification preferences. The
pages with their errors are clean for axe at 1280 and 390 px."""

from __future__ import annotations

import pytest

from tests.browser.sweep import check_page, log_in
from tests.conftest import PASSWORD

pytestmark = pytest.mark.browser


def _clean(problems):
    assert not problems, "\n" + "\n".join(problems)


def test_decision_on_the_checks_shows_errors_at_the_groups(
    page, live_server, create_user, create_proposal, submit_proposal
):
    submission = submit_proposal(create_proposal())
    manager = create_user(roles=("programme_manager",))
    log_in(page, live_server.url, manager, PASSWORD)
    page.goto(f"{live_server.url}/submissions/{submission.id}")
    page.get_by_label("Override the result").check()
    page.get_by_label("Reason").fill("Kept reason")
    page.get_by_role("button", name="Record the decision").click()
    summary = page.locator("#error-summary")
    summary.wait_for()
    link = summary.get_by_role("link", name="Eligible (when overriding)")
    assert link.get_attribute("href") == "#eligible-0"
    first = page.locator("#eligible-0")
    assert first.get_attribute("aria-invalid") == "true"
    assert "eligible-error" in first.get_attribute("aria-describedby")
    assert "say whether the proposal is eligible" in page.locator("#eligible-error").inner_text()
    assert page.get_by_label("Override the result").is_checked()
    assert page.get_by_label("Reason").input_value() == "Kept reason"
    link.click()
    assert page.evaluate("document.activeElement.id") == "eligible-0"
    _clean(check_page(page, "checks-decision-errors"))


def test_notification_preferences_keep_the_page_and_show_the_error_at_the_group(
    page, live_server, create_user
):
    evaluator = create_user(roles=("evaluator",))
    log_in(page, live_server.url, evaluator, PASSWORD)
    page.goto(f"{live_server.url}/notifications/preferences")
    # a choice taken away (as a stale or tampered form would send it)
    page.evaluate(
        "document.querySelectorAll('input[name=event_review_reminder]')"
        ".forEach((el) => { el.checked = false; })"
    )
    with page.expect_response(lambda r: r.request.method == "POST") as posted:
        page.get_by_role("button", name="Save preferences").click()
    assert posted.value.status == 422
    page.locator("#error-summary").wait_for()
    first = page.locator("#event_review_reminder-0")
    assert first.get_attribute("aria-invalid") == "true"
    assert page.locator("#event_review_reminder-error").inner_text()
    _clean(check_page(page, "preferences-errors"))
