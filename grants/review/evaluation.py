"""Individual evaluations: a draft saved at any time, then submitted and immutable; the other
evaluations of a proposal once one's own is submitted; the priority-alignment panel beside the
proposal (computed by `scoring`, cached per submission hash)."""

from __future__ import annotations

import threading
from dataclasses import dataclass, field
from decimal import Decimal
from typing import Any

from sqlalchemy import select
from sqlalchemy.orm import joinedload, lazyload, selectinload
from sqlalchemy.orm.attributes import flag_modified

import scoring
from grants import clock
from grants.accounts.models import User
from grants.accounts.permissions import is_manager
from grants.calls.models import Criterion
from grants.extensions import db
from grants.formatting import points as fmt_points
from grants.proposals.models import Submission
from grants.review import alignment as stored
from grants.review.models import (
    Assignment,
    AssignmentState,
    Evaluation,
    EvaluationScore,
    EvaluationState,
)
from grants.review.services import LOCKED, ReviewError, commit_or, queue, ranking_final_locking_call
from grants.review.transitions import move

STALE = (
    "This evaluation was changed elsewhere (another tab or window) since you opened it. "
    "Reload the page to see the saved version, then make your changes again."
)


class EvaluationError(ReviewError):
    """A refused save or submission, with messages per criterion id (`errors`)."""

    def __init__(self, message: str, errors: dict[int, list[str]] | None = None):
        super().__init__(message)
        self.errors = errors or {}


class StaleEvaluation(EvaluationError):
    """The evaluation changed since the form was opened (optimistic lock)."""


# Criteria ------------------------------------------------------------------------------------


def rule(criterion: Criterion) -> scoring.Criterion:
    return scoring.Criterion(
        criterion.code,
        criterion.label,
        criterion.max_points,
        criterion.threshold,
        criterion.step,
    )


def allowed_points(criterion: Criterion) -> list[Decimal]:
    """Every score the criterion allows, 0 to the maximum in its steps."""
    values, value = [], Decimal(0)
    while value <= criterion.max_points:
        values.append(value)
        value += criterion.step
    return values


def evaluation_of(assignment: Assignment) -> Evaluation | None:
    return db.session.scalar(select(Evaluation).where(Evaluation.assignment_id == assignment.id))


def parse_scores(criteria: list[Criterion], data: dict) -> tuple[dict, dict[int, list[str]]]:
    """Read {criterion id: {"points": str, "comment": str}} (an evaluation or a consensus);
    check each given score."""
    values: dict[int, tuple[Decimal | None, str]] = {}
    errors: dict[int, list[str]] = {}
    for c in criteria:
        row = data.get(c.id) or {}
        raw = str(row.get("points") or "").strip()
        comment = str(row.get("comment") or "").strip()
        points = None
        if raw:
            try:
                points = rule(c).check(raw.replace(",", "."))
            except (ValueError, TypeError):
                errors[c.id] = [
                    f"Give a score from 0 to {fmt_points(c.max_points)} "
                    f"in steps of {fmt_points(c.step)}."
                ]
        values[c.id] = (points, comment)
    return values, errors


def incomplete(criteria: list[Criterion], values: dict) -> dict[int, list[str]]:
    """Per criterion, what is missing before submitting: the score, the comment's length."""
    errors: dict[int, list[str]] = {}
    for c in criteria:
        points, comment = values[c.id]
        messages = []
        if points is None:
            messages.append(f"Score {c.label}.")
        if len(comment) < c.min_comment_length:
            messages.append(
                f"The comment needs at least {c.min_comment_length} characters "
                f"({len(comment)} so far)."
            )
        if messages:
            errors[c.id] = messages
    return errors


def _check_open(assignment: Assignment) -> None:
    if assignment.state != AssignmentState.ACTIVE or not assignment.submission.is_current:
        raise EvaluationError("This assignment has ended; the evaluation can no longer change.")
    if ranking_final_locking_call(assignment.call_id):
        raise EvaluationError(LOCKED)


