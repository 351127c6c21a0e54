"""Where a call's evaluation stands, for its programme managers: per proposal the assignments,
declarations, submitted evaluations, the disagreement flags from `scoring` and the consensus
report; overall counts and the evaluators who are late."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime

from sqlalchemy import select
from sqlalchemy.orm import selectinload

import scoring
from grants import clock
from grants.accounts.models import User
from grants.calls.models import Call
from grants.extensions import db
from grants.proposals.models import Submission
from grants.review import consensus as consensus_service
from grants.review.models import (
    Assignment,
    AssignmentState,
    ConsensusReport,
    ConsensusState,
    EvaluationState,
)
from grants.review.services import evaluable_submissions

STANDING = (AssignmentState.PENDING_DECLARATION, AssignmentState.ACTIVE)


@dataclass
class ProposalProgress:
    submission: Submission
    assignments: list[Assignment]  # every assignment, ended ones too
    assigned: int  # standing: to declare or active
    declared: int  # declarations made (no conflict or a conflict)
    evaluated: int  # submitted evaluations of active assignments
    report: ConsensusReport | None
    score: scoring.ProposalScore | None

    @property
    def label(self) -> str:
        return self.submission.label

    @property
    def made(self) -> int:
        """Assignments that asked for a declaration: standing, or ended after declaring."""
        return sum(1 for a in self.assignments if a.state in STANDING or a.declarations)

    @property
    def disagreements(self) -> list[scoring.CriterionResult]:
        return [r for r in self.score.criteria if r.disagreement] if self.score else []

    @property
    def active_evaluators(self) -> list[User]:
        return [a.evaluator for a in self.assignments if a.state == AssignmentState.ACTIVE]


@dataclass
class LateEvaluator:
    evaluator: User
    assignments: list[Assignment]

    @property
    def oldest_due(self) -> datetime:
        return min(a.due_at for a in self.assignments)


@dataclass
class Dashboard:
    call: Call
    rows: list[ProposalProgress]
    needed: int  # proposals x evaluators per proposal
    late: list[LateEvaluator]

    def count(self, what: str) -> int:
        return sum(getattr(r, what) for r in self.rows)

    @property
    def agreed(self) -> int:
        return sum(1 for r in self.rows if r.report and r.report.state == ConsensusState.APPROVED)

    @property
    def awaiting_approval(self) -> list[ProposalProgress]:
        return [r for r in self.rows if r.report and r.report.state == ConsensusState.SUBMITTED]

    @property
    def disagreements(self) -> list[ProposalProgress]:
        return [r for r in self.rows if r.disagreements]


def dashboard(call: Call) -> Dashboard:
    submissions = evaluable_submissions(call, published=True)
    assignments: dict[int, list[Assignment]] = {}
    for a in db.session.scalars(
        select(Assignment)
        .where(Assignment.call_id == call.id)
        .options(selectinload(Assignment.evaluation), selectinload(Assignment.declarations))
        .order_by(Assignment.id)
    ):
        assignments.setdefault(a.submission_id, []).append(a)
    reports = {
        r.submission_id: r
        for r in db.session.scalars(
            select(ConsensusReport)
            .where(ConsensusReport.call_id == call.id)
            .options(selectinload(ConsensusReport.rapporteur))  # the table names them
        )
    }
    scores, _ = consensus_service.call_scores(call, submissions)
    now = clock.now()
    rows, late_by_user = [], {}
    for s in submissions:
        rows_a = assignments.get(s.id, [])
        evaluated = 0
        for a in rows_a:
            e = a.evaluation
            done = e is not None and e.state == EvaluationState.SUBMITTED
            if done and a.state == AssignmentState.ACTIVE:
                evaluated += 1
            if a.state in STANDING and not done and a.due_at < now:
                late_by_user.setdefault(a.evaluator_id, []).append(a)
        rows.append(
            ProposalProgress(
                submission=s,
                assignments=rows_a,
                assigned=sum(1 for a in rows_a if a.state in STANDING),
                declared=sum(1 for a in rows_a if a.declarations),
                evaluated=evaluated,
                report=reports.get(s.id),
                score=scores[s.id],
            )
        )
    # The late evaluators in one query, not one per row.
    users = _users(late_by_user)
    late = sorted(
        (LateEvaluator(users[user_id], items) for user_id, items in late_by_user.items()),
        key=lambda x: (x.oldest_due, x.evaluator.full_name),
    )
    return Dashboard(call, rows, len(submissions) * call.evaluators_per_proposal, late)


def _users(ids) -> dict[int, User]:
    if not ids:
        return {}
    return {u.id: u for u in db.session.scalars(select(User).where(User.id.in_(list(ids))))}
