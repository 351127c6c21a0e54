"""The project pages through the test client: a coordinator submits a periodic report, a
manager asks for changes then accepts the new version; the dashboards say what is due."""

from __future__ import annotations

from decimal import Decimal

from grants.extensions import db
from grants.projects.models import Report, ReportState
from tests.conftest import login


def test_report_submitted_returned_and_accepted_through_the_pages(app, running_grant):
    grant, coordinator, manager = running_grant()
    coordinator_client, manager_client = app.test_client(), app.test_client()
    login(coordinator_client, coordinator)
    login(manager_client, manager)
    page = coordinator_client.get("/dashboard").get_data(as_text=True)
    assert "My funded projects" in page and "Report for period 1 due" in page
    url = f"/projects/{grant.id}/reports/1"
    bad = coordinator_client.post(url, data={"narrative": "", "costs": "-5"})
    assert bad.status_code == 422 and db.session.query(Report).count() == 0
    done = coordinator_client.post(url, data={"narrative": "Shelter opened.", "costs": "300000"})
    assert done.status_code == 302
    report = db.session.query(Report).one()
    assert "Review report 1 of" in manager_client.get("/dashboard").get_data(as_text=True)
    returned = manager_client.post(
        f"/projects/reports/{report.id}", data={"comment": "Add figures."}
    )
    assert returned.status_code == 302
    page = coordinator_client.get(f"/projects/{grant.id}").get_data(as_text=True)
    assert "Add figures." in page and "returned for changes" in page
    coordinator_client.post(url, data={"narrative": "Shelter opened; 40 women.", "costs": "300000"})
    second = db.session.query(Report).filter_by(version=2).one()
    assert manager_client.post(f"/projects/reports/{second.id}/accept").status_code == 302
    db.session.expire_all()
    assert db.session.get(Report, second.id).state == ReportState.ACCEPTED
    assert db.session.get(Report, report.id).content["narrative"] == "Shelter opened."
    page = manager_client.get(f"/projects/{grant.id}").get_data(as_text=True)
    assert "EUR 250\u202f000.00" in page and "EUR 450\u202f000.00" in page
    assert Decimal("450000") == sum(
        p.amount for p in db.session.get(type(grant), grant.id).payments
    )


def test_wrong_ids_are_404(app, running_grant):
    grant, coordinator, _ = running_grant()
    client = app.test_client()
    login(client, coordinator)
    assert client.get("/projects/999999").status_code == 404
    assert client.get(f"/projects/{grant.id}/reports/99").status_code == 404
    assert client.post(f"/projects/{grant.id}/status/nonsense").status_code == 404


def test_indicator_values_with_their_breakdown_reach_the_review_map(app, running_grant):
    from sqlalchemy import select

    from grants.portfolio.models import PortfolioIndicatorValue, PortfolioProject

    grant, coordinator, manager = running_grant()
    coordinator_client, manager_client = app.test_client(), app.test_client()
    login(coordinator_client, coordinator)
    login(manager_client, manager)
    url = f"/projects/{grant.id}/reports/1"
    form = coordinator_client.get(url).get_data(as_text=True)
    assert 'name="ind-0-code"' in form and "Victims assisted" in form
    base = {"narrative": "Shelter opened.", "costs": "300000", "ind-0-code": "victims-assisted"}
    wrong = coordinator_client.post(
        url,
        data={**base, "ind-0-value": "40", "ind-0-sex-age-women": "30", "ind-0-sex-age-girls": "5"},
    )
    assert wrong.status_code == 422 and db.session.query(Report).count() == 0
    assert "Sex and age: the parts add up to 35, not 40" in wrong.get_data(as_text=True)
    absurd = coordinator_client.post(url, data={**base, "ind-0-value": "1e400"})
    assert absurd.status_code == 422 and "numbers of 0 or more" in absurd.get_data(as_text=True)
    done = coordinator_client.post(
        url,
        data={
            **base,
            "ind-0-value": "40",
            "ind-0-sex-age-women": "30",
            "ind-0-sex-age-girls": "10",
        },
    )
    assert done.status_code == 302
    report = db.session.query(Report).one()
    assert report.content["indicators"] == [
        {
            "code": "victims-assisted",
            "value": "40",
            "name": "Victims assisted",
            "breakdowns": {"sex-age": {"women": "30", "girls": "10"}},
        }
    ]
    assert manager_client.post(f"/projects/reports/{report.id}/accept").status_code == 302
    project = db.session.scalar(
        select(PortfolioProject).where(PortfolioProject.key == f"funded:{grant.id}")
    )
    values = db.session.scalars(
        select(PortfolioIndicatorValue).where(PortfolioIndicatorValue.project_id == project.id)
    ).all()
    got = {(v.indicator_code, v.breakdown_code, v.category_code, v.value) for v in values}
    assert got >= {
        ("victims-assisted", "", "", Decimal(40)),
        ("victims-assisted", "sex-age", "women", Decimal(30)),
        ("victims-assisted", "sex-age", "girls", Decimal(10)),
    }


