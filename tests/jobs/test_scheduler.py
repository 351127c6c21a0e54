"""The scheduler with the clock moved: each fire time enqueued once, missed runs caught up
once at start, `run-now`, `flask jobs list`, and the election: a second scheduler waits."""

from __future__ import annotations

import threading
import time
from datetime import UTC, datetime, timedelta

from apscheduler.triggers.cron import CronTrigger
from sqlalchemy import select

from grants import clock
from grants.jobs import registry
from grants.jobs.models import Job, ScheduledRun
from grants.jobs.scheduler import ElectedScheduler, SchedulerLock, run_now, tick
from grants.jobs.worker import run_jobs

MONDAY = datetime(2026, 3, 2, 6, 0, tzinfo=UTC)  # 07:00 in Brussels


def _runs(db, name):
    return [
        j.payload["fire_time"]
        for j in db.session.scalars(select(Job).where(Job.kind == "schedule").order_by(Job.id))
        if j.payload["name"] == name
    ]


def test_each_fire_time_is_enqueued_once_and_missed_runs_are_caught_up_once(db):
    clock.freeze(MONDAY)
    tick()  # first start: the schedules are registered, nothing is due yet
    assert _runs(db, "review.reminders") == []
    row = db.session.get(ScheduledRun, "review.reminders")
    assert row.next_fire_at == datetime(2026, 3, 2, 7, 0, tzinfo=UTC)  # 08:00 Brussels
    clock.travel(timedelta(hours=1, minutes=1))
    tick()
    tick()  # a second tick (or a second scheduler) adds nothing
    assert _runs(db, "review.reminders") == ["2026-03-02T07:00:00+00:00"]
    # The machine is off for three days: at start, one catch-up run, not three.
    clock.travel(timedelta(days=3))
    tick()
    assert _runs(db, "review.reminders") == [
        "2026-03-02T07:00:00+00:00",
        "2026-03-03T07:00:00+00:00",
    ]
    db.session.refresh(row)
    assert row.next_fire_at == datetime(2026, 3, 6, 7, 0, tzinfo=UTC)


def test_the_interval_schedule_fires_on_its_slots(db):
    clock.freeze(datetime(2026, 3, 2, 10, 2, tzinfo=UTC))
    tick()
    assert db.session.get(ScheduledRun, "calls.notices").next_fire_at == datetime(
        2026, 3, 2, 10, 5, tzinfo=UTC
    )
    clock.travel(timedelta(minutes=3))
    assert "calls.notices" in [j.payload["name"] for j in tick()]


def test_run_now_and_list(db, runner):
    clock.freeze(MONDAY)  # 07:00 in Brussels
    listing = runner.invoke(args=["jobs", "list"]).output
    assert "review.overdue\n  Evaluations past their deadline flagged\n" in listing
    assert "next: 02 Mar 2026 08:00 CET   last: never" in listing  # the daily 08:00 run
    result = runner.invoke(args=["jobs", "run-now", "review.overdue"])
    assert result.exit_code == 0, result.output
    assert "review.overdue: Nothing is overdue." in result.output
    assert runner.invoke(args=["jobs", "run-now", "no.such"]).exit_code != 0
    listing = runner.invoke(args=["jobs", "list"]).output
    entry = listing.split("review.overdue\n", 1)[1].split("\n", 2)[1]
    assert entry == "  next: 02 Mar 2026 08:00 CET   last: 02 Mar 2026 07:00 CET (done)"
    assert "notifications.digest" in listing and "next: 03 Mar 2026 07:00 CET" in listing


def test_a_scheduled_job_defined_in_a_module_is_one_definition(db):
    ran = []
    registry.scheduled("test.weekly", CronTrigger(day_of_week="mon", hour=9), "A test")(
        lambda fire_time: ran.append(fire_time) or {"summary": "ok"}
    )
    try:
        clock.freeze(MONDAY)
        tick()
        clock.travel(timedelta(hours=3, seconds=1))
        tick()
        run_jobs()
        run_jobs()
        assert ran == [datetime(2026, 3, 2, 9, 0, tzinfo=UTC)]
    finally:
        registry.SCHEDULES.pop("test.weekly")


