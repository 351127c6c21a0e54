"""The scheduler: exactly one per database, in a worker process, elected by a lock.

APScheduler runs one `tick` every few seconds in the elected process. A tick reads the time
from grants/clock.py (so tests move it), asks each scheduled job's APScheduler trigger for
its fire times, and enqueues a job for every fire time that has passed since the last one it
enqueued: one run catches up a gap while the machine was off (missed fire times are
coalesced into one). Each enqueued run carries the key `schedule:<name>:<fire time>`, unique
in the job table, so two schedulers (or one started by mistake while the lock is held
elsewhere) can never enqueue one run twice; what each run sends is keyed again per
(event, recipient, object) by notify().

The lock: a PostgreSQL session-level advisory lock on a connection the scheduler keeps
open (released if the process dies); on SQLite an exclusive flock on a file beside the
database. A second scheduler waits until the first one goes away.
"""

from __future__ import annotations

import fcntl
import logging
import os
import threading
from datetime import datetime, timedelta

from flask import Flask
from sqlalchemy import select, text
from sqlalchemy.engine import make_url
from sqlalchemy.exc import IntegrityError

from grants import clock
from grants.extensions import db
from grants.jobs import services
from grants.jobs.models import Job, JobState, ScheduledRun
from grants.jobs.registry import SCHEDULES, Schedule, handler, load

log = logging.getLogger(__name__)

ADVISORY_KEY = 0x7468_6267  # "thbg": one scheduler per database
TICK_SECONDS = 20


class SchedulerLock:
    """Held by at most one process (or thread) per database at a time."""

    def __init__(self, app: Flask):
        self.app = app
        self._conn = None
        self._file = None

    def acquire(self) -> bool:
        with self.app.app_context():
            engine = db.engine
            if engine.dialect.name == "postgresql":
                conn = engine.connect()
                got = conn.execute(text("SELECT pg_try_advisory_lock(:k)"), {"k": ADVISORY_KEY})
                ok = bool(got.scalar())
                conn.commit()
                if ok:
                    self._conn = conn
                else:
                    conn.close()
                return ok
            path = _lock_path(self.app, str(engine.url))
        handle = open(path, "a+")  # noqa: SIM115 (held open while the lock is held)
        try:
            fcntl.flock(handle, fcntl.LOCK_EX | fcntl.LOCK_NB)
        except OSError:
            handle.close()
            return False
        self._file = handle
        return True

    @property
    def held(self) -> bool:
        return self._conn is not None or self._file is not None

    def release(self) -> None:
        if self._conn is not None:
            try:
                self._conn.execute(text("SELECT pg_advisory_unlock(:k)"), {"k": ADVISORY_KEY})
                self._conn.commit()
            finally:
                self._conn.close()
                self._conn = None
        if self._file is not None:
            fcntl.flock(self._file, fcntl.LOCK_UN)
            self._file.close()
            self._file = None


def _lock_path(app: Flask, url: str) -> str:
    database = make_url(url).database
    if database and database != ":memory:":
        return os.path.abspath(database) + ".scheduler-lock"
    return os.path.join(app.instance_path, "scheduler.lock")


# The tick -------------------------------------------------------------------------------------


def _after(trigger, moment: datetime) -> datetime | None:
    """The trigger's first fire time strictly after `moment` (aware UTC). Asked without a
    previous fire time, so that fire times missed meanwhile are skipped (coalesced): both
    APScheduler triggers otherwise count on from the previous one, one missed slot at a time.
    Interval triggers need a fixed start_date for this (see schedules.every)."""
    nxt = trigger.get_next_fire_time(None, moment + timedelta(microseconds=1))
    return clock.as_utc(nxt) if nxt else None


def _state(schedule: Schedule, now: datetime) -> ScheduledRun | None:
    row = db.session.get(ScheduledRun, schedule.name)
    if row is None:
        try:
            with db.session.begin_nested():
                db.session.add(
                    ScheduledRun(name=schedule.name, next_fire_at=_after(schedule.trigger, now))
                )
        except IntegrityError:  # another scheduler added it at the same moment
            return None
        row = db.session.get(ScheduledRun, schedule.name)
    return row


