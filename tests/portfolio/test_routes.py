"""The review map page and the management pages through the test client: filters in the URL,
messages at the fields, the SQL statements of the page not growing with the data, exports
read back, the import preview and apply, the victims upload."""

from __future__ import annotations

import csv
import io
import json
from decimal import Decimal

import pytest
from openpyxl import load_workbook
from sqlalchemy import event, func, select

from grants.portfolio.models import PortfolioProject, VictimFigure
from grants.portfolio.sync import IndicatorValue, Recommendation
from tests.access.common import BASE_ROLES, ROLES
from tests.access.portfolio import HIDDEN_PROJECT
from tests.conftest import login
from tests.portfolio.conftest import record


def test_the_page_shows_figures_with_filters_in_the_url(client, login_as, manager, some):
    login_as(manager)
    page = client.get("/portfolio/?mode=partner&priority=shelters")
    html = page.get_data(as_text=True)
    assert page.status_code == 200
    assert "split equally between them" in html  # the partner-mode attribution, on the page
    assert "Kosovo" in html and "Romania" in html
    assert 'data-vega-spec="chart-map"' in html
    assert "Priority: Specialised shelters" in html  # the active filter, removable
    assert "Open more shelters" in html
    assert html.count('href="/portfolio/projects/') >= 1
    assert "Beta" not in html.split('id="projects"')[1]  # b addresses no shelters


def test_a_filter_not_understood_is_said_at_its_field_and_left_out(client, some):
    page = client.get("/portfolio/?year_from=abc&fund=NOPE&country=ZZ&year_to=1")
    html = page.get_data(as_text=True)
    assert page.status_code == 200
    assert "A year between 1990 and 2100" in html
    assert "There is no fund &#39;NOPE&#39;" in html or "There is no fund 'NOPE'" in html
    assert 'id="filter-year_from-error"' in html
    # The public may not filter by private fields.
    assert "open to programme managers only" in client.get(
        "/portfolio/?exploitation=sexual"
    ).get_data(as_text=True)


def count_statements(app, client, url) -> int:
    seen = []

    def before(conn, cursor, statement, *args):
        seen.append(statement)

    with app.app_context():
        from grants.extensions import db

        engine = db.engine
    event.listen(engine, "before_cursor_execute", before)
    try:
        assert client.get(url).status_code == 200
    finally:
        event.remove(engine, "before_cursor_execute", before)
    return len(seen)


def test_the_page_runs_as_many_statements_for_2_projects_as_for_60(
    app, client, login_as, manager, sync
):
    login_as(manager)

    def grow(n, start):
        sync(
            *[
                record(
                    f"p{i}",
                    eu=str(100 + i),
                    coordinator=(f"C{i}", "ngo", ["BG", "RO", "GR"][i % 3]),
                    partners=[(f"P{i}", "ngo", "IT"), (f"Q{i}", "research", "XK")],
                    implementation_countries=["BG", "IT"],
                    priorities=["shelters", "2012-A1"],
                    exploitation_forms=["sexual"],
                    project_types=["training"],
                    indicators=[
                        IndicatorValue(
                            "victims-assisted", Decimal(5), {"sex-age": {"women": Decimal(5)}}
                        )
                    ],
                    recommendations=[Recommendation(f"Rec {i}", priority="child")],
                )
                for i in range(start, start + n)
            ]
        )

    grow(2, 0)
    url = "/portfolio/?mode=partner"
    small = count_statements(app, client, url)
    grow(58, 2)
    large = count_statements(app, client, url)
    assert small == large, (small, large)
    assert small < 60


@pytest.mark.parametrize("role", BASE_ROLES)
def test_a_project_the_public_may_not_see_is_a_404(
    app, role, create_user, create_organisation, sync
):
    from grants.portfolio.models import ProjectSource

    (hidden,) = sync(record("old", source=ProjectSource.IMPORTED)).created
    client = app.test_client()
    if role != "anonymous":
        roles = {"applicant": ("applicant",), "other_applicant": ("applicant",),
                 "evaluator": ("evaluator",), "manager": ("programme_manager",),
                 "admin": ("admin",)}[role]  # fmt: skip
        login(client, create_user(roles=roles))
    status = client.get(f"/portfolio/projects/{hidden.id}").status_code
    assert status == HIDDEN_PROJECT[ROLES.index(role)]
    assert client.get("/portfolio/projects/999999").status_code == 404


def test_the_map_can_be_closed_to_the_public(app, client, some):
    app.config["GRANTS_PORTFOLIO_PUBLIC"] = ""
    try:
        assert client.get("/portfolio/").status_code == 404
        assert client.get("/api/v1/portfolio/projects").status_code == 404
    finally:
        app.config.pop("GRANTS_PORTFOLIO_PUBLIC")


