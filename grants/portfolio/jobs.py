"""The review map's background work, run by the worker: the PDF report, exports of large
project lists, the import of historical projects, and the nightly refresh (02:00 Brussels) of
the map's read model and of the day's public report. Each job reports its progress; the
files are kept under instance/reports/ with a download link, and whoever asked is told in
the notification centre when it ends.

Anonymous readers have no job page of their own: they follow their job by a token, the job's
id signed with the app's secret key (`public_token`), so nobody can guess another job's.
"""

from __future__ import annotations

import hashlib
import re
from datetime import datetime
from pathlib import Path
from urllib.parse import urlencode

from apscheduler.triggers.cron import CronTrigger
from flask import current_app
from itsdangerous import BadSignature, URLSafeSerializer
from werkzeug.datastructures import MultiDict

from grants import clock
from grants.extensions import db
from grants.formatting import count_of
from grants.jobs import services as jobs
from grants.jobs.registry import handler, scheduled

PDF = "portfolio.pdf"
EXPORT = "portfolio.export"
IMPORT = "portfolio.import"
MAX_ID = 2**31 - 1  # the job table's integer ids (a larger one would be an error on PostgreSQL)
FILE_TYPES = {
    "pdf": "application/pdf",
    "csv": "text/csv; charset=utf-8",
    "xlsx": "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet",
}


def report_path(job_id: int) -> Path:
    return Path(current_app.instance_path) / "reports" / f"portfolio-review-{job_id}.pdf"


def export_path(job_id: int, fmt: str) -> Path:
    return Path(current_app.instance_path) / "reports" / f"portfolio-projects-{job_id}.{fmt}"


def job_key(user_id: int | str, query: str, day: str, kind: str = PDF) -> str:
    """One job per (reader, view, day): asked again, the same job (and file) is shown. The
    public share one per view (they see the same public subset)."""
    digest = hashlib.sha256(query.encode()).hexdigest()[:24]
    return f"{kind}:{user_id}:{day}:{digest}"


def today() -> str:
    """The day in a job's key: a view asked again the same day is the same job."""
    return clock.now().strftime("%Y%m%d")


def _signer() -> URLSafeSerializer:
    return URLSafeSerializer(current_app.secret_key, salt="portfolio-public-job")


def public_token(job_id: int) -> str:
    return _signer().dumps(job_id)


def job_of_token(token: str) -> int | None:
    """The job id a token was made for, or None for a token this app did not sign."""
    try:
        value = _signer().loads(token)
    except BadSignature:
        return None
    return value if isinstance(value, int) and 0 < value <= MAX_ID else None


def _write(path: Path, data: bytes) -> None:
    path.parent.mkdir(parents=True, exist_ok=True)
    tmp = path.with_suffix(path.suffix + ".part")
    tmp.write_bytes(data)
    tmp.replace(path)  # a reader never sees half a file


def _path(endpoint: str, **values) -> str:
    """A route's path, also in the worker (no request there to build it from)."""
    root = current_app.config.get("APPLICATION_ROOT") or "/"
    return current_app.url_map.bind("", script_name=root).build(endpoint, values)


def _download_link(job, file: str) -> str:
    if job.payload.get("public"):
        return _path("portfolio.work.public_download", token=public_token(job.id))
    return _path(file, job_id=job.id)


def _finish(job, result: dict) -> dict:
    from grants.notifications.services import job_finished

    job.result = result  # job_finished reads it for the notice; complete() stores it again
    job_finished(job)
    return result


def _filter_of(payload: dict):
    """The view asked for, as the asker may see it (decided in the request: the worker has no
    signed-in user); without a word on it, the public subset."""
    from grants.portfolio import filters, queries

    public = not payload.get("sees_all")
    return filters.parse(MultiDict(payload.get("args") or []), queries.choices(), public)[0]


@handler(PDF, "Portfolio review PDF", timeout=900, max_attempts=3, priority=8)
def render(payload: dict, _resource, context) -> dict:
    from grants.portfolio.report import render_portfolio_pdf

    f = _filter_of(payload)
    view = payload.get("view") if payload.get("view") in ("europe", "world") else "europe"
    data = render_portfolio_pdf(f, view, progress=context.progress)
    _write(report_path(context.job.id), data)
    context.progress(4, 4, "The report is ready")
    return _finish(
        context.job,
        {
            "summary": f"The report is ready ({max(1, len(data) // 1024)} KB).",
            "link": _download_link(context.job, "portfolio.report_download"),
            "link_label": "Download the PDF report",
        },
    )


