"""Who may do what in the review domain: named predicates shared by views and templates.

An evaluator reaches only their own assignments that have not ended; the proposal's content
only after declaring no conflict. Anyone else gets a 404, so that ids reveal nothing."""

from __future__ import annotations

from sqlalchemy import select

from grants.accounts.models import RoleName, User
from grants.accounts.permissions import is_manager
from grants.extensions import db
from grants.proposals.models import Submission
from grants.review.models import Assignment, AssignmentState


def is_evaluator(user: User) -> bool:
    return user.is_authenticated and user.has_role(RoleName.EVALUATOR)


def can_manage_evaluation(user: User) -> bool:
    """Invite evaluators, assign them, override likely conflicts: programme managers."""
    return is_manager(user)


def can_see_assignment(user: User, assignment: Assignment) -> bool:
    """The acronym and consortium, to declare: the assigned evaluator while it is open."""
    return is_evaluator(user) and assignment.evaluator_id == user.id and assignment.state.is_open


def can_declare(user: User, assignment: Assignment) -> bool:
    return (
        can_see_assignment(user, assignment)
        and assignment.state == AssignmentState.PENDING_DECLARATION
    )


def can_view_content(user: User, assignment: Assignment) -> bool:
    """The proposal itself: only after declaring no conflict, and only the submitted version."""
    return (
        can_see_assignment(user, assignment)
        and assignment.state == AssignmentState.ACTIVE
        and assignment.submission.is_current
    )


def can_evaluate(user: User, assignment: Assignment) -> bool:
    """Score and comment: the assigned evaluator while the assignment is active (declared no
    conflict); a conflict, a decline or a removal ends it."""
    return can_view_content(user, assignment)


def can_see_other_evaluations(user: User, assignment: Assignment) -> bool:
    """Others' evaluations of the proposal: only once the evaluator's own is submitted."""
    evaluation = assignment.evaluation
    return can_evaluate(user, assignment) and evaluation is not None and evaluation.is_submitted


def evaluator_may_view_submission(user: User, submission: Submission) -> bool:
    """Used by the proposals domain: an active, conflict-free assignment to this submission."""
    if not is_evaluator(user) or not submission.is_current or submission.withdrawn_at:
        return False
    return (
        db.session.scalar(
            select(Assignment.id).where(
                Assignment.submission_id == submission.id,
                Assignment.evaluator_id == user.id,
                Assignment.state == AssignmentState.ACTIVE,
            )
        )
        is not None
    )