def test_exports_read_back_with_formulas_neutralised(client, login_as, manager, some):
    login_as(manager)
    response = client.get("/portfolio/export/projects.csv?mode=partner")
    assert response.headers["Content-Disposition"].startswith("attachment;")
    rows = list(csv.reader(io.StringIO(response.get_data(as_text=True).lstrip("\ufeff"))))
    header, body = rows[0], rows[1:]
    by_title = {r[header.index("Title")]: r for r in body}
    assert '\'=HYPERLINK("http://evil")' in by_title  # not run as a formula
    evil = by_title['\'=HYPERLINK("http://evil")']
    assert evil[header.index("Coordinator")] == "'-Alpha"
    assert evil[header.index("EU contribution (EUR)")] == "1200.00"
    assert evil[header.index("Partner countries")] == "BG; RO; XK"

    xlsx = client.get("/portfolio/export/projects.xlsx")
    sheet = load_workbook(io.BytesIO(xlsx.data)).active
    values = list(sheet.values)
    titles = [row[values[0].index("Title")] for row in values[1:]]
    assert '\'=HYPERLINK("http://evil")' in titles
    amounts = [row[values[0].index("EU contribution (EUR)")] for row in values[1:]]
    assert sorted(amounts) == [300, 1200]  # numbers stay numbers

    breakdown = client.get("/portfolio/export/breakdowns/priority.xlsx")
    rows = list(load_workbook(io.BytesIO(breakdown.data)).active.values)
    shelters = next(r for r in rows if r[0] == "shelters")
    assert shelters[2:4] == (1, 1200)
    assert client.get("/portfolio/export/breakdowns/colour.csv").status_code == 404

    geojson = json.loads(client.get("/portfolio/export/countries.geojson?mode=partner").data)
    features = {f["id"]: f for f in geojson["features"]}
    assert features["XK"]["properties"]["eu_contribution"] == "400.00"
    assert features["BG"]["geometry"]["type"] == "MultiPolygon"
    assert features["XK"]["geometry"] is not None  # Kosovo has its outline


def test_the_public_export_holds_public_columns_only(client, some):
    header = client.get("/portfolio/export/projects.csv").get_data(as_text=True).splitlines()[0]
    assert "Title" in header and "Total cost" not in header and "Status" not in header
    assert client.get("/portfolio/export/breakdowns/exploitation.csv").status_code == 404


def test_import_in_the_app_previews_then_applies(client, login_as, manager, db):
    login_as(manager)
    content = (
        b'Title,Country,EU grant,Themes\nShelter net,Czech Republic,"EUR 500,000",refuges\n,BE,1,\n'
    )
    response = client.post(
        "/portfolio/import", data={"file": (io.BytesIO(content), "old.csv")},
        content_type="multipart/form-data",
    )  # fmt: skip
    assert response.status_code == 302
    preview = client.get(response.location).get_data(as_text=True)
    assert "Rejected:</strong> no title" in preview
    assert "not in the taxonomy" in preview  # "refuges"
    assert db.session.scalar(select(func.count()).select_from(PortfolioProject)) == 0
    # Teach the phrase from the preview, then import.
    taught = client.post(
        "/portfolio/mappings",
        data={
            "phrase": "Refuges",
            "kind": "priority",
            "code": "shelters",
            "next": response.location,
        },
    )
    assert taught.status_code == 302 and taught.location.endswith(response.location)
    again = client.get(response.location).get_data(as_text=True)
    version = again.split('name="mapping_version" value="')[1].split('"')[0]
    applied = client.post(response.location + "/apply", data={"mapping_version": version})
    assert applied.status_code == 302
    assert db.session.scalar(select(func.count()).select_from(PortfolioProject)) == 1
    project = db.session.scalar(select(PortfolioProject))
    assert project.coordinator_country == "CZ" and project.eu_contribution == Decimal("500000.00")
    stale = client.post(response.location + "/apply", data={"mapping_version": "old"})
    assert "mapping table changed" in client.get(stale.location).get_data(as_text=True)


def test_import_refuses_a_file_it_cannot_read_at_the_field(client, login_as, manager):
    login_as(manager)
    page = client.post(
        "/portfolio/import", data={"file": (io.BytesIO(b"%PDF"), "x.pdf")},
        content_type="multipart/form-data",
    )  # fmt: skip
    assert page.status_code == 200
    assert "Upload a CSV (.csv) or Excel (.xlsx) file." in page.get_data(as_text=True)
    empty = client.post("/portfolio/import", data={}, content_type="multipart/form-data")
    assert "Choose a file to import." in empty.get_data(as_text=True)


def test_a_mapping_onto_an_unknown_code_is_refused(client, login_as, manager):
    login_as(manager)
    page = client.post("/portfolio/mappings", data={"phrase": "x", "kind": "fund", "code": "NOPE"})
    assert "There is no fund or programme with the code" in page.get_data(as_text=True)
    assert client.post("/portfolio/mappings/99999/delete").status_code == 404


def test_victims_upload(client, login_as, manager, db, some):
    login_as(manager)
    good = b"country,year,victims,source\nRomania,2019,150,Eurostat\nBG,2019,30,\n"
    response = client.post(
        "/portfolio/victims",
        data={"file": (io.BytesIO(good), "v.csv"), "source": "National rapporteur"},
        content_type="multipart/form-data",
    )
    assert response.status_code == 302
    sources = dict(db.session.execute(select(VictimFigure.country, VictimFigure.source)).all())
    assert sources == {"RO": "Eurostat", "BG": "National rapporteur"}
    page = client.get("/portfolio/").get_data(as_text=True)
    assert "EUR per registered victim" in page and "Eurostat" in page
    bad = b"country,year,victims\nAtlantis,2019,3\nRO,twenty,3\n"
    refused = client.post(
        "/portfolio/victims",
        data={"file": (io.BytesIO(bad), "v.csv"), "source": "x"},
        content_type="multipart/form-data",
    )
    text = refused.get_data(as_text=True)
    assert "Nothing was saved" in text and "row 2: unknown country" in text and "row 3" in text
    assert db.session.scalar(select(func.count()).select_from(VictimFigure)) == 2


def test_taxonomy_pages_show_indicators_and_project_types(client):
    indicators = client.get("/taxonomy/indicators").get_data(as_text=True)
    assert "Victims assisted" in indicators and "Prosecutors and judges" in indicators
    types = client.get("/taxonomy/project-types").get_data(as_text=True)
    assert "Law enforcement and judicial cooperation" in types
