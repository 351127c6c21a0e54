"""Service tests of the review domain against a real database: invitations, profiles,
conflict detection and declarations, manual and automatic assignment, the queue."""

from __future__ import annotations

from datetime import timedelta

import pytest
from sqlalchemy import select

from grants import clock
from grants.accounts.models import RoleName
from grants.audit.models import AuditEntry
from grants.review import pool as evaluator_pool
from grants.review import services
from grants.review.models import (
    Assignment,
    AssignmentState,
    ConflictKind,
    ConflictOverride,
    EvaluatorInvitation,
)
from grants.review.permissions import can_view_content, evaluator_may_view_submission
from grants.review.services import ReviewError


@pytest.fixture
def manager(create_user):
    return create_user(roles=("programme_manager",))


def actions(db, entity_type):
    return [
        a.action
        for a in db.session.scalars(
            select(AuditEntry).where(AuditEntry.entity_type == entity_type).order_by(AuditEntry.id)
        )
    ]


def test_invitation_registers_a_new_evaluator(db, manager, mailbox):
    invited = evaluator_pool.invite_evaluators(["New.Expert@Example.org"], None, manager)
    assert invited == ["new.expert@example.org"]
    link = mailbox.link("new.expert@example.org", "/review/invitations/")
    token = link.rsplit("/", 1)[1]
    invitation = evaluator_pool.invitation_by_token(token)
    user = evaluator_pool.register_from_invitation(
        invitation, "New Expert", "a-long-safe-passphrase"
    )
    assert user.has_role(RoleName.EVALUATOR) and user.is_confirmed
    with pytest.raises(ReviewError, match="already been accepted"):
        evaluator_pool.invitation_by_token(token)
    assert actions(db, "evaluator_invitation") == ["invite", "accept"]


def test_invitation_accepted_by_an_existing_user_with_the_same_address(db, manager, create_user):
    user = create_user(email="someone@example.org")
    other = create_user()
    evaluator_pool.invite_evaluators(["someone@example.org"], None, manager)
    invitation = db.session.scalar(select(EvaluatorInvitation))
    with pytest.raises(ReviewError, match="sent to someone@example.org"):
        evaluator_pool.accept_invitation(invitation, other)
    evaluator_pool.accept_invitation(invitation, user)
    assert user.has_role(RoleName.EVALUATOR) and user.has_role(RoleName.APPLICANT)


def test_expired_and_bad_invitations_are_refused(db, manager):
    with pytest.raises(ReviewError, match="Not an e-mail"):
        evaluator_pool.invite_evaluators(["not-an-address"], None, manager)
    evaluator_pool.invite_evaluators(["late@example.org"], None, manager)
    clock.travel(timedelta(days=evaluator_pool.INVITATION_DAYS + 1))
    with pytest.raises(ReviewError, match="not valid"):
        evaluator_pool.invitation_by_token("nonsense")


def test_likely_conflicts_from_organisation_ties_and_membership(
    db, closed_call, create_evaluator, create_user
):
    call, (s1, s2, s3) = closed_call(n=3)
    coordinator = s1.content["organisation"]["name"]
    partner = s2.content["partners"][1]["name"]
    employee = create_evaluator(organisation=coordinator.upper() + " ")
    tied = create_evaluator(ties=[partner])
    member = create_user(roles=("evaluator",), organisation=s3.proposal.organisation)
    free = create_evaluator()
    assert services.likely_conflicts(s1, employee) == [coordinator]
    assert services.likely_conflicts(s2, tied) == [partner]
    assert services.likely_conflicts(s3, member) == [s3.proposal.organisation.name]
    assert all(services.likely_conflicts(s, free) == [] for s in (s1, s2, s3))


def test_manual_assignment_notifies_and_refuses_conflicts_without_override(
    db, closed_call, create_evaluator, manager, mailbox
):
    call, (s1, s2) = closed_call(n=2)
    conflicted = create_evaluator(organisation=s1.content["organisation"]["name"])
    free = create_evaluator()
    created, errors = services.assign([s1, s2], [conflicted, free], manager)
    assert len(created) == 3
    assert len(errors) == 1 and "likely conflict" in errors[0]
    assert mailbox.last_to(free.email)["Subject"] == "2 proposals assigned to you for evaluation"
    body = mailbox.body(mailbox.last_to(free.email))
    assert s1.content["acronym"] in body and s1.content["title"] not in body
    # a second assignment of the same pair is refused
    _, errors = services.assign([s2], [free], manager)
    assert "already assigned" in errors[0]
    # override with a reason: logged
    created, errors = services.assign([s1], [conflicted], manager, override_reason="Other unit")
    assert errors == [] and created[0].overrides[0].reason == "Other unit"
    assert db.session.scalar(select(ConflictOverride)).conflicts
    assert "override-conflict" in actions(db, "assignment")


