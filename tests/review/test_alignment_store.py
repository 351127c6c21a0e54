"""The priority alignment stored with each submitted version: enqueued in the submit
transaction, computed once by the job, read back (not recomputed) by the review adapter, and
computed lazily once for a submission that has none; a changed weighting is computed afresh."""

from __future__ import annotations

import pytest
from sqlalchemy import func, select

from grants.jobs.models import Job
from grants.jobs.worker import run_jobs
from grants.review import alignment as stored
from grants.review import evaluation as ev
from grants.review.models import SubmissionAlignment


@pytest.fixture
def submissions(closed_call):
    _, subs = closed_call(n=2)
    ev._results.clear()
    return subs


def _rows(db, submission=None):
    query = select(func.count()).select_from(SubmissionAlignment)
    if submission is not None:
        query = query.where(SubmissionAlignment.submission_id == submission.id)
    return db.session.scalar(query)


def _no_recompute(monkeypatch):
    def refuse(weights):
        raise AssertionError("the alignment was computed again")

    monkeypatch.setattr(stored, "aligner", refuse)


def test_submitting_enqueues_the_job_that_stores_the_alignment_once(db, submissions, monkeypatch):
    sub = submissions[0]
    jobs = db.session.scalars(select(Job).where(Job.kind == stored.JOB)).all()
    assert {j.payload["submission_id"] for j in jobs} == {s.id for s in submissions}
    assert _rows(db) == 0
    assert run_jobs(kinds=[stored.JOB]) == 2
    assert _rows(db) == 2
    row = db.session.scalar(
        select(SubmissionAlignment).where(SubmissionAlignment.submission_id == sub.id)
    )
    fresh = stored.aligner(stored.call_weights(sub)).align(stored.alignment_input(sub))
    assert stored.stored_alignment(sub) == fresh  # the stored result reads back equal
    assert float(row.total) == pytest.approx(fresh.total, abs=0.005)
    # the adapter reads the stored result: nothing is computed again, in any process
    _no_recompute(monkeypatch)
    ev._results.clear()
    panel = ev.alignment_panel(sub)
    assert panel.total == fresh.total
    # the job run again (a retry) stores nothing twice
    stored.compute_alignment({"submission_id": sub.id}, None, None)
    db.session.commit()
    assert _rows(db, sub) == 1


def test_a_submission_without_a_stored_result_is_computed_once_on_first_reading(
    db, client, login_as, submissions, monkeypatch, create_evaluator, create_assignment
):
    from grants.review.models import AssignmentState

    sub = submissions[1]
    sub_id = sub.id
    assert _rows(db, sub) == 0  # an older submission: its job never ran
    evaluator = create_evaluator()
    a = create_assignment(sub, evaluator, AssignmentState.ACTIVE)
    url = f"/review/assignments/{a.id}/evaluate"
    login_as(evaluator)
    page = client.get(url)
    assert page.status_code == 200
    db.session.remove()
    assert _rows(db) == 1  # stored by the GET that first read it, committed
    _no_recompute(monkeypatch)
    ev._results.clear()  # another worker, cold
    assert client.get(url).status_code == 200
    db.session.remove()
    assert _rows(db) == 1
    assert db.session.scalar(select(SubmissionAlignment.submission_id)) == sub_id


def test_changed_weights_are_computed_afresh_and_the_old_result_kept(db, submissions):
    sub = submissions[0]
    first = stored.stored_alignment(sub)
    db.session.commit()
    priority = sub.call.priorities[0]
    priority.weight = priority.weight * 3
    db.session.commit()
    second = stored.stored_alignment(sub)
    db.session.commit()
    assert _rows(db, sub) == 2
    keys = db.session.scalars(
        select(SubmissionAlignment.key).where(SubmissionAlignment.submission_id == sub.id)
    ).all()
    assert len(set(keys)) == 2 and first.proposal_id == second.proposal_id == sub.reference


def test_reading_many_stored_results_takes_one_query(db, closed_call):
    from sqlalchemy import event

    for n in (2, 5):
        _, subs = closed_call(n=n)
        ids = [s.id for s in subs]
        model = type(subs[0])
        run_jobs(kinds=[stored.JOB])
        db.session.remove()
        subs = [db.session.get(model, i) for i in ids]
        for s in subs:
            stored.call_weights(s)  # the call and its priorities, read once
        statements = []

        def count(conn, cursor, statement, *args, statements=statements):
            statements.append(statement)

        event.listen(db.engine, "before_cursor_execute", count)
        try:
            stored.preload(subs)
            results = [stored.stored_alignment(s) for s in subs]
        finally:
            event.remove(db.engine, "before_cursor_execute", count)
        assert all(r is not None for r in results)
        assert sum("submission_alignment" in s for s in statements) == 1, statements


@pytest.mark.parametrize("change", ["method", "descriptors"])
def test_a_new_method_or_changed_descriptors_make_stored_results_stale(
    db, submissions, monkeypatch, change
):
    """A stored result is read back only under the method and descriptors it was computed
    with: after a change it is computed afresh (the old row stays), and read back after that."""
    import dataclasses

    import scoring

    sub = submissions[0]
    first = stored.stored_alignment(sub)
    db.session.commit()
    old_key = stored.result_key(stored.call_weights(sub))
    if change == "method":
        monkeypatch.setattr(scoring, "METHOD_VERSION", scoring.METHOD_VERSION + "-next")
    else:  # the same version number, other content (a digest of other data): stale too
        current = stored.descriptor_set()
        edited = scoring.load_descriptors()
        edited = dataclasses.replace(edited, digest=edited.digest[::-1], _cache={})
        assert edited.version == current.version
        monkeypatch.setattr(stored, "_descriptors", edited)
    new_key = stored.result_key(stored.call_weights(sub))
    assert new_key != old_key
    second = stored.stored_alignment(sub)
    db.session.commit()
    assert _rows(db, sub) == 2 and second.proposal_id == first.proposal_id
    _no_recompute(monkeypatch)
    assert stored.stored_alignment(sub) == second  # now stored under the new key
