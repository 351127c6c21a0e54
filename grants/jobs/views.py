"""A job's progress page (and its JSON for the progress bar), failed work for managers."""

from __future__ import annotations

from flask import Blueprint, abort, flash, g, jsonify, redirect, render_template, url_for
from flask_login import current_user, login_required

from grants.extensions import db
from grants.jobs import permissions, services
from grants.jobs.models import Job
from grants.jobs.registry import label_of, load
from grants.security.forms import FlaskForm

bp = Blueprint("jobs", __name__)


def _job_or_404(job_id: int) -> Job:
    job = db.session.get(Job, job_id) if 0 < job_id < 2**63 else None
    if job is None or not permissions.can_view_job(current_user, job):
        abort(404)
    return job


@bp.route("/jobs/<int:job_id>")
@login_required
def status(job_id: int):
    job = _job_or_404(job_id)
    g.no_store = True
    return render_template("jobs/status.html", job=job, view=services.describe(job))


@bp.route("/jobs/<int:job_id>/status.json")
@login_required
def status_json(job_id: int):
    job = _job_or_404(job_id)
    g.no_store = True
    return jsonify(services.describe(job))


def _manager_or_403() -> None:
    if not permissions.can_manage_jobs(current_user):
        abort(403)


@bp.route("/manage/jobs")
@login_required
def failed():
    _manager_or_403()
    load()
    g.no_store = True
    return render_template(
        "jobs/failed.html",
        failed=services.failed_jobs(),
        retrying=services.retrying_jobs(),
        counts=services.counts(),
        label_of=label_of,
        form=FlaskForm(),
    )


@bp.route("/manage/jobs/<int:job_id>/retry", methods=["POST"])
@login_required
def retry(job_id: int):
    _manager_or_403()
    job = _job_or_404(job_id)
    if not FlaskForm().validate_on_submit():
        flash("The form had expired; try again.", "danger")
        return redirect(url_for(".failed"))
    try:
        services.retry(job, current_user)
    except services.JobError as exc:
        flash(str(exc), "danger")
    else:
        flash(f"Queued again: {job.title or label_of(job.kind)}.", "success")
    return redirect(url_for(".failed"))


def init_app(app) -> None:
    """The job pages, the notification centre and the worker's settings (GRANTS_JOBS_*)."""
    import os

    from grants.notifications.views import bp as notifications_bp

    app.config.setdefault(
        "GRANTS_JOBS_POLL_SECONDS", float(os.environ.get("GRANTS_JOBS_POLL_SECONDS", "1"))
    )
    app.config.setdefault(
        "GRANTS_SCHEDULER_TICK_SECONDS",
        float(os.environ.get("GRANTS_SCHEDULER_TICK_SECONDS", "20")),
    )
    app.config.setdefault("GRANTS_JOBS_EAGER", os.environ.get("GRANTS_JOBS_EAGER") == "1")

    app.register_blueprint(bp)
    app.register_blueprint(notifications_bp)
