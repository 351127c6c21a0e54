"""The one writer of the review states (assignments, evaluations, consensus reports).

Each model has a table of the transitions it allows, each with its guard. `move` checks the
table and the guard, writes the state and its time stamps and records the audit entry; a
transition's notice is queued with `notify()` and returned, to be delivered after the
caller's commit. A hand-made POST can do no more than the table allows.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass

from grants import clock
from grants.accounts.models import User
from grants.audit import services as audit
from grants.notifications.services import absolute_url, notify
from grants.review.models import (
    Assignment,
    AssignmentState,
    ConsensusReport,
    ConsensusState,
    Evaluation,
    EvaluationState,
)


class ReviewError(ValueError):
    """A refused review operation, with a message for the user."""


class TransitionRefused(ReviewError):
    """The state may not change this way; the message says why, for the person who asked."""


@dataclass(frozen=True)
class Transition:
    guard: Callable[..., str | None] | None = None  # a refusal, or None when allowed
    write: Callable[..., None] | None = None  # the time stamps and fields beside the state
    notice: Callable[..., list] | None = None  # queues the mail; returns the messages


# Assignments --------------------------------------------------------------------------------


def _evaluation_submitted(a: Assignment, **_) -> str | None:
    evaluation = a.evaluation
    if evaluation is not None and evaluation.is_submitted:
        return "Your evaluation of this proposal is submitted; the assignment cannot be declined."
    return None


def _end(a: Assignment, reason: str = "", **_) -> None:
    a.ended_at = clock.now()
    a.ended_reason = reason


def _reopen(a: Assignment, **_) -> None:
    a.ended_at = None
    a.ended_reason = ""


A = AssignmentState
ASSIGNMENT: dict[tuple[AssignmentState | None, AssignmentState], Transition] = {
    (None, A.PENDING_DECLARATION): Transition(write=_reopen),  # assigned
    (A.REMOVED, A.PENDING_DECLARATION): Transition(write=_reopen),  # assigned again
    (A.PENDING_DECLARATION, A.ACTIVE): Transition(),  # declared no conflict
    (A.PENDING_DECLARATION, A.CONFLICT): Transition(write=_end),
    (A.PENDING_DECLARATION, A.DECLINED): Transition(write=_end),
    (A.ACTIVE, A.DECLINED): Transition(guard=_evaluation_submitted, write=_end),
    (A.PENDING_DECLARATION, A.REMOVED): Transition(write=_end),
    (A.ACTIVE, A.REMOVED): Transition(write=_end),
}


# Evaluations --------------------------------------------------------------------------------


def _assignment_active(e: Evaluation, assignment: Assignment, **_) -> str | None:
    if assignment.state != AssignmentState.ACTIVE:
        return "This assignment has ended; the evaluation can no longer change."
    return None


def _stamp_submitted(e: Evaluation, **_) -> None:
    e.submitted_at = clock.now()


E = EvaluationState
EVALUATION: dict[tuple[EvaluationState | None, EvaluationState], Transition] = {
    (None, E.DRAFT): Transition(guard=_assignment_active),
    (E.DRAFT, E.SUBMITTED): Transition(guard=_assignment_active, write=_stamp_submitted),
}


# Consensus reports --------------------------------------------------------------------------


def _consensus_submitted(r: ConsensusReport, **_) -> None:
    r.submitted_at = clock.now()
    r.returned_reason = ""


def _consensus_approved(r: ConsensusReport, actor: User, **_) -> None:
    r.approved_at = clock.now()
    r.approved_by_id = actor.id


def _reason_given(r: ConsensusReport, reason: str = "", **_) -> str | None:
    return None if reason.strip() else "Say why the report goes back to the rapporteur."


def _consensus_returned(r: ConsensusReport, reason: str = "", **_) -> None:
    r.returned_reason = reason.strip()
    r.approved_at = None
    r.approved_by_id = None


def _notice_returned(r: ConsensusReport, reason: str = "", **_) -> list:
    if r.rapporteur is None:
        return []
    label = r.submission.label
    return notify(
        "consensus.returned",
        [r.rapporteur],
        r,
        key=clock.now().isoformat(),
        subject=f"The consensus of {label} needs changes",
        template="review/mail/consensus_returned.txt",
        label=label,
        reason=reason.strip(),
        link=absolute_url("review.consensus", submission_id=r.submission_id),
    )


C = ConsensusState
_RETURN = Transition(guard=_reason_given, write=_consensus_returned, notice=_notice_returned)
CONSENSUS: dict[tuple[ConsensusState | None, ConsensusState], Transition] = {
    (None, C.DRAFT): Transition(),
    (C.DRAFT, C.SUBMITTED): Transition(write=_consensus_submitted),
    (C.SUBMITTED, C.APPROVED): Transition(write=_consensus_approved),
    (C.SUBMITTED, C.DRAFT): _RETURN,
    (C.APPROVED, C.DRAFT): _RETURN,  # before the ranking is final (the caller checks)
}

TABLES = {Assignment: ("assignment", ASSIGNMENT), Evaluation: ("evaluation", EVALUATION)}
TABLES[ConsensusReport] = ("consensus", CONSENSUS)


def move(
    obj,
    to,
    actor: User,
    action: str = "",
    message: str = "",
    data: dict | None = None,
    **context,
) -> list:
    """Move `obj` (an Assignment, Evaluation or ConsensusReport) to the state `to`: the table,
    the guard, the write, the audit entry (when `action` is given) and the queued notice.

    Returns the queued messages. `context` goes to the guard, the write and the notice
    (reason=..., assignment=...). The object gets its id from a flush before the audit."""
    from grants.extensions import db

    kind, table = TABLES[type(obj)]
    before = obj.state
    transition = table.get((before, to))
    if transition is None:
        was = before.label.lower() if before is not None else "new"
        raise TransitionRefused(f"A {was} {kind} cannot become {to.label.lower()}.")
    refusal = transition.guard(obj, actor=actor, **context) if transition.guard else None
    if refusal:
        raise TransitionRefused(refusal)
    obj.state = to
    if transition.write:
        transition.write(obj, actor=actor, **context)
    if action:
        db.session.flush()
        audit.record(kind, obj.id, action, message, data, actor=actor)
    return transition.notice(obj, actor=actor, **context) if transition.notice else []
