"""The read-only JSON API of the portfolio under /api/v1/portfolio: projects (paginated),
breakdowns and per-country figures, with the review map's filters, described by the OpenAPI
3.1 document it serves. Amounts are decimal strings in EUR (never floats); the public gets
the public subset and public fields only, as on the page."""

from __future__ import annotations

from flask import Blueprint, jsonify, request, url_for
from flask_login import current_user

from grants.portfolio import filters, listing, permissions, queries
from grants.portfolio.openapi import MAX_PER_PAGE, openapi_document

bp = Blueprint("api", __name__, url_prefix="/api/v1/portfolio")


def _error(status: int, message: str, fields: dict | None = None):
    body = {"error": message}
    if fields:
        body["fields"] = fields
    return jsonify(body), status


def _filter():
    public = not permissions.sees_all(current_user)
    return filters.parse(request.args, queries.choices(), public)


@bp.before_request
def _open():
    if not permissions.can_view_map(current_user):
        return _error(404, "There is no public portfolio.")
    return None


@bp.route("/projects")
def projects():
    f, errors = _filter()
    page, per_page = request.args.get("page", "1"), request.args.get("per_page", "50")
    if not page.isdigit() or len(page) > 9 or int(page) < 1:
        errors["page"] = "A page number from 1 to 999999999."
    if not per_page.isdigit() or not 1 <= int(per_page) <= MAX_PER_PAGE:
        errors["per_page"] = f"Between 1 and {MAX_PER_PAGE} projects per page."
    if errors:
        return _error(400, "Some query arguments were not understood.", errors)
    page, per_page = int(page), int(per_page)
    rows, total = listing.project_rows(f, page=page, per_page=per_page)
    pages = max(1, -(-total // per_page))
    args = f.to_args() | {"per_page": per_page}
    return jsonify(
        {
            "items": [_project(r, f.public) for r in rows],
            "page": page,
            "per_page": per_page,
            "total": total,
            "pages": pages,
            "next": url_for(".projects", **args, page=page + 1) if page < pages else None,
            "previous": url_for(".projects", **args, page=page - 1) if page > 1 else None,
        }
    )


def _project(row: dict, public: bool) -> dict:
    item = {
        "id": row["id"],
        "acronym": row["acronym"],
        "title": row["title"],
        "fund": row["fund_code"],
        "call": row["call_reference"] or None,
        "start": listing.date_text(row["start_year"], row["start_month"], row["start_day"]) or None,
        "end": listing.date_text(row["end_year"], row["end_month"], row["end_day"]) or None,
        "eu_contribution": _money(row["eu_contribution"]),
        "coordinator": {
            "name": row["coordinator_name"],
            "type": row["coordinator_type"] or None,
            "country": row["coordinator_country"] or None,
        },
        "countries": row["countries"],
        "priorities": row["priorities"],
        "url": url_for("portfolio.project", project_id=row["id"], _external=True),
    }
    if not public:
        item |= {
            "source": queries._code(row["source"]),
            "reference": row["reference"],
            "programme": row["programme"],
            "status": queries._code(row["status"]),
            "total_cost": _money(row["total_cost"]),
        }
    return item


def _money(value) -> str | None:
    return None if value is None else str(value)


@bp.route("/breakdowns/<dimension>")
def breakdown(dimension: str):
    f, errors = _filter()
    if dimension not in queries.dimensions_for(f):
        return _error(404, f"There is no breakdown {dimension[:40]!r}.")
    if errors:
        return _error(400, "Some query arguments were not understood.", errors)
    rows = queries.breakdown(dimension, f)
    return jsonify(
        {
            "dimension": dimension,
            "title": queries.DIMENSIONS[dimension].title,
            "items": [r.as_dict() | {"eu_contribution": _row_money(r)} for r in rows],
        }
    )


def _row_money(row: queries.Row) -> str | None:
    return str(row.amount) if row.with_amount else None


@bp.route("/countries")
def countries():
    f, errors = _filter()
    if errors:
        return _error(400, "Some query arguments were not understood.", errors)
    rows = queries.countries(f)
    return jsonify(
        {
            "mode": f.mode.value,
            "items": [r.as_dict() | {"eu_contribution": _row_money(r)} for r in rows],
        }
    )


@bp.route("/openapi.json")
def openapi():
    return jsonify(openapi_document())