def test_the_database_enforces_one_assignment_per_proposal_and_evaluator(
    db, closed_call, create_evaluator, create_assignment
):
    from sqlalchemy.exc import IntegrityError

    _, (s1,) = closed_call(n=1)
    evaluator = create_evaluator()
    create_assignment(s1, evaluator)
    with pytest.raises(IntegrityError):
        create_assignment(s1, evaluator)
    db.session.rollback()


def test_no_assignment_before_the_deadline(db, create_call, create_proposal, submit_proposal,
                                           create_evaluator, manager):  # fmt: skip
    call = create_call()
    submission = submit_proposal(create_proposal(call=call))
    assert services.evaluable_submissions(call) == []
    _, errors = services.assign([submission], [create_evaluator()], manager)
    assert "after the call's deadline" in errors[0]


def test_declaration_opens_content_or_ends_the_assignment(
    db, closed_call, create_evaluator, create_assignment
):
    _, (s1, s2) = closed_call(n=2)
    evaluator = create_evaluator()
    a1, a2 = create_assignment(s1, evaluator), create_assignment(s2, evaluator)
    assert not can_view_content(evaluator, a1)
    assert not evaluator_may_view_submission(evaluator, s1)
    services.declare(a1, ConflictKind.NONE, "", evaluator)
    assert a1.state == AssignmentState.ACTIVE and can_view_content(evaluator, a1)
    assert evaluator_may_view_submission(evaluator, s1)
    with pytest.raises(ReviewError, match="Describe"):
        services.declare(a2, ConflictKind.OTHER, " ", evaluator)
    services.declare(a2, ConflictKind.FINANCIAL, "Shares", evaluator)
    assert a2.state == AssignmentState.CONFLICT and a2.ended_at is not None
    assert not evaluator_may_view_submission(evaluator, s2)
    with pytest.raises(ReviewError, match="already declared"):
        services.declare(a2, ConflictKind.NONE, "", evaluator)
    assert actions(db, "assignment").count("declare") == 2


def test_plan_staffs_every_proposal_and_applies_only_if_unchanged(
    db, closed_call, create_evaluator, manager, mailbox
):
    call, submissions = closed_call(n=4, evaluators_per_proposal=3)
    conflicted = create_evaluator(organisation=submissions[0].content["organisation"]["name"])
    pool = [create_evaluator(max_load=3) for _ in range(4)] + [conflicted]
    view = services.build_plan(call)
    assert view.plan.feasible
    assert all(len(view.plan.for_proposal(s.proposal_id)) == 3 for s in submissions)
    assert conflicted.id not in view.plan.for_proposal(submissions[0].proposal_id)
    # something changes in between: the old plan is refused
    services.assign([submissions[1]], [pool[0]], manager)
    with pytest.raises(ReviewError, match="changed"):
        services.apply_plan(call, view.digest, manager)
    fresh = services.build_plan(call)
    created = services.apply_plan(call, fresh.digest, manager)
    assert len(created) == 11
    rows = services.call_assignments(call)
    loads = {}
    for a in rows:
        loads[a.evaluator_id] = loads.get(a.evaluator_id, 0) + 1
    assert max(loads[u.id] for u in pool[:4]) <= 3
    assert services.build_plan(call).plan.pairs == []
    assert "auto-assign" in actions(db, "call")


def test_infeasible_plan_is_reported_and_a_decline_gets_a_replacement(
    db, closed_call, create_evaluator, manager
):
    call, (s1, s2) = closed_call(n=2, evaluators_per_proposal=2)
    a, b = create_evaluator(), create_evaluator()
    view = services.build_plan(call)
    assert view.plan.feasible
    services.apply_plan(call, view.digest, manager)
    assignment = db.session.scalar(
        select(Assignment).where(
            Assignment.evaluator_id == a.id, Assignment.proposal_id == s1.proposal_id
        )
    )
    services.decline(assignment, "On leave", a)
    short = services.build_plan(call)
    assert not short.plan.feasible  # nobody left: reported, not silently short
    assert short.plan.shortfalls[0].proposal == s1.proposal_id
    c = create_evaluator()
    replacement = services.build_plan(call)
    assert replacement.plan.pairs == [(s1.proposal_id, c.id)]
    assert b.id  # b stays on both


def test_queue_progress_filters_and_order(db, closed_call, create_evaluator, create_assignment):
    call, (s1, s2, s3) = closed_call(n=3)
    evaluator = create_evaluator()
    a1 = create_assignment(s1, evaluator, AssignmentState.ACTIVE)
    create_assignment(s2, evaluator)
    create_assignment(s3, evaluator, AssignmentState.CONFLICT)
    q = services.queue(evaluator)
    assert (q.done, q.total) == (0, 2)
    assert q.due_at is not None
    assert [a.id for a in services.queue(evaluator, state="to_evaluate").rows] == [a1.id]
    names = [
        a.submission.content["acronym"] for a in services.queue(evaluator, order="acronym").rows
    ]
    assert names == sorted(names, key=str.casefold)
    assert services.queue(evaluator, call_id=call.id + 999).rows == []
