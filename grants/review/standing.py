"""Where each submission's evaluation stands (models.EvaluationStanding): written with the
changes that move it, read by the call's evaluation dashboard.

A flush that submits an evaluation, adds or deletes one, or changes an assignment's state
marks the submissions it touches (`_collect`, listening after every flush of the app's
session). Before the transaction commits, and before a reading in the same transaction,
their rows are computed afresh (`refresh`) from the submitted evaluations of their active
assignments: the aggregate the dashboard computed from every score of the call on every
request before.

Reading (`standings`) takes the stored rows. A submission without a row of the call's
current scoring rules (one never evaluated, data written before this table or by bulk
inserts, rules changed since) is computed on reading: the rows are a cache that may be
missing, never wrong. `refresh_call` writes a whole call's rows (after a bulk load, or to
fill the table for calls evaluated before it existed)."""

from __future__ import annotations

import hashlib
from collections.abc import Collection, Iterable
from dataclasses import dataclass
from decimal import Decimal

from sqlalchemy import delete, event, insert, inspect, select

import scoring
from grants.calls.models import Call
from grants.extensions import db, projection
from grants.proposals.models import Submission
from grants.review import rows as call_rows
from grants.review.consensus import rules_of
from grants.review.models import Assignment, Evaluation, EvaluationStanding, EvaluationState

_PENDING = "grants.review.standing"  # session.info: (assignment ids, submission ids) touched
_WHOLE_CALL = 200  # computing more submissions than this on reading reads the whole call


@dataclass(frozen=True, slots=True)
class Standing:
    """A submission's aggregate so far, as the dashboard shows and counts it."""

    total: Decimal
    max_total: Decimal
    passes: bool  # the total and every criterion at or above their thresholds
    disagreements: tuple[str, ...]  # criterion codes flagged for discussion


def digest(rules: scoring.CallRules) -> str:
    """What a stored row was computed under: the call's criteria, thresholds, steps,
    aggregation and disagreement gap (a change to any of them makes the rows stale)."""
    return hashlib.sha256(repr(rules).encode("utf-8")).hexdigest()[:32]


def summary(rules: scoring.CallRules, score: scoring.ProposalScore) -> Standing:
    finals = score.final_scores()
    passes = score.total >= rules.overall_threshold and all(
        finals[c.code] >= c.threshold for c in rules.criteria
    )
    return Standing(score.total, score.max_total, passes, tuple(score.disagreements))


# Writing ---------------------------------------------------------------------------------------


def _changed(obj, *names: str) -> bool:
    attrs = inspect(obj).attrs
    return any(attrs[name].history.has_changes() for name in names)


def _collect(session, _flush_context) -> None:
    """After a flush: note the submissions whose standing it may have moved."""
    assignments: set[int] = set()
    submissions: set[int] = set()
    for obj in session.new:
        if isinstance(obj, Evaluation) and obj.state == EvaluationState.SUBMITTED:
            assignments.add(obj.assignment_id)
    for obj in session.dirty:
        if isinstance(obj, Evaluation) and _changed(obj, "state"):
            assignments.add(obj.assignment_id)
        elif isinstance(obj, Assignment) and _changed(obj, "state", "submission_id"):
            history = inspect(obj).attrs["submission_id"].history
            submissions.update(x for x in (*history.deleted, obj.submission_id) if x)
    for obj in session.deleted:
        if isinstance(obj, Evaluation):
            assignments.add(obj.assignment_id)
        elif isinstance(obj, Assignment):
            submissions.add(obj.submission_id)
    if assignments or submissions:
        pending = session.info.setdefault(_PENDING, (set(), set()))
        pending[0].update(a for a in assignments if a)
        pending[1].update(submissions)


def _before_commit(session) -> None:
    session.flush()
    refresh()


event.listen(db.session, "after_flush", _collect)
event.listen(db.session, "before_commit", _before_commit)


def refresh() -> None:
    """Write the rows of the submissions this transaction has touched so far."""
    pending = db.session.info.pop(_PENDING, None)
    if not pending:
        return
    assignments, submissions = pending
    if assignments:
        query = select(Assignment.submission_id).where(Assignment.id.in_(assignments))
        submissions |= {sid for (sid,) in projection(query)}
    if submissions:
        _write(submissions)