def test_breakdowns_by_profession_and_by_form_of_exploitation(app, running_grant):
    grant, coordinator, _ = running_grant()
    client = app.test_client()
    login(client, coordinator)
    url = f"/projects/{grant.id}/reports/1"
    form = client.get(url).get_data(as_text=True)
    assert 'name="ind-0-profession-police"' in form
    assert 'name="ind-0-exploitation-labour"' in form
    base = {"narrative": "Trainings.", "costs": "1000"}
    trained = {"ind-0-code": "professionals-trained", "ind-0-value": "30"}
    wrong = client.post(url, data={**base, **trained, "ind-0-exploitation-labour": "30"})
    assert wrong.status_code == 422
    assert "is not broken down by form of exploitation" in wrong.get_data(as_text=True)
    short = client.post(url, data={**base, **trained, "ind-0-profession-police": "12"})
    assert short.status_code == 422
    assert "Profession: the parts add up to 12, not 30" in short.get_data(as_text=True)
    assert db.session.query(Report).count() == 0
    parts = {"ind-0-profession-police": "12", "ind-0-profession-labour-inspectors": "18"}
    assert client.post(url, data={**base, **trained, **parts}).status_code == 302
    entry = db.session.query(Report).one().content["indicators"][0]
    assert entry["breakdowns"] == {"profession": {"police": "12", "labour-inspectors": "18"}}


def test_managers_find_the_results_waiting_for_a_grant(app, selected_submission, create_user):
    from grants.review.models import Outcome

    selected = selected_submission()
    reserve = selected_submission(outcome=Outcome.RESERVE)
    manager = create_user(roles=("programme_manager",))
    client = app.test_client()
    login(client, manager)
    page = client.get("/projects/").get_data(as_text=True)
    assert "Funded projects" in page and "Results without a grant yet" in page
    assert f"/projects/prepare/{selected.id}" in page
    assert f"/projects/prepare/{reserve.id}" not in page  # until a selected one withdraws
    assert "when a selected one withdraws" in page
    applicant = app.test_client()
    login(applicant, selected.proposal.organisation.memberships[0].user)
    mine = applicant.get("/projects/").get_data(as_text=True)
    assert "Results without a grant yet" not in mine and 'href="/projects/"' in mine


def test_deliverables_marked_done_and_indicators_against_their_target(app, running_grant):
    grant, coordinator, manager = running_grant()
    mine, theirs = app.test_client(), app.test_client()
    login(mine, coordinator)
    login(theirs, manager)
    url = f"/projects/{grant.id}/reports/1"
    assert 'value="deliverables:0"' in mine.get(url).get_data(as_text=True)
    data = {
        "narrative": "Guide written.",
        "costs": "1000",
        "ind-0-code": "victims-assisted",
        "ind-0-value": "40",
        "done": ["deliverables:0", "deliverables:99"],  # an unknown key is ignored
    }
    assert mine.post(url, data=data).status_code == 302
    report = db.session.query(Report).one()
    assert report.content["done"] == ["deliverables:0"]
    page = mine.get(f"/projects/{grant.id}").get_data(as_text=True)
    assert "Referral guide" in page and "done (report 1)" not in page  # not accepted yet
    theirs.post(f"/projects/reports/{report.id}/accept")
    db.session.expire_all()
    page = mine.get(f"/projects/{grant.id}").get_data(as_text=True)
    assert "done (report 1)" in page
    assert db.session.get(type(grant), grant.id).work_plan["deliverables"][0]["done"] is True
    assert db.session.get(type(grant), grant.id).work_plan["indicators"][0]["target"] == "400.00"
    assert '<strong>40</strong> <span class="text-muted">(10 %)</span>' in page


