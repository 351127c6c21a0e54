"""Routes of portfolio monitoring, on the projects blueprint: the list for programme managers
and its CSV and XLSX export, both filtered by the same URL."""

from __future__ import annotations

from flask import Response, abort, render_template, request
from flask_login import current_user, login_required

from grants.portfolio.exports import to_csv, to_xlsx
from grants.projects import monitoring, permissions
from grants.projects.views import bp

EXPORTS = {
    "csv": "text/csv; charset=utf-8",
    "xlsx": "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet",
}


def _managers_only() -> None:
    if not permissions.can_manage(current_user):
        abort(403)


@bp.get("/monitoring")
@login_required
def monitoring_list():
    _managers_only()
    query = monitoring.read_query(request.args)
    everything = monitoring.rows()
    return render_template(
        "projects/monitoring.html",
        rows=monitoring.shown(everything, query),
        total=len(everything),
        choices=monitoring.choices(everything),
        statuses=monitoring.STATUSES,
        monitoring_share=monitoring.UNDERSPENDING_SHARE,
        query=query,
        args={k: v for k, v in request.args.items() if k in (*monitoring.FILTERS, "sort")},
    ), (422 if query.errors else 200)


@bp.get("/monitoring/export.<fmt>")
@login_required
def monitoring_export(fmt: str):
    _managers_only()
    if fmt not in EXPORTS:
        abort(404)
    found = monitoring.shown(monitoring.rows(), monitoring.read_query(request.args))
    body = (
        to_csv(monitoring.HEADER, monitoring.table(found))
        if fmt == "csv"
        else to_xlsx([("Funded projects", monitoring.HEADER, monitoring.table(found))])
    )
    return Response(
        body,
        mimetype=EXPORTS[fmt],
        headers={"Content-Disposition": f'attachment; filename="funded-projects.{fmt}"'},
    )