def refresh_call(call: Call) -> int:
    """Write the rows of every current submission of the call; the number written."""
    ids = {s.id for s in call_rows.submission_rows(call)}
    _write(ids)
    return len(ids)


def _write(ids: Collection[int]) -> None:
    """Compute and store the rows of these submissions (those that still exist), call by
    call; a call whose rules cannot score loses their rows instead (its pages compute)."""
    S = Submission
    by_call: dict[int, list[tuple[int, str]]] = {}
    # The submissions' rows are locked (PostgreSQL; SQLite has one writer at a time) until
    # this transaction ends, in id order: two evaluations of one proposal committed at once
    # are aggregated one transaction after the other, the second seeing the first's (each
    # alone would store an aggregate without the other's). NO KEY UPDATE leaves the rows free
    # for the foreign keys of other inserts.
    locked = (
        select(S.id, S.call_id, S.reference)
        .where(S.id.in_(list(ids)))
        .order_by(S.id)
        .with_for_update(key_share=True)
    )
    for sid, call_id, reference in projection(locked):
        by_call.setdefault(call_id, []).append((sid, reference))
    connection = db.session.connection()
    for call_id, items in by_call.items():
        found = [sid for sid, _ in items]
        connection.execute(
            delete(EvaluationStanding).where(EvaluationStanding.submission_id.in_(found))
        )
        call = db.session.get(Call, call_id)
        try:
            rules = rules_of(call)
            scores = _scores(call, rules, items, found)
        except ValueError:
            continue
        key = digest(rules)
        connection.execute(
            insert(EvaluationStanding),
            [_row(sid, call_id, key, rules, scores.get(reference)) for sid, reference in items],
        )


def _scores(call, rules, items, found) -> dict[str, scoring.ProposalScore]:
    only = found if len(found) <= _WHOLE_CALL else None
    evaluations = call_rows.scoring_evaluations(call, only)
    return scoring.score_proposals(rules, [e for sid in found for e in evaluations.get(sid, ())])


def _row(sid, call_id, key, rules, score) -> dict:
    row = {"submission_id": sid, "call_id": call_id, "rules": key}
    if score is None:
        return row | {"total": None, "passes": False, "disagreements": ""}
    made = summary(rules, score)
    return row | {
        "total": made.total,
        "passes": made.passes,
        "disagreements": "\n".join(made.disagreements),
    }


# Reading ---------------------------------------------------------------------------------------


def standings(
    call: Call, rules: scoring.CallRules, submissions: Iterable[call_rows.SubmissionRow]
) -> dict[int, Standing | None]:
    """Submission id -> its standing, None while it has no submitted evaluation: the stored
    rows of the call's rules, the others computed here (in one query of their scores)."""
    refresh()
    key = digest(rules)
    E = EvaluationStanding
    stored = {
        sid: (rules_key, total, passes, disagreements)
        for sid, rules_key, total, passes, disagreements in projection(
            select(E.submission_id, E.rules, E.total, E.passes, E.disagreements).where(
                E.call_id == call.id
            )
        )
    }
    out: dict[int, Standing | None] = {}
    missing = []
    for s in submissions:
        row = stored.get(s.id)
        if row is None or row[0] != key:
            missing.append(s)
        elif row[1] is None:
            out[s.id] = None
        else:
            codes = tuple(row[3].split("\n")) if row[3] else ()
            out[s.id] = Standing(row[1], rules.max_total, bool(row[2]), codes)
    if missing:
        scores = full_scores(call, rules, missing)
        out.update({sid: summary(rules, x) if x else None for sid, x in scores.items()})
    return out


def full_scores(
    call: Call, rules: scoring.CallRules, submissions: list[call_rows.SubmissionRow]
) -> dict[int, scoring.ProposalScore | None]:
    """Submission id -> its full score from its evaluations (criterion by criterion, who
    gave what), for the few submissions a page shows in detail."""
    only = [s.id for s in submissions] if len(submissions) <= _WHOLE_CALL else None
    evaluations = call_rows.scoring_evaluations(call, only)
    return call_rows.proposal_scores(rules, submissions, evaluations)
