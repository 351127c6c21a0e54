"""Where a call's evaluation stands, for its programme managers: per proposal the assignments,
declarations, submitted evaluations, the disagreement flags from `scoring` and the consensus
report; overall counts and the evaluators who are late."""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import datetime

from sqlalchemy import select
from sqlalchemy.orm import lazyload

import scoring
from grants import clock
from grants.accounts.models import User
from grants.calls.models import Call, CallPhase
from grants.extensions import db
from grants.review import consensus as consensus_service
from grants.review import rows as call_rows
from grants.review.models import AssignmentState, ConsensusState
from grants.review.rows import AssignmentRow, ReportRow, SubmissionRow
from grants.review.services import EVALUATION_PHASES


@dataclass
class ProposalProgress:
    submission: SubmissionRow
    assignments: list[AssignmentRow]  # every assignment, ended ones too
    assigned: int  # standing: to declare or active
    declared: int  # declarations made (no conflict or a conflict)
    evaluated: int  # submitted evaluations of active assignments
    report: ReportRow | None
    score: scoring.ProposalScore | None

    @property
    def label(self) -> str:
        return self.submission.label

    @property
    def made(self) -> int:
        """Assignments that asked for a declaration: standing, or ended after declaring."""
        return sum(1 for a in self.assignments if a.standing or a.declared)

    @property
    def disagreements(self) -> list[scoring.CriterionResult]:
        """The criteria flagged for discussion. Their statistics are built only for a
        proposal that has any (`score.disagreements` holds the codes, computed with the
        score): the call-wide page asks every row."""
        if not self.score or not self.score.disagreements:
            return []
        return [self.score.criterion(code) for code in self.score.disagreements]

    @property
    def active_evaluators(self) -> list[User]:
        """Read on asking (the page does not show them): one query."""
        ids = [a.evaluator_id for a in self.assignments if a.state == AssignmentState.ACTIVE]
        users = _users(ids)
        return [users[i] for i in ids]


@dataclass
class LateEvaluator:
    evaluator: User
    assignments: list[AssignmentRow] = field(default_factory=list)

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
        return self.shown("disagreement")

    def shown(self, what: str) -> list[ProposalProgress]:
        """The rows of one of the table's filters (SHOWN), all of them for another word."""
        test = _FILTERS.get(what)
        if test is None:
            return self.rows
        per_proposal = self.call.evaluators_per_proposal
        return [r for r in self.rows if test(r, per_proposal)]

    def filters(self) -> list[tuple[str, str, int]]:
        """(key, label, rows) of each filter of the proposals table, "all" first."""
        return [("all", "All", len(self.rows))] + [
            (key, label, len(self.shown(key))) for key, label in SHOWN.items()
        ]


# The filters of the dashboard's proposals table: key -> label, and which rows each keeps.
SHOWN = {
    "evaluators": "Needing evaluators",
    "evaluations": "Evaluations outstanding",
    "disagreement": "With a disagreement",
    "consensus": "Consensus not approved",
}
_FILTERS = {
    "evaluators": lambda r, n: r.assigned < n,
    "evaluations": lambda r, n: r.evaluated < r.assigned,
    "disagreement": lambda r, n: bool(r.score and r.score.disagreements),
    "consensus": lambda r, n: not (r.report and r.report.state == ConsensusState.APPROVED),
}


def dashboard(call: Call) -> Dashboard:
    """The call's evaluation in five queries of rows, whatever its size: its evaluable
    submissions, their assignments, consensus reports (with the rapporteurs' names) and
    submitted scores, and the late evaluators."""
    if call.phase not in (*EVALUATION_PHASES, CallPhase.RESULTS_PUBLISHED):
        return Dashboard(call, [], 0, [])
    submissions = [s for s in call_rows.submission_rows(call) if s.evaluable]
    by_id = {s.id: s for s in submissions}
    assignments: dict[int, list[AssignmentRow]] = {}
    for a in call_rows.assignment_rows(call, by_id):
        assignments.setdefault(a.submission.id, []).append(a)
    reports = call_rows.report_rows(call)
    scores = call_rows.proposal_scores(
        consensus_service.rules_of(call), submissions, call_rows.scoring_evaluations(call)
    )
    now = clock.now()
    rows, late_by_user = [], {}
    for s in submissions:
        rows_a = assignments.get(s.id, [])
        for a in rows_a:
            if a.standing and not a.evaluated and a.due_at < now:
                late_by_user.setdefault(a.evaluator_id, []).append(a)
        rows.append(
            ProposalProgress(
                submission=s,
                assignments=rows_a,
                assigned=sum(1 for a in rows_a if a.standing),
                declared=sum(1 for a in rows_a if a.declared),
                evaluated=sum(
                    1 for a in rows_a if a.evaluated and a.state == AssignmentState.ACTIVE
                ),
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
    """Users by id in one query; their roles and memberships are not read (the page shows
    names and e-mail addresses)."""
    if not ids:
        return {}
    query = (
        select(User)
        .where(User.id.in_(list(ids)))
        .options(lazyload(User.roles), lazyload(User.memberships))
    )
    return {u.id: u for u in db.session.scalars(query)}
