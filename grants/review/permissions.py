"""Who may do what in the review domain: named predicates shared by views and templates.

An evaluator reaches only their own assignments that have not ended; the proposal's content
only after declaring no conflict. Anyone else gets a 404, so that ids reveal nothing."""

from __future__ import annotations

from sqlalchemy import select

from grants.accounts.models import RoleName, User
from grants.accounts.permissions import is_manager, is_member
from grants.extensions import db
from grants.proposals.models import Submission
from grants.review.models import (
    Assignment,
    AssignmentState,
    ConsensusReport,
    Outcome,
    ResultLetter,
)


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


def can_write_consensus(user: User, report: ConsensusReport) -> bool:
    """The rapporteur, while their own assignment to the proposal stands (no conflict)."""
    if not is_evaluator(user) or report.rapporteur_id != user.id:
        return False
    return (
        db.session.scalar(
            select(Assignment.id).where(
                Assignment.submission_id == report.submission_id,
                Assignment.evaluator_id == user.id,
                Assignment.state == AssignmentState.ACTIVE,
            )
        )
        is not None
    )


def can_read_result(user: User, submission: Submission, letter: ResultLetter | None) -> bool:
    """The result letter: the applicant's organisation once the results are published, and
    programme managers. Before publication nobody reads a letter (there is none)."""
    if letter is None:
        return False
    return is_manager(user) or is_member(user, submission.proposal.organisation)


def can_read_esr(
    user: User, submission: Submission, letter: ResultLetter | None, final: bool
) -> bool:
    """The Evaluation Summary Report: programme managers once the ranking is final; the
    applicant's organisation only after publication, and only for an evaluated proposal."""
    if is_manager(user):
        return final
    return (
        letter is not None
        and letter.outcome != Outcome.NOT_ADMISSIBLE
        and is_member(user, submission.proposal.organisation)
    )
