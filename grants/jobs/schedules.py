"""Housekeeping: the job table, and the database's query-planner statistics. (The review map's
nightly refresh, "portfolio.refresh", is registered by its own domain in
grants/portfolio/jobs.py.)"""

from __future__ import annotations

from datetime import datetime, timedelta

from apscheduler.triggers.cron import CronTrigger
from sqlalchemy import delete, text

from grants import clock
from grants.extensions import db
from grants.formatting import count_of
from grants.jobs.models import Job, JobState
from grants.jobs.registry import scheduled

KEEP_DONE = timedelta(days=90)


@scheduled(
    "jobs.cleanup",
    CronTrigger(hour=3, minute=30, timezone="Europe/Brussels"),
    "Finished background work older than 90 days removed (failed work is kept)",
)
def cleanup(fire_time: datetime) -> dict:
    removed = db.session.execute(
        delete(Job).where(
            Job.state == JobState.DONE,
            Job.finished_at < clock.now() - KEEP_DONE,
            Job.kind != "schedule",
        )
    ).rowcount
    db.session.commit()
    return {"summary": f"{count_of(removed, 'finished job')} removed."}


def refresh_statistics() -> str:
    """ANALYZE: the statistics the query planner chooses indexes by. SQLite keeps none until
    asked; without them it read every evaluation in the programme by its state index for one
    proposal's evaluations (2.6 ms where the submission index takes 0.05 ms). PostgreSQL's
    autovacuum analyzes by itself, but only once enough rows have changed; running it here too
    costs little. The caller commits."""
    db.session.execute(text("ANALYZE"))
    return db.engine.dialect.name


@scheduled(
    "database.statistics",
    CronTrigger(minute=17, timezone="Europe/Brussels"),
    "The database's statistics for choosing indexes brought up to date (hourly)",
)
def statistics(fire_time: datetime) -> dict:
    refresh_statistics()
    db.session.commit()
    return {"summary": "Statistics brought up to date."}