def test_only_one_scheduler_holds_the_lock_and_a_second_one_waits(app, db):
    first, second = SchedulerLock(app), SchedulerLock(app)
    assert first.acquire()
    try:
        assert not second.acquire()
    finally:
        first.release()
    assert second.acquire()
    second.release()


def test_the_elected_scheduler_leads_and_the_second_takes_over_when_it_stops(app, db):
    one = ElectedScheduler(app, tick_seconds=3600, retry_seconds=0.1)
    two = ElectedScheduler(app, tick_seconds=3600, retry_seconds=0.1)
    threads = [threading.Thread(target=s.run, daemon=True) for s in (one, two)]
    threads[0].start()
    assert one.leading.wait(10)
    threads[1].start()
    time.sleep(0.5)
    assert not two.leading.is_set()  # waits for the lock
    one.stop()
    threads[0].join(10)
    assert two.leading.wait(10)
    two.stop()
    threads[1].join(10)
    assert db.session.scalars(select(ScheduledRun)).all()  # the leaders ticked at start


def test_run_now_is_a_job_of_its_own(db):
    job = run_now("jobs.cleanup")
    run_jobs(ids=[job.id])
    db.session.refresh(job)
    assert job.result["summary"] == "0 finished jobs removed."


def test_the_hourly_statistics_job_gives_the_query_planner_its_statistics(db, create_user):
    from sqlalchemy import text

    create_user()
    job = run_now("database.statistics")
    run_jobs(ids=[job.id])
    db.session.refresh(job)
    assert job.result["summary"] == "Statistics brought up to date."
    if db.engine.dialect.name == "sqlite":
        analysed = db.session.scalar(text("SELECT count(*) FROM sqlite_stat1 WHERE tbl = 'user'"))
        assert analysed
    else:
        db.session.execute(text("SELECT pg_stat_clear_snapshot()"))
        last = db.session.scalar(
            text("SELECT last_analyze FROM pg_stat_user_tables WHERE relname = 'user'")
        )
        assert last is not None


def test_the_nightly_cleanup_removes_finished_work_after_90_days_and_keeps_failed_work(db):
    from grants.jobs.models import JobState

    clock.freeze(MONDAY)
    now = clock.now()
    ages = {"done-old": (JobState.DONE, 91), "done-new": (JobState.DONE, 10)}
    ages["failed-old"] = (JobState.FAILED, 200)
    for key, (state, days) in ages.items():
        db.session.add(
            Job(
                kind="test.none",
                payload={},
                dedupe_key=key,
                state=state,
                finished_at=now - timedelta(days=days),
            )
        )
    db.session.commit()
    tick()  # registers the schedules: the clean-up fires at 03:30 Brussels
    clock.travel(timedelta(days=1))
    tick()
    run_jobs()
    left = set(db.session.scalars(select(Job.dedupe_key).where(Job.kind == "test.none")))
    assert left == {"done-new", "failed-old"}
    clock.travel(timedelta(days=1))
    tick()
    run_jobs()  # the next night: nothing more is old enough
    assert set(db.session.scalars(select(Job.dedupe_key).where(Job.kind == "test.none"))) == left
    clock.travel(timedelta(days=80))  # the machine was off; the run at start catches up
    tick()
    run_jobs()
    left = set(db.session.scalars(select(Job.dedupe_key).where(Job.kind == "test.none")))
    assert left == {"failed-old"}
    runs = [j for j in db.session.scalars(select(Job)) if j.payload.get("name") == "jobs.cleanup"]
    assert len(runs) == 3 and {j.state for j in runs} == {JobState.DONE}
