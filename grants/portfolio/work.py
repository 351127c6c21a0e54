"""Background work of the review map as the reader sees it: starting a job for the current
view (the PDF, a large export), its progress page for anonymous readers (by token), and the
downloads of finished files. Signed-in readers follow their jobs on the job pages
(/jobs/<id>) and find them in the notification centre."""

from __future__ import annotations

from urllib.parse import urlencode

from flask import (
    Blueprint,
    Response,
    abort,
    current_app,
    g,
    jsonify,
    redirect,
    render_template,
    url_for,
)
from flask_login import current_user, login_required

from grants import clock
from grants.extensions import db
from grants.jobs import services as jobs
from grants.jobs.models import Job, JobState
from grants.portfolio import jobs as portfolio_jobs
from grants.portfolio import permissions
from grants.portfolio.jobs import MAX_ID

bp = Blueprint("work", __name__)
INSTANT_EXPORT = 2000  # projects: a list this long is written in the request (under a second)


def instant_export_limit() -> int:
    """GRANTS_PORTFOLIO_INSTANT_EXPORT (setting or environment), else INSTANT_EXPORT."""
    import os

    raw = current_app.config.get("GRANTS_PORTFOLIO_INSTANT_EXPORT")
    raw = raw if raw is not None else os.environ.get("GRANTS_PORTFOLIO_INSTANT_EXPORT")
    try:
        return int(raw) if raw is not None else INSTANT_EXPORT
    except ValueError:
        return INSTANT_EXPORT


def start(kind: str, args: list[tuple[str, str]], title: str, extra: dict, back: str):
    """Ask for `kind` for this reader and view (once per reader, view and day) and send the
    reader to its progress page."""
    signed_in = current_user.is_authenticated
    extra_args = sorted(extra.items())
    query = urlencode([*args, *extra_args])
    owner = current_user.id if signed_in else "public"
    job = jobs.request_job(
        kind,
        {
            "args": args,
            **extra,
            "public": not signed_in,
            "sees_all": permissions.sees_all(current_user),
        },
        key=portfolio_jobs.job_key(owner, query, portfolio_jobs.today(), kind),
        title=title,
        user=current_user if signed_in else None,
    )
    if signed_in:
        return redirect(url_for("jobs.status", job_id=job.id, back=back))
    token = portfolio_jobs.public_token(job.id)
    return redirect(url_for("portfolio.work.status", token=token, back=back))


def _public_job_or_404(token: str) -> Job:
    job_id = portfolio_jobs.job_of_token(token)
    job = db.session.get(Job, job_id) if job_id else None
    if job is None or not job.payload.get("public"):
        abort(404)
    return job


@bp.route("/portfolio/work/<token>")
def status(token: str):
    job = _public_job_or_404(token)
    g.no_store = True
    return render_template(
        "portfolio/work.html",
        job=job,
        view=jobs.describe(job),
        status_url=url_for(".status_json", token=token),
        refresh_url=url_for(".status", token=token),
    )


@bp.route("/portfolio/work/<token>.json")
def status_json(token: str):
    job = _public_job_or_404(token)
    g.no_store = True
    return jsonify(jobs.describe(job))


def _file(job: Job) -> tuple[bytes, str, str]:
    """(content, download name, type) of a finished job's file; 404 if there is none."""
    if job.state != JobState.DONE:
        abort(404)
    stamp = (job.finished_at or clock.now()).strftime("%Y%m%d")
    if job.kind == portfolio_jobs.PDF:
        path, fmt, name = portfolio_jobs.report_path(job.id), "pdf", "portfolio-review"
    elif job.kind == portfolio_jobs.EXPORT:
        fmt = (job.result or {}).get("fmt", "csv")
        path, name = portfolio_jobs.export_path(job.id, fmt), "portfolio-projects"
    else:
        abort(404)
    if not path.exists():
        abort(404)
    return path.read_bytes(), f"{name}-{stamp}.{fmt}", portfolio_jobs.FILE_TYPES[fmt]


def download(job: Job) -> Response:
    data, filename, mimetype = _file(job)
    response = Response(data, mimetype=mimetype)
    response.headers["Content-Disposition"] = f'attachment; filename="{filename}"'
    g.no_store = True
    return response


@bp.route("/portfolio/work/<token>/download")
def public_download(token: str):
    return download(_public_job_or_404(token))


@bp.route("/portfolio/exports/<int:job_id>")
@login_required
def export_download(job_id: int):
    from grants.jobs.permissions import can_view_job

    job = db.session.get(Job, job_id) if 0 < job_id <= MAX_ID else None
    if job is None or job.kind != portfolio_jobs.EXPORT or not can_view_job(current_user, job):
        abort(404)
    return download(job)
