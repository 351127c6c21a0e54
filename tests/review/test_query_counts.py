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
        programme.decide_checks(
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


def test_the_review_queue_reads_no_json_column_of_what_it_joins(app, db, call_of):
    """The queue shows a call by its reference and a submission by its label: the call's
    rules, the submission's snapshot, checks and list columns (JSON each, decoded row by row)
    are not read, for the assignments nor for the consensus reports."""
    from sqlalchemy import JSON, event

    from grants.calls.models import Call
    from grants.proposals.models import Submission
    from tests.conftest import login

    make, _manager = call_of
    setup = make(2)
    client = app.test_client()
    assert login(client, setup.evaluators[0]).status_code == 302
    client.get("/review")
    seen = []

    def before(conn, cursor, statement, *args):
        seen.append(statement)

    event.listen(db.engine, "before_cursor_execute", before)
    try:
        html = client.get("/review").get_data(as_text=True)
    finally:
        event.remove(db.engine, "before_cursor_execute", before)
    assert setup.submissions[0].label in html and "Consensus reports you write" in html
    for model in (Call, Submission):
        table = model.__table__
        for column in table.columns:
            if isinstance(column.type, JSON):  # as the table or a joined alias of it
                read = re.compile(rf"\b{table.name}(_\d+)?\.{column.name}\b")
                assert not any(read.search(s) for s in seen), column


def test_the_manager_page_reads_in_three_statements_after_the_session(app, db, call_of, client):
    """One proposal's manager page: the submission with its report and the ranking's finality,
    the criteria with the consensus scores, the assignments with their evaluations and scores
    (plus the login session's one); its criteria in their order with the consensus of each,
    and of the submission and call no JSON column but the tie-breaks (the title shown is the
    submission's column, not its snapshot's); the page shows the submitted title."""
    from sqlalchemy import JSON, event

    from grants.calls.models import Call
    from grants.proposals.models import Submission
    from grants.review.consensus import report_of
    from tests.conftest import login

    make, manager = call_of
    setup = make(2)
    submission = setup.submissions[-1]
    url = PAGES["one proposal's manager page"].format(submission.id)
    assert login(client, manager).status_code == 302
    client.get(url)
    seen = []

    def before(conn, cursor, statement, *args):
        seen.append(statement)

    event.listen(db.engine, "before_cursor_execute", before)
    try:
        html = client.get(url).get_data(as_text=True)
    finally:
        event.remove(db.engine, "before_cursor_execute", before)
    assert len(seen) == 4, seen
    report = report_of(submission)
    labels = [c.label for c in submission.call.criteria]
    consensus = html[html.index('id="consensus-title"') :]
    assert [consensus.index(label) for label in labels] == sorted(
        consensus.index(label) for label in labels
    )
    assert all(s.comment in consensus for s in report.scores if s.comment)
    assert submission.title and submission.title in html
    shown = {(Call, "tie_break_rules")}
    for model in (Call, Submission):
        table = model.__table__
        for column in table.columns:
            if isinstance(column.type, JSON) and (model, column.name) not in shown:
                read = re.compile(rf"\b{table.name}(_\d+)?\.{column.name}\b")
                assert not any(read.search(s) for s in seen), column


@pytest.fixture
def manager(create_user):
    return create_user(roles=("programme_manager",))


@pytest.fixture
def half_way(db, evaluated_call, approve_consensus, create_evaluator, create_assignment, manager):
    """A call of `n` proposals (n a multiple of 3) and one ineligible: a third with an approved
    consensus, a third with a rapporteur appointed (a draft), a third without; every proposal
    has one more evaluator still to declare (an outstanding evaluation)."""
    from grants.review import consensus

    def make(n: int):
        setup = evaluated_call(n=n, ineligible=1)
        for i, submission in enumerate(setup.submissions):
            rapporteur = setup.evaluators[i % len(setup.evaluators)]
            if i % 3 == 0:
                approve_consensus(submission, rapporteur=rapporteur, manager=manager)
            elif i % 3 == 1:
                consensus.appoint(submission, rapporteur, manager)
            late = create_evaluator(name=f"Pending {n}-{i}", organisation=f"Pending {n}-{i}")
            create_assignment(submission, late, AssignmentState.PENDING_DECLARATION)
        db.session.commit()
        return setup

    return make


def test_a_call_half_way_through_its_evaluation_issues_the_same_statements_at_two_sizes(
    app, half_way, manager, login_as, client
):
    """Proposals still awaiting their consensus (with and without a rapporteur) and one not
    evaluated: the ranking says why for each and the dashboard names the rapporteurs, in as
    many statements for 3 proposals as for 6."""
    small, large = half_way(3), half_way(6)
    login_as(manager)
    counts, pages = {}, {}
    for name in ("evaluation dashboard", "ranking page"):
        url = PAGES[name]
        for setup in (small, large):
            client.get(url.format(setup.call.id))  # per-process caches (alignment) warm
        found = [statements(app, client, url.format(s.call.id)) for s in (small, large)]
        counts[name] = tuple(count for count, _ in found)
        pages[name] = found[1][1]
    assert all(a == b for a, b in counts.values()), counts
    ranking, board = pages["ranking page"], pages["evaluation dashboard"]
    awaiting = re.search(r'<ul id="awaiting">(.*?)</ul>', ranking, re.S).group(1)
    assert awaiting.count("1 evaluation outstanding; no rapporteur yet") == 2, awaiting
    assert awaiting.count("1 evaluation outstanding</li>") == 2, awaiting
    assert large.ineligible[0].content["acronym"] in ranking.split("Not evaluated")[1]
    table = board.split('id="proposals-title"')[1]
    for i, s in enumerate(large.submissions):
        row = re.search(rf"{re.escape(s.label)}</a>.*?</tr>", table, re.S).group(0)
        named = large.evaluators[i % len(large.evaluators)].full_name
        assert (named in row) == (i % 3 != 2), (i, row)
        # assigned (3 active, one to declare), declared, evaluated
        assert re.findall(r'<td class="text-end"[^>]*>([^<]*)</td>', row)[:3] == ["4", "3", "3"]


def test_a_finalised_ranking_issues_the_same_statements_at_two_sizes(
    app, call_of, login_as, client
):
    """A finalised ranking also shows who finalised it, what publishing would write and why
    it could not: as many statements for 2 proposals as for 6."""
    from grants.review import ranking as ranking_service

    make, manager = call_of
    small, large = make(2), make(6)
    for setup in (small, large):
        ranking_service.finalise(setup.call, ranking_service.build(setup.call).digest, manager)
    login_as(manager)
    url = PAGES["ranking page"]
    for setup in (small, large):
        client.get(url.format(setup.call.id))
    found = [statements(app, client, url.format(s.call.id)) for s in (small, large)]
    assert found[0][0] == found[1][0], [count for count, _ in found]
    for (_, html), n in zip(found, (2, 6), strict=True):
        assert f"by {manager.full_name}" in html
        assert f"every applicant's result letter ({n} in all)" in html


def test_one_proposals_manager_page_issues_the_same_statements_for_2_and_5_evaluators(
    app, evaluated_call, create_user, login_as, client
):
    """Each evaluator's name, evaluation and scores come with the page's batch reads, not three
    more statements per evaluator (48 statements for 3 evaluators before, issue 16)."""
    manager = create_user(roles=("programme_manager",))
    two, five = evaluated_call(n=1, evaluators=2), evaluated_call(n=1, evaluators=5)
    login_as(manager)
    url = PAGES["one proposal's manager page"]
    counts = []
    for setup in (two, five):
        client.get(url.format(setup.submissions[0].id))
        count, html = statements(app, client, url.format(setup.submissions[0].id))
        assert all(e.full_name in html for e in setup.evaluators)
        counts.append(count)
    assert counts[0] == counts[1], counts
