"""The JSON API against the OpenAPI 3.1 document it serves."""

from __future__ import annotations

import pytest
from jsonschema import Draft202012Validator
from openapi_spec_validator import validate
from referencing import Registry, Resource


@pytest.fixture
def document(client):
    response = client.get("/api/v1/portfolio/openapi.json")
    assert response.status_code == 200
    spec = response.get_json()
    validate(spec)  # a valid OpenAPI 3.1 document
    return spec


def check(document, path: str, status: int, body) -> None:
    """The body matches the schema the document gives for this path and status."""
    operation = document["paths"][path]["get"]
    schema = operation["responses"][str(status)]["content"]["application/json"]["schema"]
    registry = Registry().with_resource("urn:api", Resource.opaque(document))
    ref = "urn:api" + schema["$ref"]
    errors = list(Draft202012Validator({"$ref": ref}, registry=registry).iter_errors(body))
    assert errors == [], [e.message for e in errors]


def test_projects_are_paginated_and_match_the_document(client, login_as, manager, some, document):
    login_as(manager)
    first = client.get("/api/v1/portfolio/projects?per_page=1&mode=partner")
    body = first.get_json()
    check(document, "/api/v1/portfolio/projects", 200, body)
    assert (body["total"], body["pages"], len(body["items"])) == (2, 2, 1)
    assert body["next"].endswith("page=2") and body["previous"] is None
    second = client.get(body["next"]).get_json()
    check(document, "/api/v1/portfolio/projects", 200, second)
    assert body["items"][0]["id"] != second["items"][0]["id"] and second["next"] is None
    item = next(i for i in body["items"] + second["items"] if i["eu_contribution"] == "1200.00")
    assert item["countries"]["partner"] == ["BG", "RO", "XK"]
    assert item["source"] == "funded" and "total_cost" in item


def test_breakdowns_and_countries_match_the_document(client, some, document):
    for dimension in ("priority", "actor_type", "fund", "year"):
        body = client.get(f"/api/v1/portfolio/breakdowns/{dimension}").get_json()
        check(document, "/api/v1/portfolio/breakdowns/{dimension}", 200, body)
    priority = client.get("/api/v1/portfolio/breakdowns/priority").get_json()
    shelters = next(r for r in priority["items"] if r["code"] == "shelters")
    assert (shelters["projects"], shelters["eu_contribution"]) == (1, "1200.00")
    countries = client.get("/api/v1/portfolio/countries?mode=partner").get_json()
    check(document, "/api/v1/portfolio/countries", 200, countries)
    assert {r["code"]: r["eu_contribution"] for r in countries["items"]} == {
        "BG": "400.00",  # a third of a's EUR 1 200
        "RO": "700.00",  # a third of a's, and b's EUR 300
        "XK": "400.00",
    }


def test_the_public_gets_public_fields_and_breakdowns_only(client, some, document):
    body = client.get("/api/v1/portfolio/projects").get_json()
    check(document, "/api/v1/portfolio/projects", 200, body)
    assert all("total_cost" not in i and "status" not in i for i in body["items"])
    assert client.get("/api/v1/portfolio/breakdowns/exploitation").status_code == 404
    refused = client.get("/api/v1/portfolio/projects?status=closed")
    assert refused.status_code == 400
    check(document, "/api/v1/portfolio/projects", 400, refused.get_json())


@pytest.mark.parametrize(
    ("query", "field"),
    [("per_page=0", "per_page"), ("per_page=500", "per_page"), ("page=x", "page"),
     ("year_from=20x", "year_from"), ("mode=everywhere", "mode"), ("fund=NOPE", "fund")],
)  # fmt: skip
def test_bad_arguments_are_a_400_that_names_the_field(client, document, query, field):
    response = client.get(f"/api/v1/portfolio/projects?{query}")
    assert response.status_code == 400
    body = response.get_json()
    check(document, "/api/v1/portfolio/projects", 400, body)
    assert field in body["fields"]
    assert client.get("/api/v1/portfolio/breakdowns/colour").status_code == 404
