"""Amendments: each kind asked with a reason and checked at the field, approved (the asked
version becomes current, the earlier one stays in the history with its diff) or refused;
audit and notices; through the pages too."""

from __future__ import annotations

from decimal import Decimal

import pytest
from sqlalchemy import select

from grants.audit.models import AuditEntry
from grants.extensions import db
from grants.notifications.models import Notification
from grants.projects import amendments, services
from grants.projects.models import Amendment, AmendmentKind, AmendmentState
from tests.conftest import login


def _actions(grant) -> list[str]:
    return list(
        db.session.scalars(
            select(AuditEntry.action)
            .where(AuditEntry.entity_type == "grant", AuditEntry.entity_id == str(grant.id))
            .order_by(AuditEntry.id)
        )
    )


def test_an_approved_end_date_becomes_current_and_keeps_the_history(db, running_grant):
    grant, coordinator, manager = running_grant()
    asked = amendments.request(
        grant, AmendmentKind.END_DATE, {"duration_months": 30}, "Shelter opened late.", coordinator
    )
    assert asked.state == AmendmentState.REQUESTED and grant.duration_months == 24
    assert asked.changes[0] == {
        "what": "End date",
        "before": "31 December 2028",
        "after": "30 June 2029",
    }
    assert amendments.version(grant) == 1
    told = db.session.scalars(
        select(Notification.user_id).where(Notification.event == "project.amendment_requested")
    ).all()
    assert manager.id in told
    amendments.decide(asked, AmendmentState.APPROVED, "", manager)
    assert grant.duration_months == 30 and amendments.version(grant) == 2
    assert services.periods(grant)[-1]["end"].isoformat() == "2029-06-30"
    assert asked.before == {"duration_months": 24}  # the earlier version stays
    assert "request-amendment" in _actions(grant) and "approve-amendment" in _actions(grant)
    with pytest.raises(services.ProjectError, match="already decided"):
        amendments.decide(asked, AmendmentState.REFUSED, "No.", manager)


def test_a_budget_transfer_beyond_the_flexibility(db, running_grant):
    grant, coordinator, manager = running_grant()
    budget = dict(grant.work_plan["budget"])  # staff 600 000, travel 100 000, indirect 35 000

    def ask(**values):
        return amendments.request(
            grant, AmendmentKind.BUDGET_TRANSFER, values, "More outreach.", coordinator
        )

    with pytest.raises(services.ProjectError) as small:
        ask(source="staff", target="travel", amount="20000")  # 20 % of travel
    assert "needs no amendment" in str(small.value) and "amount" in small.value.problems
    with pytest.raises(services.ProjectError) as bad:
        ask(source="staff", target="staff", amount="abc")
    assert set(bad.value.problems) == {"target", "amount"}
    with pytest.raises(services.ProjectError) as much:
        ask(source="indirect", target="travel", amount="35000.01")
    assert "amount" in much.value.problems
    asked = ask(source="staff", target="travel", amount="50000")
    assert grant.work_plan["budget"] == budget
    amendments.decide(asked, AmendmentState.APPROVED, "Agreed.", manager)
    assert grant.work_plan["budget"]["staff"] == "550000.00"
    assert grant.work_plan["budget"]["travel"] == "150000.00"
    assert asked.before == {"budget": budget}
    assert {c["what"] for c in asked.changes} == {"Budget: staff", "Budget: travel"}


