"""The dashboard's sections: what each role has to do now, in a number of queries that does
not grow with the data."""

from __future__ import annotations

import re
from datetime import timedelta

from sqlalchemy import event

from grants import clock
from grants.jobs import services as jobs
from grants.jobs.models import JobState
from grants.main.dashboard import days_left
from grants.review.models import AssignmentState, ConsensusReport, Outcome, ResultLetter
from tests.factories.review import close_call


def statements(app, client, url="/dashboard") -> tuple[int, str]:
    from grants.extensions import db

    seen = []

    def before(conn, cursor, statement, *args):
        seen.append(statement)

    event.listen(db.engine, "before_cursor_execute", before)
    try:
        response = client.get(url)
    finally:
        event.remove(db.engine, "before_cursor_execute", before)
    assert response.status_code == 200
    return len(seen), response.get_data(as_text=True)


def section_text(html: str, key: str) -> str:
    found = re.search(rf'<section[^>]*id="{key}".*?</section>', html, re.S)
    return re.sub(r"\s+", " ", re.sub(r"<[^>]+>", " ", found.group(0))) if found else ""


def test_days_left_counts_whole_days_and_says_overdue():
    now = clock.now()
    assert days_left(now + timedelta(days=3, hours=2), now) == "3 days left"
    assert days_left(now + timedelta(days=1, hours=1), now) == "1 day left"
    assert days_left(now + timedelta(hours=5), now) == "due today"
    assert days_left(now - timedelta(hours=1), now) == "1 day overdue"
    assert days_left(now - timedelta(days=2, hours=1), now) == "2 days overdue"


def _applicant_data(db, create_call, create_proposal, submit_proposal, organisation, user, k):
    open_call = create_call(reference=f"OPEN-{k}")
    for _ in range(k):
        create_proposal(call=open_call, organisation=organisation, user=user, complete=False)
        submit_proposal(create_proposal(call=open_call, organisation=organisation, user=user))
    submitted = submit_proposal(create_proposal(organisation=organisation, user=user))
    db.session.add(
        ResultLetter(
            call_id=submitted.call_id,
            proposal_id=submitted.proposal_id,
            submission_id=submitted.id,
            outcome=Outcome.SELECTED,
            rank=1,
        )
    )
    db.session.commit()


def test_the_applicant_sees_drafts_with_countdown_and_missing_items_submissions_and_results(
    app,
    client,
    db,
    login_as,
    create_call,
    create_proposal,
    submit_proposal,
    create_organisation,
    create_user,
):
    org = create_organisation()
    applicant = create_user(organisation=org)
    _applicant_data(db, create_call, create_proposal, submit_proposal, org, applicant, 1)
    login_as(applicant)
    small, html = statements(app, client)
    drafts = section_text(html, "applicant-drafts")
    assert "closes in" in drafts and "missing" in drafts and "Give the proposal" in drafts
    assert 'data-countdown="' in re.search(r'id="applicant-drafts".*?</section>', html, re.S).group(
        0
    )
    assert "OPEN-1" in drafts
    assert "submitted" in section_text(html, "applicant-submitted")
    assert "Selected for funding" in section_text(html, "applicant-results")

    _applicant_data(db, create_call, create_proposal, submit_proposal, org, applicant, 5)
    large, html = statements(app, client)
    assert section_text(html, "applicant-drafts").count("missing:") == 6
    assert large == small

    other = create_user(organisation=create_organisation())
    client.post("/logout")
    login_as(other)
    _, html = statements(app, client)
    assert "OPEN-1" not in html and "Selected for funding" not in html  # not their proposals


def test_the_evaluator_sees_due_work_overdue_first_and_consensus_to_write(
    app, client, db, login_as, closed_call, create_evaluator, create_assignment
):
    evaluator = create_evaluator()
    call, subs = closed_call(n=3)
    late = create_assignment(subs[0], evaluator)
    late.due_at = clock.now() - timedelta(days=2, hours=1)
    create_assignment(subs[1], evaluator, AssignmentState.ACTIVE)
    db.session.add(
        ConsensusReport(
            call_id=call.id,
            proposal_id=subs[2].proposal_id,
            submission_id=subs[2].id,
            rapporteur_id=evaluator.id,
        )
    )
    db.session.commit()
    login_as(evaluator)
    small, html = statements(app, client)
    due = section_text(html, "evaluator-due")
    assert due.index("2 days overdue") < due.index("days left")
    assert "Declare conflicts of interest" in due and "1 overdue" in due
    assert "Consensus reports to write" in html

    _, more = closed_call(n=4)
    for s in more:
        create_assignment(s, evaluator)
    large, html = statements(app, client)
    assert section_text(html, "evaluator-due").count("Declare conflicts") == 5
    assert large == small


