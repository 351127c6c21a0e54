"""The nightly refresh of the review map (02:00 Brussels), with the clock moved: it fires once
a night, puts a funded project's missed sync right, prepares the day's public report (the job
an anonymous reader of the default view gets), deletes files of removed jobs, and run twice
changes nothing more."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

from sqlalchemy import func, select

from grants import clock
from grants.jobs.models import Job, JobState
from grants.jobs.scheduler import tick
from grants.jobs.worker import run_jobs
from grants.portfolio import jobs as portfolio_jobs
from grants.portfolio.models import PortfolioProject, PortfolioTag
from grants.portfolio.sync import remove

EVENING = datetime(2027, 3, 2, 0, 30, tzinfo=UTC)  # 01:30 in Brussels


def _runs(db) -> list[str]:
    return [
        j.payload["fire_time"]
        for j in db.session.scalars(select(Job).where(Job.kind == "schedule").order_by(Job.id))
        if j.payload["name"] == "portfolio.refresh"
    ]


def _count(db, *where) -> int:
    return db.session.scalar(select(func.count()).select_from(PortfolioProject).where(*where))


def test_the_nightly_refresh_fires_once_and_is_idempotent(app, db, client, running_grant):
    grant, _, _ = running_grant()
    key = f"funded:{grant.id}"
    assert _count(db, PortfolioProject.key == key) == 1
    project_id = db.session.scalar(select(PortfolioProject.id).where(PortfolioProject.key == key))
    tags = db.session.scalar(select(func.count()).where(PortfolioTag.project_id == project_id))
    remove(key)  # a sync missed (a crash between the grant's change and the read model)
    orphan = portfolio_jobs.report_path(10**9)  # a file whose job jobs.cleanup removed
    orphan.parent.mkdir(parents=True, exist_ok=True)
    orphan.write_bytes(b"%PDF old")
    db.session.commit()
    clock.freeze(EVENING)
    tick()
    assert _runs(db) == []  # not 02:00 yet
    clock.travel(timedelta(minutes=31))
    tick()
    tick()  # a second tick (or scheduler) adds nothing
    assert _runs(db) == ["2027-03-02T01:00:00+00:00"]
    run_jobs(kinds=["schedule"])
    assert _count(db, PortfolioProject.key == key) == 1  # back on the map
    project_id = db.session.scalar(select(PortfolioProject.id).where(PortfolioProject.key == key))
    assert db.session.scalar(
        select(func.count()).where(PortfolioTag.project_id == project_id)
    ) == tags  # fmt: skip
    assert not orphan.exists()
    report = db.session.scalar(select(Job).where(Job.kind == portfolio_jobs.PDF))
    assert report.user_id is None and report.payload["public"] is True
    run = db.session.scalar(select(Job).where(Job.kind == "schedule"))
    assert run.state == JobState.DONE
    assert "1 funded project synced" in run.result["summary"]
    # Run again (by hand, the same night): the same rows, the same report job.
    from grants.jobs.registry import SCHEDULES

    SCHEDULES["portfolio.refresh"].run(clock.now())
    db.session.commit()
    assert _count(db, PortfolioProject.key == key) == 1
    assert db.session.scalar(select(func.count()).where(Job.kind == portfolio_jobs.PDF)) == 1
    # The anonymous reader of the default view that day gets the prepared report.
    run_jobs(kinds=[portfolio_jobs.PDF])
    status = client.get("/portfolio/report.pdf").location
    assert status.startswith("/portfolio/work/")
    assert portfolio_jobs.job_of_token(status.split("/portfolio/work/")[1].split("?")[0]) == (
        report.id
    )
    assert "The report is ready" in client.get(status).get_data(as_text=True)
    # The next night fires once more, not before.
    clock.travel(timedelta(hours=23))
    tick()
    assert len(_runs(db)) == 1
    clock.travel(timedelta(hours=1, minutes=1))
    tick()
    assert _runs(db)[-1] == "2027-03-03T01:00:00+00:00" and len(_runs(db)) == 2