def test_consortium_and_work_plan_changes_and_a_refusal(db, running_grant):
    grant, coordinator, manager = running_grant()
    with pytest.raises(services.ProjectError) as bad:
        amendments.request(
            grant,
            AmendmentKind.CONSORTIUM,
            {"action": "add", "name": "", "country": "XX", "type": "pirates"},
            "",
            coordinator,
        )
    assert set(bad.value.problems) == {"name", "country", "type", "reason"}
    with pytest.raises(services.ProjectError, match="coordinator"):
        amendments.request(
            grant, AmendmentKind.CONSORTIUM, {"action": "remove", "partner": 0}, "x", coordinator
        )
    asked = amendments.request(
        grant,
        AmendmentKind.CONSORTIUM,
        {"action": "add", "name": "La Strada Poland", "country": "pl", "type": "ngo"},
        "A partner in Poland for the route.",
        coordinator,
    )
    with pytest.raises(services.ProjectError, match="already waiting"):
        amendments.request(grant, AmendmentKind.END_DATE, {"duration_months": 30}, "x", coordinator)
    with pytest.raises(services.ProjectError) as silent:
        amendments.decide(asked, AmendmentState.REFUSED, " ", manager)
    assert "comment" in silent.value.problems
    amendments.decide(asked, AmendmentState.REFUSED, "Not eligible in this call.", manager)
    assert len(grant.work_plan["consortium"]) == 3  # unchanged
    assert amendments.version(grant) == 1
    moved = amendments.request(
        grant,
        AmendmentKind.WORK_PLAN,
        {"item": "deliverables:0", "title": "Referral guide", "month": 20},
        "The guide waits for the new law.",
        coordinator,
    )
    assert moved.number == 2
    amendments.decide(moved, AmendmentState.APPROVED, "", manager)
    assert grant.work_plan["deliverables"][0]["month"] == 20
    assert moved.changes == [
        {"what": "Deliverable “Referral guide”: due month", "before": "12", "after": "20"}
    ]


def test_only_the_coordinator_asks_and_only_a_manager_decides(db, running_grant, create_user):
    grant, coordinator, manager = running_grant()
    stranger = create_user()
    with pytest.raises(services.ProjectError, match="coordinator"):
        amendments.request(grant, AmendmentKind.END_DATE, {"duration_months": 30}, "x", manager)
    asked = amendments.request(
        grant, AmendmentKind.END_DATE, {"duration_months": 30}, "x", coordinator
    )
    for who in (coordinator, stranger):
        with pytest.raises(services.ProjectError, match="manager"):
            amendments.decide(asked, AmendmentState.APPROVED, "", who)
    assert db.session.get(Amendment, asked.id).state == AmendmentState.REQUESTED


def test_amendment_pages_check_at_the_field_and_decide(app, running_grant):
    grant, coordinator, manager = running_grant()
    mine, theirs = app.test_client(), app.test_client()
    login(mine, coordinator)
    login(theirs, manager)
    url = f"/projects/{grant.id}/amendments/new/budget_transfer"
    form = mine.get(url).get_data(as_text=True)
    assert "A transfer up to 20 %" in form and 'name="amount"' in form
    for data in (
        {"source": "staff", "target": "travel", "amount": "1e999", "reason": "x"},
        {"source": "nope", "target": "travel", "amount": "50000", "reason": "x"},
        {"source": "staff", "target": "travel", "amount": "50000", "reason": ""},
    ):
        bad = mine.post(url, data=data)
        assert bad.status_code == 422, data
        assert 'class="invalid-feedback' in bad.get_data(as_text=True)
    assert db.session.query(Amendment).count() == 0
    assert mine.get(f"/projects/{grant.id}/amendments/new/nonsense").status_code == 404
    done = mine.post(
        url, data={"source": "staff", "target": "travel", "amount": "50000", "reason": "Outreach"}
    )
    assert done.status_code == 302
    amendment = db.session.query(Amendment).one()
    page = theirs.get(f"/projects/amendments/{amendment.id}").get_data(as_text=True)
    assert "Record the decision" in page and "EUR 600\u202f000.00" in page
    decision = f"/projects/amendments/{amendment.id}/decision"
    refused = theirs.post(decision, data={"decision": "refused", "comment": ""})
    assert refused.status_code == 422 and "Required to refuse" in refused.get_data(as_text=True)
    assert theirs.post(decision, data={"decision": "maybe"}).status_code == 422
    assert theirs.post(decision).status_code == 422  # nothing chosen: nothing approved
    assert mine.post(decision, data={"decision": "approved"}).status_code == 403
    assert theirs.post(decision, data={"decision": "approved"}).status_code == 302
    db.session.expire_all()
    project = mine.get(f"/projects/{grant.id}").get_data(as_text=True)
    assert "Version 2 of the grant" in project and "EUR 550\u202f000.00" in project
    assert project.count('id="amendments"') == 1  # in the page, not in its <title> too
    assert f"<title>{grant.acronym} · THB Programme</title>" in project
    assert Decimal(db.session.get(type(grant), grant.id).work_plan["budget"]["staff"]) == 550000
