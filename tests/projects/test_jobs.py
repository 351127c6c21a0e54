"""Project reminders with the clock moved: 14 days and 1 day before a report or deliverable
is due, once each; overdue flags once; a second run sends nothing twice."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

from sqlalchemy import func, select

from grants import clock
from grants.jobs.scheduler import tick
from grants.jobs.worker import run_jobs
from grants.notifications.models import Notification


def _cycle():
    tick()
    run_jobs()


def _subjects(mailbox, address):
    subjects = [m["Subject"] for m in mailbox.to(address)]
    return [s for s in subjects if s.startswith(("Reminder", "Overdue"))]


def test_coordinators_are_reminded_before_and_flagged_after_once_each(db, running_grant, mailbox):
    grant, coordinator, manager = running_grant()
    # The deliverable "Referral guide" is due at the end of month 12: 31 December 2027;
    # the report of period 1 on 29 February 2028 (60 days after 31 December 2027).
    clock.freeze(datetime(2027, 12, 10, 9, tzinfo=UTC))
    _cycle()  # registers the schedules
    for _ in range(8):
        clock.travel(timedelta(days=1))
        _cycle()
    assert _subjects(mailbox, coordinator.email) == [
        "Reminder: the deliverable 'Referral guide' is due on 31 December 2027"
    ]
    clock.travel(timedelta(days=12))  # 30 December, 1 day before
    _cycle()
    _cycle()
    assert _subjects(mailbox, coordinator.email)[1:] == [
        "Reminder: the deliverable 'Referral guide' is due on 31 December 2027"
    ]
    clock.travel(timedelta(days=3))  # overdue from 1 January
    _cycle()
    clock.travel(timedelta(days=1))
    _cycle()
    overdue = [s for s in _subjects(mailbox, coordinator.email) if s.startswith("Overdue")]
    assert overdue == ["Overdue: the deliverable 'Referral guide' was due on 31 December 2027"]
    flags = db.session.scalar(
        select(func.count())
        .select_from(Notification)
        .where(Notification.event == "project.overdue", Notification.user_id == coordinator.id)
    )
    assert flags == 1
    managers = db.session.scalar(
        select(func.count())
        .select_from(Notification)
        .where(Notification.event == "project.overdue.manager", Notification.user_id == manager.id)
    )
    assert managers == 2  # one flag per day while it stays late
