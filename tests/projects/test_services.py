"""Grant preparation, the transition table, reports as versions, payments and the portfolio."""

from __future__ import annotations

from decimal import Decimal

import pytest
from sqlalchemy import select

from grants.audit.models import AuditEntry
from grants.portfolio.models import PortfolioProject
from grants.projects import services
from grants.projects.models import GrantStatus, ReportState
from grants.review.models import Outcome
from tests.factories.projects import grant_terms


def test_a_grant_is_prepared_only_from_a_selected_proposal(db, selected_submission, create_user):
    manager = create_user(roles=("programme_manager",))
    refused = selected_submission(outcome=Outcome.NOT_SELECTED)
    with pytest.raises(services.ProjectError, match="selected"):
        services.prepare_grant(refused, grant_terms(), manager)
    reserve = selected_submission()
    grant = services.prepare_grant(reserve, grant_terms(), manager)
    assert grant.status == GrantStatus.PREPARED
    plan = grant.work_plan
    assert [d["title"] for d in plan["deliverables"]] == ["Referral guide"]
    assert plan["indicators"][0]["name"] == "Victims assisted"
    assert plan["budget"] == {"staff": "600000.00", "travel": "100000.00", "indirect": "35000.00"}
    assert len(plan["consortium"]) == 3
    with pytest.raises(services.ProjectError, match="already"):
        services.prepare_grant(reserve, grant_terms(agreement_number="GA-2"), manager)


def test_the_reserve_list_replaces_a_grant_withdrawn_in_its_order(
    db, selected_submission, create_user, create_call
):
    from grants.review.models import ResultLetter

    manager = create_user(roles=("programme_manager",))
    call = create_call()
    selected = selected_submission(call=call)
    first, second = (selected_submission(call=call, outcome=Outcome.RESERVE) for _ in range(2))
    for position, submission in enumerate((first, second), 1):
        db.session.query(ResultLetter).filter_by(submission_id=submission.id).update(
            {"reserve_position": position}
        )
    db.session.commit()
    assert "when a selected one withdraws" in services.eligible_for_grant(first)
    grant = services.prepare_grant(selected, grant_terms(), manager)
    coordinator = selected.proposal.organisation.memberships[0].user
    with pytest.raises(services.ProjectError, match="Say why"):
        services.transition(grant, GrantStatus.WITHDRAWN, coordinator)
    with pytest.raises(services.ProjectError, match="Only the coordinator"):
        services.transition(grant, GrantStatus.WITHDRAWN, manager, reason="x")
    services.transition(grant, GrantStatus.WITHDRAWN, coordinator, reason="Lost co-funding.")
    assert grant.status == GrantStatus.WITHDRAWN
    assert "number 1 comes first" in services.eligible_for_grant(second)
    assert [refusal for _, _, refusal in services.awaiting_grant()] == [
        "",
        "The reserve list goes in order: number 1 comes first.",
    ]
    services.prepare_grant(first, grant_terms(agreement_number="GA-R1"), manager)
    assert "when a selected one withdraws" in services.eligible_for_grant(second)
    with pytest.raises(services.ProjectError):
        services.transition(grant, GrantStatus.RUNNING, manager)  # withdrawn stays withdrawn


def test_bad_terms_are_refused_field_by_field(db, selected_submission, create_user):
    manager = create_user(roles=("programme_manager",))
    submission = selected_submission()
    with pytest.raises(services.ProjectError) as error:
        services.prepare_grant(
            submission,
            grant_terms(funding_rate=Decimal(120), duration_months=0, agreement_number=" "),
            manager,
        )
    assert set(error.value.problems) == {
        "max_contribution",
        "duration_months",
        "period_months",
        "agreement_number",
    }


