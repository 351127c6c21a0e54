"""The review domain's dashboard sections: what an evaluator has due (overdue first) and the
consensus reports they write, an applicant's results, and for programme managers where each
open or evaluating call stands (grants.main.dashboard collects them)."""

from __future__ import annotations

from collections import Counter
from dataclasses import dataclass
from datetime import datetime
from functools import cache

from flask import url_for
from sqlalchemy import and_, bindparam, case, func, select

from grants import clock
from grants.accounts.permissions import is_manager
from grants.calls.models import Call, CallPhase, CallStatus
from grants.extensions import db
from grants.main.dashboard import Section, days_left, is_overdue, section
from grants.proposals.models import ChecksDecision, Proposal, Submission
from grants.review import permissions
from grants.review.models import (
    Assignment,
    AssignmentState,
    ConsensusReport,
    ConsensusState,
    Evaluation,
    EvaluationState,
    FinalRanking,
    Outcome,
    ResultLetter,
)
from grants.review.services import EVALUATION_PHASES

DUE_SHOWN = 10  # assignments listed on the dashboard; the queue has them all


@dataclass
class DueRow:
    assignment_id: int
    label: str
    call_reference: str
    what: str  # "Declare conflicts" / "Evaluate" / "Finish the draft evaluation"
    to_declare: bool
    due_at: datetime
    days_left: str
    overdue: bool


@dataclass
class ConsensusRow:
    submission_id: int
    label: str
    call_reference: str
    state: str
    returned: bool


@dataclass
class ResultRow:
    submission_id: int
    label: str
    call_reference: str
    outcome: str
    selected: bool
    published_at: datetime


@dataclass
class CallRow:
    call_id: int
    reference: str
    title: str
    phase: str
    deadline_at: datetime
    days_left: str
    submissions: int
    declarations_pending: int
    evaluations_outstanding: int
    evaluations_overdue: int
    consensus_to_approve: int
    ranking_ready: bool
    finalised: bool


def _label(acronym, reference: str) -> str:
    return acronym or reference


# The evaluator ---------------------------------------------------------------------------------


# The sections' statements are built once per process (building one costs about 0.1 ms); what
# changes per request is bound: the user and their organisations.
@cache
def _due_query():
    return (
        select(
            Assignment.id,
            Assignment.state,
            Assignment.due_at,
            Evaluation.state,
            Submission.reference,
            Proposal.acronym,
            Call.reference,
        )
        .join(Submission, Submission.id == Assignment.submission_id)
        .join(Proposal, Proposal.id == Assignment.proposal_id)
        .join(Call, Call.id == Assignment.call_id)
        .outerjoin(Evaluation, Evaluation.assignment_id == Assignment.id)
        .where(
            Assignment.evaluator_id == bindparam("user_id"),
            Assignment.state.in_((AssignmentState.PENDING_DECLARATION, AssignmentState.ACTIVE)),
            (Evaluation.id.is_(None)) | (Evaluation.state != EvaluationState.SUBMITTED),
        )
        .order_by(Assignment.due_at, Assignment.id)
    )


@section(30)
def evaluator_due(user) -> Section | None:
    if not permissions.is_evaluator(user):
        return None
    now = clock.now()
    found = db.session.execute(_due_query(), {"user_id": user.id}).all()
    rows = []
    for aid, state, due, evaluation_state, reference, acronym, call_reference in found:
        to_declare = state == AssignmentState.PENDING_DECLARATION
        if to_declare:
            what = "Declare conflicts of interest"
        elif evaluation_state is None:
            what = "Evaluate"
        else:
            what = "Finish and submit your draft evaluation"
        rows.append(
            DueRow(
                aid,
                _label(acronym, reference),
                call_reference,
                what,
                to_declare,
                due,
                days_left(due, now),
                is_overdue(due, now),
            )
        )
    # the order is by due date, so overdue work comes first already
    overdue = sum(1 for r in rows if r.overdue)
    return Section(
        "evaluator-due",
        "Declarations and evaluations due",
        "review/_dashboard_due.html",
        rows[:DUE_SHOWN],
        empty="Nothing is due: every assignment is declared and evaluated.",
        more_url=url_for("review.queue"),
        more_label=f"Your review queue ({len(rows)} to do)" if rows else "Your review queue",
        extra={"total": len(rows), "overdue": overdue},
    )