def _write(assignment: Assignment, data: dict, version: int | None) -> tuple[Evaluation, dict]:
    """Check the lock and the scores, then write them into the (new or existing) evaluation."""
    _check_open(assignment)
    evaluation = evaluation_of(assignment)
    if evaluation is not None and evaluation.is_submitted:
        raise EvaluationError("This evaluation has been submitted and can no longer change.")
    if (evaluation.version if evaluation else 0) != (version or 0):
        raise StaleEvaluation(STALE)
    criteria = list(assignment.call.criteria)
    values, errors = parse_scores(criteria, data)
    if errors:
        raise EvaluationError("Some scores are not allowed; see the messages below.", errors)
    if evaluation is None:
        evaluation = Evaluation(assignment_id=assignment.id)
        move(evaluation, EvaluationState.DRAFT, assignment.evaluator, assignment=assignment)
        db.session.add(evaluation)
    for c in criteria:
        points, comment = values[c.id]
        score = evaluation.score_for(c.id)
        if score is None:
            score = EvaluationScore(criterion_id=c.id)
            evaluation.scores.append(score)
        score.points, score.comment = points, comment
    evaluation.updated_at = clock.now()
    flag_modified(evaluation, "updated_at")  # always an UPDATE, so the version moves on
    return evaluation, values


def save_draft(assignment: Assignment, data: dict, version: int | None, actor: User) -> Evaluation:
    """Save what is there, complete or not; each given score must be allowed."""
    try:
        evaluation, _ = _write(assignment, data, version)
    except EvaluationError:
        db.session.rollback()
        raise
    commit_or(StaleEvaluation(STALE))
    return evaluation


def submit_evaluation(
    assignment: Assignment, data: dict, version: int | None, actor: User
) -> Evaluation:
    """Submit: every criterion scored and commented at length; afterwards it never changes."""
    try:
        evaluation, values = _write(assignment, data, version)
        errors = incomplete(list(assignment.call.criteria), values)
        if errors:
            raise EvaluationError(
                "The evaluation is not complete; it was not submitted or saved.", errors
            )
    except EvaluationError:
        db.session.rollback()
        raise
    move(
        evaluation,
        EvaluationState.SUBMITTED,
        actor,
        "submit",
        f"{actor.email} submitted the evaluation of {assignment.submission.reference}",
        {c.code: {"points": fmt_points(values[c.id][0])} for c in assignment.call.criteria},
        assignment=assignment,
    )
    commit_or(StaleEvaluation(STALE))
    return evaluation


# Others' evaluations ---------------------------------------------------------------------------


@dataclass
class OtherEvaluation:
    label: str  # "Evaluator A" for evaluators, the name for programme managers
    submitted_at: Any
    scores: list[tuple[Criterion, EvaluationScore | None]]
    total: Decimal


def evaluator_name():
    """The evaluator of an assignment loaded with it, without their roles and memberships
    (the pages show the name; each would be two more queries per evaluator)."""
    return joinedload(Assignment.evaluator).options(
        lazyload(User.roles), lazyload(User.memberships)
    )


def submitted_evaluations(submission: Submission) -> list[Evaluation]:
    """The submitted evaluations of a submission whose assignment still stands (a removal or
    a conflict found later takes an evaluation out), in the order they were submitted: the
    evaluations that count, on the evaluation page, the consensus page and in the score."""
    return list(
        db.session.scalars(
            select(Evaluation)
            .join(Assignment, Evaluation.assignment_id == Assignment.id)
            .where(
                Assignment.submission_id == submission.id,
                Assignment.state == AssignmentState.ACTIVE,
                Evaluation.state == EvaluationState.SUBMITTED,
            )
            .options(
                selectinload(Evaluation.scores),
                # the assignment's submission is the one asked about: in the session already
                joinedload(Evaluation.assignment).options(evaluator_name()),
            )
            .order_by(Evaluation.submitted_at, Evaluation.id)
        )
    )


def counted_among(assignments: list[Assignment]) -> list[Evaluation]:
    """`submitted_evaluations` of a submission, found among its assignments read already (with
    their evaluations): the same evaluations, in the same order."""
    counted = [
        a.evaluation
        for a in assignments
        if a.state == AssignmentState.ACTIVE
        and a.evaluation is not None
        and a.evaluation.state == EvaluationState.SUBMITTED
    ]
    return sorted(counted, key=lambda e: (e.submitted_at, e.id))