def test_the_coordinator_withdraws_from_a_prepared_grant_with_a_reason(
    app, selected_submission, create_user
):
    from grants.projects import services
    from grants.projects.models import Grant, GrantStatus
    from tests.factories.projects import grant_terms

    manager = create_user(roles=("programme_manager",))
    submission = selected_submission()
    grant = services.prepare_grant(submission, grant_terms(), manager)
    client = app.test_client()
    login(client, submission.proposal.organisation.memberships[0].user)
    assert "Withdraw from the grant" in client.get(f"/projects/{grant.id}").get_data(as_text=True)
    url = f"/projects/{grant.id}/status/withdrawn"
    empty = client.post(url, data={"reason": " "}, follow_redirects=True)
    assert "Say why the coordinator withdraws." in empty.get_data(as_text=True)
    assert db.session.get(Grant, grant.id).status == GrantStatus.PREPARED
    client.post(url, data={"reason": "The co-funding fell through."})
    db.session.expire_all()
    assert db.session.get(Grant, grant.id).status == GrantStatus.WITHDRAWN


def test_the_dashboard_sections_cost_the_same_for_one_project_or_four(app, running_grant):
    from tests.main.test_dashboard import section_text, statements

    grant, coordinator, manager = running_grant()
    mine, theirs = app.test_client(), app.test_client()
    login(mine, coordinator)
    login(theirs, manager)
    small_mine, _ = statements(app, mine)
    small_theirs, page = statements(app, theirs)
    assert "No report to review" in section_text(page, "project-work")
    from grants.accounts.models import Membership

    for n in range(3):  # three more projects, each with the coordinator a member
        more, *_ = running_grant(manager=manager, agreement_number=f"GA-D{n}")
        db.session.add(Membership(user_id=coordinator.id, organisation_id=more.organisation_id))
    db.session.commit()
    large_mine, page = statements(app, mine)
    assert section_text(page, "my-projects").count("Report for period 1 due") == 4
    large_theirs, _ = statements(app, theirs)
    assert (large_mine, large_theirs) == (small_mine, small_theirs)


def test_the_work_plan_is_edited_with_a_reason_and_checked_at_the_field(
    app, selected_submission, create_user
):
    from grants.projects import services
    from grants.projects.models import Grant, GrantStatus
    from tests.factories.projects import grant_terms

    manager = create_user(roles=("programme_manager",))
    submission = selected_submission()
    grant = services.prepare_grant(submission, grant_terms(), manager)
    client = app.test_client()
    login(client, manager)
    url = f"/projects/{grant.id}/work-plan/budget"
    page = client.get(url).get_data(as_text=True)
    assert 'value="600000.00"' in page and 'name="budget-3-category"' in page
    rows = {"budget-0-category": "staff", "budget-0-amount": "590000"}
    rows |= {"budget-1-category": "travel", "budget-1-amount": "1e999"}
    rows |= {"budget-2-category": "staff", "budget-2-amount": "35000"}
    bad = client.post(url, data={**rows, "reason": "Fewer staff."})
    text = bad.get_data(as_text=True)
    assert bad.status_code == 422 and "A number of 0 or more." in text
    assert 'value="1e999"' in text  # what was typed stays in the box
    rows["budget-1-amount"] = "110000"
    twice = client.post(url, data={**rows, "reason": "Fewer staff."})
    assert twice.status_code == 422 and "Each category once." in twice.get_data(as_text=True)
    rows["budget-2-category"] = "indirect"
    silent = client.post(url, data=rows)
    assert silent.status_code == 422 and db.session.get(Grant, grant.id).work_plan["edits"] == []
    rows["budget-3-category"], rows["budget-3-amount"] = "equipment", "5000"
    assert client.post(url, data={**rows, "reason": "Fewer staff."}).status_code == 302
    db.session.expire_all()
    plan = db.session.get(Grant, grant.id).work_plan
    assert plan["budget"] == {
        "staff": "590000.00",
        "travel": "110000.00",
        "indirect": "35000.00",
        "equipment": "5000.00",
    }
    assert plan["edits"][0]["reason"] == "Fewer staff."
    items = client.post(
        f"/projects/{grant.id}/work-plan/deliverables",
        data={"deliverables-0-title": "Referral guide", "deliverables-0-work_package": "1",
              "deliverables-0-month": "99", "reason": "Later."},
    )  # fmt: skip
    assert items.status_code == 422 and "A whole number from 1 to 24." in items.get_data(
        as_text=True
    )
    odd = client.post(
        f"/projects/{grant.id}/work-plan/milestones",
        data={"milestones-0-title": "Open", "milestones-0-work_package": "²",
              "milestones-0-month": "1", "reason": "x"},
    )  # fmt: skip
    assert odd.status_code == 422 and "A whole number from 1 to 24." in odd.get_data(as_text=True)
    assert client.get(f"/projects/{grant.id}/work-plan/nonsense").status_code == 404
    coordinator = submission.proposal.organisation.memberships[0].user
    services.transition(grant, GrantStatus.CONFIRMED, coordinator)
    services.transition(grant, GrantStatus.RUNNING, manager)
    late = client.get(url).get_data(as_text=True)
    assert "only by an amendment" in late and 'name="budget-0-amount"' not in late


