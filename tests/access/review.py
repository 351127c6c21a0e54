"""Access expectations of the review routes. The world's evaluator holds one assignment
(declared no conflict) in a closed call; the evaluator queue is for evaluators only, the pool
and assignments for programme managers. Someone else's assignment is a 404."""

from tests.access.common import LOGIN, MANAGERS

EVALUATORS = (LOGIN, 403, 403, 200, 403, 403)
EVALUATOR_POST = (LOGIN, 403, 403, 302, 403, 403)
MANAGER_POST = (LOGIN, 403, 403, 403, 302, 302)
INVITATION = (200,) * 6  # the page explains what to do for whoever holds the link


def _a(w):
    return {"assignment_id": w["assignment"]}


def _c(w):
    return {"call_id": w["review_call"]}


EXPECTED = {
    "review.queue": ("GET", lambda w: {}, EVALUATORS),
    "review.assignment": ("GET", _a, EVALUATORS),
    "review.evaluate": ("GET", _a, EVALUATORS),
    "review.declare": (
        "POST",
        lambda w: {"assignment_id": w["pending_assignment"]},
        EVALUATOR_POST,
    ),
    "review.decline": (
        "POST",
        lambda w: {"assignment_id": w["pending_assignment"]},
        EVALUATOR_POST,
    ),
    "review.profile": ("GET", lambda w: {}, EVALUATORS),
    "review.invitation": ("GET", lambda w: {"token": w["invitation_token"]}, INVITATION),
    "review.pool": ("GET", lambda w: {}, MANAGERS),
    "review.invite": ("POST", lambda w: {}, MANAGER_POST),
    "review.call_assignments": ("GET", _c, MANAGERS),
    "review.assign": ("POST", _c, MANAGER_POST),
    "review.plan": ("GET", _c, MANAGERS),
    "review.apply_plan": ("POST", _c, MANAGER_POST),
    "review.remove": ("POST", _a, MANAGER_POST),
}

# Asserted by tests/review/test_routes.py: another evaluator's assignment is a 404.
FOREIGN_ASSIGNMENT = (LOGIN, 403, 403, 404, 403, 403)


def build(world: dict, fixtures: dict) -> None:
    import secrets
    from datetime import timedelta

    from grants import clock
    from grants.extensions import db
    from grants.review.models import AssignmentState, EvaluatorInvitation
    from grants.review.services import _hash

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