@handler(EXPORT, "Portfolio project list export", timeout=900, max_attempts=3, priority=8)
def export(payload: dict, _resource, context) -> dict:
    from grants.portfolio import exports

    fmt = payload.get("fmt") if payload.get("fmt") in ("csv", "xlsx") else "csv"
    f = _filter_of(payload)
    header, rows = exports.project_header(f), []
    for done, total, page in exports.project_pages(f):
        rows.extend(page)
        context.progress(done, total + 1, f"{done} of {total} projects read")
    context.progress(len(rows), len(rows) + 1, f"Writing the {fmt.upper()} file")
    data = (
        exports.to_csv(header, rows)
        if fmt == "csv"
        else exports.to_xlsx([("Projects", header, rows)])
    )
    _write(export_path(context.job.id, fmt), data)
    context.progress(len(rows) + 1, len(rows) + 1, "The file is ready")
    return _finish(
        context.job,
        {
            "summary": f"{len(rows)} projects in the {fmt.upper()} file "
            f"({max(1, len(data) // 1024)} KB).",
            "link": _download_link(context.job, "portfolio.work.export_download"),
            "link_label": f"Download the {fmt.upper()} file",
            "fmt": fmt,
        },
    )


@handler(IMPORT, "Import of historical projects", timeout=1800, max_attempts=1, priority=6)
def import_file(payload: dict, _resource, context) -> dict:
    from grants.accounts.models import User
    from grants.portfolio import importer
    from grants.portfolio.models import PortfolioImport

    upload = db.session.get(PortfolioImport, payload["import_id"])
    link = _path("portfolio.import_preview", import_id=payload["import_id"])
    if upload is None:
        return _finish(context.job, {"summary": "The uploaded file no longer exists."})
    user = db.session.get(User, context.job.user_id) if context.job.user_id else None
    try:
        result = importer.apply(
            upload, payload.get("mapping_version"), user, progress=context.progress
        )
    except importer.StaleMapping as exc:
        db.session.rollback()
        return _finish(
            context.job,
            {"summary": f"Nothing imported. {exc}", "link": link, "link_label": "The preview"},
        )
    return _finish(
        context.job,
        {
            "summary": f"{upload.filename}: {upload.created} projects added, {upload.updated} "
            f"updated, {result.counts['rejected']} rows rejected.",
            "link": link,
            "link_label": "See the rows, rejected ones with their reason",
        },
    )


# The nightly refresh -------------------------------------------------------------------------

FILE_NAME = re.compile(r"portfolio-(?:review|projects)-(\d+)\.(?:pdf|csv|xlsx)")


@scheduled(
    "portfolio.refresh",
    CronTrigger(hour=2, timezone="Europe/Brussels"),
    "Review map refreshed: funded projects synced again, the day's public report prepared, "
    "files of removed jobs deleted",
)
def refresh(_fire_time: datetime) -> dict:
    """Idempotent: syncing a funded project again writes the same rows, the day's report is
    one job per day (the key an anonymous reader of the default view gets), a file is
    deleted once."""
    synced = _sync_funded()
    db.session.commit()
    day = today()
    report = jobs.enqueue(
        PDF,
        {"args": [], "view": "europe", "public": True, "sees_all": False},
        key=job_key("public", urlencode([("view", "europe")]), day),
        title="Portfolio review PDF report",
    )
    db.session.commit()
    removed = _remove_orphan_files()
    return {
        "summary": f"{count_of(synced, 'funded project')} synced; the public report of {day} "
        f"is job {report.id}; {count_of(removed, 'file')} of removed jobs deleted."
    }


def _sync_funded() -> int:
    """Every signed grant written into the read model again, as its events do (a sync
    missed by a crash, or reference data changed since, is put right overnight)."""
    from sqlalchemy import select

    from grants.projects.models import Grant, GrantStatus
    from grants.projects.services import sync_portfolio

    signed = db.session.scalars(
        select(Grant).where(Grant.status.in_([GrantStatus.RUNNING, GrantStatus.CLOSED]))
    ).all()
    for grant in signed:
        sync_portfolio(grant)
    return len(signed)


def _remove_orphan_files() -> int:
    """The review map's files whose job is gone (jobs.cleanup removes done jobs after 90
    days, and their download links with them)."""
    from sqlalchemy import select

    from grants.jobs.models import Job

    folder = Path(current_app.instance_path) / "reports"
    files = {}
    for path in folder.glob("portfolio-*") if folder.is_dir() else []:
        found = FILE_NAME.fullmatch(path.name)
        if found:
            files.setdefault(int(found.group(1)), []).append(path)
    if not files:
        return 0
    kept = set(db.session.scalars(select(Job.id).where(Job.id.in_(list(files)))))
    removed = 0
    for job_id, paths in files.items():
        if job_id not in kept:
            for path in paths:
                path.unlink(missing_ok=True)
                removed += 1
    return removed
