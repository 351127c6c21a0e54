"""Home page, dashboard and health check."""

from __future__ import annotations

from flask import Blueprint, render_template
from flask_login import current_user, login_required
from sqlalchemy import text

from grants.extensions import db
from grants.taxonomy import services as taxonomy

bp = Blueprint("main", __name__)


@bp.route("/")
def index():
    return render_template("main/index.html", dimensions=taxonomy.priorities(kind="dimension"))


@bp.route("/dashboard")
@login_required
def dashboard():
    return render_template("main/dashboard.html", organisations=current_user.organisations)


@bp.route("/healthz")
def health():
    db.session.execute(text("SELECT 1"))
    return {"status": "ok"}
