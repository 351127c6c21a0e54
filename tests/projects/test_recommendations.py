"""Recommendations typed as "Addressee: text [priority]" lines: read by
grants.projects.recommendation_input, a bad line refused at the field with its number (422,
the text kept, nothing stored), shown on the project and on the review map once accepted."""

from __future__ import annotations

import pytest
from sqlalchemy import select

from grants.extensions import db as _db
from grants.projects import recommendation_input
from grants.projects.models import Report, ReportState
from tests.conftest import login

GOOD = (
    "Member States: Fund shelter places for third-country victims [shelters]\n"
    "\n"
    "EU: Publish guidance on cross-border referral [2012-a1]\n"
    "civil  society: Involve survivors in designing shelter rules\n"
)


def test_lines_are_read_with_their_addressee_and_priority(db):
    found, problems = recommendation_input.read(GOOD)
    assert problems == []
    assert found == [
        {
            "text": "Fund shelter places for third-country victims",
            "addressee": "member_states",
            "priority": "shelters",
        },
        {
            "text": "Publish guidance on cross-border referral",
            "addressee": "eu",
            "priority": "2012-A1",  # spelt as the taxonomy spells it
        },
        {
            "text": "Involve survivors in designing shelter rules",
            "addressee": "civil_society",
            "priority": "",
        },
    ]
    # written back (a returned report's new version starts from it), it reads the same
    assert recommendation_input.read(recommendation_input.write(found)) == (found, [])


@pytest.mark.parametrize(
    ("line", "problem"),
    [
        ("Fund shelters for boys", "Line 2: write to whom it is addressed before a colon"),
        ("Ministries: Fund shelters", "Line 2: “Ministries” is not an addressee"),
        ("EU: Fund shelters [Q9]", "Line 2: “Q9” is not a priority code of the strategies"),
        ("EU: Fund [A5] shelters", "Line 2: put the priority in one pair of brackets"),
        ("EU: Fund shelters [A5", "Line 2: put the priority in one pair of brackets"),
        ("EU: Fund [A5] shelters [A5]", "Line 2: put the priority in one pair of brackets"),
        ("EU:  [A5]", "Line 2: the recommendation itself is missing"),
        ("EU: " + "x" * 2001, "Line 2: keep a recommendation under 2000 characters"),
    ],
)
def test_a_bad_line_is_refused_with_its_number(db, line, problem):
    found, problems = recommendation_input.read(f"EU: Fine [A5]\n{line}")
    assert len(problems) == 1 and problems[0].startswith(problem), problems
    assert found == [{"text": "Fine", "addressee": "eu", "priority": "A5"}]


def test_too_many_lines_are_refused(db):
    found, problems = recommendation_input.read("\n".join(["EU: x"] * 51))
    assert found == [] and problems == ["Give at most 50 recommendations (there are 51)."]


def test_final_report_recommendations_checked_at_the_field_shown_and_mapped(app, running_grant):
    from grants.portfolio.models import PortfolioProject, PortfolioRecommendation

    grant, coordinator, manager = running_grant(duration_months=12)  # one period: the final
    coordinator_client, manager_client = app.test_client(), app.test_client()
    login(coordinator_client, coordinator)
    login(manager_client, manager)
    url = f"/projects/{grant.id}/reports/1"
    form = coordinator_client.get(url).get_data(as_text=True)
    assert "Addressee: recommendation [priority]" in form
    base = {"narrative": "Shelter opened.", "costs": "300000", "outcomes": "A protocol adopted."}
    typed = "EU: Publish guidance [A5]\nMinistries of labour: Inspect farms [A5]"
    bad = coordinator_client.post(url, data={**base, "recommendations": typed})
    page = bad.get_data(as_text=True)
    assert bad.status_code == 422
    assert _db.session.query(Report).count() == 0
    at_field = page.split('id="recommendations-error"', 1)[1].split("</div>", 1)[0]
    assert "Line 2: “Ministries of labour” is not an addressee" in at_field
    assert "Ministries of labour: Inspect farms [A5]</textarea>" in page  # the text is kept
    done = coordinator_client.post(url, data={**base, "recommendations": GOOD})
    assert done.status_code == 302
    report = _db.session.query(Report).one()
    assert [r["addressee"] for r in report.content["recommendations"]] == [
        "member_states",
        "eu",
        "civil_society",
    ]
    review = manager_client.get(f"/projects/reports/{report.id}").get_data(as_text=True)
    assert (
        "Publish guidance on cross-border referral" in review
        and "Establishment of National and Transnational Referral Mechanisms" in review
    )
    project_page = coordinator_client.get(f"/projects/{grant.id}").get_data(as_text=True)
    assert "Publish guidance on cross-border referral" not in project_page  # not accepted yet
    assert manager_client.post(f"/projects/reports/{report.id}/accept").status_code == 302
    _db.session.expire_all()
    assert _db.session.get(Report, report.id).state == ReportState.ACCEPTED
    project_page = coordinator_client.get(f"/projects/{grant.id}").get_data(as_text=True)
    assert "Member States</td><td>Fund shelter places for third-country victims" in project_page
    project = _db.session.scalar(
        select(PortfolioProject).where(PortfolioProject.key == f"funded:{grant.id}")
    )
    rows = _db.session.scalars(
        select(PortfolioRecommendation)
        .where(PortfolioRecommendation.project_id == project.id)
        .order_by(PortfolioRecommendation.position)
    ).all()
    assert [(r.addressee.value, r.priority_code) for r in rows] == [
        ("member_states", "shelters"),
        ("eu", "A5"),  # the map keeps a 2012-2016 code under the 2021-2025 one it maps onto
        ("civil_society", None),
    ]
    review_map = manager_client.get("/portfolio/").get_data(as_text=True)
    assert "Fund shelter places for third-country victims" in review_map


def test_a_returned_final_report_starts_from_its_recommendations(app, running_grant):
    from grants.projects import services

    grant, coordinator, manager = running_grant(duration_months=12)
    client = app.test_client()
    login(client, coordinator)
    url = f"/projects/{grant.id}/reports/1"
    client.post(url, data={"narrative": "Year.", "costs": "1000", "recommendations": GOOD})
    report = _db.session.query(Report).one()
    services.request_changes(report, "Add the figures.", manager)
    page = client.get(url).get_data(as_text=True)
    assert "Member States: Fund shelter places for third-country victims [shelters]" in page
    assert "EU: Publish guidance on cross-border referral [2012-A1]" in page
