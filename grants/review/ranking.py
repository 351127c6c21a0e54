"""The ranking of a call: approved consensus scores ranked per topic by `scoring.rank`,
selected within each topic's budget by `scoring.select`, a what-if budget by
`scoring.what_if`; finalising freezes every decision (and locks the evaluations); publishing
the results writes a result letter per proposal and mails the applicants."""

from __future__ import annotations

import hashlib
import json
import threading
from dataclasses import dataclass, field
from decimal import Decimal
from typing import Any

from sqlalchemy import select
from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm import selectinload
from sqlalchemy.orm.exc import StaleDataError

import scoring
from grants import clock
from grants.accounts.models import Membership, Organisation, User
from grants.audit import services as audit
from grants.calls.fields import parse_amount
from grants.calls.models import Call, CallPhase, CallStatus
from grants.calls.services import CallError
from grants.calls.services import transition as call_transition
from grants.extensions import db
from grants.formatting import count_of
from grants.jobs import services as jobs
from grants.notifications.services import Notice, absolute_url, deliver_pending, notify_each
from grants.proposals.models import Proposal, Submission
from grants.review import alignment as stored_alignment
from grants.review import consensus as consensus_service
from grants.review import rows as call_rows
from grants.review.evaluation import alignment_panel
from grants.review.models import FinalRanking, Outcome, ResultLetter
from grants.review.services import (
    EVALUATION_PHASES,
    ReviewError,
    commit_or,
    current_submissions,
    lock_call,
)

STATUS_OUTCOME = {
    scoring.selection.SELECTED: Outcome.SELECTED,
    scoring.selection.RESERVE: Outcome.RESERVE,
    scoring.selection.NOT_SELECTED: Outcome.NOT_SELECTED,
    scoring.selection.BELOW_THRESHOLD: Outcome.BELOW_THRESHOLD,
}


def final_ranking(call: Call) -> FinalRanking | None:
    return db.session.scalar(select(FinalRanking).where(FinalRanking.call_id == call.id))


def topic_code(submission: Submission) -> str:
    """The topic the proposal was submitted under (the snapshot, not today's draft)."""
    if not submission.call.topics:
        return ""
    topic = submission.head.topic
    return topic.code if topic else ""


def budgets_of(call: Call) -> dict[str, Decimal]:
    """Topic code -> budget; a call without topics has one budget under ""."""
    if call.topics:
        return {t.code: t.budget for t in call.topics}
    return {"": call.total_budget}


def alignment_total(submission: Submission) -> Decimal:
    panel = alignment_panel(submission)
    return Decimal(str(round(panel.total, 2))) if panel is not None else Decimal(0)


@dataclass
class Row:
    """One proposal on the ranking page."""

    submission: call_rows.SubmissionRow
    decision: scoring.Decision
    score: scoring.ProposalScore
    alignment: Decimal
    # its cells as the page renders them (views/ranking_cells.py), made at its first showing:
    # a row lives as long as the process keeps the ranking it belongs to
    cells: Any = field(default=None, compare=False, repr=False)

    @property
    def label(self) -> str:
        return self.submission.label


@dataclass
class TopicView:
    code: str
    title: str
    budget: Decimal
    selected: list[Row]
    reserve: list[Row]
    not_selected: list[Row]
    below_threshold: list[Row]
    committed: Decimal
    leftover: Decimal


@dataclass
class RankingView:
    call: Call
    rules: scoring.CallRules
    topics: list[TopicView]
    awaiting: list[tuple[call_rows.SubmissionRow, str]]  # no approved consensus yet, and why
    excluded: list[Submission]  # not admissible or not eligible
    selection: scoring.Selection | None
    ranking: scoring.Ranking | None
    digest: str
    final: FinalRanking | None
    what_if: scoring.WhatIf | None = None
    what_if_budgets: dict[str, Decimal] = field(default_factory=dict)
    rows: dict[str, Row] = field(default_factory=dict)  # by submission reference
    submissions: list[call_rows.SubmissionRow] = field(default_factory=list)  # all, as read

    @property
    def problems(self) -> list[str]:
        """Why the ranking cannot be finalised now (empty: it can)."""
        found = []
        if self.final is not None:
            found.append(
                f"The ranking was finalised on {clock.format_in_zone(self.final.finalised_at)}."
            )
            return found
        if self.call.phase not in EVALUATION_PHASES:
            found.append("The call's evaluation has not started.")
        if self.awaiting:
            n = len(self.awaiting)
            found.append(
                f"{count_of(n, 'proposal')} {'has' if n == 1 else 'have'} no approved "
                "consensus report yet."
            )
        if not self.rows:
            found.append("No proposal has an approved consensus report.")
        return found