def evaluator_labels(
    evaluations: list[Evaluation], viewer_id: int | None, names: bool
) -> dict[int, str]:
    """Evaluation id -> how its author is shown: the name for programme managers (`names`),
    else "You" for the viewer's own and "Evaluator A", "B", ... for the others, lettered in
    the order of `evaluations` (those of `submitted_evaluations`, so that a letter is the same
    person on every page)."""
    labels = {}
    letter = 0
    for e in evaluations:
        if names:
            labels[e.id] = e.assignment.evaluator.full_name
        elif e.assignment.evaluator_id == viewer_id:
            labels[e.id] = "You"
        else:
            labels[e.id] = f"Evaluator {chr(65 + letter)}"
            letter += 1
    return labels


def others(assignment: Assignment, viewer: User) -> list[OtherEvaluation]:
    """The other evaluations that count for the proposal (`submitted_evaluations`): empty
    until the viewer's own is submitted (programme managers always see them, with names)."""
    manager = is_manager(viewer)
    own = evaluation_of(assignment)
    if not manager and (own is None or not own.is_submitted):
        return []
    rows = [
        e for e in submitted_evaluations(assignment.submission) if e.assignment_id != assignment.id
    ]
    labels = evaluator_labels(rows, assignment.evaluator_id, names=manager)
    criteria = list(assignment.call.criteria)
    result = []
    for e in rows:
        scores = [(c, e.score_for(c.id)) for c in criteria]
        total = sum((s.points for _, s in scores if s and s.points is not None), Decimal(0))
        result.append(OtherEvaluation(labels[e.id], e.submitted_at, scores, total))
    return result


def next_assignment(user: User, current: Assignment) -> Assignment | None:
    """The next assignment of the queue (by due date) still to evaluate or in draft."""
    q = queue(user)
    candidates = [
        a for a in q.rows if a.id != current.id and q.states[a.id] in ("to_evaluate", "draft")
    ]
    after = [a for a in candidates if (a.due_at, a.id) > (current.due_at, current.id)]
    return (after or candidates or [None])[0]


# The priority-alignment panel --------------------------------------------------------------------

_lock = threading.Lock()
_results: dict[tuple, AlignmentPanel] = {}
CACHE_SIZE = 5000  # panels per process: a large call's ranking reads one per proposal
CONTEXT = 70  # characters either side of a passage


@dataclass
class PriorityRow:
    code: str
    label: str
    weight: float
    score: float
    claimed: bool
    claimed_not_evidenced: bool
    explanation: str
    evidence: list[scoring.Evidence] = field(default_factory=list)
    passages: list[tuple[str, str, str]] = field(default_factory=list)


@dataclass
class AlignmentPanel:
    total: float
    rows: list[PriorityRow]
    unweighted_claims: tuple[str, ...]


def alignment_panel(submission: Submission) -> AlignmentPanel | None:
    """Per priority the call weights: score, evidence and passages; None without priorities.

    The result is the one stored with the submitted version (grants.review.alignment), computed
    once; the panel built from it is kept per process."""
    weights = stored.call_weights(submission)
    if not weights:
        return None
    key = (submission.id, stored.result_key(weights))
    cached = _results.get(key)
    if cached is not None:
        return cached
    result = stored.stored_alignment(submission)
    text = stored.alignment_input(submission).text
    rows = []
    for p in result.priorities:
        # the passages that count for the priority, found by either signal, best first
        counted = [e for e in p.evidence if e.kind == "text" and e.start is not None][:5]
        passages = [
            (
                text[max(0, e.start - CONTEXT) : e.start],
                text[e.start : e.end],
                text[e.end : e.end + CONTEXT],
            )
            for e in counted
        ]
        rows.append(
            PriorityRow(
                code=p.priority,
                label=p.label,
                weight=p.weight,
                score=p.score,
                claimed=p.claimed,
                claimed_not_evidenced=p.claimed_not_evidenced,
                explanation=p.explanation,
                evidence=[e for e in p.evidence if e.kind != "text"][:12]
                + list(p.unsupported_tags),
                passages=passages,
            )
        )
    panel = AlignmentPanel(result.total, rows, result.unweighted_claims)
    with _lock:
        if len(_results) >= CACHE_SIZE:
            _results.pop(next(iter(_results)))
        _results[key] = panel
    return panel
