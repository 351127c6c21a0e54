"""Funded-project factories: `selected_submission()` a submitted proposal whose result letter
says selected (or reserve), and `running_grant()` a grant prepared, confirmed and signed."""

from __future__ import annotations

from datetime import date
from decimal import Decimal

import pytest


@pytest.fixture
def selected_submission(db, create_proposal, submit_proposal):
    from grants.review.models import Outcome, ResultLetter

    def make(outcome=Outcome.SELECTED, **fields):
        proposal = create_proposal(**fields)
        submission = submit_proposal(proposal)
        db.session.add(
            ResultLetter(
                call_id=submission.call_id,
                proposal_id=proposal.id,
                submission_id=submission.id,
                outcome=outcome,
            )
        )
        db.session.commit()
        return submission

    return make


def grant_terms(**overrides) -> dict:
    terms = {
        "agreement_number": "GA-TEST",
        "max_contribution": Decimal("500000.00"),
        "funding_rate": Decimal("90"),
        "prefinancing_share": Decimal("40"),
        "start_date": date(2027, 1, 1),
        "duration_months": 24,
        "period_months": 12,
    }
    return {**terms, **overrides}


@pytest.fixture
def running_grant(db, selected_submission, create_user):
    from grants.projects import services
    from grants.projects.models import GrantStatus

    def make(manager=None, **terms):
        manager = manager or create_user(roles=("programme_manager",))
        submission = selected_submission()
        number = terms.pop("agreement_number", f"GA-{submission.id}")
        grant = services.prepare_grant(
            submission, grant_terms(agreement_number=number, **terms), manager
        )
        coordinator = submission.proposal.organisation.memberships[0].user
        services.transition(grant, GrantStatus.CONFIRMED, coordinator)
        services.transition(grant, GrantStatus.RUNNING, manager)
        return grant, coordinator, manager

    return make
