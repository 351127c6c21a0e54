"""Consensus: a rapporteur (one of the proposal's evaluators) turns the individual evaluations
into a consensus report, pre-filled with the aggregates and disagreement flags computed by
`scoring`; a programme manager approves it or returns it with a reason. Approved consensus
scores are what ranks."""

from __future__ import annotations

from dataclasses import dataclass
from decimal import ROUND_HALF_UP, Decimal
from functools import cache

from sqlalchemy import bindparam, func, select
from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm import joinedload, lazyload, load_only
from sqlalchemy.orm.attributes import flag_modified, set_committed_value

import scoring
from grants import clock
from grants.accounts.models import User
from grants.audit import services as audit
from grants.calls.models import Call, Criterion
from grants.extensions import db
from grants.formatting import count_of
from grants.notifications.services import absolute_url, deliver_pending, notify
from grants.proposals.models import Submission, labelled_only
from grants.review.evaluation import (
    EvaluationError,
    StaleEvaluation,
    evaluator_labels,
    evaluator_name,
    fmt_points,
    incomplete,
    parse_scores,
    rule,
    submitted_evaluations,
)
from grants.review.models import (
    Assignment,
    AssignmentState,
    ConsensusReport,
    ConsensusScore,
    ConsensusState,
    Evaluation,
    FinalRanking,
)
from grants.review.services import LOCKED, ReviewError, commit_or, ranking_final_locking_call
from grants.review.transitions import move

STALE = (
    "This consensus report was changed elsewhere since you opened it. Reload the page to see "
    "the saved version, then make your changes again."
)


def rules_of(call: Call) -> scoring.CallRules:
    """The call's scoring rules as `scoring` reads them."""
    return scoring.CallRules(
        criteria=tuple(rule(c) for c in call.criteria),
        overall_threshold=call.overall_threshold,
        aggregation=call.aggregation.value,
        disagreement_gap=call.disagreement_gap / 100,
        tie_breaks=tuple(call.tie_break_rules or ()),
    )


# Reading ---------------------------------------------------------------------------------------


def report_of(submission: Submission) -> ConsensusReport | None:
    return db.session.scalar(
        select(ConsensusReport).where(ConsensusReport.submission_id == submission.id)
    )


def manager_reading(submission_id: int) -> tuple[Submission, ConsensusReport | None, bool] | None:
    """What a proposal's manager page reads besides its assignments, in two statements: the
    submission (what the page shows of it, and its call's scoring rules) with its consensus
    report and whether the call's ranking is final (`ranking_final`); then the call's criteria
    with the report's scores, set as `call.criteria` and `report.scores` (as their loaders
    order them). None when there is no such submission."""
    row = db.session.execute(_manager_reading(), {"submission_id": submission_id}).one_or_none()
    if row is None:
        return None
    submission, report, final = row
    pairs = db.session.execute(
        _criteria_and_consensus(),
        {"call_id": submission.call_id, "report_id": report.id if report else None},
    ).all()
    set_committed_value(submission.call, "criteria", [c for c, _ in pairs])
    if report is not None:
        scores = sorted((s for _, s in pairs if s is not None), key=lambda s: s.id)
        set_committed_value(report, "scores", scores)
    return submission, report, bool(final)


@cache
def _manager_reading():
    """Built once per process, the submission bound; of the submission and its call only the
    columns the page shows and scores by (not the checks, lists or the call's settings)."""
    final = select(FinalRanking.id).where(FinalRanking.call_id == Submission.call_id).exists()
    return (
        select(Submission, ConsensusReport, final)
        .outerjoin(ConsensusReport, ConsensusReport.submission_id == Submission.id)
        .where(Submission.id == bindparam("submission_id"))
        .options(
            load_only(*labelled_only(), Submission.call_id, Submission.title),
            joinedload(Submission.call).options(
                load_only(
                    Call.reference,
                    Call.overall_threshold,
                    Call.aggregation,
                    Call.disagreement_gap,
                    Call.tie_break_rules,
                ),
                lazyload(Call.fund),
            ),
        )
    )


@cache
def _criteria_and_consensus():
    """A call's criteria, each with the report's score of it if any (one at most each)."""
    return (
        select(Criterion, ConsensusScore)
        .outerjoin(
            ConsensusScore,
            (ConsensusScore.criterion_id == Criterion.id)
            & (ConsensusScore.report_id == bindparam("report_id")),
        )
        .where(Criterion.call_id == bindparam("call_id"))
        .order_by(Criterion.position, Criterion.id)
    )


