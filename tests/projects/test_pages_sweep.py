"""The funded-project pages at 1280 and 390 px through tests/browser/sweep.py: no serious or
critical axe-core violation and nothing that scrolls sideways on a phone, for the
coordinator's and the manager's pages (project, report form, a deliverable with its file,
amendments, the report in review, monitoring, a grant in preparation and its work-plan edit)."""

from __future__ import annotations

from decimal import Decimal

import pytest

from grants.projects import amendments
from grants.projects.models import AmendmentKind
from tests.browser.sweep import sweep
from tests.browser.test_pages_sweep import _assert_clean, _log_in

pytestmark = [pytest.mark.browser, pytest.mark.sqlite_only]


def test_project_pages_are_clean(page, live_server, running_grant, selected_submission):
    from grants.projects import deliverables, services
    from tests.factories.projects import grant_terms
    from tests.factories.proposals import MINIMAL_PDF

    grant, coordinator, manager = running_grant()
    asked = amendments.request(
        grant, AmendmentKind.END_DATE, {"duration_months": 30}, "Late start.", coordinator
    )
    deliverables.add_file(grant, 0, "referral-guide.pdf", MINIMAL_PDF, coordinator)
    prepared = services.prepare_grant(
        selected_submission(), grant_terms(agreement_number="GA-SWEEP"), manager
    )
    base = live_server.url
    _log_in(page, base, coordinator)
    problems = sweep(
        page,
        base,
        [
            f"/projects/{grant.id}",
            f"/projects/{grant.id}/reports/1",
            f"/projects/{grant.id}/deliverables/0",
            f"/projects/{grant.id}/amendments/new/consortium",
            f"/projects/amendments/{asked.id}",
        ],
    )
    report = services.submit_report(
        grant,
        1,
        {
            "narrative": "Shelter opened in Sofia; 40 women assisted.",
            "indicators": [
                {
                    "code": "victims-assisted",
                    "value": "40",
                    "name": "Victims assisted",
                    "breakdowns": {"sex-age": {"women": "30", "girls": "10"}},
                }
            ],
        },
        Decimal("300000"),
        coordinator,
    )
    page.context.clear_cookies()
    _log_in(page, base, manager)
    problems += sweep(
        page,
        base,
        [
            "/projects/",
            "/projects/monitoring",
            f"/projects/amendments/{asked.id}",
            f"/projects/reports/{report.id}",
            f"/projects/{grant.id}/deliverables/0",
            f"/projects/{prepared.id}",
            f"/projects/{prepared.id}/work-plan/deliverables",
            f"/projects/{prepared.id}/work-plan/indicators",
        ],
    )
    _assert_clean(problems)
