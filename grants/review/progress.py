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
from grants.review import standing
from grants.review.models import Assignment, AssignmentState, ConsensusState
from grants.review.rows import AssignmentCounts, AssignmentRow, ReportRow, SubmissionRow
from grants.review.services import EVALUATION_PHASES


@dataclass
class ProposalProgress:
    submission: SubmissionRow
    counts: AssignmentCounts  # of its assignments, ended ones too
    report: ReportRow | None
    score: standing.Standing | None
    # the full score (each criterion, who gave what), read only for the rows a page details
    detail: scoring.ProposalScore | None = None

    @property
    def label(self) -> str:
        return self.submission.label

    @property
    def disagreements(self) -> list[scoring.CriterionResult]:
        """The criteria flagged for discussion, with their scores: of a row read in detail
        (`Dashboard.detailed`), empty for another."""
        if not self.detail or not self.detail.disagreements:
            return []
        return [self.detail.criterion(code) for code in self.detail.disagreements]

    @property
    def active_evaluators(self) -> list[User]:
        """Read on asking (the page does not show them): two queries."""
        A = Assignment
        ids = db.session.scalars(
            select(A.evaluator_id)
            .where(A.submission_id == self.submission.id, A.state == AssignmentState.ACTIVE)
            .order_by(A.id)
        ).all()
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
    # what the page asks several times of the same rows, made once
    _sums: dict[str, int] = field(default_factory=dict, repr=False, compare=False)
    _shown: dict[str, list] = field(default_factory=dict, repr=False, compare=False)

    def count(self, what: str) -> int:
        """The sum over the rows of one of their AssignmentCounts ("assigned", ...)."""
        if not self._sums:
            sums = [0, 0, 0, 0]
            for r in self.rows:
                for k, value in enumerate(r.counts):
                    sums[k] += value
            self._sums.update(zip(AssignmentCounts._fields, sums, strict=True))
        return self._sums[what]

    @property
    def agreed(self) -> int:
        return sum(1 for r in self.rows if r.report and r.report.state == ConsensusState.APPROVED)

    @property
    def awaiting_approval(self) -> list[ProposalProgress]:
        return [r for r in self.rows if r.report and r.report.state == ConsensusState.SUBMITTED]

    @property
    def disagreements(self) -> list[ProposalProgress]:
        return self.shown("disagreement")

    def detailed(self, rows: list[ProposalProgress]) -> list[ProposalProgress]:
        """The rows with their full scores read (one query), for a page that lists them
        criterion by criterion."""
        if rows:
            rules = consensus_service.rules_of(self.call)
            scores = standing.full_scores(self.call, rules, [r.submission for r in rows])
            for row in rows:
                row.detail = scores[row.submission.id]
        return rows

    def shown(self, what: str) -> list[ProposalProgress]:
        """The rows of one of the table's filters (SHOWN), all of them for another word."""
        test = _FILTERS.get(what)
        if test is None:
            return self.rows
        if what not in self._shown:
            per_proposal = self.call.evaluators_per_proposal
            self._shown[what] = [r for r in self.rows if test(r, per_proposal)]
        return self._shown[what]

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
    "evaluators": lambda r, n: r.counts.assigned < n,
    "evaluations": lambda r, n: r.counts.evaluated < r.counts.assigned,
    "disagreement": lambda r, n: bool(r.score and r.score.disagreements),
    "consensus": lambda r, n: not (r.report and r.report.state == ConsensusState.APPROVED),
}


def dashboard(call: Call) -> Dashboard:
    """The call's evaluation in six queries of rows, whatever its size: its evaluable
    submissions, the counts of their assignments, their consensus reports (with the
    rapporteurs' names) and standings (grants.review.standing: one stored row each), the
    late assignments and their evaluators."""
    if call.phase not in (*EVALUATION_PHASES, CallPhase.RESULTS_PUBLISHED):
        return Dashboard(call, [], 0, [])
    submissions = [s for s in call_rows.submission_rows(call) if s.evaluable]
    by_id = {s.id: s for s in submissions}
    counts = call_rows.assignment_counts(call)
    reports = call_rows.report_rows(call)
    scores = standing.standings(call, consensus_service.rules_of(call), submissions)
    rows = [
        ProposalProgress(
            submission=s,
            counts=counts.get(s.id, call_rows.NO_ASSIGNMENT),
            report=reports.get(s.id),
            score=scores[s.id],
        )
        for s in submissions
    ]
    late_by_user: dict[int, list[AssignmentRow]] = {}
    for a in call_rows.late_assignments(call, by_id, clock.now()):
        late_by_user.setdefault(a.evaluator_id, []).append(a)
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
