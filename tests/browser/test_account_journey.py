"""In Chromium: register, confirm by the mailed link, log in, register an organisation."""

from __future__ import annotations

import re
from pathlib import Path

import pytest

pytestmark = pytest.mark.browser

ARTIFACTS = Path(__file__).resolve().parents[2] / "test-artifacts"


def test_register_confirm_and_log_in(page, live_server, mailbox):
    base = live_server.url
    page.goto(base + "/")
    page.get_by_role("link", name="Register as an applicant").click()
    page.get_by_label("Full name").fill("Marija Horvat")
    page.get_by_label("E-mail address").fill("marija@example.hr")
    page.get_by_label("Password", exact=True).fill("<b>bold</b> but long")
    page.get_by_label("Repeat the password").fill("<b>bold</b> but long")
    page.get_by_label("Your time zone").select_option("Europe/Zagreb")
    page.get_by_role("button", name="Create account").click()
    page.get_by_role("heading", name="Check your e-mail").wait_for()

    link = mailbox.link("marija@example.hr", "/confirm/")
    assert link.startswith(base)
    page.goto(link)
    page.get_by_text("is confirmed").wait_for()

    # Keyboard only: fill and submit the login form.
    page.get_by_label("E-mail address").fill("marija@example.hr")
    page.get_by_label("Password").fill("wrong password here")
    page.keyboard.press("Enter")
    page.locator("#login-error").wait_for()
    page.get_by_label("Password").fill("<b>bold</b> but long")
    page.get_by_label("Password").press("Enter")
    page.get_by_role("heading", name="Dashboard").wait_for()
    assert "Marija Horvat" in page.content()

    page.get_by_role("link", name="Register an organisation").first.click()
    page.get_by_role("button", name="Save organisation").click()
    summary = page.locator("#error-summary")
    summary.wait_for()
    assert page.evaluate("document.activeElement.id") == "error-summary"
    page.get_by_label("Name").fill("Centar za žrtve trgovanja ljudima")
    page.get_by_label("Type of organisation").select_option("ngo")
    page.get_by_label("Country").select_option("HR")
    page.get_by_label("Registration number").fill("HR-12345678901")
    page.get_by_role("button", name="Save organisation").click()
    page.get_by_role("heading", name=re.compile("Centar za žrtve")).wait_for()
    assert "Croatia" in page.content()
    ARTIFACTS.mkdir(exist_ok=True)
    page.screenshot(path=str(ARTIFACTS / "organisation.png"), full_page=True)
