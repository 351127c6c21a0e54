"""What the call-wide pages of the evaluation (its dashboard, the ranking) read: rows and
aggregates from projection queries, a few per page whatever the size of the call, never the
object graph of a thousand submissions, their decoded snapshots, evaluations and users.

Each function here is one query (or two) returning small frozen rows; what a page's template
shows of a row is a field of it, so a template triggers no load of its own."""

from __future__ import annotations

from collections.abc import Collection
from dataclasses import dataclass
from datetime import datetime
from decimal import Decimal
from typing import NamedTuple

from sqlalchemy import case, func, select

import scoring
from grants.calls.models import Call
from grants.extensions import projection
from grants.proposals.models import ChecksDecision, Submission
from grants.review.models import (
    Assignment,
    AssignmentState,
    ConflictDeclaration,
    ConsensusReport,
    ConsensusScore,
    ConsensusState,
    Evaluation,
    EvaluationScore,
    EvaluationState,
)

STANDING = (AssignmentState.PENDING_DECLARATION, AssignmentState.ACTIVE)


class SubmissionRow(NamedTuple):
    """A current submission as the lists show it: acronym and topic as submitted (the columns
    written at submission, no snapshot decoded), admissibility and eligibility as a
    programme manager's latest review left them. The call-wide rows are named tuples: a
    thousand are made per page, and a frozen dataclass's `__init__` cost three times as much."""

    id: int
    reference: str
    proposal_id: int
    acronym: str
    topic: str  # the topic's code as submitted, "" without one
    eu_contribution: Decimal
    final_admissible: bool
    final_eligible: bool

    @property
    def label(self) -> str:
        """The acronym as submitted, else the submission reference (as `Submission.label`)."""
        return self.acronym or self.reference

    @property
    def evaluable(self) -> bool:
        return self.final_admissible and self.final_eligible


def submission_rows(call: Call) -> list[SubmissionRow]:
    """Every current, not withdrawn submission of the call, in id order (as
    `services.current_submissions`), in one query."""
    S, R = Submission, ChecksDecision
    latest = (
        select(R.submission_id, func.max(R.id).label("review_id"))
        .join(S, S.id == R.submission_id)
        .where(S.call_id == call.id)
        .group_by(R.submission_id)
        .subquery()
    )
    query = (
        select(
            S.id,
            S.reference,
            S.proposal_id,
            S.acronym,
            S.topic_code,
            S.eu_contribution,
            S.admissible,
            S.eligible,
            R.admissible,
            R.eligible,
            R.id,
        )
        .outerjoin(latest, latest.c.submission_id == S.id)
        .outerjoin(R, R.id == latest.c.review_id)
        .where(S.call_id == call.id, S.is_current.is_(True), S.withdrawn_at.is_(None))
        .order_by(S.id)
    )
    return [
        SubmissionRow(
            id_,
            reference,
            proposal_id,
            acronym or "",
            topic or "",
            amount,
            reviewed_admissible if review_id is not None else admissible,
            reviewed_eligible if review_id is not None else eligible,
        )
        for (
            id_,
            reference,
            proposal_id,
            acronym,
            topic,
            amount,
            admissible,
            eligible,
            reviewed_admissible,
            reviewed_eligible,
            review_id,
        ) in projection(query)
    ]


@dataclass(frozen=True, slots=True)
class AssignmentRow:
    """An assignment as the dashboard counts it."""

    id: int
    submission: SubmissionRow
    evaluator_id: int
    state: AssignmentState
    due_at: datetime
    declared: bool  # a declaration was made (no conflict or a conflict)
    evaluated: bool  # its evaluation is submitted

    @property
    def standing(self) -> bool:
        return self.state in STANDING


class AssignmentCounts(NamedTuple):
    """A submission's assignments as the dashboard counts them."""

    assigned: int  # standing: to declare or active
    declared: int  # declarations made (no conflict or a conflict)
    evaluated: int  # submitted evaluations of active assignments
    made: int  # that asked for a declaration: standing, or ended after declaring


NO_ASSIGNMENT = AssignmentCounts(0, 0, 0, 0)


def assignment_counts(call: Call) -> dict[int, AssignmentCounts]:
    """Submission id -> the counts of its assignments (ended ones too), in one query."""
    A, E, D = Assignment, Evaluation, ConflictDeclaration
    declared = select(D.id).where(D.assignment_id == A.id).exists()
    standing = A.state.in_(STANDING)
    evaluated = (A.state == AssignmentState.ACTIVE) & (E.state == EvaluationState.SUBMITTED)

    def counted(condition):
        return func.sum(case((condition, 1), else_=0))

    query = (
        select(
            A.submission_id,
            counted(standing),
            counted(declared),
            counted(evaluated),
            counted(standing | declared),
        )
        .outerjoin(E, E.assignment_id == A.id)
        .where(A.call_id == call.id)
        .group_by(A.submission_id)
    )
    return {sid: AssignmentCounts(*counts) for sid, *counts in projection(query)}


def late_assignments(
    call: Call, submissions: dict[int, SubmissionRow], now: datetime
) -> list[AssignmentRow]:
    """The standing assignments of the given submissions past their due date without a
    submitted evaluation, in id order."""
    A, E, D = Assignment, Evaluation, ConflictDeclaration
    declared = select(D.id).where(D.assignment_id == A.id).exists()
    query = (
        select(A.id, A.submission_id, A.evaluator_id, A.state, A.due_at, declared)
        .outerjoin(E, E.assignment_id == A.id)
        .where(
            A.call_id == call.id,
            A.state.in_(STANDING),
            A.due_at < now,
            E.id.is_(None) | (E.state != EvaluationState.SUBMITTED),
        )
        .order_by(A.id)
    )
    return [
        AssignmentRow(id_, submissions[sid], evaluator_id, state, due_at, bool(declared_), False)
        for id_, sid, evaluator_id, state, due_at, declared_ in projection(query)
        if sid in submissions
    ]


