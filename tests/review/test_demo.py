"""The demo evaluation: the AMIF call's work in progress (declarations of every kind, nobody in
conflict assigned, drafts and submissions) and the ISF call's complete ranking, ready to be
finalised; deterministic and idempotent."""

from decimal import Decimal

from sqlalchemy import func, select

from grants.accounts.services import user_by_email
from grants.audit.models import AuditEntry
from grants.calls.models import Call, CallStatus
from grants.extensions import db as _db
from grants.proposals.models import Submission
from grants.review import consensus, ranking, services
from grants.review.models import (
    Assignment,
    AssignmentState,
    ConflictDeclaration,
    ConflictKind,
    ConsensusReport,
    ConsensusState,
    Evaluation,
    EvaluationState,
    EvaluatorProfile,
)
from seed.demo import load_demo
from seed.demo_calls import load_demo_calls
from seed.demo_proposals import load_demo_proposals
from seed.demo_review import CALL, DISAGREEMENTS, RANKING_CALL, SCORES, load_demo_review


def _call(db, reference: str) -> Call:
    return db.session.scalar(select(Call).where(Call.reference == reference))


def _load(db) -> str:
    load_demo()
    load_demo_calls()
    load_demo_proposals()
    return load_demo_review()


def _state(db) -> dict:
    """What a second run of the loaders must leave exactly as it was."""
    isf = _call(db, RANKING_CALL)
    return {
        "assignments": sorted(
            (a.id, a.evaluator_id, a.state.value) for a in db.session.scalars(select(Assignment))
        ),
        "evaluations": sorted(
            (e.id, e.state.value, e.version) for e in db.session.scalars(select(Evaluation))
        ),
        "reports": sorted(
            (r.id, r.rapporteur_id, r.state.value, r.version)
            for r in db.session.scalars(select(ConsensusReport))
        ),
        "audit": db.session.scalar(select(func.count(AuditEntry.id))),
        "profiles": db.session.scalar(select(func.count(EvaluatorProfile.id))),
        "ranking": ranking.build(isf).digest,
    }


def test_demo_review(db, mailbox):
    """One load for both calls (loading the demo takes a while), then a second one."""
    message = _load(db)
    assert "6 evaluators created" in message, message
    _check_work_in_progress(db, message)
    _check_ranking_ready_to_finalise(db, message)
    _check_idempotent_and_finalisable(db)


def _check_work_in_progress(db, message: str) -> None:
    assert f"{CALL}: 27 assignments (2 awaiting a declaration)" in message, message
    assert db.session.scalar(select(func.count(EvaluatorProfile.id))) == 9
    call = _call(db, CALL)
    rows = services.call_assignments(call)
    states = {s: sum(1 for a in rows if a.state == s) for s in AssignmentState}
    assert states[AssignmentState.CONFLICT] == 1
    assert states[AssignmentState.PENDING_DECLARATION] == 2
    assert states[AssignmentState.ACTIVE] == len(rows) - 3
    for a in rows:
        assert services.likely_conflicts(a.submission, a.evaluator) == []
    staffed = {s.proposal_id for s in services.evaluable_submissions(call)}
    assert staffed and staffed == {a.proposal_id for a in rows}
    kinds = [
        e.state
        for e in db.session.scalars(
            select(Evaluation).join(Assignment).where(Assignment.call_id == call.id)
        )
    ]
    assert EvaluationState.SUBMITTED in kinds and EvaluationState.DRAFT in kinds
    assert len(kinds) == 6
    # evaluators 1 to 3 still have work in their queue
    for n in (1, 2, 3):
        q = services.queue(user_by_email(f"evaluator{n}@thb-demo.eu"), call_id=call.id)
        assert any(q.states[a.id] != "submitted" for a in q.rows), n
    view = ranking.build(call)
    assert view.awaiting and view.problems  # nothing to finalise here yet


