"""Individual evaluations: step and range checks, comment lengths, drafts, the optimistic
lock, submission, others' evaluations after one's own, access, save and next, the panel."""

from __future__ import annotations

from decimal import Decimal

import pytest

from grants.review import evaluation as ev
from grants.review import services
from grants.review.models import AssignmentState, EvaluationState
from tests.conftest import login

COMMENT = (
    "The proposal addresses the early identification of non-EU victims of trafficking with a "
    "credible referral mechanism between shelters, labour inspectors and the police; the "
    "partners have long experience of specialised shelters for women and girls."
)


def _full(a, points="10"):
    return {c.id: {"points": points, "comment": COMMENT} for c in a.call.criteria}


@pytest.fixture
def setup(closed_call, create_evaluator, create_assignment):
    _, subs = closed_call(n=2)
    evaluator = create_evaluator()
    a = create_assignment(subs[0], evaluator, AssignmentState.ACTIVE)
    return a, evaluator, subs, create_assignment, create_evaluator


def test_steps_range_and_drafts_without_completeness(db, setup):
    a, evaluator, *_ = setup
    first = a.call.criteria[0]
    for bad in ("10.25", "31", "-1", "abc"):
        with pytest.raises(ev.EvaluationError) as exc:
            ev.save_draft(a, {first.id: {"points": bad, "comment": ""}}, 0, evaluator)
        assert "steps of 0.5" in exc.value.errors[first.id][0]
    e = ev.save_draft(a, {first.id: {"points": "12.5", "comment": "Short"}}, 0, evaluator)
    assert e.state == EvaluationState.DRAFT and e.score_for(first.id).points == Decimal("12.5")
    assert services.queue(evaluator).states[a.id] == "draft"


def test_stale_save_is_refused(db, setup):
    a, evaluator, *_ = setup
    e = ev.save_draft(a, {}, 0, evaluator)
    old = e.version
    ev.save_draft(a, {}, old, evaluator)
    with pytest.raises(ev.StaleEvaluation):
        ev.save_draft(a, {}, old, evaluator)


def test_submit_needs_every_score_and_long_comments_then_is_immutable(db, setup):
    a, evaluator, *_ = setup
    data = _full(a)
    first = a.call.criteria[0]
    data[first.id]["comment"] = "Too short."
    with pytest.raises(ev.EvaluationError) as exc:
        ev.submit_evaluation(a, data, 0, evaluator)
    assert list(exc.value.errors) == [first.id]
    assert "at least 200 characters" in exc.value.errors[first.id][0]
    e = ev.submit_evaluation(a, _full(a), 0, evaluator)
    assert e.is_submitted and e.submitted_at
    assert services.queue(evaluator).done == 1
    with pytest.raises(ev.EvaluationError, match="submitted"):
        ev.save_draft(a, {}, e.version, evaluator)


def test_conflict_or_removal_ends_the_evaluation(db, client, login_as, setup, create_user):
    a, evaluator, *_ = setup
    ev.save_draft(a, {}, 0, evaluator)
    login_as(evaluator)
    assert client.get(f"/review/assignments/{a.id}/evaluate").status_code == 200
    services.remove(a, "Replaced", create_user(roles=("programme_manager",)))
    assert client.get(f"/review/assignments/{a.id}/evaluate").status_code == 404
    with pytest.raises(ev.EvaluationError):
        ev.save_draft(a, {}, 1, evaluator)


def test_others_hidden_until_own_submitted_and_applicant_sees_no_names(
    app, db, client, login_as, setup, create_user
):
    a, evaluator, subs, create_assignment, create_evaluator = setup
    other = create_evaluator(name="Zdenka Zeta-Reviewer")
    b = create_assignment(subs[0], other, AssignmentState.ACTIVE)
    distinctive = COMMENT + " Distinctive remark by the second evaluator."
    ev.submit_evaluation(
        b, {c.id: {"points": "7.5", "comment": distinctive} for c in b.call.criteria}, 0, other
    )
    login_as(evaluator)
    page = client.get(f"/review/assignments/{a.id}/evaluate").get_data(as_text=True)
    assert "Distinctive remark" not in page and "Evaluator A" not in page
    response = client.post(
        f"/review/assignments/{a.id}/evaluate",
        data={"version": "0", "submit_evaluation": "1"}
        | {f"score_{c.id}": "10" for c in a.call.criteria}
        | {f"comment_{c.id}": COMMENT for c in a.call.criteria},
    )
    assert response.status_code == 302
    page = client.get(f"/review/assignments/{a.id}/evaluate").get_data(as_text=True)
    assert "Distinctive remark" in page and "Evaluator A" in page
    assert "Zdenka" not in page
    manager = create_user(roles=("programme_manager",))
    assert [o.label for o in ev.others(a, manager)] == ["Zdenka Zeta-Reviewer"]
    applicant = subs[0].proposal.created_by
    applicant_client = app.test_client()
    login(applicant_client, applicant)
    for url in (f"/proposals/{subs[0].proposal_id}", f"/submissions/{subs[0].id}"):
        response = applicant_client.get(url)
        assert response.status_code == 200
        body = response.get_data(as_text=True)
        assert "Zdenka" not in body, url
        assert evaluator.full_name not in body, (url, applicant.full_name)
        assert "Distinctive remark" not in body


def test_form_errors_are_tied_to_fields(db, client, login_as, setup):
    a, evaluator, *_ = setup
    login_as(evaluator)
    first = a.call.criteria[0]
    page = client.post(
        f"/review/assignments/{a.id}/evaluate",
        data={"version": "0", "submit_evaluation": "1", f"score_{first.id}": "10.3"},
    ).get_data(as_text=True)
    assert f'id="score_{first.id}-error"' in page and "steps of 0.5" in page
    assert ev.evaluation_of(a) is None


def test_other_evaluators_assignment_is_404(db, client, login_as, setup):
    a, _, _, _, create_evaluator = setup
    login_as(create_evaluator())
    assert client.get(f"/review/assignments/{a.id}/evaluate").status_code == 404


def test_save_and_next_goes_to_the_next_assignment(db, client, login_as, setup):
    a, evaluator, subs, create_assignment, _ = setup
    b = create_assignment(subs[1], evaluator, AssignmentState.ACTIVE)
    login_as(evaluator)
    first = a.call.criteria[0]
    response = client.post(
        f"/review/assignments/{a.id}/evaluate",
        data={"version": "0", "save_next": "1", f"score_{first.id}": "20"},
    )
    assert response.status_code == 302
    assert response.location.endswith(f"/review/assignments/{b.id}/evaluate")
    queue = client.get("/review").get_data(as_text=True)
    assert "0 of 2 done" in queue and "Draft" in queue and "To evaluate" in queue


def test_alignment_panel_shows_evidence_for_a_claimed_priority(db, client, login_as, setup):
    a, evaluator, *_ = setup
    panel = ev.alignment_panel(a.submission)
    code = a.call.priorities[0].priority_code
    row = next(r for r in panel.rows if r.code == code)
    assert row.claimed and any(e.kind == "claim" for e in row.evidence)
    assert ev.alignment_panel(a.submission) is panel  # cached by the snapshot's hash
    login_as(evaluator)
    page = client.get(f"/review/assignments/{a.id}/evaluate").get_data(as_text=True)
    assert "Alignment with the call's priorities" in page and row.label in page
