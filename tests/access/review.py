"""Access expectations of the review routes. The world's evaluator holds one assignment
(declared no conflict) in a closed call; the evaluator queue is for evaluators only, the pool
and assignments for programme managers. Someone else's assignment is a 404."""

from tests.access.common import LOGIN, MANAGERS

EVALUATORS = (LOGIN, 403, 403, 200, 403, 403)
RESULT = (LOGIN, 200, 404, 404, 200, 200)
EVALUATOR_POST = (LOGIN, 403, 403, 302, 403, 403)
MANAGER_POST = (LOGIN, 403, 403, 403, 302, 302)
# The confirmation of a submit: an incomplete evaluation goes on to the evaluation route (307).
CONFIRM_POST = (LOGIN, 403, 403, 307, 403, 403)
INVITATION = (200,) * 6  # the page explains what to do for whoever holds the link


def _a(w):
    return {"assignment_id": w["assignment"]}


def _c(w):
    return {"call_id": w["review_call"]}


def _s(w):
    return {"submission_id": w["review_submission"]}


def _r(w):
    return {"submission_id": w["result_submission"]}


EXPECTED = {
    "review.queue": ("GET", lambda w: {}, EVALUATORS),
    "review.assignment": ("GET", _a, EVALUATORS),
    "review.evaluate": ("GET", _a, EVALUATORS),
    "review_confirm.confirm_submit": ("POST", _a, CONFIRM_POST),
    "review.declare": (
        "POST",
        lambda w: {"assignment_id": w["pending_assignment"]},
        (LOGIN, 403, 403, 422, 403, 403),  # an empty declaration is refused at the field
    ),
    "review.decline": (
        "POST",
        lambda w: {"assignment_id": w["pending_assignment"]},
        EVALUATOR_POST,
    ),
    "review.profile": ("GET", lambda w: {}, EVALUATORS),
    "review.invitation": ("GET", lambda w: {"token": w["invitation_token"]}, INVITATION),
    "review.pool": ("GET", lambda w: {}, MANAGERS),
    # an empty list is refused at the field (the pool page, 422)
    "review.invite": ("POST", lambda w: {}, (LOGIN, 403, 403, 403, 422, 422)),
    "review.call_assignments": ("GET", _c, MANAGERS),
    "review.assign": ("POST", _c, MANAGER_POST),
    "review.plan": ("GET", _c, MANAGERS),
    "review.apply_plan": ("POST", _c, MANAGER_POST),
    "review.remove": ("POST", _a, MANAGER_POST),
    # Consensus: the world's evaluator is the rapporteur of the assigned proposal.
    "review.consensus": ("GET", _s, EVALUATORS),
    "review.proposal_review": ("GET", _s, MANAGERS),
    "review.appoint": ("POST", _s, MANAGER_POST),
    "review.approve_consensus": ("POST", _s, MANAGER_POST),
    "review.return_consensus": ("POST", _s, MANAGER_POST),
    "review.appoint_all": ("POST", _c, MANAGER_POST),
    "review.dashboard": ("GET", _c, MANAGERS),
    "review.ranking": ("GET", _c, MANAGERS),
    "review.finalise": ("POST", _c, MANAGER_POST),
    # without "confirmed" the page asks first (200), with what publishing would do
    "review.publish_results": ("POST", _c, MANAGERS),
    # Results: the applicant's organisation and programme managers; nobody else learns of it.
    "review.result": ("GET", _r, RESULT),
    "review.esr_pdf": ("GET", _r, RESULT),
}

# Asserted by tests/review/test_routes.py: another evaluator's assignment is a 404.
FOREIGN_ASSIGNMENT = (LOGIN, 403, 403, 404, 403, 403)


def build(world: dict, fixtures: dict) -> None:
    import secrets
    from datetime import timedelta

    from grants import clock
    from grants.extensions import db
    from grants.review.models import AssignmentState, ConsensusReport, EvaluatorInvitation
    from grants.review.pool import _hash

    evaluator = world["users"]["evaluator"]
    call, submissions = fixtures["closed_call"](n=2)
    create_assignment = fixtures["create_assignment"]
    world["review_call"] = call.id
    world["assignment"] = create_assignment(submissions[0], evaluator, AssignmentState.ACTIVE).id
    world["pending_assignment"] = create_assignment(submissions[1], evaluator).id
    token = secrets.token_urlsafe(16)
    now = clock.now()
    db.session.add(
        EvaluatorInvitation(
            email="invited@example.org",
            token_hash=_hash(token),
            created_at=now,
            expires_at=now + timedelta(days=14),
        )
    )
    db.session.commit()
    world["invitation_token"] = token
    world["review_submission"] = submissions[0].id
    db.session.add(
        ConsensusReport(
            call_id=call.id,
            proposal_id=submissions[0].proposal_id,
            submission_id=submissions[0].id,
            rapporteur_id=evaluator.id,
        )
    )
    db.session.commit()
    world["result_submission"] = _published_result(world, fixtures).id


def _published_result(world, fixtures):
    """A call with published results, where the world's organisation has an evaluated proposal
    with an approved consensus, a final ranking and a result letter."""
    from decimal import Decimal

    from grants.accounts.models import Organisation
    from grants.calls.models import CallStatus
    from grants.extensions import db
    from grants.review.models import (
        ConsensusReport,
        ConsensusScore,
        ConsensusState,
        FinalRanking,
        Outcome,
        ResultLetter,
    )
    from tests.factories.review import close_call

    org = db.session.get(Organisation, world["org"])
    call = fixtures["create_call"]()
    proposal = fixtures["create_proposal"](
        call=call, organisation=org, user=world["users"]["applicant"]
    )
    submission = fixtures["submit_proposal"](proposal)
    close_call(db, call)
    call.status = CallStatus.RESULTS_PUBLISHED
    report = ConsensusReport(
        call_id=call.id,
        proposal_id=proposal.id,
        submission_id=submission.id,
        state=ConsensusState.APPROVED,
        comment="Agreed.",
    )
    report.scores = [
        ConsensusScore(criterion_id=c.id, points=c.max_points, comment="Strong.")
        for c in call.criteria
    ]
    total = sum((c.max_points for c in call.criteria), Decimal(0))
    db.session.add_all(
        [
            report,
            FinalRanking(
                call_id=call.id,
                policy="stop",
                reserve_size=0,
                budgets={"": str(call.total_budget)},
                decisions=[
                    {
                        "submission_id": submission.id,
                        "proposal_id": proposal.id,
                        "reference": submission.reference,
                        "acronym": proposal.acronym,
                        "topic": "",
                        "status": "selected",
                        "rank": 1,
                        "reserve_position": None,
                        "total": str(total),
                        "scores": {},
                        "eu_contribution": str(submission.eu_contribution),
                        "alignment": "0",
                        "explanation": "selected at rank 1",
                    }
                ],
                sha256="0" * 64,
            ),
            ResultLetter(
                call_id=call.id,
                proposal_id=proposal.id,
                submission_id=submission.id,
                outcome=Outcome.SELECTED,
                rank=1,
                total=total,
                explanation="selected at rank 1",
            ),
        ]
    )
    db.session.commit()
    return submission
