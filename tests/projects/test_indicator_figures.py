"""Indicator targets and values as people read them: a whole number without its stored
decimals ('400 persons', never '400.00'), a real decimal kept ('12.5'), on the proposal's
pages and receipt, the project's page and report form, and the review map."""

from __future__ import annotations

import io
import re
from decimal import Decimal

from pypdf import PdfReader
from sqlalchemy import select

from grants.extensions import db
from grants.projects.models import Report
from grants.proposals.models import Indicator
from tests.conftest import login


def _text(response) -> str:
    return re.sub(r"\s+", " ", response.get_data(as_text=True))


def test_the_submitted_proposal_shows_whole_and_decimal_targets(
    app, create_proposal, submit_proposal
):
    proposal = create_proposal()
    proposal.indicators.append(
        Indicator(name="Referrals followed up", unit="%", target=Decimal("12.5"), position=1)
    )
    db.session.commit()
    submission = submit_proposal(proposal)
    client = app.test_client()
    login(client, proposal.organisation.memberships[0].user)
    page = _text(client.get(f"/submissions/{submission.id}"))
    assert '<td>persons</td><td class="num">400</td>' in page  # stored as 400.00
    assert '<td>%</td><td class="num">12.5</td>' in page
    assert '"num">400.00<' not in page and '"num">12.50<' not in page
    pdf = client.get(f"/submissions/{submission.id}/receipt.pdf")
    text = " ".join(p.extract_text() for p in PdfReader(io.BytesIO(pdf.data)).pages)
    assert re.search(r"persons\s+400\b(?!\.)", text), text
    assert re.search(r"%\s+12\.5\b(?!0)", text), text


def test_the_project_pages_and_the_review_map_show_the_figures_without_trailing_zeros(
    app, running_grant
):
    from grants.portfolio.models import PortfolioProject

    grant, coordinator, manager = running_grant()
    assert grant.work_plan["indicators"][0]["target"] == "400.00"  # as stored
    mine, theirs = app.test_client(), app.test_client()
    login(mine, coordinator)
    login(theirs, manager)
    url = f"/projects/{grant.id}/reports/1"
    assert "Victims assisted</strong> (persons), target 400</p>" in _text(mine.get(url))
    data = {
        "narrative": "Shelter opened.",
        "costs": "1000",
        "ind-0-code": "victims-assisted",
        "ind-0-value": "12.5",
        "ind-0-sex-age-women": "10.0",
        "ind-0-sex-age-girls": "2.50",
    }
    assert mine.post(url, data=data).status_code == 302
    report = db.session.query(Report).one()
    # The manager reads the values before accepting them (the review map counts them).
    review = _text(theirs.get(f"/projects/reports/{report.id}"))
    table = review.split('id="report-indicators"')[1].split("</table>")[0]
    assert '<th scope="row">Victims assisted</th><td>Victims assisted</td>' in table
    assert '<td class="text-end text-nowrap">12.5 persons</td>' in table
    assert 'Sex and age: Women</td><td class="text-end">10</td>' in table
    assert 'Sex and age: Girls</td><td class="text-end">2.5</td>' in table
    assert theirs.post(f"/projects/reports/{report.id}/accept").status_code == 302
    page = _text(mine.get(f"/projects/{grant.id}"))
    row = page.split('Victims assisted <span class="text-muted">(persons)</span></th>')[1]
    row = row.split("</tr>")[0].strip()
    assert row.startswith('<td class="text-end">400</td>'), row
    assert '<td class="text-end">12.5</td>' in row and "<strong>12.5</strong>" in row
    assert "400.00" not in row and "12.50" not in row
    project = db.session.scalar(
        select(PortfolioProject).where(PortfolioProject.key == f"funded:{grant.id}")
    )
    portfolio = _text(theirs.get(f"/portfolio/projects/{project.id}"))
    assert '<td class="text-end">12.5</td>' in portfolio  # the map's project page: not '12'


def test_the_inputs_show_a_target_as_typed_and_keep_it(
    app, create_proposal, selected_submission, create_user
):
    from grants.projects import services
    from grants.projects.models import Grant
    from tests.factories.projects import grant_terms

    proposal = create_proposal()
    client = app.test_client()
    login(client, proposal.organisation.memberships[0].user)
    form = _text(client.get(f"/proposals/{proposal.id}/edit/results"))
    target = re.search(r'<input[^>]*name="indicators-0-target"[^>]*>', form).group(0)
    assert 'value="400"' in target  # stored as 400.00

    manager = create_user(roles=("programme_manager",))
    grant = services.prepare_grant(selected_submission(), grant_terms(), manager)
    client = app.test_client()
    login(client, manager)
    url = f"/projects/{grant.id}/work-plan/indicators"
    assert 'name="indicators-0-target" value="400"' in _text(client.get(url))
    rows = {"indicators-0-name": "Victims assisted", "indicators-0-unit": "persons"}
    bad = client.post(url, data={**rows, "indicators-0-target": "12.125", "reason": "x"})
    assert bad.status_code == 422 and "Two decimals at most." in _text(bad)
    good = client.post(url, data={**rows, "indicators-0-target": "12.5", "reason": "Smaller."})
    assert good.status_code == 302
    db.session.expire_all()
    assert db.session.get(Grant, grant.id).work_plan["indicators"][0]["target"] == "12.50"
    assert 'name="indicators-0-target" value="12.5"' in _text(client.get(url))
