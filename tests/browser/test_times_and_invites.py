"""In Chromium, the pages of issue 15 points 8 and 9 at 1280 and 390 px with axe, with
JavaScript on and off: deadlines in the profile's zone with countdowns and the nudge to
submit early, the review queue's due dates, a result letter's evaluation review, and an
invitation list with a bad address (on the pool page) and from the users page."""

from __future__ import annotations

from datetime import timedelta
from decimal import Decimal

import pytest

from grants import clock
from grants.extensions import db
from grants.review import ranking as ranking_service
from grants.review.models import AssignmentState
from tests.browser.sweep import check_page, log_in, sweep
from tests.conftest import PASSWORD

pytestmark = [pytest.mark.browser]


def _clean(problems):
    assert not problems, "\n" + "\n".join(problems)


def test_applicant_and_evaluator_see_their_own_time_and_what_is_left(
    page,
    live_server,
    create_call,
    create_proposal,
    closed_call,
    create_evaluator,
    create_assignment,
):
    now = clock.now().replace(microsecond=0)
    call = create_call(deadline_at=now + timedelta(days=2, hours=5))
    draft = create_proposal(call=call)
    applicant = draft.created_by
    applicant.timezone = "Asia/Manila"
    _, (sub,) = closed_call(n=1)
    evaluator = create_evaluator()
    evaluator.timezone = "America/New_York"
    create_assignment(sub, evaluator, state=AssignmentState.ACTIVE)
    db.session.commit()
    base = live_server.url
    log_in(page, base, applicant, PASSWORD)
    paths = ["/proposals", f"/proposals/{draft.id}", f"/proposals/{draft.id}/submit"]
    problems = sweep(page, base, paths)
    page.goto(base + f"/proposals/{draft.id}")
    assert "Asia/Manila, your time" in page.locator("h1 + div").text_content()
    assert page.locator(".submit-early").is_visible()
    countdown = page.locator("[data-countdown]").first.text_content()
    assert countdown.startswith("closes in 2 days"), countdown  # app.js keeps the words
    page.context.clear_cookies()
    log_in(page, base, evaluator, PASSWORD)
    problems += sweep(page, base, ["/review"])
    assert "America/New_York, your time" in page.content()
    _clean(problems)


def test_the_same_pages_without_javascript(browser, live_server, create_call, create_proposal):
    context = browser.new_context(java_script_enabled=False)
    page = context.new_page()
    now = clock.now().replace(microsecond=0)
    draft = create_proposal(call=create_call(deadline_at=now + timedelta(hours=5)))
    draft.created_by.timezone = "America/Sao_Paulo"
    db.session.commit()
    base = live_server.url
    log_in(page, base, draft.created_by, PASSWORD)
    problems = sweep(page, base, ["/proposals", f"/proposals/{draft.id}"], javascript=False)
    text = page.locator("body").text_content()
    assert "closes today at" in text or "closes in" in text  # the server's words
    assert "America/Sao_Paulo, your time" in text
    context.close()
    _clean(problems)


def test_result_letter_and_invitations(page, live_server, evaluated, approve_all, create_user):
    manager = create_user(roles=("programme_manager", "admin"))
    call, submissions, _ = evaluated(n=2, shares=[Decimal("0.9"), Decimal("0.4")])
    approve_all(call, submissions, manager)
    ranking_service.finalise(call, ranking_service.build(call).digest, manager)
    ranking_service.publish_results(call, manager)
    base = live_server.url
    log_in(page, base, submissions[1].proposal.organisation.memberships[0].user, PASSWORD)
    problems = sweep(page, base, [f"/results/{submissions[1].id}"])
    assert page.locator("#redress").is_visible()
    page.context.clear_cookies()

    log_in(page, base, manager, PASSWORD)
    page.goto(base + f"/manage/calls/{call.id}/ranking")
    page.locator("#chart-scores.vega-drawn svg").wait_for()  # vendored vega-embed drew it
    assert page.locator("#ranking-charts .vega-drawn svg").count() == 2
    problems += check_page(page, "/manage/calls/ranking (charts)")
    page.goto(base + "/manage/evaluators")
    page.get_by_label("E-mail addresses").fill("good@example.org\nbad.example.org")
    page.get_by_role("button", name="Send invitations").click()
    page.get_by_text("This is not an e-mail address: bad.example.org").wait_for()
    assert page.get_by_label("E-mail addresses").input_value() == "bad.example.org"
    problems += check_page(page, "/manage/evaluators (a bad address)")

    page.goto(base + "/admin/users")
    page.locator("#invite-users summary").click()
    page.get_by_label("E-mail addresses").fill("someone.new@example.org")
    page.get_by_role("button", name="Send invitations").click()
    page.get_by_text("1 invitation sent: someone.new@example.org.").wait_for()
    page.locator("#invite-users summary").click()
    problems += check_page(page, "/admin/users (invite)")
    _clean(problems)
