"""The read-only JSON API of the portfolio under /api/v1/portfolio: projects (paginated),
breakdowns and per-country figures, with the review map's filters, described by the OpenAPI
3.1 document it serves. Amounts are decimal strings in EUR (never floats); the public gets
the public subset and public fields only, as on the page."""

from __future__ import annotations

from flask import Blueprint, jsonify, request, url_for
from flask_login import current_user

from grants.portfolio import filters, listing, permissions, queries
from grants.portfolio.models import CountryRole

bp = Blueprint("api", __name__, url_prefix="/api/v1/portfolio")

MAX_PER_PAGE = 200


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


# The OpenAPI document ------------------------------------------------------------------------

FILTER_PARAMETERS = [
    ("fund", "A fund code (see /taxonomy/funds)."),
    ("programme", "A programme name as the portfolio holds it (managers only)."),
    ("call", "A call reference."),
    ("year_from", "First year projects started in."),
    ("year_to", "Last year projects started in."),
    ("priority", "A 2021-2025 priority code (see /taxonomy/)."),
    ("exploitation", "A form of exploitation code (managers only)."),
    ("country", "An ISO 3166-1 alpha-2 code (XK for Kosovo), counted in the mode."),
    ("region", "A region code (see /taxonomy/countries)."),
    ("actor_type", "The coordinator's organisation type."),
    ("project_type", "A project type code (managers only)."),
    ("status", "planned, running, closed, terminated or unknown (managers only)."),
    ("source", "funded or imported (managers only)."),
    ("mode", "How countries count: coordinator (default), partner or implementation."),
]


def openapi_document() -> dict:
    money = {"type": ["string", "null"], "pattern": r"^\d+\.\d{2}$"}
    error = {
        "description": "Query arguments not understood",
        "content": {"application/json": {"schema": {"$ref": "#/components/schemas/Error"}}},
    }
    parameters = [
        {"name": name, "in": "query", "required": False, "description": text,
         "schema": {"type": "integer"} if name.startswith("year") else {"type": "string"}}
        for name, text in FILTER_PARAMETERS
    ]  # fmt: skip
    parameters[-1]["schema"] = {"type": "string", "enum": [m.value for m in CountryRole]}

    def ok(schema: str) -> dict:
        return {
            "200": {
                "description": "OK",
                "content": {
                    "application/json": {"schema": {"$ref": f"#/components/schemas/{schema}"}}
                },
            },
            "400": error,
        }

    row = {
        "type": "object",
        "required": ["code", "label", "projects", "eu_contribution", "projects_with_amount"],
        "properties": {
            "code": {"type": "string"},
            "label": {"type": "string"},
            "projects": {"type": "integer", "minimum": 0},
            "eu_contribution": money,
            "projects_with_amount": {"type": "integer", "minimum": 0},
        },
        "additionalProperties": False,
    }
    nullable = {"type": ["string", "null"]}
    project = {
        "type": "object",
        "required": [
            "id",
            "acronym",
            "title",
            "fund",
            "start",
            "end",
            "eu_contribution",
            "coordinator",
            "countries",
            "priorities",
            "url",
        ],  # fmt: skip
        "properties": {
            "id": {"type": "integer"},
            "acronym": {"type": "string"},
            "title": {"type": "string"},
            "fund": nullable,
            "call": nullable,
            "start": {"type": ["string", "null"], "pattern": r"^\d{4}(-\d{2}(-\d{2})?)?$"},
            "end": {"type": ["string", "null"], "pattern": r"^\d{4}(-\d{2}(-\d{2})?)?$"},
            "eu_contribution": money,
            "total_cost": money,
            "coordinator": {
                "type": "object",
                "required": ["name", "type", "country"],
                "properties": {"name": {"type": "string"}, "type": nullable, "country": nullable},
                "additionalProperties": False,
            },
            "countries": {
                "type": "object",
                "required": [m.value for m in CountryRole],
                "additionalProperties": False,
                "properties": {
                    m.value: {"type": "array", "items": {"type": "string", "pattern": "^[A-Z]{2}$"}}
                    for m in CountryRole
                },
            },
            "priorities": {"type": "array", "items": {"type": "string"}},
            "url": {"type": "string", "format": "uri"},
            "source": {"type": "string", "enum": ["funded", "imported"]},
            "reference": {"type": "string"},
            "programme": {"type": "string"},
            "status": {"type": "string"},
        },
        "additionalProperties": False,
    }
    return {
        "openapi": "3.1.0",
        "info": {
            "title": "THB programme portfolio API",
            "version": "1.0.0",
            "description": "The comprehensive project-review map's data: projects, breakdowns "
            "and per-country figures with the map's filters. Amounts are EUR as decimal "
            "strings; null means not known. The public sees the public subset and fields.",
        },
        "paths": {
            "/api/v1/portfolio/projects": {
                "get": {
                    "summary": "Projects, one page at a time",
                    "parameters": parameters
                    + [
                        {
                            "name": "page",
                            "in": "query",
                            "schema": {"type": "integer", "minimum": 1},
                        },
                        {
                            "name": "per_page",
                            "in": "query",
                            "schema": {"type": "integer", "minimum": 1, "maximum": MAX_PER_PAGE},
                        },
                    ],  # fmt: skip
                    "responses": ok("ProjectPage"),
                }
            },
            "/api/v1/portfolio/breakdowns/{dimension}": {
                "get": {
                    "summary": "Projects and EU contribution per group of one dimension",
                    "parameters": [
                        {
                            "name": "dimension",
                            "in": "path",
                            "required": True,
                            "schema": {"type": "string", "enum": queries.BREAKDOWNS},
                        },
                    ]  # fmt: skip
                    + parameters,
                    "responses": ok("Breakdown")
                    | {"404": {"description": "No such breakdown (or not public)"}},
                }
            },
            "/api/v1/portfolio/countries": {
                "get": {
                    "summary": "Projects and EU contribution per country in the chosen mode",
                    "parameters": parameters,
                    "responses": ok("Countries"),
                }
            },
        },
        "components": {
            "schemas": {
                "Row": row,
                "Project": project,
                "ProjectPage": {
                    "type": "object",
                    "required": [
                        "items",
                        "page",
                        "per_page",
                        "total",
                        "pages",
                        "next",
                        "previous",
                    ],  # fmt: skip
                    "properties": {
                        "items": {
                            "type": "array",
                            "items": {"$ref": "#/components/schemas/Project"},
                        },
                        "page": {"type": "integer", "minimum": 1},
                        "per_page": {"type": "integer", "minimum": 1},
                        "total": {"type": "integer", "minimum": 0},
                        "pages": {"type": "integer", "minimum": 1},
                        "next": nullable,
                        "previous": nullable,
                    },
                    "additionalProperties": False,
                },
                "Breakdown": {
                    "type": "object",
                    "required": ["dimension", "title", "items"],
                    "properties": {
                        "dimension": {"type": "string"},
                        "title": {"type": "string"},
                        "items": {"type": "array", "items": {"$ref": "#/components/schemas/Row"}},
                    },
                    "additionalProperties": False,
                },
                "Countries": {
                    "type": "object",
                    "required": ["mode", "items"],
                    "properties": {
                        "mode": {"type": "string", "enum": [m.value for m in CountryRole]},
                        "items": {"type": "array", "items": {"$ref": "#/components/schemas/Row"}},
                    },
                    "additionalProperties": False,
                },
                "Error": {
                    "type": "object",
                    "required": ["error"],
                    "properties": {
                        "error": {"type": "string"},
                        "fields": {"type": "object", "additionalProperties": {"type": "string"}},
                    },
                },
            }
        },
    }