class ReportRow(NamedTuple):
    """A consensus report as the call-wide pages show it."""

    id: int
    submission_id: int
    state: ConsensusState
    rapporteur_id: int | None
    rapporteur_name: str | None
    comment: str

    @property
    def is_approved(self) -> bool:
        return self.state == ConsensusState.APPROVED


def report_rows(call: Call) -> dict[int, ReportRow]:
    """Submission id -> its consensus report, with the rapporteur's name, in one query."""
    from grants.accounts.models import User

    C = ConsensusReport
    query = (
        select(C.id, C.submission_id, C.state, C.rapporteur_id, User.full_name, C.comment)
        .outerjoin(User, User.id == C.rapporteur_id)
        .where(C.call_id == call.id)
    )
    return {row[1]: ReportRow(*row) for row in projection(query)}


def scoring_evaluations(
    call: Call, only: Collection[int] | None = None
) -> dict[int, list[scoring.Evaluation]]:
    """Submission id -> the submitted evaluations of its active assignments as `scoring`
    reads them, in the order they were submitted (as `evaluation.submitted_evaluations`);
    of the submissions in `only` if given."""
    A, E, ES = Assignment, Evaluation, EvaluationScore
    codes = {c.id: c.code for c in call.criteria}
    S = Submission
    query = (
        select(A.submission_id, S.reference, A.evaluator_id, E.id, ES.criterion_id, ES.points)
        .join(E, E.assignment_id == A.id)
        .join(S, S.id == A.submission_id)
        .outerjoin(ES, ES.evaluation_id == E.id)
        .where(
            A.call_id == call.id,
            A.state == AssignmentState.ACTIVE,
            E.state == EvaluationState.SUBMITTED,
        )
        .order_by(E.submitted_at, E.id, ES.id)
    )
    if only is not None:
        query = query.where(A.submission_id.in_(list(only)))
    out: dict[int, list[scoring.Evaluation]] = {}
    current, points = None, {}  # the rows come evaluation by evaluation
    for sid, reference, evaluator_id, evaluation_id, criterion_id, value in projection(query):
        if evaluation_id != current:
            current, points = evaluation_id, {}
            evaluation = scoring.Evaluation(reference, str(evaluator_id), points)
            out.setdefault(sid, []).append(evaluation)
        if criterion_id is not None and value is not None:
            points[codes[criterion_id]] = value
    return out


def approved_consensus(
    call: Call, reports: dict[int, ReportRow], references: dict[int, str]
) -> dict[int, tuple[str, dict, str]]:
    """Submission id -> its approved consensus as (reference, {criterion code: points},
    comment), what `scoring.Consensus` is made of, in one query: one row per report with a
    column per criterion (a report scores a criterion at most once), so that the database,
    not Python, gathers the call's few thousand scores. Of the submissions in `references`."""
    C, CS = ConsensusReport, ConsensusScore
    criteria = [(c.id, c.code) for c in call.criteria]
    query = (
        select(
            C.submission_id,
            *(func.max(case((CS.criterion_id == cid, CS.points))) for cid, _ in criteria),
        )
        .join(CS, CS.report_id == C.id)
        .where(C.call_id == call.id, C.state == ConsensusState.APPROVED)
        .group_by(C.id)  # the report's key (its submission follows from it): no sort needed
    )
    codes = [code for _, code in criteria]
    points = {}
    for sid, *values in projection(query) if criteria else ():
        if None in values:
            points[sid] = {code: v for code, v in zip(codes, values, strict=True) if v is not None}
        else:
            points[sid] = dict(zip(codes, values, strict=True))
    return {
        sid: (references[sid], points.get(sid, {}), report.comment)
        for sid, report in reports.items()
        if report.is_approved and sid in references
    }


def outstanding_counts(call: Call) -> dict[int, int]:
    """Submission id -> its open assignments (to declare, to evaluate, draft), in one query
    (as `consensus.outstanding`)."""
    A, E = Assignment, Evaluation
    query = (
        select(A.submission_id, func.count(A.id))
        .outerjoin(E, E.assignment_id == A.id)
        .where(
            A.call_id == call.id,
            A.state.in_(STANDING),
            (E.id.is_(None)) | (E.state != EvaluationState.SUBMITTED),
        )
        .group_by(A.submission_id)
    )
    return dict(projection(query))


def proposal_scores(
    rules: scoring.CallRules,
    rows: list[SubmissionRow],
    evaluations: dict[int, list[scoring.Evaluation]],
    consensus: dict[int, scoring.Consensus] | None = None,
) -> dict[int, scoring.ProposalScore | None]:
    """Submission id -> its score (`scoring.score_proposals` of its evaluations and approved
    consensus, if given, the whole call at once); None while there is nothing to aggregate
    (as `consensus.proposal_score`)."""
    consensus = consensus or {}
    found = [e for row in rows for e in evaluations.get(row.id, ())]
    agreed = [consensus[row.id] for row in rows if row.id in consensus]
    by_reference = scoring.score_proposals(rules, found, agreed)
    return {row.id: by_reference.get(row.reference) for row in rows}
