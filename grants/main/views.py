"""Home page, dashboard (its sections come from the domains: grants/main/dashboard.py) and
health check."""

from __future__ import annotations

from flask import Blueprint, current_app, render_template
from flask_login import current_user, login_required
from sqlalchemy import text
from sqlalchemy.exc import SQLAlchemyError

from grants.extensions import db
from grants.main import dashboard as sections
from grants.taxonomy import services as taxonomy

bp = Blueprint("main", __name__)


@bp.route("/")
def index():
    return render_template("main/index.html", dimensions=taxonomy.priorities(kind="dimension"))


@bp.route("/dashboard")
@login_required
def dashboard():
    return render_template(
        "main/dashboard.html",
        organisations=current_user.organisations,
        sections=sections.sections_for(current_user),
    )


@bp.app_template_filter("days_left")
def days_left(moment):
    return sections.days_left(moment)


@bp.app_template_filter("overdue")
def overdue(moment):
    return sections.is_overdue(moment)


@bp.route("/healthz")
def health():
    """200 when the database answers; 503 (the proxy or orchestrator takes this process out)
    with a short JSON body when it does not, never a 500 page."""
    try:
        db.session.execute(text("SELECT 1"))
    except (SQLAlchemyError, OSError) as exc:
        db.session.rollback()
        current_app.logger.warning("healthz: the database did not answer: %s", type(exc).__name__)
        return {"status": "unavailable", "database": "unreachable"}, 503
    return {"status": "ok", "database": "ok"}
