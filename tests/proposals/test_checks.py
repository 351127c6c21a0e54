"""Completeness, admissibility and eligibility rules, each with its plain-words message."""

from __future__ import annotations

from decimal import Decimal

from grants.proposals import checks
from grants.proposals.budget import budget_summary
from grants.proposals.models import BudgetCategory, BudgetLine, PartnerRole


def _failures(proposal):
    report = checks.check(proposal)
    return {c.code: c.message for c in report.problems}


def test_complete_proposal_passes_every_check(create_proposal):
    report = checks.check(create_proposal())
    assert report.missing == []
    assert report.admissible and report.eligible, [c.message for c in report.problems]
    assert report.budget.direct == Decimal("700000.00")
    assert report.budget.eu_contribution == Decimal("661500.00")


def test_empty_draft_lists_what_is_missing_by_section(create_proposal):
    report = checks.check(create_proposal(complete=False))
    by_section = {s["slug"]: [m.message for m in s["missing"]] for s in report.sections()}
    assert "Give the proposal an acronym." in by_section["summary"]
    assert "Add at least one work package." in by_section["workplan"]
    assert "Choose the countries of implementation." in by_section["targets"]
    assert "Claim at least one strategy priority." in by_section["priorities"]
    assert "Add the budget lines with their amounts." in by_section["budget"]
    assert any("Detailed budget table" in m for m in by_section["annexes"])
    assert not report.admissible


def test_unjustified_claim_is_missing(create_proposal, db):
    proposal = create_proposal()
    proposal.claims[0].justification = "  "
    db.session.commit()
    missing = [m.message for m in checks.missing_items(proposal)]
    assert any("Justify the priority" in m for m in missing)


def test_indirect_costs_over_seven_percent_explained(create_proposal, db):
    proposal = create_proposal()
    line = next(x for x in proposal.budget_lines if x.category == BudgetCategory.INDIRECT)
    line.amount = Decimal("56000")  # 8 % of 700 000
    db.session.commit()
    message = _failures(proposal)["indirect"]
    assert "8.00 %" in message and "at most 7 %" in message
    assert "EUR 49\u202f000.00" in message  # the limit
    assert "Lower them by EUR 7\u202f000.00" in message
    # Only the allowed part counts: (700 000 + 49 000) x 90 %
    assert budget_summary(proposal).eu_contribution == Decimal("674100.00")


def test_contribution_below_and_above_the_range(create_proposal, db):
    proposal = create_proposal()
    for line in proposal.budget_lines:
        line.amount = Decimal("100000") if line.category != BudgetCategory.INDIRECT else 0
    db.session.commit()
    message = _failures(proposal)["contribution"]
    assert "below the call's minimum of EUR 500\u202f000.00" in message
    for line in proposal.budget_lines:
        line.amount = Decimal("900000") if line.category != BudgetCategory.INDIRECT else 0
    db.session.commit()
    assert "above the call's maximum" in _failures(proposal)["contribution"]


def test_contribution_rounds_down_to_the_cent(create_proposal, create_call, db):
    call = create_call(funding_rate=Decimal("33.33"), min_contribution=Decimal(0))
    proposal = create_proposal(call=call)
    for line in proposal.budget_lines:
        line.amount = Decimal(0)
    proposal.budget_lines[0].amount = Decimal("100.01")
    db.session.commit()
    # 100.01 x 33.33 % = 33.333333: never more than the rate
    assert budget_summary(proposal).eu_contribution == Decimal("33.33")


def test_consortium_minimum_three_applicants_three_countries(create_proposal, create_call, db):
    call = create_call(min_applicants=3, min_countries=3)
    proposal = create_proposal(call=call)
    assert "consortium" not in _failures(proposal)
    proposal.partners[2].country = "NL"  # two countries now
    db.session.commit()
    assert (
        "from 3 different countries; the consortium has 3 applicants from 2"
        in (_failures(proposal)["consortium"])
    )
    proposal.partners[2].country = "FR"
    proposal.partners[2].role = PartnerRole.ASSOCIATED  # associated partners do not count
    db.session.commit()
    assert "has 2 applicants" in _failures(proposal)["consortium"]


def test_denmark_does_not_take_part(create_proposal, db):
    proposal = create_proposal()
    proposal.partners[1].country = "DK"
    db.session.commit()
    message = _failures(proposal)["partner-countries"]
    assert "is established in Denmark, which does not take part" in message


def test_organisation_type_not_funded(create_proposal, db):
    proposal = create_proposal()
    proposal.partners[1].type = "private_company"
    db.session.commit()
    assert "is a Private company" in _failures(proposal)["org-types"]


def test_duration_and_schedule(create_proposal, db):
    proposal = create_proposal()
    proposal.duration_months = 48
    db.session.commit()
    assert "48 months; the call allows at most 36" in _failures(proposal)["duration"]
    proposal.duration_months = 12
    db.session.commit()
    assert "work package 1 ends in month 24" in _failures(proposal)["schedule"]


def test_text_over_the_call_limit(create_proposal, db):
    proposal = create_proposal()
    proposal.abstract = "x" * 2001
    db.session.commit()
    assert "2 001 characters; the call allows at most 2 000" in _failures(proposal)["limit-summary"]


def test_required_annex_missing(create_proposal, db):
    proposal = create_proposal()
    proposal.annexes.remove(proposal.annexes[0])
    db.session.commit()
    assert "Required annexes are missing: Detailed budget table" in _failures(proposal)["annexes"]


def test_budget_line_amount_cannot_be_negative_in_the_database(create_proposal, db):
    import pytest
    from sqlalchemy.exc import IntegrityError

    proposal = create_proposal()
    db.session.add(
        BudgetLine(
            proposal_id=proposal.id,
            partner_id=proposal.partners[0].id,
            category=BudgetCategory.STAFF,
            amount=Decimal("-1"),
        )
    )
    with pytest.raises(IntegrityError):
        db.session.commit()
    db.session.rollback()


def test_a_check_is_recorded_with_every_field_of_it():
    from dataclasses import asdict, fields

    from grants.proposals.checks import Check

    check = Check("budget-cap", "budget", "eligibility", False, "Over the cap.", "lines")
    # Written by hand (no deep copy on every submit): a field added later must be added there.
    assert check.as_dict() == asdict(check)
    assert set(check.as_dict()) == {f.name for f in fields(Check)}
