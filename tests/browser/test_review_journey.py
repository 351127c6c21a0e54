"""In Chromium: an evaluator sees only the consortium, declares no conflict and reads the
proposal; a conflict declared on another proposal removes it from their reach."""

from __future__ import annotations

from pathlib import Path

import pytest

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