def _check_ranking_ready_to_finalise(db, message: str) -> None:
    assert (
        f"{RANKING_CALL}: 36 assignments, 36 evaluations submitted, "
        "12 consensus reports approved" in message
    ), message
    call = _call(db, RANKING_CALL)
    assert call.status == CallStatus.UNDER_EVALUATION
    submissions = services.evaluable_submissions(call)
    assert len(submissions) == 12
    assert {s.content["acronym"] for s in submissions} == set(SCORES)
    manager = user_by_email("manager@thb-demo.eu")

    # three evaluators each, all free of conflict, all submitted
    for s in submissions:
        rows = [a for a in services.call_assignments(call) if a.submission_id == s.id]
        assert len(rows) == 3 and {a.state for a in rows} == {AssignmentState.ACTIVE}
        for a in rows:
            assert [d.kind for d in a.declarations] == [ConflictKind.NONE]
            assert a.evaluation.state == EvaluationState.SUBMITTED
            for score in a.evaluation.scores:
                assert len(score.comment) >= score.criterion.min_comment_length
        report = consensus.report_of(s)
        assert report.state == ConsensusState.APPROVED
        assert report.approved_by_id == manager.id
        assert report.rapporteur_id in {a.evaluator_id for a in rows}
        for score in report.scores:
            assert len(score.comment) >= score.criterion.min_comment_length
        # everything happened after the deadline
        assert min(a.evaluation.submitted_at for a in rows) > call.deadline_at

    # at least one strong disagreement, beyond the call's gap
    flagged = {}
    for s in submissions:
        score = consensus.proposal_score(s)
        for code in score.disagreements:
            result = score.criterion(code)
            assert result.spread > result.gap
            flagged[(s.content["acronym"], code)] = result
    assert set(DISAGREEMENTS) <= set(flagged)

    view = ranking.build(call)
    assert view.awaiting == []
    assert view.problems == []
    assert [s.content["acronym"] for s in view.excluded] == ["FOLLOW-MONEY-22DE"]
    outcome = {
        row.label: group
        for t in view.topics
        for group in ("selected", "reserve", "not_selected", "below_threshold")
        for row in getattr(t, group)
    }
    assert outcome == {
        "ASSET-RECOVERY-22GR": "selected",
        "FOLLOW-MONEY-22ES": "selected",
        "CRYPTO-TRACE-22IT": "reserve",
        "FOLLOW-MONEY-22LT": "reserve",
        "JIT-FLOWS-22PT": "reserve",
        "FOLLOW-MONEY-22BG": "not_selected",
        "ASSET-RECOVERY-22RO": "below_threshold",
        "DIGI-TRACE-22LT": "selected",
        "ONLINE-ADS-22DE": "selected",
        "DIGI-TRACE-22BE": "selected",
        "E-EVIDENCE-22GR": "reserve",
        "ONLINE-ADS-22ES": "below_threshold",
    }
    # the budget line cuts every topic: something is left, but not enough for the next one
    for t in view.topics:
        assert t.budget == Decimal("2000000") and Decimal(0) < t.leftover < t.budget
        assert t.reserve and t.reserve[0].submission.eu_contribution > t.leftover
    # the consensus that settled the disagreement counts, not the mean
    # (the ranking reads the approved consensus only; the proposal's page shows the mean)
    jit = next(row for row in view.rows.values() if row.label == "JIT-FLOWS-22PT")
    assert jit.score.final_scores()["relevance"] == Decimal("21")
    submission = _db.session.get(Submission, jit.submission.id)
    full = consensus.proposal_score(submission, with_consensus=True)
    jit = full.criterion("relevance")
    assert jit.consensus == Decimal("21") and jit.aggregate == Decimal("22")
    # a larger budget selects more: what the user can try on the ranking page
    more = ranking.build(call, {"FIN": Decimal("2600000")})
    assert more.what_if is not None


def _check_idempotent_and_finalisable(db) -> None:
    # a second run changes nothing
    before = _state(db)
    again = _load(db)
    assert "0 evaluators created" in again, again
    assert f"{CALL}: assignments already there" in again, again
    assert f"{RANKING_CALL}: evaluation already done" in again, again
    assert _state(db) == before
    assert db.session.scalar(select(func.count(ConflictDeclaration.id))) == len(
        before["assignments"]
    ) - sum(1 for _, _, state in before["assignments"] if state == "pending_declaration")

    # the user finalises the ranking; the demo can still be loaded again
    call = _call(db, RANKING_CALL)
    view = ranking.build(call)
    final = ranking.finalise(call, view.digest, user_by_email("manager@thb-demo.eu"))
    assert final.sha256 == view.digest
    assert "the ranking is final" in _load(db)
    assert ranking.build(call).problems  # finalised: nothing more to do
