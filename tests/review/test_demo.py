"""The demo evaluator pool and assignments: every proposal of the closed demo call staffed,
declarations of every kind, nobody in conflict assigned; idempotent."""

from sqlalchemy import func, select

from grants.calls.models import Call
from grants.review import services
from grants.review.models import Assignment, AssignmentState, EvaluatorProfile
from seed.demo import load_demo
from seed.demo_calls import load_demo_calls
from seed.demo_proposals import load_demo_proposals
from seed.demo_review import CALL, load_demo_review


def test_demo_review(db, mailbox):
    load_demo()
    load_demo_calls()
    load_demo_proposals()
    message = load_demo_review()
    assert "3 evaluators created" in message, message
    assert "assignments already there" in load_demo_review()
    from grants.review.models import Evaluation, EvaluationState

    kinds = [e.state for e in db.session.scalars(select(Evaluation))]
    assert EvaluationState.SUBMITTED in kinds and EvaluationState.DRAFT in kinds
    assert len(kinds) <= 6  # the second run added none
    assert db.session.scalar(select(func.count(EvaluatorProfile.id))) == 6
    call = db.session.scalar(select(Call).where(Call.reference == CALL))
    rows = services.call_assignments(call)
    states = {s: sum(1 for a in rows if a.state == s) for s in AssignmentState}
    assert states[AssignmentState.CONFLICT] == 1
    assert states[AssignmentState.PENDING_DECLARATION] == 2
    assert states[AssignmentState.ACTIVE] == len(rows) - 3
    for a in rows:
        assert services.likely_conflicts(a.submission, a.evaluator) == []
    staffed = {s.proposal_id for s in services.evaluable_submissions(call)}
    assert staffed and staffed == {a.proposal_id for a in rows}
    assert db.session.scalar(select(func.count(Assignment.id))) == len(rows)
