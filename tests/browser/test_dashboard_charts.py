"""In Chromium: the evaluation dashboard draws its charts beside their tables, clean for axe
at 1280 and 390 px; without JavaScript the tables are there."""

from __future__ import annotations

from decimal import Decimal

import pytest

from tests.browser.sweep import check_page, log_in
from tests.conftest import PASSWORD

pytestmark = pytest.mark.browser


def test_evaluation_dashboard_charts_with_tables(
    browser, page, live_server, evaluated, create_user
):
    call, _, _ = evaluated(n=3, shares=[Decimal("0.9"), Decimal("0.85"), Decimal("0.4")])
    manager = create_user(roles=("programme_manager",))
    log_in(page, live_server.url, manager, PASSWORD)
    url = f"{live_server.url}/manage/calls/{call.id}/evaluation"
    page.goto(url)
    for chart in ("#chart-scores", "#chart-asked"):
        page.locator(f"{chart} canvas, {chart} svg").first.wait_for()
    problems = check_page(page, "evaluation-dashboard-charts")
    assert not problems, "\n" + "\n".join(problems)

    context = browser.new_context(java_script_enabled=False)
    try:
        nojs = context.new_page()
        log_in(nojs, live_server.url, manager, PASSWORD)
        nojs.goto(url)
        assert nojs.locator("#dashboard-scores-table tbody tr").count() == 3
        assert nojs.locator("#dashboard-asked-table tbody tr").count() == 1
        problems = check_page(nojs, "evaluation-dashboard-charts", javascript=False)
        assert not problems, "\n" + "\n".join(problems)
    finally:
        context.close()
