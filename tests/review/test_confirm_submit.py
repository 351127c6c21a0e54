"""Submitting an evaluation asks once. The form's Submit button posts to the confirmation
route: without JavaScript a complete evaluation gets a confirmation page (nothing submitted
yet, every typed word carried on), an incomplete one goes on to the evaluation route and its
messages; with JavaScript the browser asked and confirmed=yes goes straight on."""

from __future__ import annotations

import re

import pytest

from grants.extensions import db
from grants.review import evaluation as ev
from grants.review.models import AssignmentState, EvaluationState

COMMENT = (
    "The proposal addresses the early identification of non-EU victims of trafficking with a "
    "credible referral mechanism between shelters, labour inspectors and the police;\n"
    "the partners have long experience of specialised shelters for women and girls."
)


@pytest.fixture
def assignment(closed_call, create_evaluator, create_assignment):
    _, subs = closed_call(n=1)
    return create_assignment(subs[0], create_evaluator(), AssignmentState.ACTIVE)


def _form(a, points="10") -> dict:
    return (
        {"version": "0", "submit_evaluation": "Submit evaluation"}
        | {f"score_{c.id}": points for c in a.call.criteria}
        | {f"comment_{c.id}": COMMENT for c in a.call.criteria}
    )


def test_the_form_submits_through_the_confirmation(client, login_as, assignment):
    a = assignment
    login_as(a.evaluator)
    page = client.get(f"/review/assignments/{a.id}/evaluate").get_data(as_text=True)
    assert f'formaction="/review/assignments/{a.id}/confirm-submit"' in page
    assert 'data-confirm="Submit your evaluation now?' in page


def test_without_javascript_a_page_asks_then_submits(client, login_as, assignment):
    a = assignment
    login_as(a.evaluator)
    response = client.post(f"/review/assignments/{a.id}/confirm-submit", data=_form(a))
    assert response.status_code == 200
    page = response.get_data(as_text=True)
    assert "Submit your evaluation of" in page and "can no longer change" in page
    total = sum(10 for _ in a.call.criteria)
    assert re.search(rf"Total</th><td[^>]*>{total} / 100</td>", page)
    assert ev.evaluation_of(a) is None  # nothing submitted or saved yet
    hidden = dict(re.findall(r'<input type="hidden" name="([^"]+)" value="([^"]*)"', page))
    assert hidden["confirmed"] == "yes"
    first = a.call.criteria[0]
    assert "&amp;" not in COMMENT and hidden[f"comment_{first.id}"] == COMMENT

    # "Yes, submit" posts the same data, confirmed, to the evaluation route.
    data = hidden | {"submit_evaluation": "Submit evaluation"}
    response = client.post(f"/review/assignments/{a.id}/evaluate", data=data)
    assert response.status_code == 302
    db.session.expire_all()
    evaluation = ev.evaluation_of(a)
    assert evaluation.state == EvaluationState.SUBMITTED
    assert evaluation.score_for(first.id).comment == COMMENT.strip()


def test_no_keeps_a_draft_with_what_was_typed(client, login_as, assignment):
    a = assignment
    login_as(a.evaluator)
    page = client.post(f"/review/assignments/{a.id}/confirm-submit", data=_form(a))
    hidden = dict(
        re.findall(r'<input type="hidden" name="([^"]+)" value="([^"]*)"', page.get_data(True))
    )
    data = {k: v for k, v in hidden.items() if k != "confirmed"} | {"save": "Save draft"}
    assert client.post(f"/review/assignments/{a.id}/evaluate", data=data).status_code == 302
    db.session.expire_all()
    assert ev.evaluation_of(a).state == EvaluationState.DRAFT


def test_incomplete_or_confirmed_goes_on_to_the_evaluation(client, login_as, assignment):
    a = assignment
    login_as(a.evaluator)
    first = a.call.criteria[0]
    short = _form(a) | {f"comment_{first.id}": "Too short."}
    response = client.post(f"/review/assignments/{a.id}/confirm-submit", data=short)
    assert response.status_code == 307
    assert response.location.endswith(f"/review/assignments/{a.id}/evaluate")
    # A browser sends the same POST again to the new address (the test client cannot).
    page = client.post(response.location, data=short).get_data(as_text=True)
    assert "The comment needs at least" in page and ev.evaluation_of(a) is None
    # Confirmed in the browser: straight on, and submitted.
    confirmed = _form(a) | {"confirmed": "yes"}
    response = client.post(f"/review/assignments/{a.id}/confirm-submit", data=confirmed)
    assert response.status_code == 307
    assert client.post(response.location, data=confirmed).status_code == 302
    db.session.expire_all()
    assert ev.evaluation_of(a).state == EvaluationState.SUBMITTED


def test_someone_elses_assignment_is_404(client, login_as, assignment, create_evaluator):
    login_as(create_evaluator())
    response = client.post(f"/review/assignments/{assignment.id}/confirm-submit", data={})
    assert response.status_code == 404