def tick() -> list[Job]:
    """Enqueue every scheduled job whose fire time has come; returns the jobs enqueued here."""
    load()
    now = clock.now()
    enqueued = []
    for schedule in SCHEDULES.values():
        row = _state(schedule, now)
        if row is None or row.next_fire_at is None or row.next_fire_at > now:
            continue
        fire = row.next_fire_at  # missed fire times since then are coalesced into this run
        job = services.insert_once(
            Job(
                kind="schedule",
                payload={"name": schedule.name, "fire_time": fire.isoformat()},
                dedupe_key=f"schedule:{schedule.name}:{fire.isoformat()}",
                title=schedule.description,
                priority=3,
                max_attempts=3,
                state=JobState.QUEUED,
                run_after=now,
            )
        )
        row.last_fire_at = fire
        row.next_fire_at = _after(schedule.trigger, now)
        if job is not None:
            db.session.flush()
            row.last_job_id = job.id
            enqueued.append(job)
            log.info("scheduled %s for %s", schedule.name, fire.isoformat())
    db.session.commit()
    return enqueued


def run_now(name: str) -> Job:
    """Enqueue one run of a scheduled job now, outside its calendar (`flask jobs run-now`)."""
    load()
    schedule = SCHEDULES.get(name)
    if schedule is None:
        raise services.JobError(f"There is no scheduled job called {name!r}.")
    now = clock.now()
    job = Job(
        kind="schedule",
        payload={"name": name, "fire_time": now.isoformat(), "manual": True},
        dedupe_key=f"schedule:{name}:manual:{now.isoformat()}",
        title=schedule.description,
        priority=3,
        max_attempts=1,
        state=JobState.QUEUED,
        run_after=now,
    )
    db.session.add(job)
    db.session.commit()
    return job


@handler("schedule", "Scheduled job", priority=3, timeout=1800, max_attempts=3)
def _run_schedule(payload: dict, _resource, context) -> dict | None:
    schedule = SCHEDULES.get(payload["name"])
    if schedule is None:
        raise services.JobError(f"The scheduled job {payload['name']!r} no longer exists.")
    return schedule.run(datetime.fromisoformat(payload["fire_time"]))


def overview() -> list[dict]:
    """Every scheduled job with its next fire time and its last run, for `flask jobs list`."""
    load()
    rows = {r.name: r for r in db.session.scalars(select(ScheduledRun))}
    out = []
    for name, schedule in sorted(SCHEDULES.items()):
        row = rows.get(name)
        last = db.session.scalar(
            select(Job)
            .where(Job.kind == "schedule", Job.payload["name"].as_string() == name)
            .order_by(Job.id.desc())
            .limit(1)
        )
        nxt = row.next_fire_at if row else _after(schedule.trigger, clock.now())
        out.append({"name": name, "description": schedule.description, "next": nxt, "last": last})
    return out


# The elected scheduler ---------------------------------------------------------------------------


class ElectedScheduler:
    """Waits for the lock, then runs APScheduler's tick job until stopped."""

    def __init__(self, app: Flask, tick_seconds: float | None = None, retry_seconds: float = 5):
        self.app = app
        self.lock = SchedulerLock(app)
        self.tick_seconds = tick_seconds or app.config.get(
            "GRANTS_SCHEDULER_TICK_SECONDS", TICK_SECONDS
        )
        self.retry_seconds = retry_seconds
        self.stopping = threading.Event()
        self.leading = threading.Event()
        self._scheduler = None

    def _tick(self) -> None:
        with self.app.app_context():
            try:
                tick()
            except Exception:
                log.exception("scheduler tick")
                db.session.rollback()
            finally:
                db.session.remove()

    def run(self) -> None:
        """Block until stopped: wait for the lock, then lead."""
        from apscheduler.schedulers.background import BackgroundScheduler
        from apscheduler.triggers.interval import IntervalTrigger

        while not self.stopping.is_set() and not self.lock.acquire():
            log.info("another scheduler holds the lock; waiting")
            self.stopping.wait(self.retry_seconds)
        if self.stopping.is_set():
            self.lock.release()
            return
        log.info("this process runs the scheduler")
        self.leading.set()
        self._tick()  # catch up at start what was missed while nothing ran
        self._scheduler = BackgroundScheduler(timezone="UTC")
        self._scheduler.add_job(
            self._tick,
            IntervalTrigger(seconds=self.tick_seconds),
            id="tick",
            max_instances=1,
            coalesce=True,
        )
        self._scheduler.start()
        try:
            self.stopping.wait()
        finally:
            self._scheduler.shutdown(wait=True)
            self.lock.release()
            self.leading.clear()

    def stop(self) -> None:
        self.stopping.set()