def _awaiting_reason(report: call_rows.ReportRow | None, waiting: int) -> str:
    if report is None or report.rapporteur_id is None:
        if waiting:
            return f"{count_of(waiting, 'evaluation')} outstanding; no rapporteur yet"
        return "no rapporteur appointed"
    if waiting:
        return f"{count_of(waiting, 'evaluation')} outstanding"
    return f"consensus report: {report.state.label.lower()}"


def build(call: Call, what_if_budgets: dict[str, Decimal] | None = None) -> RankingView:
    """Rank the proposals with an approved consensus; list the others and why. Reads rows
    (`grants.review.rows`): a few queries whatever the size of the call."""
    rules = consensus_service.rules_of(call)
    submissions = call_rows.submission_rows(call)
    evaluable = [s for s in submissions if s.evaluable]
    reports = call_rows.report_rows(call)
    approved = [s for s in evaluable if s.id in reports and reports[s.id].is_approved]
    approved_ids = {s.id for s in approved}
    pending = [s for s in evaluable if s.id not in approved_ids]
    waiting = call_rows.outstanding_counts(call) if pending else {}  # none once all agreed
    awaiting = [(s, _awaiting_reason(reports.get(s.id), waiting.get(s.id, 0))) for s in pending]
    agreed = call_rows.approved_consensus(call, reports, {s.id: s.reference for s in approved})
    # An approved consensus scores every criterion (it is submitted so): the ranking reads
    # its final scores only, and the evaluations are read only for one that does not.
    codes = set(rules.codes)
    complete = all(points.keys() >= codes for _, points, _ in agreed.values())
    # as stored: the kept rankings are found by them, and a computation reads them as totals
    stored_totals = stored_alignment.alignment_totals(call, approved, stored_form=True)
    shape = _Shape(
        tuple((t.code, t.title) for t in call.topics),
        tuple(budgets_of(call).items()),
        call.selection_policy.value,
        call.reserve_size,
    )
    if complete:  # a pure function of what was read: the process keeps its last results
        computed = _computed_from_consensus(
            rules,
            shape,
            tuple(approved),
            tuple(
                (sid, reference, tuple(points.items()), comment)
                for sid, (reference, points, comment) in agreed.items()
            ),
            tuple(stored_totals[s.id] for s in approved),
        )
    else:
        evaluations = call_rows.scoring_evaluations(call)
        consensus = {sid: scoring.Consensus(*parts) for sid, parts in agreed.items()}
        totals = {sid: stored_alignment.as_total(v) for sid, v in stored_totals.items()}
        computed = _computed(rules, shape, approved, consensus, evaluations, totals)
    topics, rows, ranking, selection, digest_ = computed
    view = RankingView(
        call=call,
        rules=rules,
        topics=topics,
        awaiting=awaiting,
        excluded=_excluded(submissions),
        submissions=submissions,
        selection=selection,
        ranking=ranking,
        digest=digest_,
        final=final_ranking(call),
        rows=rows,
    )
    if what_if_budgets:
        view.what_if_budgets = what_if_budgets
        view.what_if = scoring.what_if(ranking, selection, what_if_budgets)
    return view


@dataclass(frozen=True)
class _Shape:
    """What the computation reads of the call: its topics (code, title), budgets, selection
    policy and reserve size."""

    topics: tuple[tuple[str, str], ...]
    budgets: tuple[tuple[str, Decimal], ...]
    policy: str
    reserve_size: int


_KEPT = 4  # computed rankings kept per process
_kept: list[tuple[tuple, tuple]] = []  # (inputs, results), the newest first
_kept_lock = threading.Lock()


