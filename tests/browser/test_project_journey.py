"""In Chromium: a coordinator submits a periodic report and a programme manager accepts it
(the interim payment appears); screenshots at 1280 and 390 px."""

from __future__ import annotations

from pathlib import Path

import pytest

from tests.conftest import PASSWORD

pytestmark = pytest.mark.browser

ARTIFACTS = Path(__file__).resolve().parents[2] / "test-artifacts"


def _log_in(page, base, user):
    page.goto(base + "/login")
    page.get_by_label("E-mail address").fill(user.email)
    page.get_by_label("Password").fill(PASSWORD)
    page.get_by_role("button", name="Log in").click()


def test_coordinator_reports_and_manager_accepts(page, live_server, running_grant):
    grant, coordinator, manager = running_grant()
    base = live_server.url
    ARTIFACTS.mkdir(exist_ok=True)
    for width in (1280, 390):
        page.set_viewport_size({"width": width, "height": 900})
        if width == 390:
            page.goto(f"{base}/projects/{grant.id}")
            page.screenshot(path=str(ARTIFACTS / "project-page-390.png"), full_page=True)
            continue
        _log_in(page, base, coordinator)
        page.goto(f"{base}/projects/{grant.id}")
        page.get_by_role("link", name="Write the report").click()
        page.get_by_label("What the project did in this period").fill("Shelter opened in Sofia.")
        page.get_by_label("Eligible costs incurred in this period (EUR)").fill("300000")
        page.screenshot(path=str(ARTIFACTS / "project-report-1280.png"), full_page=True)
        page.get_by_role("button", name="Submit the report").click()
        page.get_by_text("The report is submitted to the programme manager.").wait_for()
        page.context.clear_cookies()
        _log_in(page, base, manager)
        page.goto(f"{base}/dashboard")
        page.get_by_role("link", name=f"Review report 1 of {grant.acronym}").click()
        page.get_by_role("button", name="Accept the report").click()
        page.get_by_text("The report is accepted; interim payment EUR 250\u202f000.00.").wait_for()
        page.screenshot(path=str(ARTIFACTS / "project-page-1280.png"), full_page=True)
