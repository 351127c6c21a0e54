"""Home page, dashboard (its sections come from the domains: grants/main/dashboard.py) and
health check."""

from __future__ import annotations

from flask import Blueprint, render_template
from flask_login import current_user, login_required
from sqlalchemy import text

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
    db.session.execute(text("SELECT 1"))
    return {"status": "ok"}
