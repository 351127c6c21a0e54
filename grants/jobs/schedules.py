"""Housekeeping of the job table. (The review map's nightly refresh, "portfolio.refresh", is
registered by its own domain in grants/portfolio/jobs.py.)"""

from __future__ import annotations

from datetime import datetime, timedelta

from apscheduler.triggers.cron import CronTrigger
from sqlalchemy import delete

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
