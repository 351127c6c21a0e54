"""Factory fixtures for consensus, ranking and results: `evaluated(n, shares)` (a closed call
whose proposals have three submitted evaluations each) and `approve_all(...)` (rapporteurs
appointed, consensus reports sent and approved at the pre-filled scores)."""

from __future__ import annotations

from decimal import Decimal

import pytest

from grants.review import consensus as consensus_service
from grants.review import evaluation
from grants.review.models import AssignmentState

COMMENT = (
    "The proposal addresses the early identification and referral of victims of trafficking "
    "in human beings with a clear gender dimension and specialised shelters for women and "
    "children; the work plan is coherent and the consortium has the expertise it needs."
)


@pytest.fixture
def evaluated(db, closed_call, create_evaluator, create_assignment):
    """A closed call with `n` proposals, 3 evaluators each, every evaluation submitted:
    (call, submissions, evaluators). `shares` gives each proposal's score as a share of each
    criterion's maximum (the evaluators agree)."""

    def make(n=3, shares=None, **call_fields):
        call, submissions = closed_call(n=n, **call_fields)
        evaluators = [create_evaluator(organisation=f"Expert bureau {i}") for i in range(3)]
        shares = shares or [Decimal("0.8")] * n
        for s, share in zip(submissions, shares, strict=True):
            for e in evaluators:
                a = create_assignment(s, e, AssignmentState.ACTIVE)
                data = {
                    c.id: {
                        "points": str((c.max_points * share / c.step).to_integral() * c.step),
                        "comment": COMMENT,
                    }
                    for c in call.criteria
                }
                evaluation.submit_evaluation(a, data, 0, e)
        return call, submissions, evaluators

    return make


@pytest.fixture
def approve_all(db):
    """Appoint rapporteurs, send every consensus at its pre-filled scores, approve them."""

    def run(call, submissions, manager):
        consensus_service.appoint_all(call, submissions, manager)
        for s in submissions:
            report = consensus_service.report_of(s)
            views = consensus_service.criterion_views(s, report.rapporteur_id, names=False)
            data = {v.criterion.id: {"points": str(v.prefill), "comment": COMMENT} for v in views}
            consensus_service.submit_consensus(report, data, report.version, report.rapporteur)
            consensus_service.approve(report, manager)

    return run
