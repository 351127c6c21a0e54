"""The PDF report: its text (pypdf) and its pages rendered to PNG (pdftocairo) to look at."""

from __future__ import annotations

import io
import re
import shutil
import subprocess
from pathlib import Path

import pytest
from pypdf import PdfReader

from grants.portfolio.filters import PortfolioFilter
from grants.portfolio.models import CountryRole
from grants.portfolio.report import render_portfolio_pdf

ARTIFACTS = Path(__file__).resolve().parents[2] / "test-artifacts"


def test_the_report_has_every_part_and_the_filters(app, db, some):
    data = render_portfolio_pdf(PortfolioFilter(mode=CountryRole.PARTNER, priority="shelters"))
    reader = PdfReader(io.BytesIO(data))
    text = " ".join(" ".join(page.extract_text() for page in reader.pages).split())
    for expected in (
        "Comprehensive review of the project portfolio",
        "Priority: Specialised shelters",  # the filters on the title page
        "split equally between them",  # the method note
        "Projects by country",
        "Kosovo",
        "Breakdowns",
        "Cross-tabulations",
        "Outcomes",
        "Shelter places created or supported",
        "Recommendations",
        "Open more shelters",
        "Gaps",
        "Annex: the projects",
        f"Page 2 of {len(reader.pages)}",
        "generated",
    ):
        assert expected in text, expected
    assert "Beta" not in text  # b addresses no shelters
    assert len(reader.pages) >= 4


@pytest.mark.skipif(shutil.which("pdftocairo") is None, reason="poppler-utils not installed")
def test_the_pages_render_with_the_map_and_charts(app, db, some):
    data = render_portfolio_pdf(PortfolioFilter())
    ARTIFACTS.mkdir(exist_ok=True)
    pdf = ARTIFACTS / "portfolio-review.pdf"
    pdf.write_bytes(data)
    prefix = ARTIFACTS / "portfolio-review"
    for old in ARTIFACTS.glob("portfolio-review-*.png"):
        old.unlink()
    subprocess.run(["pdftocairo", "-png", "-r", "60", str(pdf), str(prefix)], check=True)
    pages = sorted(ARTIFACTS.glob("portfolio-review-*.png"))
    assert len(pages) == len(PdfReader(io.BytesIO(data)).pages)
    from PIL import Image

    # The map page is not blank: many distinct colours (the choropleth's blues and greys).
    with Image.open(pages[2]) as image:  # the third page: the map
        colours = image.convert("RGB").getcolors(maxcolors=1 << 16)
    assert colours is None or len(colours) > 20


def test_the_pdf_route_downloads_it(client, login_as, manager, some):
    login_as(manager)
    response = client.get("/portfolio/report.pdf?mode=partner&view=world")
    assert response.status_code == 302 and "/jobs/" in response.location  # the progress page
    page = client.get(response.location).get_data(as_text=True)
    assert "The report is ready" in page  # GRANTS_JOBS_EAGER ran the job at once
    link = re.search(r'href="(/portfolio/reports/\d+\.pdf)"', page).group(1)
    download = client.get(link)
    assert download.status_code == 200 and download.data.startswith(b"%PDF")
    assert download.headers["Content-Disposition"].startswith("attachment;")
    assert client.get("/portfolio/report.pdf?view=world&mode=partner").location == (
        response.location
    )  # asked again the same day: the same job, nothing rendered twice
    notices = client.get("/notifications").get_data(as_text=True)
    assert "Portfolio review PDF report" in notices


def test_another_users_report_is_not_found(client, login_as, manager, create_user, some):
    login_as(manager)
    location = client.get("/portfolio/report.pdf").location
    job_id = int(location.split("/jobs/")[1].split("?")[0])
    client.post("/logout")
    login_as(create_user())
    assert client.get(f"/portfolio/reports/{job_id}.pdf").status_code == 404
    assert client.get("/portfolio/reports/99999999999999999999.pdf").status_code == 404
