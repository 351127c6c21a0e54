"""Each submission's stored standing (grants.review.standing) is the aggregate of its submitted
evaluations, as computed afresh from them, after every change that moves it: an evaluation
submitted, an evaluator removed or a conflict declared after the fact, changes not committed
yet, rows lost or computed under other rules (issue 16, point 1: the dashboard reads one row
per proposal instead of every score of the call)."""

from __future__ import annotations

import threading
from decimal import Decimal

import pytest
from sqlalchemy import delete, func, select, update

from grants.accounts.models import User
from grants.calls.models import Call
from grants.review import consensus, progress, services, standing
from grants.review import evaluation as ev
from grants.review import rows as call_rows
from grants.review.models import Assignment, AssignmentState, EvaluationScore, EvaluationStanding
from tests.factories.review import consensus_data

SPLIT = [{"relevance": Decimal(28)}, {"relevance": Decimal(10)}, {"relevance": Decimal(20)}]
LOW = [{"impact": Decimal(5)}] * 3  # below the impact threshold: does not pass


def _expected(call) -> dict[int, standing.Standing | None]:
    """Every evaluable submission's standing from its evaluations, one by one (the
    proposal page's path, not the call-wide one)."""
    from grants.extensions import db
    from grants.proposals.models import Submission

    rules = consensus.rules_of(call)
    out = {}
    for row in call_rows.submission_rows(call):
        score = consensus.proposal_score(db.session.get(Submission, row.id))
        out[row.id] = standing.summary(rules, score) if score else None
    return out


def _stored(db, call) -> dict[int, tuple]:
    E = EvaluationStanding
    rows = db.session.execute(
        select(E.submission_id, E.total, E.passes, E.disagreements).where(E.call_id == call.id)
    )
    return {sid: (total, passes, disagreements) for sid, total, passes, disagreements in rows}


def _board(call) -> dict[int, standing.Standing | None]:
    return {r.submission.id: r.score for r in progress.dashboard(call).rows}


def test_submitted_evaluations_write_the_standing_the_evaluations_give(db, evaluated_call):
    setup = evaluated_call(n=3, points={0: SPLIT, 1: LOW})
    s1, s2, s3 = setup.submissions
    expected = _expected(setup.call)
    assert expected[s1.id].disagreements == ("relevance",) and expected[s1.id].passes
    assert not expected[s2.id].passes and expected[s2.id].disagreements == ()
    stored = _stored(db, setup.call)
    assert stored == {
        s.id: (expected[s.id].total, expected[s.id].passes, "\n".join(expected[s.id].disagreements))
        for s in (s1, s2, s3)
    }
    assert _board(setup.call) == expected


def test_removing_an_evaluator_moves_the_standing(db, evaluated_call, create_user):
    manager = create_user(roles=("programme_manager",))
    setup = evaluated_call(n=2, points={0: SPLIT})
    s1, s2 = setup.submissions
    e1, e2, e3 = setup.evaluators
    before = _stored(db, setup.call)[s1.id]
    assert before[2] == "relevance"
    # the evaluator who gave 10 is removed: 28 and 20 are within the gap of 9 points
    services.remove(setup.assignments[(s1.id, e2.id)], "Not available after all.", manager)
    after = _stored(db, setup.call)[s1.id]
    assert after[2] == "" and after[0] - before[0] == Decimal("4.67")  # mean 19.33 -> 24
    assert _board(setup.call) == _expected(setup.call)
    # an evaluator of s2 is removed after evaluating: that evaluation no longer counts
    s2_before = _stored(db, setup.call)[s2.id]
    low = setup.assignments[(s2.id, e3.id)]
    db.session.execute(
        update(EvaluationScore)
        .where(EvaluationScore.evaluation_id == low.evaluation.id)
        .values(points=Decimal(1))
    )
    standing.refresh_call(setup.call)
    assert _stored(db, setup.call)[s2.id] != s2_before
    services.remove(low, "A conflict came to light.", manager)
    assert _stored(db, setup.call)[s2.id] == s2_before
    assert _board(setup.call) == _expected(setup.call)


def test_a_change_not_committed_yet_is_read_in_its_transaction(db, evaluated_call):
    setup = evaluated_call(n=2, evaluators=2, submitted=1)
    s1, _ = setup.submissions
    second = setup.assignments[(s1.id, setup.evaluators[1].id)]
    scores = {c.code: c.max_points * Decimal("0.8") for c in setup.call.criteria}
    data = consensus_data(setup.call, scores | {"relevance": Decimal(2)})
    ev.submit_evaluation(second, data, 0, setup.evaluators[1])  # commits
    assert _board(setup.call)[s1.id].disagreements == ("relevance",)
    second.state = AssignmentState.REMOVED  # flushed by the reading, not committed
    assert _board(setup.call) == _expected(setup.call)
    assert _board(setup.call)[s1.id].disagreements == ()
    db.session.rollback()
    assert _board(setup.call)[s1.id].disagreements == ("relevance",)


