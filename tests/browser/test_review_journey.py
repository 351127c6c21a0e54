"""In Chromium: an evaluator sees only the consortium, declares no conflict and reads the
proposal; a conflict declared on another proposal removes it from their reach."""

from __future__ import annotations

from decimal import Decimal
from pathlib import Path

import pytest

from grants.review import ranking as ranking_service
from grants.review.models import AssignmentState
from tests.browser.sweep import check_page
from tests.conftest import PASSWORD

pytestmark = pytest.mark.browser

ARTIFACTS = Path(__file__).resolve().parents[2] / "test-artifacts"


def test_evaluator_declares_and_sees_the_proposal(
    page, live_server, closed_call, create_evaluator, create_assignment
):
    _, (s1, s2) = closed_call(n=2)
    evaluator = create_evaluator(name="Eva Expert")
    a1, a2 = create_assignment(s1, evaluator), create_assignment(s2, evaluator)
    base = live_server.url
    page.goto(base + "/login")
    page.get_by_label("E-mail address").fill(evaluator.email)
    page.get_by_label("Password").fill(PASSWORD)
    page.get_by_role("button", name="Log in").click()

    page.get_by_role("link", name="Review queue").first.click()
    page.get_by_text("0 of 2 done").wait_for()
    page.screenshot(path=str(ARTIFACTS / "review-queue.png"), full_page=True)
    page.get_by_role("link", name=s1.content["acronym"]).click()
    assert page.get_by_text(s1.content["abstract"]).count() == 0
    page.get_by_label("I have no conflict of interest with this proposal").check()
    page.screenshot(path=str(ARTIFACTS / "review-declare.png"), full_page=True)
    page.get_by_role("button", name="Send declaration").click()
    page.get_by_text("The proposal is now open to you").wait_for()
    page.locator(".submitted-content").get_by_text(s1.content["abstract"]).first.wait_for()
    page.get_by_role("button", name="Submit evaluation").wait_for()
    page.screenshot(path=str(ARTIFACTS / "review-proposal.png"), full_page=True)

    page.goto(f"{base}/review/assignments/{a2.id}")
    page.get_by_label("I have a personal relationship with someone involved").check()
    page.get_by_label("Details of the conflict").fill("My sister works there.")
    page.get_by_role("button", name="Send declaration").click()
    page.get_by_text("released from this proposal").wait_for()
    assert page.get_by_role("link", name=s2.content["acronym"]).count() == 0
    response = page.goto(f"{base}/review/assignments/{a2.id}")
    assert response.status == 404
    response = page.goto(f"{base}/submissions/{s2.id}")
    assert response.status == 404
    assert a1.id != a2.id


def _log_in(page, base, user):
    page.goto(base + "/login")
    page.get_by_label("E-mail address").fill(user.email)
    page.get_by_label("Password").fill(PASSWORD)
    page.get_by_role("button", name="Log in").click()


LONG = (
    "The action answers the call's priority on the early identification and referral of "
    "victims, with specialised shelters and a gender-specific approach; the methodology is "
    "sound, the partners are experienced and the results can be measured by sex and age."
)


def test_evaluator_declares_evaluates_saves_and_goes_next(
    page, live_server, closed_call, create_evaluator, create_assignment
):
    call, (s1, s2) = closed_call(n=2)
    evaluator = create_evaluator(name="Eva Expert")
    a1 = create_assignment(s1, evaluator)
    create_assignment(s2, evaluator, AssignmentState.ACTIVE)
    base = live_server.url
    _log_in(page, base, evaluator)
    page.goto(f"{base}/review/assignments/{a1.id}")
    page.get_by_label("I have no conflict of interest with this proposal").check()
    page.get_by_role("button", name="Send declaration").click()
    page.get_by_text("The proposal is now open to you").wait_for()

    # Score every criterion with the keyboard-accessible controls, then save and go next.
    for c in call.criteria:
        page.get_by_label(f"Score for {c.label}").select_option(str(int(c.max_points * 3 / 4)))
        page.get_by_label(f"Comment on {c.label}").fill(LONG)
    page.get_by_role("button", name="Save and next").click()
    page.get_by_text("Your draft is saved.").wait_for()
    page.get_by_role("heading", name=f"Evaluate {s2.content['acronym']}").wait_for()

    # Back to the first: the draft is there; submitting locks it and opens the others.
    page.goto(f"{base}/review/assignments/{a1.id}/evaluate")
    first = call.criteria[0]
    assert page.get_by_label(f"Score for {first.label}").input_value() == str(
        int(first.max_points * 3 / 4)
    )
    # Submitting cannot be undone: the browser asks once; declining leaves the draft.
    asked = []
    page.once("dialog", lambda d: (asked.append(d.message), d.dismiss()))
    page.get_by_role("button", name="Submit evaluation").click()
    page.wait_for_timeout(200)
    assert asked == ["Submit your evaluation now? Once submitted it can no longer change."]
    assert page.get_by_text("Your evaluation is submitted").count() == 0
    page.once("dialog", lambda d: d.accept())
    page.get_by_role("button", name="Submit evaluation").click()
    page.get_by_text("Your evaluation is submitted").wait_for()
    page.get_by_role("heading", name="The other evaluations of this proposal").wait_for()
    page.screenshot(path=str(ARTIFACTS / "review-submitted.png"), full_page=True)
    page.get_by_role("link", name="Review queue").first.click()
    page.get_by_text("1 of 2 done").wait_for()


