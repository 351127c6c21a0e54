"""In Chromium, as a programme manager: the map draws under the app's CSP (no eval), a filter
is applied, a click on a country lists its projects, the PDF and the XLSX download; the same
page is usable without JavaScript."""

from __future__ import annotations

import io
from pathlib import Path

import pytest
from openpyxl import load_workbook

from tests.conftest import PASSWORD
from tests.portfolio.conftest import record

pytestmark = pytest.mark.browser

ARTIFACTS = Path(__file__).resolve().parents[2] / "test-artifacts"


@pytest.fixture
def portfolio(sync):
    sync(
        record("bg", title="Shelters in Sofia", eu="800", coordinator=("Alpha", "ngo", "BG"),
               priorities=["shelters"], exploitation_forms=["sexual"]),
        record("ro", title="Labour inspections", eu="400", coordinator=("Beta", "ngo", "RO"),
               priorities=["labour"], exploitation_forms=["labour"]),
        record("mt", title="Malta referral", eu="100", coordinator=("Gamma", "ngo", "MT"),
               priorities=["shelters"]),
    )  # fmt: skip


def log_in(page, base, user):
    page.goto(base + "/login")
    page.get_by_label("E-mail address").fill(user.email)
    page.get_by_label("Password").fill(PASSWORD)
    page.get_by_role("button", name="Log in").click()


def test_filter_click_a_country_download_pdf_and_xlsx(page, live_server, create_user, portfolio):
    manager = create_user(roles=("programme_manager",))
    problems = []
    page.on("console", lambda m: problems.append(m.text) if m.type == "error" else None)
    page.on("pageerror", lambda e: problems.append(str(e)))
    base = live_server.url
    log_in(page, base, manager)
    page.get_by_role("link", name="Review map").click()
    page.locator("#chart-map svg").wait_for()
    assert problems == []  # nothing refused by the CSP, no script error

    page.get_by_label("Priority (2021-2025)").select_option("shelters")
    page.get_by_role("button", name="Apply filters").click()
    assert "priority=shelters" in page.url
    page.locator("#chart-map svg").wait_for()
    projects = page.locator("#projects")
    assert "Labour inspections" not in projects.inner_text()

    # Click Bulgaria on the map (each country's shape carries its name for screen readers).
    page.locator("#chart-map path[aria-label^='Bulgaria:']").click()
    page.wait_for_url("**country=BG**")
    assert "Projects in Bulgaria" in page.locator("#projects h2").inner_text()
    assert "Shelters in Sofia" in page.locator("#projects").inner_text()
    assert "Malta referral" not in page.locator("#projects").inner_text()

    page.get_by_role("link", name="The review as a PDF report").click()
    page.wait_for_url("**/jobs/**")  # the worker renders it; the progress page follows
    with page.expect_download() as pdf:
        page.get_by_role("link", name="Download the PDF report").click()
    assert Path(pdf.value.path()).read_bytes().startswith(b"%PDF")
    page.go_back()
    with page.expect_download() as xlsx:
        page.locator("#projects").get_by_role("link", name="XLSX").click()
    sheet = load_workbook(io.BytesIO(Path(xlsx.value.path()).read_bytes())).active
    titles = [row[4] for row in list(sheet.values)[1:]]
    assert titles == ["Shelters in Sofia"]
    ARTIFACTS.mkdir(exist_ok=True)
    page.set_viewport_size({"width": 1280, "height": 900})
    page.screenshot(path=str(ARTIFACTS / "portfolio-1280.png"), full_page=False)
    page.set_viewport_size({"width": 390, "height": 844})
    page.screenshot(path=str(ARTIFACTS / "portfolio-390.png"), full_page=False)
    assert problems == []


def test_without_javascript_the_tables_and_filter_links_work(browser, live_server, portfolio):
    context = browser.new_context(java_script_enabled=False)
    page = context.new_page()
    page.goto(live_server.url + "/portfolio/?mode=partner")
    assert page.locator("#chart-map").is_hidden()  # no empty chart boxes
    page.locator("#map table").get_by_role("link", name="Malta").click()
    assert "country=MT" in page.url
    assert "Malta referral" in page.locator("#projects").inner_text()
    page.screenshot(path=str(ARTIFACTS / "portfolio-nojs.png"), full_page=False)
    context.close()


def test_the_public_watch_their_pdf_being_rendered_then_download_it(
    app, page, live_server, portfolio, monkeypatch
):
    """As in production: the request only enqueues; a worker started afterwards renders the
    report while the page follows it by itself (no reload), then offers the download."""
    import threading

    from grants.jobs.worker import Worker

    monkeypatch.setitem(app.config, "GRANTS_JOBS_EAGER", False)
    base = live_server.url
    page.set_viewport_size({"width": 1280, "height": 900})
    page.goto(base + "/portfolio/?mode=partner")
    page.get_by_role("link", name="The review as a PDF report").click()
    page.wait_for_url("**/portfolio/work/**")
    page.get_by_text("Waiting for a worker").wait_for()
    page.evaluate("window.stayedOnThePage = true")  # gone if the page reloads
    page.screenshot(path=str(ARTIFACTS / "portfolio-work-waiting-1280.png"), full_page=True)
    worker = Worker(app, name="browser-test", poll=0.1)
    thread = threading.Thread(target=worker.run_forever, daemon=True)
    thread.start()
    try:
        link = page.get_by_role("link", name="Download the PDF report")
        link.wait_for(timeout=120_000)
    finally:
        worker.stop()
        thread.join(30)
    assert page.evaluate("window.stayedOnThePage") is True
    assert page.get_by_role("link", name="Refresh this page").is_hidden()
    assert "The report is ready" in page.locator('[data-job="summary"]').inner_text()
    page.screenshot(path=str(ARTIFACTS / "portfolio-work-done-1280.png"), full_page=True)
    with page.expect_download() as pdf:
        link.click()
    assert Path(pdf.value.path()).read_bytes().startswith(b"%PDF")
    page.set_viewport_size({"width": 390, "height": 844})
    page.reload()
    page.screenshot(path=str(ARTIFACTS / "portfolio-work-done-390.png"), full_page=True)
    width = page.evaluate("document.documentElement.scrollWidth")
    assert width <= 390, f"the page is {width} px wide at 390"
