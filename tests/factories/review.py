"""Factory fixtures of the review domain: `create_evaluator(...)`, `closed_call(...)` (a call
past its deadline with submitted proposals) and `create_assignment(...)`."""

from __future__ import annotations

from datetime import timedelta

import pytest

from grants import clock
from grants.review.models import (
    Assignment,
    AssignmentState,
    ConflictDeclaration,
    ConflictKind,
    EvaluatorProfile,
)


@pytest.fixture
def create_evaluator(db, create_user):
    """An evaluator with a profile; `organisation` is the name of their own organisation."""

    def make(organisation="Independent Experts Ltd", ties=(), max_load=8, expertise=(), **kw):
        user = create_user(roles=("evaluator",), **kw)
        db.session.add(
            EvaluatorProfile(
                user_id=user.id,
                organisation_name=organisation,
                organisation_country="BE",
                recent_ties=list(ties),
                priorities=list(expertise),
                exploitation_forms=[],
                languages=["en"],
                countries=[],
                max_load=max_load,
            )
        )
        db.session.commit()
        return user

    return make


def close_call(db, call) -> None:
    """Move the call's deadline into the past (as if time had passed)."""
    now = clock.now()
    call.opens_at = now - timedelta(days=60)
    call.deadline_at = now - timedelta(days=1)
    db.session.commit()


@pytest.fixture
def closed_call(db, create_call, create_proposal, submit_proposal):
    """A call past its deadline with `n` submitted, eligible proposals: (call, submissions)."""

    def make(n=3, **call_fields):
        call = create_call(**call_fields)
        submissions = [submit_proposal(create_proposal(call=call)) for _ in range(n)]
        close_call(db, call)
        return call, submissions

    return make


@pytest.fixture
def create_assignment(db):
    def make(submission, evaluator, state=AssignmentState.PENDING_DECLARATION):
        assignment = Assignment(
            call_id=submission.call_id,
            proposal_id=submission.proposal_id,
            submission_id=submission.id,
            evaluator_id=evaluator.id,
            state=state,
            due_at=clock.now() + timedelta(days=21),
        )
        if state == AssignmentState.ACTIVE:
            assignment.declarations.append(ConflictDeclaration(kind=ConflictKind.NONE))
        db.session.add(assignment)
        db.session.commit()
        return assignment

    return make