def active_assignments(submission: Submission) -> list[Assignment]:
    return list(
        db.session.scalars(
            select(Assignment)
            .where(
                Assignment.submission_id == submission.id,
                Assignment.state == AssignmentState.ACTIVE,
            )
            .options(evaluator_name())
            .order_by(Assignment.id)
        )
    )


_OPEN = (AssignmentState.PENDING_DECLARATION, AssignmentState.ACTIVE)


def outstanding(
    submission: Submission, assignments: list[Assignment] | None = None
) -> list[Assignment]:
    """Open assignments (to declare, to evaluate, draft) of the submission; of its
    `assignments` when the caller has read them all already."""
    if assignments is None:
        assignments = db.session.scalars(
            select(Assignment).where(
                Assignment.submission_id == submission.id, Assignment.state.in_(_OPEN)
            )
        )
    return [
        a
        for a in assignments
        if a.state in _OPEN and (a.evaluation is None or not a.evaluation.is_submitted)
    ]


def _scoring_evaluation(call: Call, e: Evaluation) -> scoring.Evaluation:
    codes = {c.id: c.code for c in call.criteria}
    return scoring.Evaluation(
        e.assignment.submission.reference,
        str(e.assignment.evaluator_id),
        {codes[s.criterion_id]: s.points for s in e.scores if s.points is not None},
    )


def _scoring_consensus(call: Call, report: ConsensusReport) -> scoring.Consensus:
    codes = {c.id: c.code for c in call.criteria}
    return scoring.Consensus(
        report.submission.reference,
        {codes[s.criterion_id]: s.points for s in report.scores if s.points is not None},
        report.comment,
    )


def proposal_score(
    submission: Submission, with_consensus: bool = False, counted: list | None = None
) -> scoring.ProposalScore | None:
    """Aggregates, spreads and flags of the submitted evaluations (and, if asked and approved,
    the consensus); None while there is nothing to aggregate. `counted`: the proposal's
    `submitted_evaluations` when the caller has read them already."""
    call = submission.call
    report = report_of(submission) if with_consensus else None
    if counted is None:
        counted = submitted_evaluations(submission)
    return _score(rules_of(call), call, counted, report)


def _score(
    rules: scoring.CallRules,
    call: Call,
    evaluations: list[Evaluation],
    report: ConsensusReport | None,
) -> scoring.ProposalScore | None:
    """`scoring.score_proposal` over these evaluations and the report if it is approved."""
    consensus = _scoring_consensus(call, report) if report and report.is_approved else None
    if not evaluations and consensus is None:
        return None
    return scoring.score_proposal(
        rules, [_scoring_evaluation(call, e) for e in evaluations], consensus
    )


def to_step(value: Decimal, criterion: Criterion) -> Decimal:
    """The allowed score nearest to an aggregate (half up), to pre-fill the consensus."""
    steps = (value / criterion.step).quantize(Decimal(1), rounding=ROUND_HALF_UP)
    return min(steps * criterion.step, criterion.max_points)


@dataclass
class CriterionView:
    criterion: Criterion
    result: scoring.CriterionResult | None
    individual: list[tuple[str, Decimal | None, str]]  # (label, points, comment)
    prefill: Decimal | None


def criterion_views(
    submission: Submission,
    viewer_id: int | None,
    names: bool,
    counted: list | None = None,
    score: scoring.ProposalScore | None = None,
) -> list[CriterionView]:
    """Per criterion: the statistics from `scoring`, each evaluator's score and comment
    ("You", "Evaluator A", ... or names for programme managers) and the pre-filled score.
    `counted`: as in `proposal_score`; `score`: `proposal_score(submission, counted=counted)`
    when the caller has it (computed from `counted`, without the consensus)."""
    call = submission.call
    evaluations = submitted_evaluations(submission) if counted is None else counted
    if score is None:
        score = _score(rules_of(call), call, evaluations, None)
    labels = evaluator_labels(evaluations, viewer_id, names)
    views = []
    for c in call.criteria:
        result = score.criterion(c.code) if score else None
        individual = []
        for e in evaluations:
            s = e.score_for(c.id)
            individual.append((labels[e.id], s.points if s else None, s.comment if s else ""))
        prefill = to_step(result.aggregate, c) if result and result.aggregate is not None else None
        views.append(CriterionView(c, result, individual, prefill))
    return views


def rapporteur_reports(user: User) -> list[ConsensusReport]:
    """The consensus reports an evaluator may write as rapporteur: theirs, while their own
    assignment to the proposal stands (the rule of permissions.can_write_consensus, in one
    query for the queue)."""
    return list(db.session.scalars(_rapporteur_reports(), {"user_id": user.id}))