@cache
def _rapporteur_query():
    return (
        select(
            ConsensusReport.submission_id,
            ConsensusReport.state,
            ConsensusReport.returned_reason,
            Submission.reference,
            Proposal.acronym,
            Call.reference,
        )
        .join(Submission, Submission.id == ConsensusReport.submission_id)
        .join(Proposal, Proposal.id == ConsensusReport.proposal_id)
        .join(Call, Call.id == ConsensusReport.call_id)
        .where(
            ConsensusReport.rapporteur_id == bindparam("user_id"),
            ConsensusReport.state == ConsensusState.DRAFT,
        )
        .order_by(Call.reference, ConsensusReport.id)
    )


@section(40)
def rapporteur(user) -> Section | None:
    if not permissions.is_evaluator(user):
        return None
    found = db.session.execute(_rapporteur_query(), {"user_id": user.id}).all()
    if not found:
        return None  # most evaluators are no rapporteur: no empty section for them
    rows = [
        ConsensusRow(sid, _label(acronym, ref), call_ref, state.label, bool(returned))
        for sid, state, returned, ref, acronym, call_ref in found
    ]
    return Section(
        "evaluator-consensus",
        "Consensus reports to write",
        "review/_dashboard_consensus.html",
        rows,
    )


# The applicant ---------------------------------------------------------------------------------


@cache
def _results_query():
    return (
        select(
            ResultLetter.submission_id,
            ResultLetter.outcome,
            ResultLetter.created_at,
            Submission.reference,
            Proposal.acronym,
            Call.reference,
        )
        .join(Proposal, Proposal.id == ResultLetter.proposal_id)
        .join(Submission, Submission.id == ResultLetter.submission_id)
        .join(Call, Call.id == ResultLetter.call_id)
        .where(Proposal.organisation_id.in_(bindparam("ids", expanding=True)))
        .order_by(ResultLetter.created_at.desc(), ResultLetter.id.desc())
    )


@section(25)
def results(user) -> Section | None:
    ids = [m.organisation_id for m in user.memberships]
    if not ids:
        return None
    found = db.session.execute(_results_query(), {"ids": ids}).all()
    if not found:
        return None
    rows = [
        ResultRow(
            sid, _label(acronym, ref), call_ref, outcome.label, outcome == Outcome.SELECTED, at
        )
        for sid, outcome, at, ref, acronym, call_ref in found
    ]
    return Section(
        "applicant-results", "Results and letters", "review/_dashboard_results.html", rows
    )


# The programme manager ---------------------------------------------------------------------------

WATCHED_STATUSES = (CallStatus.PUBLISHED, CallStatus.CLOSED, CallStatus.UNDER_EVALUATION)
WATCHED_PHASES = (CallPhase.OPEN, *EVALUATION_PHASES)


def _section(rows: list) -> Section:
    return Section(
        "manager-calls",
        "Calls open or in evaluation",
        "review/_dashboard_calls.html",
        rows,
        empty="No call is open or in evaluation.",
        more_url=url_for("calls.manage"),
        more_label="All calls",
    )


def _submission_counts(ids: list[int]) -> tuple[Counter, Counter]:
    """Per call: its current submissions, and those admissible and eligible (the latest
    checks decision where there is one), counted in SQL."""
    latest_decision = (
        select(func.max(ChecksDecision.id))
        .where(ChecksDecision.submission_id == Submission.id)
        .correlate(Submission)
        .scalar_subquery()
    )
    decided = ChecksDecision.id.is_not(None)
    admissible = case((decided, ChecksDecision.admissible), else_=Submission.admissible)
    eligible = case((decided, ChecksDecision.eligible), else_=Submission.eligible)
    evaluable = case((and_(admissible.is_(True), eligible.is_(True)), 1), else_=0)
    submissions, evaluables = Counter(), Counter()
    for call_id, n, m in db.session.execute(
        select(Submission.call_id, func.count(), func.sum(evaluable))
        .outerjoin(
            ChecksDecision,
            and_(
                ChecksDecision.submission_id == Submission.id,
                ChecksDecision.id == latest_decision,
            ),
        )
        .where(
            Submission.call_id.in_(ids),
            Submission.is_current.is_(True),
            Submission.withdrawn_at.is_(None),
        )
        .group_by(Submission.call_id)
    ):
        submissions[call_id], evaluables[call_id] = n, int(m or 0)
    return submissions, evaluables