def test_lost_or_stale_rows_are_computed_on_reading(db, evaluated_call):
    setup = evaluated_call(n=3, points={0: SPLIT, 1: LOW})
    expected = _expected(setup.call)
    db.session.execute(delete(EvaluationStanding))  # as after a bulk load, or before the table
    assert _board(setup.call) == expected
    # the call's disagreement gap widened: the stored flags were computed under other rules
    standing.refresh_call(setup.call)
    setup.call.disagreement_gap = Decimal(90)
    db.session.commit()
    assert all(not s.disagreements for s in _board(setup.call).values())
    assert _board(setup.call) == _expected(setup.call)


def test_refresh_call_writes_every_current_submission(db, evaluated_call):
    setup = evaluated_call(n=3, submitted=0)
    db.session.execute(delete(EvaluationStanding))
    assert standing.refresh_call(setup.call) == 3
    assert set(_stored(db, setup.call).values()) == {(None, False, "")}
    assert all(score is None for score in _board(setup.call).values())
    count = db.session.scalar(select(func.count()).select_from(EvaluationStanding))
    assert count == 3


@pytest.mark.postgres
def test_two_evaluations_committed_at_once_are_both_counted(app, db, evaluated_call, monkeypatch):
    """Both evaluations of a proposal are flushed before either transaction aggregates: the
    second to aggregate waits for the first to commit and counts both (without the lock each
    stored an aggregate of its own evaluation alone, or the second insert failed)."""
    if db.engine.dialect.name != "postgresql":
        pytest.skip("two writers at once need PostgreSQL (SQLite has one writer at a time)")
    setup = evaluated_call(n=1, evaluators=2, submitted=0)
    (submission,) = setup.submissions
    call_id = setup.call.id
    work = [(setup.assignments[(submission.id, e.id)].id, e.id) for e in setup.evaluators]
    barrier = threading.Barrier(2, timeout=30)
    refresh = standing.refresh

    def refresh_when_both_flushed():
        if threading.current_thread().name.startswith("evaluator"):
            barrier.wait()
        refresh()

    monkeypatch.setattr(standing, "refresh", refresh_when_both_flushed)
    errors = []

    def submit(k: int, relevance: int) -> None:
        try:
            with app.app_context():
                assignment = db.session.get(Assignment, work[k][0])
                call = db.session.get(Call, call_id)
                scores = {c.code: c.max_points * Decimal("0.8") for c in call.criteria}
                data = consensus_data(call, scores | {"relevance": Decimal(relevance)})
                ev.submit_evaluation(assignment, data, 0, db.session.get(User, work[k][1]))
                db.session.remove()
        except Exception as exc:  # reported below
            errors.append(exc)

    threads = [
        threading.Thread(target=submit, args=(k, points), name=f"evaluator-{k}")
        for k, points in enumerate((28, 2))
    ]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(60)
    monkeypatch.setattr(standing, "refresh", refresh)
    assert errors == []
    db.session.expire_all()
    stored = _stored(db, setup.call)[submission.id]
    assert stored[2] == "relevance"  # 28 and 2: both evaluations were aggregated
    assert _board(setup.call) == _expected(setup.call)


def test_the_counted_evaluations_found_among_the_assignments_are_submitted_evaluations(
    db, evaluated_call, create_user
):
    """The manager's page of a proposal finds the counted evaluations among the assignments it
    reads (`counted_among`) instead of reading them again: the same evaluations in the same
    order, whatever was removed, left unsubmitted or submitted in which order."""
    manager = create_user(roles=("programme_manager",))
    setup = evaluated_call(n=2, evaluators=4, submitted=3)
    s1, s2 = setup.submissions
    e1, e2, e3, e4 = setup.evaluators
    services.remove(setup.assignments[(s1.id, e2.id)], "Not available after all.", manager)
    # submitted in an order other than the assignments' (ids)
    first = setup.assignments[(s2.id, e3.id)].evaluation
    first.submitted_at = setup.assignments[(s2.id, e1.id)].evaluation.submitted_at.replace(
        year=2000
    )
    db.session.commit()
    for submission, want in ((s1, [e1, e3]), (s2, [e3, e1, e2])):
        db.session.expire_all()
        read = ev.submitted_evaluations(submission)
        among = ev.counted_among(services.submission_assignments(submission))
        assert [e.id for e in among] == [e.id for e in read]
        assert [e.assignment.evaluator_id for e in among] == [p.id for p in want]
