"""Each scheduled notice with the clock moved: sent once at its time, caught up after a gap,
never twice; and publishing results as background work with progress."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

from sqlalchemy import select

from grants import clock
from grants.jobs.models import Job, JobState
from grants.jobs.scheduler import tick
from grants.jobs.worker import run_jobs
from grants.notifications.models import Notification, OutboxMessage
from grants.review.models import AssignmentState


def _cycle():
    """One scheduler tick and the worker until nothing is due (mail included)."""
    tick()
    run_jobs()


def _subjects(mailbox, address):
    return [m["Subject"] for m in mailbox.to(address)]


def test_evaluators_are_reminded_7_days_and_1_day_before_once_each(
    db, closed_call, create_evaluator, create_assignment, mailbox
):
    call, (s1, s2) = closed_call(n=2)
    late, done = create_evaluator(), create_evaluator()
    for s in (s1, s2):
        create_assignment(s, late, AssignmentState.ACTIVE)
    finished = create_assignment(s1, done, AssignmentState.ACTIVE)
    due = clock.now() + timedelta(days=21)
    from grants.review import evaluation
    from tests.factories.review import consensus_data

    evaluation.submit_evaluation(
        finished, consensus_data(call, {c.code: c.max_points for c in call.criteria}), 0, done
    )
    clock.freeze(due - timedelta(days=10))
    _cycle()  # registers the schedules
    for _ in range(4):  # four daily runs, 10 to 7 days before: the 7-day one once
        clock.travel(timedelta(days=1))
        _cycle()
    assert _subjects(mailbox, late.email) == [
        f"Reminder: 2 evaluations for {call.reference} due in 7 days"
    ]
    body = mailbox.body(mailbox.last_to(late.email))
    assert s1.label in body and s2.label in body and "/review" in body
    assert mailbox.to(done.email) == []  # nothing unfinished: no reminder
    # The machine is off from 6 days to 12 hours before; at start the 1-day one goes, once.
    clock.travel(timedelta(days=5, hours=12, minutes=30))
    _cycle()
    _cycle()
    assert _subjects(mailbox, late.email)[1:] == [
        f"Reminder: 2 evaluations for {call.reference} due today"
    ]
    assert len(mailbox.to(late.email)) == 2
    notices = db.session.scalars(select(Notification).where(Notification.user_id == late.id)).all()
    assert sorted(n.dedupe_key.rsplit(":", 1)[1] for n in notices) == ["1d", "7d"]


def test_a_reminder_of_one_evaluation_says_it_in_the_singular(
    closed_call, create_evaluator, create_assignment, mailbox
):
    call, (s1,) = closed_call(n=1)
    evaluator = create_evaluator()
    assignment = create_assignment(s1, evaluator, AssignmentState.ACTIVE)
    clock.freeze(assignment.due_at - timedelta(days=8))
    _cycle()  # registers the schedules
    clock.travel(timedelta(days=1))
    _cycle()
    assert _subjects(mailbox, evaluator.email) == [
        f"Reminder: 1 evaluation for {call.reference} due in 7 days"
    ]
    body = " ".join(mailbox.body(mailbox.last_to(evaluator.email)).split())
    assert f"1 evaluation for the call {call.reference} is due in 7 days" in body
    assert "is not finished yet" in body and "(s)" not in body


def test_overdue_evaluations_are_flagged_once_to_the_evaluator_and_to_managers(
    db, closed_call, create_evaluator, create_assignment, create_user, mailbox
):
    manager = create_user(roles=("programme_manager",))
    call, (s1,) = closed_call(n=1)
    evaluator = create_evaluator()
    assignment = create_assignment(s1, evaluator)
    clock.freeze(assignment.due_at + timedelta(hours=1))
    _cycle()
    clock.travel(timedelta(days=1))
    _cycle()
    clock.travel(timedelta(days=1))
    _cycle()
    assert _subjects(mailbox, evaluator.email) == [
        f"Overdue: your evaluation of {s1.label} ({call.reference})"
    ]
    # Managers hear of it in their daily digest by default: one notice per call and day.
    notices = db.session.scalars(
        select(Notification).where(Notification.user_id == manager.id)
    ).all()
    assert [n.subject for n in notices] == [f"1 evaluation overdue in {call.reference}"] * 2
    assert {n.channel.value for n in notices} == {"digest"}


def test_rapporteurs_are_reminded_weekly_of_a_consensus_to_write(
    db, evaluated_call, create_user, mailbox
):
    from grants.calls.models import CallStatus
    from grants.review import consensus

    clock.freeze(datetime(2026, 3, 2, 9, 0, tzinfo=UTC))  # a Monday, 10:00 in Brussels
    manager = create_user(roles=("programme_manager",))
    setup = evaluated_call(n=1, evaluators=2)
    setup.call.status = CallStatus.UNDER_EVALUATION
    db.session.commit()
    submission, rapporteur = setup.submissions[0], setup.evaluators[0]
    consensus.appoint(submission, rapporteur, manager)
    mailbox.clear()
    _cycle()
    for _ in range(9):
        clock.travel(timedelta(days=1))
        _cycle()
    subjects = _subjects(mailbox, rapporteur.email)
    assert subjects and set(subjects) == {
        f"Reminder: the consensus report of {submission.label} is still to write"
    }
    assert len(subjects) == 2  # runs from Tuesday to the next Wednesday: two ISO weeks
    assert mailbox.to(setup.evaluators[1].email) == []


def test_calls_opening_and_closing_are_announced_once(
    db, create_call, create_user, create_organisation, create_proposal, mailbox
):
    manager = create_user(roles=("programme_manager",))
    org = create_organisation()
    applicant = create_user(organisation=org)
    now = clock.now().replace(microsecond=0)
    call = create_call(opens_at=now + timedelta(hours=1), deadline_at=now + timedelta(days=3))
    draft = create_proposal(call=call, organisation=org)
    clock.freeze(now)
    _cycle()
    assert db.session.scalars(select(Notification)).all() == []
    clock.travel(timedelta(hours=1, minutes=5))
    _cycle()
    _cycle()
    opened = db.session.scalars(select(Notification).where(Notification.event == "call.opened"))
    told = [n.user_id for n in opened]
    assert {manager.id, applicant.id} <= set(told) and len(told) == len(set(told))
    assert mailbox.messages == []  # in the app only, by default
    clock.travel(timedelta(days=3))
    _cycle()
    assert _subjects(mailbox, manager.email) == [
        f"Call {call.reference} closed with 0 submitted proposals"
    ]
    closed = db.session.scalar(
        select(Notification).where(
            Notification.event == "call.closed", Notification.user_id == applicant.id
        )
    )
    assert draft.label in closed.subject and closed.link == f"/proposals/{draft.id}"
    clock.travel(timedelta(days=1))
    _cycle()
    assert len(mailbox.to(manager.email)) == 1


def test_publishing_results_mails_the_letters_as_background_work_with_progress(
    lazy, db, evaluated, approve_all, create_user, mailbox
):
    from grants.review import ranking

    manager = create_user(roles=("programme_manager",))
    call, submissions, _ = evaluated(n=3)
    approve_all(call, submissions, manager)
    ranking.finalise(call, ranking.build(call).digest, manager)
    mailbox.clear()
    ranking.publish_results(call, manager)
    group = db.session.scalar(select(Job).where(Job.dedupe_key == f"results:{call.id}"))
    assert group.state == JobState.WAITING and group.user_id == manager.id
    assert mailbox.messages == []  # the request only enqueued them
    mails = db.session.scalars(select(Job).where(Job.parent_id == group.id)).all()
    letters = db.session.scalars(
        select(OutboxMessage).where(OutboxMessage.subject.startswith("Result of"))
    ).all()
    assert len(mails) == len(letters) >= 3
    pdfs = db.session.scalars(select(Job).where(Job.kind == "pdf.esr")).all()
    assert len(pdfs) == 3
    run_jobs(kinds=["mail.send"])
    db.session.refresh(group)
    assert group.state == JobState.DONE and group.progress_done == group.progress_total
    results = [m for m in mailbox.messages if m["Subject"].startswith("Result of")]
    assert len(results) == len(letters)
    notice = db.session.scalar(
        select(Notification).where(
            Notification.user_id == manager.id, Notification.event == "job.finished"
        )
    )
    assert notice.subject == f"E-mailing the result letters of {call.reference}: done"