def test_confirm_by_the_coordinator_sign_by_a_manager_with_prefinancing(
    db, selected_submission, create_user
):
    manager = create_user(roles=("programme_manager",))
    submission = selected_submission()
    grant = services.prepare_grant(submission, grant_terms(), manager)
    coordinator = submission.proposal.organisation.memberships[0].user
    with pytest.raises(services.ProjectError, match="coordinator"):
        services.transition(grant, GrantStatus.CONFIRMED, manager)
    with pytest.raises(services.ProjectError, match="cannot become"):
        services.transition(grant, GrantStatus.RUNNING, manager)
    services.transition(grant, GrantStatus.CONFIRMED, coordinator)
    with pytest.raises(services.ProjectError, match="programme manager"):
        services.transition(grant, GrantStatus.RUNNING, coordinator)
    services.transition(grant, GrantStatus.RUNNING, manager)
    assert [(p.kind, p.amount) for p in grant.payments] == [("prefinancing", Decimal("200000.00"))]
    actions = db.session.scalars(
        select(AuditEntry.action).where(AuditEntry.entity_type == "grant").order_by(AuditEntry.id)
    ).all()
    assert actions == ["prepare", "confirm", "sign"]
    project = db.session.scalar(
        select(PortfolioProject).where(PortfolioProject.key == f"funded:{grant.id}")
    )
    assert project is not None and project.eu_contribution == Decimal("500000.00")


def test_reports_are_versions_payments_capped_and_the_final_one_closes(db, running_grant):
    grant, coordinator, manager = running_grant()
    assert [p["kind"].value for p in services.periods(grant)] == ["periodic", "final"]
    with pytest.raises(services.ProjectError, match="earlier"):
        services.submit_report(grant, 2, {"narrative": "x"}, Decimal(0), coordinator)
    first = services.submit_report(grant, 1, {"narrative": "Year 1"}, Decimal(300000), coordinator)
    with pytest.raises(services.ProjectError, match="manager"):
        services.accept_report(first, coordinator)
    services.request_changes(first, "Add the shelter figures.", manager)
    with pytest.raises(services.ProjectError, match="waiting"):
        services.accept_report(first, manager)  # a returned version stays as it was
    second = services.submit_report(
        grant, 1, {"narrative": "Year 1, v2"}, Decimal(300000), coordinator
    )
    assert (second.version, first.state) == (2, ReportState.CHANGES_REQUESTED)
    payment = services.accept_report(second, manager)
    assert (payment.kind, payment.amount) == ("interim", Decimal("250000.00"))  # 90 % cap
    with pytest.raises(services.ProjectError, match="already"):
        services.submit_report(grant, 1, {"narrative": "again"}, Decimal(1), coordinator)
    final = services.submit_report(
        grant,
        2,
        {
            "narrative": "Year 2",
            "indicators": [
                {
                    "code": "victims-assisted",
                    "value": "40",
                    "breakdowns": {"sex-age": {"women": "30", "girls": "10"}},
                }
            ],
            "outcomes": ["A referral guide adopted by two ministries."],
            "recommendations": [{"text": "Fund shelters for boys.", "addressee": "member_states"}],
        },
        Decimal(300000),
        coordinator,
    )
    balance = services.accept_report(final, manager)
    assert balance.amount == Decimal("50000.00")  # total = the maximum grant
    assert services.paid_total(grant) == grant.max_contribution
    services.transition(grant, GrantStatus.CLOSED, manager)
    project = db.session.scalar(
        select(PortfolioProject).where(PortfolioProject.key == f"funded:{grant.id}")
    )
    assert [o.text for o in project.outcomes] == ["A referral guide adopted by two ministries."]
    assert [r.text for r in project.recommendations] == ["Fund shelters for boys."]


def test_results_awaiting_a_grant_are_judged_as_one_by_one_in_statements_per_call(
    db, selected_submission, create_call
):
    """The project list's "results without a grant yet" says what `eligible_for_grant` says
    of each, in one statement and two per call with reserve proposals, however many."""
    from sqlalchemy import event

    from grants.review.models import ResultLetter

    def statements() -> int:
        seen = []

        def count(*_):
            seen.append(1)

        event.listen(db.engine, "before_cursor_execute", count)
        try:
            found = services.awaiting_grant()
        finally:
            event.remove(db.engine, "before_cursor_execute", count)
        db.session.expire_all()
        assert [(s.id, why) for s, _, why in found] == [
            (s.id, services.eligible_for_grant(s)) for s, _, _ in found
        ]
        return len(seen)

    counts = []
    for per_call in (1, 3):
        for call in (create_call(), create_call()):
            for position in range(1, per_call + 1):
                selected_submission(call=call)
                reserve = selected_submission(call=call, outcome=Outcome.RESERVE)
                db.session.query(ResultLetter).filter_by(submission_id=reserve.id).update(
                    {"reserve_position": position}
                )
        db.session.commit()
        counts.append(statements())
    assert counts[0] == counts[1] - 4  # two calls more, each with reserve proposals
    assert counts[0] == 1 + 2 * 2
