"""The audit log for programme managers, filtered through the URL so a view can be shared."""

from __future__ import annotations

from datetime import datetime, timedelta

from flask import Blueprint, render_template, request

from grants import clock
from grants.accounts.permissions import can_view_audit, requires
from grants.audit import services
from grants.audit.models import AuditEntry
from grants.pagination import paginate

bp = Blueprint("audit", __name__, url_prefix="/audit")
FIRST_YEAR, LAST_YEAR = 1900, 2999


def _date(name: str, errors: list[str]) -> datetime | None:
    value = (request.args.get(name) or "").strip()
    if not value:
        return None
    try:
        day = datetime.strptime(value, "%Y-%m-%d")
    except ValueError:
        errors.append(f"'{value[:20]}' is not a date: use the form YYYY-MM-DD.")
        return None
    if not FIRST_YEAR <= day.year <= LAST_YEAR:
        # Year 1 or 9999 would overflow once moved to UTC or extended by a day.
        errors.append(
            f"'{value[:20]}' is out of range: give a year from {FIRST_YEAR} to {LAST_YEAR}."
        )
        return None
    return clock.brussels_to_utc(day)


@bp.route("/")
@requires(can_view_audit)
def index():
    errors: list[str] = []
    since = _date("since", errors)
    until = _date("until", errors)
    filters = services.AuditFilter(
        entity_type=(request.args.get("entity_type") or "")[:60],
        action=(request.args.get("action") or "")[:60],
        actor_email=(request.args.get("actor") or "").strip()[:254],
        entity_id=(request.args.get("entity_id") or "").strip()[:60],
        since=since,
        until=until + timedelta(days=1) if until else None,
    )
    page = paginate(services.query(filters), per_page=100)
    return render_template(
        "audit/index.html",
        page=page,
        errors=errors,
        args=request.args,
        entity_types=services.distinct_values(AuditEntry.entity_type),
        actions=services.distinct_values(AuditEntry.action),
    )