@cache
def _rapporteur_reports():
    """Built once per process, the evaluator bound."""
    return (
        select(ConsensusReport)
        .join(
            Assignment,
            (Assignment.submission_id == ConsensusReport.submission_id)
            & (Assignment.evaluator_id == bindparam("user_id"))
            & (Assignment.state == AssignmentState.ACTIVE),
        )
        .where(ConsensusReport.rapporteur_id == bindparam("user_id"))
        .order_by(ConsensusReport.id)
        .options(  # one of each per report: joined, not a statement each; of each only
            # what the queue shows (no JSON column of the call or the submission decoded)
            load_only(
                ConsensusReport.submission_id,
                ConsensusReport.call_id,
                ConsensusReport.state,
                ConsensusReport.returned_reason,
            ),
            joinedload(ConsensusReport.submission).load_only(*labelled_only()),
            joinedload(ConsensusReport.call).load_only(Call.reference),
        )
    )


# Appointing the rapporteur -------------------------------------------------------------------


def _check_unlocked(call_id: int) -> None:
    if ranking_final_locking_call(call_id):
        raise ReviewError(LOCKED)


def _new_report(submission: Submission) -> ConsensusReport:
    report = ConsensusReport(
        call_id=submission.call_id,
        proposal_id=submission.proposal_id,
        submission_id=submission.id,
    )
    move(report, ConsensusState.DRAFT, None)
    db.session.add(report)
    return report


def _appoint(submission: Submission, evaluator: User, actor: User):
    """Set the rapporteur; returns the mail to send (or None when nothing changed)."""
    _check_unlocked(submission.call_id)
    label = submission.label
    if evaluator.id not in {a.evaluator_id for a in active_assignments(submission)}:
        raise ReviewError(
            f"{evaluator.full_name} cannot be the rapporteur of {label}: the rapporteur is one "
            "of its evaluators who declared no conflict."
        )
    report = report_of(submission) or _new_report(submission)
    if report.is_approved:
        raise ReviewError(f"The consensus of {label} is approved; its rapporteur stays.")
    if report.rapporteur_id == evaluator.id:
        return None
    before = report.rapporteur.email if report.rapporteur else None
    report.rapporteur_id = evaluator.id
    report.appointed_at = clock.now()
    report.appointed_by_id = actor.id
    db.session.flush()
    audit.record(
        "consensus",
        report.id,
        "appoint",
        f"{evaluator.email} appointed rapporteur of {label}",
        {"rapporteur": [before, evaluator.email]},
        actor=actor,
    )
    messages = notify(
        "consensus.appointed",
        [evaluator],
        report,
        key=report.appointed_at.isoformat(),
        subject=f"You are the rapporteur of {label}",
        template="review/mail/rapporteur.txt",
        label=label,
        call=submission.call,
        link=absolute_url("review.consensus", submission_id=submission.id),
    )
    return messages[0] if messages else None


def appoint(submission: Submission, evaluator: User, actor: User) -> None:
    try:
        message = _appoint(submission, evaluator, actor)
    except IntegrityError:  # another manager created the report at the same moment
        db.session.rollback()
        raise ReviewError(
            "Someone else appointed a rapporteur at the same moment; reload the page."
        ) from None
    _commit_or_changed()
    if message is not None:
        deliver_pending([message.id])


def appoint_all(call: Call, submissions: list[Submission], actor: User) -> tuple[int, list[str]]:
    """A rapporteur for every proposal without one: among its evaluators who declared no
    conflict, the one who reports for the fewest proposals of the call (then by id)."""
    _check_unlocked(call.id)
    counts = dict(
        db.session.execute(
            select(ConsensusReport.rapporteur_id, func.count())
            .where(ConsensusReport.call_id == call.id, ConsensusReport.rapporteur_id.is_not(None))
            .group_by(ConsensusReport.rapporteur_id)
        ).all()
    )
    messages, problems = [], []
    for submission in submissions:
        report = report_of(submission)
        active = {a.evaluator_id: a.evaluator for a in active_assignments(submission)}
        if report is not None and (report.rapporteur_id in active or report.is_approved):
            continue  # a rapporteur whose assignment ended counts as none
        candidates = sorted(
            active.items(),
            key=lambda pair: (counts.get(pair[0], 0), pair[0]),
        )
        if not candidates:
            label = submission.label
            problems.append(f"{label}: no evaluator has declared no conflict yet.")
            continue
        evaluator_id, evaluator = candidates[0]
        messages.append(_appoint(submission, evaluator, actor))
        counts[evaluator_id] = counts.get(evaluator_id, 0) + 1
    _commit_or_changed()
    deliver_pending([m.id for m in messages if m is not None])
    return len(messages), problems


# Drafting ------------------------------------------------------------------------------------