def test_the_project_list_is_shown_a_page_at_a_time(app, running_grant, monkeypatch):
    from grants.projects import views

    monkeypatch.setattr(views, "PROJECT_ROWS", 2)
    made = [running_grant() for _ in range(3)]
    manager = made[0][2]
    client = app.test_client()
    login(client, manager)
    first = client.get("/projects/").get_data(as_text=True)
    assert "3 funded projects; 2 shown on this page (1–2)." in first
    numbers = [g.agreement_number for g, _, _ in made]
    assert numbers[0] in first and numbers[1] in first and numbers[2] not in first
    assert 'href="/projects/?page=2#projects-shown"' in first
    second = client.get("/projects/?page=2").get_data(as_text=True)
    assert numbers[2] in second and numbers[0] not in second
    assert "2 shown" not in second and "1 shown on this page (3–3)" in second
    for absurd in ("0", "-1", "10000000000000000000000", "x", "２"):
        response = client.get(f"/projects/?page={absurd}")
        assert response.status_code == 200
    coordinator = made[1][1]
    own = app.test_client()
    login(own, coordinator)
    theirs = own.get("/projects/").get_data(as_text=True)
    assert "1 funded project." in theirs and numbers[1] in theirs and numbers[0] not in theirs


def test_a_managers_dashboard_lists_the_longest_late_projects_and_links_the_rest(
    app, running_grant, monkeypatch
):
    from datetime import UTC, date, datetime

    from grants import clock
    from grants.projects import dashboard
    from tests.main.test_dashboard import section_text, statements

    monkeypatch.setattr(dashboard, "LATE_SHOWN", 2)
    clock.freeze(datetime(2028, 6, 1, 9, tzinfo=UTC))  # every first report is late by then
    first, _, manager = running_grant(start_date=date(2027, 3, 1), agreement_number="GA-L1")
    client = app.test_client()
    login(client, manager)
    one, page = statements(app, client)

    def link(grant):
        return f'href="/projects/{grant.id}"'

    assert link(first) in page and "report 1 late since" in section_text(page, "project-work")
    assert "projects with a late report" not in page
    second, *_ = running_grant(manager=manager, start_date=date(2027, 1, 1))
    third, *_ = running_grant(manager=manager, start_date=date(2027, 2, 1))
    db.session.commit()
    three, page = statements(app, client)
    assert link(second) in page and link(third) in page and link(first) not in page
    assert page.index(link(second)) < page.index(link(third))  # late longest first
    assert "All 3 projects with a late report" in section_text(page, "project-work")
    assert "/projects/monitoring?status=report_late" in page
    assert three == one