def test_manager_finalises_the_ranking_and_publishes_results(
    page, live_server, evaluated, approve_all, create_user
):
    shares = [Decimal(x) for x in ("0.9", "0.85", "0.8", "0.75", "0.7", "0.4")]
    call, submissions, _ = evaluated(n=6, shares=shares)
    manager = create_user(roles=("programme_manager",), name="Mona Manager")
    approve_all(call, submissions, manager)
    base = live_server.url
    _log_in(page, base, manager)
    page.goto(f"{base}/manage/calls/{call.id}/evaluation")
    page.locator("#count-agreed .display-6").get_by_text("6").wait_for()
    page.get_by_role("link", name="Ranking and results").first.click()
    page.get_by_text("Budget line:").wait_for()
    page.screenshot(path=str(ARTIFACTS / "ranking.png"), full_page=True)

    # What if the topic had EUR 400 000 more? Nothing is saved.
    page.get_by_label("Budget of topic T1 (EUR)").fill("3400000")
    page.get_by_role("button", name="Show the selection").click()
    page.locator("#what-if-result").get_by_text("Newly selected:").wait_for()
    page.get_by_role("link", name="Back to the call's budget").click()

    # Finalising asks once: the browser's dialog; declining changes nothing.
    asked = []
    page.once("dialog", lambda d: (asked.append(d.message), d.dismiss()))
    page.get_by_role("button", name="Finalise the ranking").click()
    page.wait_for_timeout(200)
    assert asked == [
        f"Finalise the ranking of {call.reference} now? Its evaluations, consensus reports "
        "and assignments lock. This cannot be undone."
    ]
    assert page.get_by_text("The ranking is final.").count() == 0
    # The page a browser without JavaScript gets (the same form, without the dialog).
    page.evaluate("document.querySelectorAll('form').forEach(f => delete f.dataset.confirm)")
    page.get_by_role("button", name="Finalise the ranking").click()
    page.get_by_role("heading", name=f"Finalise the ranking of {call.reference}?").wait_for()
    assert page.locator("#confirm-figures").get_by_text("EUR 3 000 000.00").count() == 1
    _assert_clean(check_page(page, "confirm-finalise"))
    page.set_viewport_size({"width": 1280, "height": 900})  # check_page ends at 390 px
    page.get_by_role("link", name="No, go back to the ranking").click()
    page.get_by_text("Budget line:").wait_for()
    page.once("dialog", lambda d: d.accept())
    page.get_by_role("button", name="Finalise the ranking").click()
    page.get_by_text("The ranking is final.").wait_for()
    page.once("dialog", lambda d: d.accept())
    page.get_by_role("button", name="Publish the results").click()
    page.get_by_text("The results are published: 6 result letters").wait_for()
    page.screenshot(path=str(ARTIFACTS / "ranking-published.png"), full_page=True)
    page.get_by_role("button", name="Log out").click()

    applicant = submissions[0].proposal.organisation.memberships[0].user
    _log_in(page, base, applicant)
    page.goto(base + "/proposals")
    page.get_by_role("link", name="Result: Selected for funding").click()
    page.get_by_role("heading", name="Selected for funding").wait_for()
    page.screenshot(path=str(ARTIFACTS / "result-letter.png"), full_page=True)
    href = page.get_by_role("link", name="Download the report (PDF)").get_attribute("href")
    pdf = page.context.request.get(base + href)  # the browser's session cookie goes along
    assert pdf.status == 200 and pdf.body().startswith(b"%PDF")


def _assert_clean(problems):
    assert not problems, "\n" + "\n".join(problems)


def test_declaration_error_is_shown_at_the_choice(
    page, live_server, closed_call, create_evaluator, create_assignment
):
    _, (s1,) = closed_call(n=1)
    evaluator = create_evaluator(name="Eva Expert")
    a = create_assignment(s1, evaluator)
    base = live_server.url
    _log_in(page, base, evaluator)
    page.goto(f"{base}/review/assignments/{a.id}")
    page.get_by_label("Details of the conflict").fill("Kept text")
    page.get_by_role("button", name="Send declaration").click()
    page.locator("#error-summary").get_by_role("link", name="Your declaration").click()
    first = page.locator("#kind-0")
    assert first.evaluate("el => el === document.activeElement")  # the link leads to it
    assert first.get_attribute("aria-invalid") == "true"
    assert page.get_by_label("Details of the conflict").input_value() == "Kept text"
    _assert_clean(check_page(page, "declaration-error"))


def test_publishing_without_javascript_asks_on_a_page(
    browser, live_server, evaluated, approve_all, create_user
):
    call, submissions, _ = evaluated(n=3)
    manager = create_user(roles=("programme_manager",), name="Mona Manager")
    approve_all(call, submissions, manager)
    ranking_service.finalise(call, ranking_service.build(call).digest, manager)
    context = browser.new_context(java_script_enabled=False, viewport={"width": 390, "height": 800})
    page = context.new_page()
    try:
        base = live_server.url
        _log_in(page, base, manager)
        page.goto(f"{base}/manage/calls/{call.id}/ranking")
        page.get_by_role("button", name="Publish the results").click()
        page.get_by_role("heading", name=f"Publish the results of {call.reference}?").wait_for()
        page.get_by_text("Publishing writes 3 result letters").wait_for()
        _assert_clean(check_page(page, "confirm-publish", javascript=False))
        page.get_by_role("button", name="Yes, publish the results").click()
        page.get_by_text("The results are published: 3 result letters").wait_for()
    finally:
        context.close()
