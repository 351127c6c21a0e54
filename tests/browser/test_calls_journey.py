"""In Chromium: a manager creates a call, publishes it, and it is listed with a countdown."""

from __future__ import annotations

import re
from datetime import timedelta
from pathlib import Path

import pytest

from grants import clock
from tests.calls.conftest import form_data

pytestmark = pytest.mark.browser

ARTIFACTS = Path(__file__).resolve().parents[2] / "test-artifacts"


def test_manager_creates_and_publishes_a_call(page, live_server, create_user):
    manager = create_user(roles=("programme_manager",))
    base = live_server.url
    page.goto(base + "/login")
    page.get_by_label("E-mail address").fill(manager.email)
    page.get_by_label("Password").fill("correct-horse-battery")
    page.get_by_role("button", name="Log in").click()
    page.get_by_role("link", name="Manage calls").first.click()
    page.get_by_role("link", name="Create a call").click()

    now = clock.to_brussels(clock.now())
    data = form_data(
        reference="AMIF-2099-TF2-AG-THB",
        opens_at=(now - timedelta(days=1)).strftime("%Y-%m-%dT%H:%M"),
        deadline_at=(now + timedelta(days=20)).strftime("%Y-%m-%dT%H:%M"),
    )
    page.get_by_label("Reference", exact=True).fill(data["reference"])
    page.get_by_label("Fund", exact=True).select_option("AMIF")
    page.get_by_label("Title", exact=True).fill(data["title"])
    page.get_by_label("Opens (Brussels time)").fill(data["opens_at"])
    page.get_by_label("Deadline (Brussels time)").fill(data["deadline_at"])
    page.get_by_label("Total budget (EUR)").fill("6 000 000")
    page.get_by_label("Minimum EU contribution per project (EUR)").fill("500000")
    page.get_by_label("Maximum EU contribution per project (EUR)").fill("1000000")
    page.get_by_label("Topics", exact=True).fill("T1 | Victims' assistance | 6000000")
    page.get_by_label("Strategy priorities and their weights").fill("non-eu-victims = 2")
    # the limits of the texts, one box each, named as the applicants' form names them
    page.get_by_label("The abstract", exact=True).fill("lots")
    page.get_by_label("Impact and sustainability").fill("")
    annexes = page.get_by_label("Required annexes")
    annexes.fill(annexes.input_value() + "\nCVs of the key staff")
    page.get_by_role("button", name="Save the call").click()
    abstract = page.get_by_label("The abstract", exact=True)
    assert abstract.get_attribute("aria-invalid") == "true"
    assert (
        "Enter a whole number of characters"
        in page.locator("#section_limits-summary-error").text_content()
    )
    ARTIFACTS.mkdir(exist_ok=True)
    page.locator("#section_limits").screenshot(path=str(ARTIFACTS / "call-form-limits.png"))
    abstract.fill("2 500")
    page.get_by_role("button", name="Save the call").click()
    page.get_by_text("is saved as a draft").wait_for()
    details = " ".join(page.locator("main").text_content().split())
    assert "The abstract: at most 2 500 characters" in details
    assert "Impact and sustainability: at most" not in details  # an empty box: no limit
    assert "CVs of the key staff" in details

    page.get_by_role("button", name="Publish").click()
    page.get_by_text("is now open").wait_for()

    page.get_by_role("navigation", name="Main navigation").get_by_role(
        "link", name="Calls", exact=True
    ).click()
    card = page.locator(".call-card", has_text="AMIF-2099-TF2-AG-THB")
    countdown = card.locator("[data-countdown]")
    countdown.wait_for()
    first = countdown.text_content()
    assert re.search(r"closes in 19 days( \d+ hours?)?$", first), first
    # the manager's profile is in Brussels time, so one time is shown, named
    assert "Brussels time" in card.text_content() and "your time" not in card.text_content()
    ARTIFACTS.mkdir(exist_ok=True)
    page.screenshot(path=str(ARTIFACTS / "calls.png"), full_page=True)