def readiness(
    submission: Submission,
    counted: list | None = None,
    assignments: list[Assignment] | None = None,
) -> list[str]:
    """Why the consensus cannot be written yet (empty: it can). `counted`: as in
    `proposal_score`; `assignments`: every assignment of the submission, if read already."""
    problems = []
    waiting = outstanding(submission, assignments)
    if waiting:
        problems.append(
            f"{count_of(len(waiting), 'evaluation')} of this proposal "
            f"{'is' if len(waiting) == 1 else 'are'} not submitted yet; the consensus "
            "is written once every evaluator has submitted."
        )
    if not (submitted_evaluations(submission) if counted is None else counted):
        problems.append("No evaluation of this proposal has been submitted.")
    return problems


def _write(report: ConsensusReport, data: dict, version: int | None) -> dict:
    _check_unlocked(report.call_id)
    if report.state != ConsensusState.DRAFT:
        raise EvaluationError(
            f"This consensus report is {report.state.label.lower()} and can no longer change."
        )
    if report.version != (version or 0):
        raise StaleEvaluation(STALE)
    problems = readiness(report.submission)
    if problems:
        raise EvaluationError(" ".join(problems))
    criteria = list(report.call.criteria)
    values, errors = parse_scores(criteria, data)
    if errors:
        raise EvaluationError("Some scores are not allowed; see the messages below.", errors)
    for c in criteria:
        points, comment = values[c.id]
        score = report.score_for(c.id)
        if score is None:
            score = ConsensusScore(criterion_id=c.id)
            report.scores.append(score)
        score.points, score.comment = points, comment
    report.comment = str(data.get("overall") or "").strip()
    report.updated_at = clock.now()
    flag_modified(report, "updated_at")  # an UPDATE even at the same instant: the version moves
    return values


def save_consensus(report: ConsensusReport, data: dict, version: int | None, actor: User) -> None:
    try:
        _write(report, data, version)
    except ReviewError:
        db.session.rollback()
        raise
    commit_or(StaleEvaluation(STALE))


def submit_consensus(report: ConsensusReport, data: dict, version: int | None, actor: User) -> None:
    """Send the consensus for approval: every criterion scored and commented at length."""
    try:
        values = _write(report, data, version)
        errors = incomplete(list(report.call.criteria), values)
        if errors:
            raise EvaluationError(
                "The consensus report is not complete; it was not sent for approval or saved.",
                errors,
            )
    except ReviewError:
        db.session.rollback()
        raise
    move(
        report,
        ConsensusState.SUBMITTED,
        actor,
        "submit",
        f"{actor.email} sent the consensus of {report.submission.reference} for approval",
        {c.code: {"points": fmt_points(values[c.id][0])} for c in report.call.criteria},
    )
    commit_or(StaleEvaluation(STALE))


# Approval ------------------------------------------------------------------------------------


def approve(report: ConsensusReport, actor: User, version: int | None = None) -> None:
    """Approve what the manager read: `version` is the report's version on their page (a
    report returned, changed and sent again since then is refused)."""
    _check_unlocked(report.call_id)
    if report.state != ConsensusState.SUBMITTED:
        raise ReviewError("Only a consensus report sent for approval can be approved.")
    if version is not None and version != report.version:
        raise ReviewError(
            "The consensus report changed since you opened this page. Read it again, then "
            "approve it."
        )
    if outstanding(report.submission):
        raise ReviewError(
            "An evaluator was assigned since the consensus was written; their evaluation "
            "comes first. Return the report to the rapporteur."
        )
    move(
        report,
        ConsensusState.APPROVED,
        actor,
        "approve",
        f"Consensus of {report.submission.reference} approved",
        {
            s.criterion.code: {"points": fmt_points(s.points)}
            for s in report.scores
            if s.points is not None
        },
    )
    _commit_or_changed()


def _commit_or_changed() -> None:
    commit_or(
        ReviewError(
            "Someone else changed this consensus report at the same moment; reload the page."
        )
    )


def return_to_rapporteur(report: ConsensusReport, reason: str, actor: User) -> None:
    """Send a report awaiting approval (or an approved one, before the ranking is final) back
    to the rapporteur as a draft, with the reason."""
    _check_unlocked(report.call_id)
    if report.state == ConsensusState.DRAFT:
        raise ReviewError("This consensus report is a draft already.")
    message = move(
        report,
        ConsensusState.DRAFT,
        actor,
        "return",
        f"Consensus of {report.submission.reference} returned to the rapporteur: {reason}",
        {"state": [report.state.value, "draft"]},
        reason=reason,
    )
    _commit_or_changed()
    if message:
        deliver_pending([m.id for m in message])