def _computed_from_consensus(rules, shape, approved, agreed, alignments):
    """`_computed` of a ranking whose approved consensus reports score every criterion (their
    submission requires it), kept for its inputs. Scoring, ranking and selecting, the
    decisions and their digest are two thirds of the page's work on a large call; equal
    inputs (the ranking viewed again, another page of its long lists) give the results made
    before, and any change (a score, a comment, an alignment, a budget, a label, the rules) a
    new computation: nothing stale can match. The inputs are compared with those kept, not
    hashed (an lru_cache hashed them: 6 000 fresh Decimals and 1 000 dataclass rows, 3.6 ms
    at 1 000 proposals; compared, named-tuple rows and all, 0.5 ms). The results are shared
    by the requests that find them; only the cells a row renders once are added to them
    (views/ranking_cells)."""
    key = (rules, shape, tuple(approved), agreed, alignments)
    with _kept_lock:
        kept = list(_kept)
    for inputs, found in kept:
        if inputs == key:
            return found
    consensus = {
        sid: scoring.Consensus(pid, dict(points), comment) for sid, pid, points, comment in agreed
    }
    by_id = {s.id: stored_alignment.as_total(a) for s, a in zip(approved, alignments, strict=True)}
    found = _computed(rules, shape, list(approved), consensus, {}, by_id)
    with _kept_lock:
        _kept.insert(0, (key, found))
        del _kept[_KEPT:]
    return found


def forget_computed() -> None:
    """Drop the kept rankings (tests compare a kept result with a cold computation)."""
    with _kept_lock:
        _kept.clear()


def _computed(rules, shape: _Shape, approved, agreed, evaluations, alignment_by_id):
    """Scores, ranking and selection of the approved proposals; their topic views and rows;
    the digest of the decisions."""
    scores_by_id = call_rows.proposal_scores(rules, approved, evaluations, agreed)
    candidates, scores, alignments, by_reference = [], {}, {}, {}
    for s in approved:
        scores[s.reference] = scores_by_id[s.id]
        alignments[s.reference] = alignment_by_id[s.id]
        by_reference[s.reference] = s
        candidates.append(
            scoring.Candidate.from_score(
                scores[s.reference],
                s.eu_contribution,
                alignment=alignments[s.reference],
                topic=s.topic if shape.topics else "",
            )
        )
    budgets = dict(shape.budgets)
    for c in candidates:
        budgets.setdefault(c.topic, Decimal(0))
    ranking = scoring.rank(rules, candidates)
    selection = scoring.select(
        ranking, budgets, policy=shape.policy, reserve_size=shape.reserve_size
    )
    topics, rows = _topic_views(dict(shape.topics), selection, by_reference, scores, alignments)
    return topics, rows, ranking, selection, digest(decisions_of(selection, rows), budgets)


def _excluded(rows: list[call_rows.SubmissionRow]) -> list[Submission]:
    """The submissions that are not evaluated (not admissible or not eligible; few), whole."""
    ids = [r.id for r in rows if not r.evaluable]
    if not ids:
        return []
    return list(
        db.session.scalars(select(Submission).where(Submission.id.in_(ids)).order_by(Submission.id))
    )


def _topic_views(titles: dict, selection, by_reference: dict, scores: dict, alignments: dict):
    """Each topic's selected, reserve, not selected and below-threshold rows; and every row
    by proposal reference (`titles`: topic code -> title)."""
    rows: dict[str, Row] = {}
    topics = []
    for t in selection.topics:

        def wrap(decisions, rows=rows):
            out = []
            for d in decisions:
                row = Row(
                    by_reference[d.proposal_id],
                    d,
                    scores[d.proposal_id],
                    alignments[d.proposal_id],
                )
                rows[d.proposal_id] = row
                out.append(row)
            return out

        topics.append(
            TopicView(
                t.topic,
                titles.get(t.topic, ""),
                t.budget,
                wrap(t.selected),
                wrap(t.reserve),
                wrap(t.not_selected),
                wrap(t.below_threshold),
                t.committed,
                t.leftover,
            )
        )
    return topics, rows


def parse_budgets(call: Call, args) -> tuple[dict[str, Decimal], list[str]]:
    """What-if budgets from the query string (budget-<topic> or budget), with messages."""
    found, errors = {}, []
    for code, current in budgets_of(call).items():
        name = f"budget-{code}" if code else "budget"
        raw = (args.get(name) or "").strip()
        if not raw:
            continue
        try:
            value = parse_amount(raw)
        except ValueError:
            value = None
        if value is None or value < 0:
            errors.append(f"{code or 'The'} budget: give an amount in EUR, 0 or more.")
            continue
        if value != current:
            found[code] = value.quantize(Decimal("0.01"))
    return found, errors


