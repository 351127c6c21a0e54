"""The call-wide pages (and one proposal's manager page) issue as many SQL statements for a
call of 2 proposals as for one of 6 (issue 16, points 1 and 5): what their templates read is
loaded by the services, in batches.

Each call is fully evaluated by its own evaluators, each proposal's consensus approved with a
different rapporteur, one more evaluator per proposal late with a declaration, and one
submission in each call confirmed by a manager's review, so every per-row read the pages make
(rapporteurs, late evaluators, reviews) grows with the call.
"""

from __future__ import annotations

import re
from datetime import timedelta

import pytest

from grants import clock
from grants.proposals import programme
from grants.review.models import AssignmentState
from tests.main.test_dashboard import statements

PAGES = {
    "evaluation dashboard": "/manage/calls/{}/evaluation",
    "submissions list": "/calls/{}/submissions",
    "ranking page": "/manage/calls/{}/ranking",
    "one proposal's manager page": "/manage/submissions/{}/review",
}


@pytest.fixture
def call_of(
    db, evaluated_call, approve_consensus, create_evaluator, create_assignment, create_user
):
    manager = create_user(roles=("programme_manager",))

    def make(n: int):
        setup = evaluated_call(n=n)
        setup.late = []
        for i, submission in enumerate(setup.submissions):
            rapporteur = setup.evaluators[i % len(setup.evaluators)]
            approve_consensus(submission, rapporteur=rapporteur, manager=manager)
            late = create_evaluator(name=f"Late Evaluator {n}-{i}", organisation=f"Late {n}-{i}")
            setup.late.append(late.full_name)
            late_assignment = create_assignment(
                submission, late, AssignmentState.PENDING_DECLARATION
            )
            late_assignment.due_at = clock.now() - timedelta(days=2)
        db.session.commit()
        programme.review_submission(
            setup.submissions[0], manager, "confirmed", "Checked by hand.", None, None
        )
        return setup

    return make, manager


def test_the_call_wide_pages_issue_the_same_statements_at_two_sizes(app, call_of, login_as, client):
    make, manager = call_of
    small, large = make(2), make(6)
    login_as(manager)
    counts = {}
    for name, url in PAGES.items():
        ids = [small.call.id, large.call.id]
        if name == "one proposal's manager page":
            ids = [small.submissions[-1].id, large.submissions[-1].id]
        for id_ in ids:
            client.get(url.format(id_))  # per-process caches (alignment) warm
        counts[name] = tuple(statements(app, client, url.format(id_))[0] for id_ in ids)
    # The manager page lists its own submission's assignments only.
    html = statements(app, client, PAGES["one proposal's manager page"].format(ids[-1]))[1]
    assert large.late[-1] in html and large.late[0] not in html
    assert all(small_count == large_count for small_count, large_count in counts.values()), counts


def test_the_review_queue_issues_the_same_statements_for_2_and_6_assignments(app, db, call_of):
    """An evaluator's queue (their assignments and the consensus reports they write) reads
    its rows in batches: as many statements for 2 assignments as for 6."""
    from sqlalchemy import func, select

    from grants.review.models import Assignment
    from tests.conftest import login

    make, _manager = call_of
    small = make(2)
    counts, sizes = [], []
    for setup in (small, make(6)):
        evaluator = setup.evaluators[0]  # rapporteur of 1 and of 2 reports
        client = app.test_client()
        assert login(client, evaluator).status_code == 302
        client.get("/review")  # per-process caches warm
        count, html = statements(app, client, "/review")
        k = db.session.scalar(
            select(func.count(Assignment.id)).where(Assignment.evaluator_id == evaluator.id)
        )
        assert f"{k} of {k} done" in html, re.search(r"\d+ of \d+ done", html).group(0)
        counts.append(count)
        sizes.append(k)
    assert sizes[0] < sizes[1]
    assert counts[0] == counts[1], counts