def _assignment_counts(ids: list[int], now) -> tuple[Counter, Counter, Counter]:
    """Per call: declarations pending, evaluations outstanding, and those overdue, in one
    grouped query."""
    A = Assignment
    standing = A.state.in_((AssignmentState.PENDING_DECLARATION, AssignmentState.ACTIVE))
    not_done = and_(
        standing, (Evaluation.id.is_(None)) | (Evaluation.state != EvaluationState.SUBMITTED)
    )

    def counted(condition):
        return func.sum(case((condition, 1), else_=0))

    pending, outstanding, overdue = Counter(), Counter(), Counter()
    for call_id, p, o, d in db.session.execute(
        select(
            A.call_id,
            counted(A.state == AssignmentState.PENDING_DECLARATION),
            counted(not_done),
            counted(and_(not_done, A.due_at < now)),
        )
        .outerjoin(Evaluation, Evaluation.assignment_id == A.id)
        .where(A.call_id.in_(ids), standing)
        .group_by(A.call_id)
    ):
        # a call with nothing to count is absent, as from a grouped count of matching rows
        for counter, n in ((pending, p), (outstanding, o), (overdue, d)):
            if n:
                counter[call_id] = int(n)
    return pending, outstanding, overdue


def _report_counts(ids: list[int]) -> Counter:
    """Per (call, state): the consensus reports."""
    reports = Counter()
    for call_id, state, n in db.session.execute(
        select(ConsensusReport.call_id, ConsensusReport.state, func.count())
        .where(ConsensusReport.call_id.in_(ids))
        .group_by(ConsensusReport.call_id, ConsensusReport.state)
    ):
        reports[(call_id, state)] = n
    return reports


@section(50)
def calls_in_progress(user) -> Section | None:
    """Per open or evaluating call: a fixed number of grouped queries, whatever the number of
    calls, proposals and assignments."""
    if not is_manager(user):
        return None
    now = clock.now()
    calls = [
        c
        for c in db.session.scalars(
            select(Call).where(Call.status.in_(WATCHED_STATUSES)).order_by(Call.deadline_at)
        )
        if c.phase_at(now) in WATCHED_PHASES
    ]
    ids = [c.id for c in calls]
    if not ids:
        return _section([])
    submissions, evaluable = _submission_counts(ids)
    pending, outstanding, overdue = _assignment_counts(ids, now)
    reports = _report_counts(ids)
    finalised = set(
        db.session.scalars(select(FinalRanking.call_id).where(FinalRanking.call_id.in_(ids)))
    )
    rows = []
    for c in calls:
        phase = c.phase_at(now)
        approved = reports[(c.id, ConsensusState.APPROVED)]
        rows.append(
            CallRow(
                call_id=c.id,
                reference=c.reference,
                title=c.title,
                phase=phase.label,
                deadline_at=c.deadline_at,
                days_left=days_left(c.deadline_at, now) if phase == CallPhase.OPEN else "",
                submissions=submissions[c.id],
                declarations_pending=pending[c.id],
                evaluations_outstanding=outstanding[c.id],
                evaluations_overdue=overdue[c.id],
                consensus_to_approve=reports[(c.id, ConsensusState.SUBMITTED)],
                ranking_ready=phase in EVALUATION_PHASES
                and c.id not in finalised
                and evaluable[c.id] > 0
                and approved == evaluable[c.id],
                finalised=c.id in finalised,
            )
        )
    return _section(rows)
