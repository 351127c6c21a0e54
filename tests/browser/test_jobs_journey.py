"""In Chromium: a programme manager publishes results and watches the result letters'
e-mails leave on the progress page (updated without reloading), then finds the finished
work in the notification centre; the same pages at phone width."""

from __future__ import annotations

import dataclasses
import threading
import time
from pathlib import Path

import pytest

from grants.jobs import registry
from grants.jobs.worker import Worker
from tests.conftest import PASSWORD

pytestmark = pytest.mark.browser

ARTIFACTS = Path(__file__).resolve().parents[2] / "test-artifacts"


def _log_in(page, base, user):
    page.goto(base + "/login")
    page.get_by_label("E-mail address").fill(user.email)
    page.get_by_label("Password").fill(PASSWORD)
    page.get_by_role("button", name="Log in").click()


def test_manager_publishes_results_and_watches_the_progress(
    app, page, live_server, evaluated, approve_all, create_user, mailbox, monkeypatch
):
    from grants.review import ranking

    call, submissions, _ = evaluated(n=4)
    manager = create_user(roles=("programme_manager",), name="Mona Manager")
    approve_all(call, submissions, manager)
    ranking.finalise(call, ranking.build(call).digest, manager)
    mailbox.clear()
    # As in production: the request only enqueues; a worker, slowed down so that the page
    # has something to follow, sends the e-mails one at a time.
    monkeypatch.setitem(app.config, "GRANTS_JOBS_EAGER", False)
    mail = registry.HANDLERS["mail.send"]

    def slow(batch, transport, stopping):
        time.sleep(0.4)
        return mail.run_batch(batch, transport, stopping)

    monkeypatch.setitem(
        registry.HANDLERS, "mail.send", dataclasses.replace(mail, batch=1, run_batch=slow)
    )
    base = live_server.url
    page.set_viewport_size({"width": 1280, "height": 900})
    _log_in(page, base, manager)
    page.goto(f"{base}/manage/calls/{call.id}/ranking")
    page.once("dialog", lambda d: d.accept())  # publishing asks once
    page.get_by_role("button", name="Publish the results").click()
    page.get_by_role("heading", name=f"E-mailing the result letters of {call.reference}").wait_for()
    page.get_by_text("The results are published: 4 result letters").wait_for()
    total = int(page.locator("#job-progress").get_attribute("max"))
    assert total >= 4 and page.locator("#job-progress").get_attribute("value") == "0"
    page.evaluate("window.stayedOnThePage = true")  # gone if the page reloads

    worker = Worker(app, name="browser-test", poll=0.1)
    thread = threading.Thread(target=worker.run_forever, daemon=True)
    thread.start()
    try:
        bar = page.locator("#job-progress")
        deadline = time.monotonic() + 30
        # The page updates itself: the bar leaves 0 without a reload (it may reach the total
        # between two of the page's polls, so a value strictly between is not required).
        while int(bar.get_attribute("value")) == 0:
            assert time.monotonic() < deadline, "the progress bar never moved"
            time.sleep(0.1)
        page.screenshot(path=str(ARTIFACTS / "job-progress.png"), full_page=True)
        summary = page.locator('[data-job="summary"]')
        summary.get_by_text(f"{total} e-mails sent", exact=True).wait_for(timeout=60_000)
    finally:
        worker.stop()
        thread.join(10)
    assert page.evaluate("window.stayedOnThePage") is True
    assert page.get_by_role("link", name="Refresh this page").is_hidden()
    page.screenshot(path=str(ARTIFACTS / "job-done.png"), full_page=True)
    assert len([m for m in mailbox.messages if m["Subject"].startswith("Result of")]) == total

    page.goto(f"{base}/dashboard")  # the bell counts the finished work
    bell = page.get_by_role("link", name="Notifications: 1 unread")
    bell.click()
    notice = page.get_by_role(
        "button", name=f"E-mailing the result letters of {call.reference}: done"
    )
    page.screenshot(path=str(ARTIFACTS / "notifications.png"), full_page=True)
    notice.click()
    page.locator('[data-job="summary"]').get_by_text(f"{total} e-mails sent").wait_for()
    assert page.evaluate("document.getElementById('job-status').dataset.finished") == "yes"
    job_url = page.url

    page.goto(f"{base}/notifications")
    page.get_by_role("link", name="Background work").click()
    page.get_by_role("heading", name="Failed").wait_for()
    page.screenshot(path=str(ARTIFACTS / "jobs-failed.png"), full_page=True)
    page.goto(f"{base}/notifications/preferences")
    page.screenshot(path=str(ARTIFACTS / "notification-preferences.png"), full_page=True)

    page.set_viewport_size({"width": 390, "height": 844})
    page.goto(f"{base}/notifications")
    page.get_by_role("link", name="Notifications").wait_for()  # visible without the menu
    page.screenshot(path=str(ARTIFACTS / "notifications-390.png"), full_page=True)
    page.goto(f"{base}/notifications/preferences")
    page.screenshot(path=str(ARTIFACTS / "notification-preferences-390.png"), full_page=True)
    page.goto(job_url)
    page.screenshot(path=str(ARTIFACTS / "job-done-390.png"), full_page=True)
    width = page.evaluate("document.documentElement.scrollWidth")
    assert width <= 390, f"the page is {width} px wide at 390"


def test_the_progress_page_works_without_javascript(browser, live_server, create_user, db):
    from grants.jobs import services as jobs

    owner = create_user()
    group = jobs.group("Exporting the portfolio", "rows written", user=owner)
    db.session.commit()
    context = browser.new_context(java_script_enabled=False)
    page = context.new_page()
    try:
        _log_in(page, live_server.url, owner)
        page.goto(f"{live_server.url}/jobs/{group.id}")
        page.get_by_role("link", name="Refresh this page").click()
        page.get_by_text("Status: In progress").wait_for()
    finally:
        context.close()