def decisions_of(selection: scoring.Selection, rows: dict[str, Row]) -> list[dict]:
    """Every decision as plain JSON, in topic and ranking order."""
    out = []
    for t in selection.topics:
        for group in (t.selected, t.reserve, t.not_selected, t.below_threshold):
            for d in group:
                row = rows[d.proposal_id]
                out.append(
                    {
                        "submission_id": row.submission.id,
                        "proposal_id": row.submission.proposal_id,
                        "reference": d.proposal_id,
                        "acronym": row.label,
                        "topic": d.topic,
                        "status": STATUS_OUTCOME[d.status].value,
                        "rank": d.rank,
                        "reserve_position": d.reserve_position,
                        "total": str(row.score.total),
                        "scores": {k: str(v) for k, v in row.score.final_scores().items()},
                        "eu_contribution": str(d.eu_contribution),
                        "alignment": str(row.alignment),
                        "explanation": d.explanation,
                    }
                )
    return out


def digest(decisions: list[dict], budgets: dict[str, Decimal]) -> str:
    data = {"decisions": decisions, "budgets": {k: str(v) for k, v in sorted(budgets.items())}}
    return hashlib.sha256(json.dumps(data, sort_keys=True).encode()).hexdigest()


def finalise(call: Call, seen_digest: str, actor: User) -> FinalRanking:
    """Freeze the ranking the manager saw; refused if anything changed since. A call still
    "closed" moves to "under evaluation" in the same transaction (logged)."""
    lock_call(call.id)  # writers of the call's evaluations wait until this commits
    view = build(call)
    if view.problems:
        raise ReviewError(" ".join(view.problems))
    if seen_digest != view.digest:
        raise ReviewError(
            "The ranking changed since you opened this page (a consensus was approved or "
            "returned). Check the new ranking, then finalise it."
        )
    assert view.selection is not None
    if call.status != CallStatus.UNDER_EVALUATION:  # a call past its deadline, or closed
        try:
            call_transition(call, CallStatus.UNDER_EVALUATION, actor, commit=False)
        except CallError as exc:
            raise ReviewError(str(exc)) from None
    decisions = decisions_of(view.selection, view.rows)
    final = FinalRanking(
        call_id=call.id,
        finalised_at=clock.now(),
        finalised_by_id=actor.id,
        policy=view.selection.policy,
        reserve_size=view.selection.reserve_size,
        budgets={k: str(v) for k, v in view.selection.budgets.items()},
        decisions=decisions,
        sha256=view.digest,
    )
    db.session.add(final)
    db.session.flush()
    counts = {o.value: sum(1 for d in decisions if d["status"] == o.value) for o in Outcome}
    audit.record(
        "call",
        call.id,
        "finalise-ranking",
        f"Ranking of {call.reference} finalised: {counts['selected']} selected, "
        f"{counts['reserve']} on the reserve list",
        {"sha256": view.digest, "counts": counts},
        actor=actor,
    )
    commit_or(
        ReviewError("The ranking was finalised from another page meanwhile; reload this page.")
    )
    return final


# Results -------------------------------------------------------------------------------------


def publication_problems(call: Call, view: RankingView | None = None) -> list[str]:
    """Why the results cannot be published now (empty: they can); `view`, the ranking page's,
    gives the final ranking and the submissions it has read already."""
    final = view.final if view else final_ranking(call)
    if call.status == CallStatus.RESULTS_PUBLISHED:
        return ["The results of this call are published."]
    if call.phase != CallPhase.UNDER_EVALUATION:
        return ["Results are published once the call is under evaluation."]
    if final is None:
        return ["Finalise the ranking first."]
    ranked = {d["submission_id"] for d in final.decisions}
    rows = view.submissions if view else call_rows.submission_rows(call)
    missing = [s.label for s in rows if s.evaluable and s.id not in ranked]
    if missing:
        return [
            f"{', '.join(missing)} became admissible and eligible after the ranking was "
            "finalised and has no place in it; its result cannot be written."
        ]
    return []


