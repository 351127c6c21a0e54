"""The programme managers' dashboard section on background work that failed (the dead
letter at /manage/jobs), collected by grants.main.dashboard."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime

from flask import url_for
from sqlalchemy import func, select

from grants.extensions import db
from grants.jobs import permissions
from grants.jobs.models import Job, JobState
from grants.jobs.registry import label_of, load
from grants.main.dashboard import Section, section

FAILED_SHOWN = 5


@dataclass
class FailedRow:
    job_id: int
    title: str
    error: str
    finished_at: datetime | None


@section(60)
def failed_work(user) -> Section | None:
    if not permissions.can_manage_jobs(user):
        return None
    total = db.session.scalar(select(func.count()).where(Job.state == JobState.FAILED))
    if not total:
        return None
    load()
    found = db.session.execute(
        select(Job.id, Job.kind, Job.title, Job.last_error, Job.finished_at)
        .where(Job.state == JobState.FAILED)
        .order_by(Job.finished_at.desc(), Job.id.desc())
        .limit(FAILED_SHOWN)
    ).all()
    rows = [
        FailedRow(jid, title or label_of(kind), (error.splitlines() or [""])[-1][:200], at)
        for jid, kind, title, error, at in found
    ]
    return Section(
        "manager-failed",
        "Background work that failed",
        "jobs/_dashboard_failed.html",
        rows,
        more_url=url_for("jobs.failed"),
        more_label=f"See and retry all {total} on the failed-work page",
        extra={"total": total},
    )
