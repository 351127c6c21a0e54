"""The review states change only through grants.review.transitions: the table and its guards
refuse what the UI never offers, even from a hand-made POST."""

from __future__ import annotations

import pytest

from grants.audit.models import AuditEntry
from grants.extensions import db
from grants.review import consensus as consensus_service
from grants.review import services
from grants.review.models import AssignmentState, ConsensusState, EvaluationState
from grants.review.transitions import ASSIGNMENT, CONSENSUS, TransitionRefused, move
from tests.conftest import login


def test_declining_after_submitting_the_evaluation_is_refused(client, evaluated_call):
    data = evaluated_call(n=1, evaluators=2)
    s, person = data.submissions[0], data.evaluators[0]
    a = data.assignments[(s.id, person.id)]
    assert a.evaluation.state == EvaluationState.SUBMITTED
    login(client, person)
    response = client.post(  # the page offers no decline any more: a hand-made POST
        f"/review/assignments/{a.id}/decline", data={"reason": "changed my mind"}
    )
    assert response.status_code == 302 and f"/review/assignments/{a.id}" in response.location
    page = client.get(response.location).get_data(as_text=True)
    assert "Your evaluation of this proposal is submitted" in page
    db.session.expire_all()
    assert a.state == AssignmentState.ACTIVE and a.ended_at is None
    assert not db.session.scalar(
        db.select(AuditEntry).where(
            AuditEntry.entity_type == "assignment",
            AuditEntry.entity_id == str(a.id),
            AuditEntry.action == "decline",
        )
    )


def test_an_active_assignment_without_a_submitted_evaluation_can_be_declined(evaluated_call):
    data = evaluated_call(n=1, evaluators=2, submitted=1)
    s, person = data.submissions[0], data.evaluators[1]
    a = data.assignments[(s.id, person.id)]
    services.decline(a, "On leave", person)
    db.session.expire_all()
    assert a.state == AssignmentState.DECLINED and a.ended_reason == "On leave"


def test_the_tables_refuse_what_they_do_not_list(evaluated_call):
    data = evaluated_call(n=1, evaluators=2)
    s, person = data.submissions[0], data.evaluators[0]
    a = data.assignments[(s.id, person.id)]
    assert (AssignmentState.ACTIVE, AssignmentState.PENDING_DECLARATION) not in ASSIGNMENT
    with pytest.raises(TransitionRefused, match="cannot become"):
        move(a, AssignmentState.PENDING_DECLARATION, person)
    with pytest.raises(TransitionRefused, match="cannot become"):
        move(a.evaluation, EvaluationState.DRAFT, person, assignment=a)  # submitted stays
    assert (ConsensusState.DRAFT, ConsensusState.APPROVED) not in CONSENSUS
    db.session.rollback()


def test_returning_a_consensus_needs_a_reason_and_queues_the_notice(evaluated_call, create_user):
    data = evaluated_call(n=1, evaluators=2)
    s = data.submissions[0]
    manager = create_user(roles=("programme_manager",))
    consensus_service.appoint(s, data.evaluators[0], manager)
    report = consensus_service.report_of(s)
    report.state = ConsensusState.SUBMITTED  # as if sent: the test is about the return
    db.session.commit()
    with pytest.raises(TransitionRefused, match="Say why"):
        move(report, ConsensusState.DRAFT, manager, reason=" ")
    messages = move(report, ConsensusState.DRAFT, manager, "return", "Returned", reason="Why")
    assert [m.recipient for m in messages] == [data.evaluators[0].email]
    assert "needs changes" in messages[0].subject
    assert report.state == ConsensusState.DRAFT and report.returned_reason == "Why"
    db.session.rollback()
