"""Outcomes of a final report tagged with the taxonomy ("text [tag; tag]" lines, read by
grants.projects.outcome_input): a bad line refused at the field with its number (422, the
text kept, nothing stored); the tags shown on the project and counted on the review map."""

from __future__ import annotations

import pytest
from sqlalchemy import select

from grants.extensions import db as _db
from grants.projects import outcome_input
from grants.projects.models import Report
from tests.conftest import login

GOOD = (
    "161 victims assisted within 48 hours [shelters; form:sexual; Women; girls]\n"
    "A joint referral protocol adopted [2012-a1, A5.K3]\n"
    "\n"
    "Labour inspectors trained [form:labour; labour-inspectors]\n"
    "A report without tags\n"
)


def test_lines_are_read_with_their_tags(db):
    found, problems = outcome_input.read(GOOD)
    assert problems == []
    assert found == [
        {
            "text": "161 victims assisted within 48 hours",
            "priorities": ["shelters"],
            "exploitation_forms": ["sexual"],
            "target_groups": ["women", "girls"],  # a name or a code, in any case
        },
        {
            "text": "A joint referral protocol adopted",
            "priorities": ["2012-A1", "A5.K3"],
            "exploitation_forms": [],
            "target_groups": [],
        },
        {
            "text": "Labour inspectors trained",
            "priorities": [],
            "exploitation_forms": ["labour"],
            "target_groups": ["labour-inspectors"],
        },
        {
            "text": "A report without tags",
            "priorities": [],
            "exploitation_forms": [],
            "target_groups": [],
        },
    ]
    # written back (a returned report's new version starts from it), it reads the same
    assert outcome_input.read(outcome_input.write(found)) == (found, [])
    # outcomes stored before tags existed read as untagged
    assert outcome_input.as_dict("Old outcome")["target_groups"] == []


@pytest.mark.parametrize(
    ("line", "problem"),
    [
        ("Trained [labour]", "Line 2: “labour” means more than one thing: write"),
        ("Trained [Q9]", "Line 2: “Q9” is not a priority, form of exploitation or target group"),
        ("Trained [group:A5]", "Line 2: “A5” is not the target group of the taxonomy"),
        ("Trained [women] twice [men]", "Line 2: put the tags in one pair of brackets"),
        ("Trained [women", "Line 2: put the tags in one pair of brackets"),
        ("[women]", "Line 2: the outcome itself is missing"),
        ("x" * 2001, "Line 2: keep an outcome under 2000 characters"),
        ("Trained [" + "; ".join(["women"] * 21) + "]", "Line 2: give at most 20 tags"),
    ],
)
def test_a_bad_line_is_refused_with_its_number(db, line, problem):
    found, problems = outcome_input.read(f"Fine [A5]\n{line}")
    assert len(problems) == 1 and problems[0].startswith(problem), problems
    assert [o["text"] for o in found] == ["Fine"]


def test_an_ambiguous_code_names_both_ways_to_write_it(db):
    _, problems = outcome_input.read("Trained [sexual]")
    assert "priority:sexual or form:sexual" in problems[0]


def test_tagged_outcomes_checked_at_the_field_shown_and_counted_on_the_map(app, running_grant):
    from grants.portfolio.models import PortfolioOutcomeTag, PortfolioProject

    grant, coordinator, manager = running_grant(duration_months=12)  # one period: the final
    coordinator_client, manager_client = app.test_client(), app.test_client()
    login(coordinator_client, coordinator)
    login(manager_client, manager)
    url = f"/projects/{grant.id}/reports/1"
    assert "form:sexual" in coordinator_client.get(url).get_data(as_text=True)  # the help
    base = {"narrative": "Shelter opened.", "costs": "300000"}
    typed = "Shelter opened [shelters]\nInspectors trained [labour]"
    bad = coordinator_client.post(url, data={**base, "outcomes": typed})
    page = bad.get_data(as_text=True)
    assert bad.status_code == 422 and _db.session.query(Report).count() == 0
    at_field = page.split('id="outcomes-error"', 1)[1].split("</div>", 1)[0]
    assert "Line 2: “labour” means more than one thing" in at_field
    assert "Inspectors trained [labour]</textarea>" in page  # the text is kept
    assert coordinator_client.post(url, data={**base, "outcomes": GOOD}).status_code == 302
    report = _db.session.query(Report).one()
    assert report.content["outcomes"][0]["target_groups"] == ["women", "girls"]
    assert manager_client.post(f"/projects/reports/{report.id}/accept").status_code == 302
    project_page = coordinator_client.get(f"/projects/{grant.id}").get_data(as_text=True)
    outcomes = project_page.split('id="outcomes-list"', 1)[1].split("</ul>", 1)[0]
    assert "161 victims assisted within 48 hours" in outcomes
    assert ">Sexual exploitation</span>" in outcomes and ">Specialised shelters</span>" in outcomes
    project = _db.session.scalar(
        select(PortfolioProject).where(PortfolioProject.key == f"funded:{grant.id}")
    )
    tags = {
        (t.position, t.kind.value, t.code)
        for t in _db.session.scalars(
            select(PortfolioOutcomeTag).where(PortfolioOutcomeTag.project_id == project.id)
        )
    }
    assert {(0, "exploitation", "sexual"), (0, "target_group", "girls")} <= tags
    assert (2, "target_group", "labour-inspectors") in tags
    assert not any(position == 3 for position, _, _ in tags)  # the untagged outcome
    review_map = manager_client.get("/portfolio/").get_data(as_text=True)
    section = review_map.split('id="outcome-tags"', 1)[1].split("</section>", 1)[0]
    assert "3 of 4 outcomes are tagged" in section and "Labour inspectors" in section