def _recipients(submission: Submission) -> dict[str, User]:
    return submission.submitter_and_contacts()


def _letter_for(submission: Submission, decision: dict | None) -> ResultLetter:
    letter = ResultLetter(
        call_id=submission.call_id,
        proposal_id=submission.proposal_id,
        submission_id=submission.id,
    )
    if decision is None:
        letter.outcome = Outcome.NOT_ADMISSIBLE
        reasons = [
            c.get("message", "")
            for c in submission.checks
            if not c.get("ok") and c.get("kind") in ("admissibility", "eligibility")
        ]
        decided = submission.checks_decision
        if decided is not None:
            reasons.append(f"Programme review: {decided.reason}")
        letter.explanation = "; ".join(r for r in reasons if r) or (
            "The proposal did not meet the admissibility or eligibility conditions."
        )
        return letter
    letter.outcome = Outcome(decision["status"])
    letter.rank = decision["rank"]
    letter.reserve_position = decision["reserve_position"]
    letter.total = Decimal(decision["total"])
    letter.explanation = decision["explanation"]
    return letter


def publish_results(call: Call, actor: User) -> list[ResultLetter]:
    """Letters for every proposal of the call, by e-mail and in the app; the call's status
    moves to results published, in one transaction."""
    lock_call(call.id)
    problems = publication_problems(call)
    if problems:
        raise ReviewError(" ".join(problems))
    final = final_ranking(call)
    assert final is not None
    by_submission = {d["submission_id"]: d for d in final.decisions}
    try:
        call_transition(call, CallStatus.RESULTS_PUBLISHED, actor, commit=False, results=True)
    except CallError as exc:
        raise ReviewError(str(exc)) from None
    final.published_at = clock.now()
    final.published_by_id = actor.id
    letters = []
    title = f"E-mailing the result letters of {call.reference}"
    sending = jobs.group(
        title, "e-mails sent", one="e-mail sent", key=f"results:{call.id}", user=actor
    )
    submissions = current_submissions(
        call,
        selectinload(Submission.submitted_by),
        selectinload(Submission.proposal)
        .selectinload(Proposal.organisation)
        .selectinload(Organisation.memberships)
        .selectinload(Membership.user),
    )
    notices = []
    for submission in submissions:
        letter = _letter_for(submission, by_submission.get(submission.id))
        db.session.add(letter)
        letters.append(letter)
        label = submission.label
        notices.append(
            Notice(
                _recipients(submission).values(),
                submission,
                f"Result of {label} under {call.reference}: {letter.outcome.label}",
                absolute_url("review.result", submission_id=submission.id),
                context={"label": label, "call": call, "letter": letter},
            )
        )
    # One fan-out for the whole call: a few queries, not some per proposal.
    messages = notify_each(
        "results.published", notices, template="review/mail/result.txt", parent=sending
    )
    jobs.enqueue_each("pdf.esr", {f"pdf.esr:{s.id}": {"submission_id": s.id} for s in submissions})
    audit.record(
        "call",
        call.id,
        "publish-results",
        f"Results of {call.reference} published: {len(letters)} letters",
        {"letters": len(letters)},
        actor=actor,
    )
    meanwhile = "The results were published from another page meanwhile; reload this page."
    try:
        db.session.flush()
    except (IntegrityError, StaleDataError):
        db.session.rollback()
        raise ReviewError(meanwhile) from None
    message_ids = [m.id for m in messages]  # read before the commit expires them
    commit_or(ReviewError(meanwhile))
    deliver_pending(message_ids)  # the worker sends them; the manager watches the progress
    return letters


def letter_of(submission: Submission) -> ResultLetter | None:
    return db.session.scalar(
        select(ResultLetter).where(ResultLetter.submission_id == submission.id)
    )


def letters_of_proposals(proposal_ids: list[int]) -> dict[int, ResultLetter]:
    if not proposal_ids:
        return {}
    return {
        letter.proposal_id: letter
        for letter in db.session.scalars(
            select(ResultLetter).where(ResultLetter.proposal_id.in_(proposal_ids))
        )
    }


def decision_of(submission: Submission) -> dict | None:
    final = final_ranking(submission.call)
    if final is None:
        return None
    return next((d for d in final.decisions if d["submission_id"] == submission.id), None)