def test_the_manager_sees_each_open_or_evaluating_call_and_failed_work(
    app,
    client,
    db,
    login_as,
    create_user,
    closed_call,
    create_evaluator,
    create_assignment,
    create_call,
    create_proposal,
    submit_proposal,
    evaluated,
    approve_all,
):
    manager = create_user(roles=("programme_manager",))
    login_as(manager)

    def add_calls(k):
        for _ in range(k):
            call, subs = closed_call(n=2)
            evaluator = create_evaluator()
            create_assignment(subs[0], evaluator)
            create_assignment(subs[1], evaluator, AssignmentState.ACTIVE)
            submit_proposal(create_proposal(call=create_call()))

    add_calls(1)
    call, subs, _ = evaluated(n=2)
    approve_all(call, subs, manager)
    small, html = statements(app, client)
    calls = section_text(html, "manager-calls")
    assert "Submissions so far 2" in calls and "Declarations pending 1" in calls
    assert "Evaluations not submitted 2" in calls
    assert calls.count("Ranking ready to finalise") == 1
    assert "Open" in calls  # the open call with its one submission
    assert "manager-failed" not in html  # nothing failed: no section

    job = jobs.enqueue("mail.send", {"message_id": 0}, title="A result e-mail")
    job.state, job.last_error = JobState.FAILED, "SMTPRecipientsRefused: no such mailbox"
    db.session.commit()
    add_calls(3)
    large, html = statements(app, client)
    assert "no such mailbox" in section_text(html, "manager-failed")
    assert section_text(html, "manager-calls").count("Declarations pending 1") == 4
    assert large == small + 1  # the failed-work section: its count and its list


def test_the_managers_call_counts_follow_overrides_and_due_dates(
    app,
    client,
    db,
    login_as,
    create_user,
    evaluated,
    approve_consensus,
    create_evaluator,
    create_assignment,
):
    from grants.proposals import programme

    manager = create_user(roles=("programme_manager",))
    call, subs, _ = evaluated(n=3)
    for submission in subs[:2]:
        approve_consensus(submission, manager=manager)
    late = create_assignment(subs[2], create_evaluator(), AssignmentState.PENDING_DECLARATION)
    late.due_at = clock.now() - timedelta(days=1)
    db.session.commit()
    login_as(manager)
    _, html = statements(app, client)
    calls = section_text(html, "manager-calls")
    assert "Declarations pending 1" in calls and "(1 overdue)" in calls
    assert "Ranking ready to finalise" not in calls  # the third proposal has no consensus
    # the third found inadmissible by the programme: two evaluable, both approved
    programme.decide_checks(subs[2], manager, "overridden", "No mandate letter.", False, True)
    _, html = statements(app, client)
    calls = section_text(html, "manager-calls")
    assert "Ranking ready to finalise" in calls and "Submissions so far 3" in calls


def test_a_call_not_open_yet_or_finished_is_not_listed(
    app, client, db, login_as, create_user, create_call
):
    manager = create_user(roles=("programme_manager",))
    upcoming = create_call(reference="LATER-1")
    upcoming.opens_at = clock.now() + timedelta(days=5)
    upcoming.deadline_at = clock.now() + timedelta(days=50)
    db.session.commit()
    login_as(manager)
    _, html = statements(app, client)
    assert "LATER-1" not in section_text(html, "manager-calls")
    close_call(db, upcoming)
    _, html = statements(app, client)
    assert "LATER-1" in section_text(html, "manager-calls")


def test_a_draft_of_a_call_closing_within_three_days_is_nudged_to_submit_early(
    client, db, login_as, create_call, create_proposal, create_organisation, create_user
):
    org = create_organisation()
    applicant = create_user(organisation=org)
    soon = create_call(
        reference="SOON-1", deadline_at=clock.now() + timedelta(days=2, hours=3, minutes=30)
    )
    later = create_call(
        reference="LATER-1", deadline_at=clock.now() + timedelta(days=20, minutes=30)
    )
    for call in (soon, later):
        create_proposal(call=call, organisation=org, user=applicant, complete=False)
    login_as(applicant)
    html = client.get("/dashboard").get_data(as_text=True)
    items = section_html(html, "applicant-drafts").split('<li class="list-group-item')[1:]
    by_call = {("SOON-1" if "SOON-1" in i else "LATER-1"): i for i in items}
    assert "Submit early" in by_call["SOON-1"] and "closes in 2 days 3 hours" in by_call["SOON-1"]
    assert "Submit early" not in by_call["LATER-1"] and "closes in 20 days" in by_call["LATER-1"]


def section_html(html: str, key: str) -> str:
    return re.search(rf'<section[^>]*id="{key}".*?</section>', html, re.S).group(0)
