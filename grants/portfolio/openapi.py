"""The OpenAPI 3.1 document of the portfolio API (api.py serves it at
/api/v1/portfolio/openapi.json; the tests check every answer against it). The schemas are
data; `openapi_document()` puts them together with the paths and their parameters."""

from __future__ import annotations

from grants.portfolio import queries
from grants.portfolio.models import CountryRole

MAX_PER_PAGE = 200
MODES = [m.value for m in CountryRole]

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

MONEY = {"type": ["string", "null"], "pattern": r"^\d+\.\d{2}$"}
NULLABLE = {"type": ["string", "null"]}
PARTIAL_DATE = {"type": ["string", "null"], "pattern": r"^\d{4}(-\d{2}(-\d{2})?)?$"}
COUNT = {"type": "integer", "minimum": 0}


def _ref(name: str) -> dict:
    return {"$ref": f"#/components/schemas/{name}"}


def _object(properties: dict, required: list[str] | None = None, closed: bool = True) -> dict:
    """A JSON object schema; `required` defaults to every property."""
    schema = {
        "type": "object",
        "required": list(properties) if required is None else required,
        "properties": properties,
    }
    if closed:
        schema["additionalProperties"] = False
    return schema


def _array(items: dict) -> dict:
    return {"type": "array", "items": items}


ROW = _object(
    {
        "code": {"type": "string"},
        "label": {"type": "string"},
        "projects": COUNT,
        "eu_contribution": MONEY,
        "projects_with_amount": COUNT,
    }
)
PROJECT_PUBLIC = {  # every reader gets these
    "id": {"type": "integer"},
    "acronym": {"type": "string"},
    "title": {"type": "string"},
    "fund": NULLABLE,
    "start": PARTIAL_DATE,
    "end": PARTIAL_DATE,
    "eu_contribution": MONEY,
    "coordinator": _object({"name": {"type": "string"}, "type": NULLABLE, "country": NULLABLE}),
    "countries": _object({m: _array({"type": "string", "pattern": "^[A-Z]{2}$"}) for m in MODES}),
    "priorities": _array({"type": "string"}),
    "url": {"type": "string", "format": "uri"},
}
PROJECT_OPTIONAL = {  # the call when known; the rest for programme managers only
    "call": NULLABLE,
    "total_cost": MONEY,
    "source": {"type": "string", "enum": ["funded", "imported"]},
    "reference": {"type": "string"},
    "programme": {"type": "string"},
    "status": {"type": "string"},
}
PROJECT_ORDER = ["id", "acronym", "title", "fund", "call", "start", "end", "eu_contribution"]
PAGE = {
    "items": _array(_ref("Project")),
    "page": {"type": "integer", "minimum": 1},
    "per_page": {"type": "integer", "minimum": 1},
    "total": COUNT,
    "pages": {"type": "integer", "minimum": 1},
    "next": NULLABLE,
    "previous": NULLABLE,
}


def _project() -> dict:
    properties = {**PROJECT_PUBLIC, **PROJECT_OPTIONAL}
    ordered = PROJECT_ORDER + [k for k in properties if k not in PROJECT_ORDER]
    return _object({k: properties[k] for k in ordered}, required=list(PROJECT_PUBLIC))


def schemas() -> dict:
    return {
        "Row": ROW,
        "Project": _project(),
        "ProjectPage": _object(PAGE),
        "Breakdown": _object(
            {
                "dimension": {"type": "string"},
                "title": {"type": "string"},
                "items": _array(_ref("Row")),
            }
        ),
        "Countries": _object(
            {"mode": {"type": "string", "enum": MODES}, "items": _array(_ref("Row"))}
        ),
        "Error": _object(
            {
                "error": {"type": "string"},
                "fields": {"type": "object", "additionalProperties": {"type": "string"}},
            },
            required=["error"],
            closed=False,
        ),
    }


def filter_parameters() -> list[dict]:
    parameters = [
        {"name": name, "in": "query", "required": False, "description": text,
         "schema": {"type": "integer"} if name.startswith("year") else {"type": "string"}}
        for name, text in FILTER_PARAMETERS
    ]  # fmt: skip
    parameters[-1]["schema"] = {"type": "string", "enum": MODES}
    return parameters


def _responses(schema: str) -> dict:
    error = {
        "description": "Query arguments not understood",
        "content": {"application/json": {"schema": _ref("Error")}},
    }
    ok = {"description": "OK", "content": {"application/json": {"schema": _ref(schema)}}}
    return {"200": ok, "400": error}


def paths() -> dict:
    filters = filter_parameters()
    paging = [
        {"name": "page", "in": "query", "schema": {"type": "integer", "minimum": 1}},
        {"name": "per_page", "in": "query",
         "schema": {"type": "integer", "minimum": 1, "maximum": MAX_PER_PAGE}},
    ]  # fmt: skip
    dimension = {"name": "dimension", "in": "path", "required": True,
                 "schema": {"type": "string", "enum": queries.BREAKDOWNS}}  # fmt: skip
    not_found = {"404": {"description": "No such breakdown (or not public)"}}
    return {
        "/api/v1/portfolio/projects": {
            "get": {
                "summary": "Projects, one page at a time",
                "parameters": filters + paging,
                "responses": _responses("ProjectPage"),
            }
        },
        "/api/v1/portfolio/breakdowns/{dimension}": {
            "get": {
                "summary": "Projects and EU contribution per group of one dimension",
                "parameters": [dimension] + filters,
                "responses": _responses("Breakdown") | not_found,
            }
        },
        "/api/v1/portfolio/countries": {
            "get": {
                "summary": "Projects and EU contribution per country in the chosen mode",
                "parameters": filters,
                "responses": _responses("Countries"),
            }
        },
    }


INFO = {
    "title": "THB programme portfolio API",
    "version": "1.0.0",
    "description": "The comprehensive project-review map's data: projects, breakdowns "
    "and per-country figures with the map's filters. Amounts are EUR as decimal "
    "strings; null means not known. The public sees the public subset and fields.",
}


def openapi_document() -> dict:
    return {
        "openapi": "3.1.0",
        "info": INFO,
        "paths": paths(),
        "components": {"schemas": schemas()},
    }
