"""The review map's background work: the public's PDF followed by a token, large exports and
the import as worker jobs with their progress, the result and the download; bad tokens and
ids are a 404."""

from __future__ import annotations

import csv
import io
import re

import pytest
from sqlalchemy import func, select

from grants.extensions import db as _db
from grants.jobs import services as job_services
from grants.jobs.models import Job, JobState
from grants.jobs.worker import run_jobs
from grants.portfolio import jobs as portfolio_jobs
from grants.portfolio.models import PortfolioProject


@pytest.fixture
def progress_log(monkeypatch):
    """Every progress report of the jobs run meanwhile: (kind, done, total, message)."""
    seen = []
    real = job_services.progress

    def record(job, token, done, total, message=""):
        seen.append((job.kind, done, total, message))
        real(job, token, done, total, message)

    monkeypatch.setattr(job_services, "progress", record)
    return seen


def _link(page: str) -> str:
    return re.search(r'data-job="link" class="alert-link ms-1" href="([^"]+)"', page).group(1)


def test_the_public_follow_their_pdf_by_a_token_then_download_it(client, some, progress_log):
    response = client.get("/portfolio/report.pdf?mode=partner")
    assert response.status_code == 302
    status = response.location
    assert re.fullmatch(r"/portfolio/work/[\w.-]{12,}\?back=.+", status)
    page = client.get(status).get_data(as_text=True)
    assert "The report is ready" in page and ">Back</a>" in page
    download = client.get(_link(page))
    assert download.status_code == 200 and download.data.startswith(b"%PDF")
    assert download.headers["Content-Disposition"].startswith("attachment;")
    token = status.split("/portfolio/work/")[1].split("?")[0]
    state = client.get(f"/portfolio/work/{token}.json").get_json()
    assert state["state"] == "done" and state["percent"] == 100
    # Each step was reported, in order, ending complete.
    steps = [(d, t) for kind, d, t, _ in progress_log if kind == portfolio_jobs.PDF]
    assert steps == [(0, 4), (1, 4), (2, 4), (3, 4), (4, 4)]
    # Another anonymous reader of the same view gets the same job: nothing rendered twice.
    assert client.get("/portfolio/report.pdf?mode=partner").location == status
    assert _db.session.scalar(select(func.count()).where(Job.kind == portfolio_jobs.PDF)) == 1
    job = _db.session.scalar(select(Job).where(Job.kind == portfolio_jobs.PDF))
    assert job.user_id is None and job.payload["sees_all"] is False  # the public subset


def test_without_a_worker_the_page_waits_and_offers_a_refresh_link(app, client, some, monkeypatch):
    monkeypatch.setitem(app.config, "GRANTS_JOBS_EAGER", False)
    status = client.get("/portfolio/report.pdf").location
    page = client.get(status).get_data(as_text=True)
    assert "Waiting for a worker" in page and "Refresh this page" in page
    assert 'data-finished="no"' in page and "jobs.js" in page
    assert client.get(status.split("?")[0] + "/download").status_code == 404  # not yet
    run_jobs()
    page = client.get(status).get_data(as_text=True)
    assert "The report is ready" in page and 'data-finished="yes"' in page


@pytest.mark.parametrize(
    "token",
    ["nonsense", "1.abcdef", "MQ.forged-signature", "x" * 300, "..", "a%20b"],
)
def test_a_bad_token_is_not_found(client, some, token):
    for suffix in ("", ".json", "/download"):
        assert client.get(f"/portfolio/work/{token}{suffix}").status_code == 404


def test_a_signed_in_readers_job_cannot_be_reached_by_a_token(client, login_as, manager, some):
    login_as(manager)
    location = client.get("/portfolio/report.pdf").location
    job_id = int(location.split("/jobs/")[1].split("?")[0])
    client.post("/logout")
    token = portfolio_jobs.public_token(job_id)  # signed correctly, but not a public job
    assert client.get(f"/portfolio/work/{token}").status_code == 404
    assert client.get(f"/portfolio/work/{token}/download").status_code == 404
    gone = portfolio_jobs.public_token(10**12)
    assert client.get(f"/portfolio/work/{gone}").status_code == 404


def test_a_large_export_is_written_by_the_worker_with_progress(
    app, client, login_as, manager, create_user, some, progress_log, monkeypatch
):
    from grants.portfolio import exports

    monkeypatch.setattr(exports, "PAGE_ROWS", 1)
    monkeypatch.setitem(app.config, "GRANTS_PORTFOLIO_INSTANT_EXPORT", 1)
    login_as(manager)
    response = client.get("/portfolio/export/projects.csv?mode=partner")
    assert response.status_code == 302 and "/jobs/" in response.location
    page = client.get(response.location).get_data(as_text=True)
    assert "2 projects in the CSV file" in page
    link = _link(page)
    assert re.fullmatch(r"/portfolio/exports/\d+", link)
    download = client.get(link)
    rows = list(csv.reader(io.StringIO(download.data.decode("utf-8-sig"))))
    assert download.headers["Content-Disposition"].endswith('.csv"')
    assert len(rows) == 3 and rows[0][0] == "Key"  # a manager's export has every column
    assert sorted(r[4] for r in rows[1:]) == ['\'=HYPERLINK("http://evil")', "Project b"]
    messages = [m for kind, _, _, m in progress_log if kind == portfolio_jobs.EXPORT]
    assert messages == ["1 of 2 projects read", "2 of 2 projects read", "Writing the CSV file",
                        "The file is ready"]  # fmt: skip
    assert "Portfolio project list (CSV)" in client.get("/notifications").get_data(as_text=True)
    job_id = int(link.rsplit("/", 1)[1])
    client.post("/logout")
    login_as(create_user())
    assert client.get(link).status_code == 404  # another reader's file
    assert client.get(f"/portfolio/exports/{job_id + 1000}").status_code == 404
    assert client.get(f"/portfolio/exports/{2**31}").status_code == 404  # past the ids
    assert client.get("/portfolio/exports/99999999999999999999").status_code == 404


def test_the_publics_large_export_has_the_public_columns(app, client, some, monkeypatch):
    monkeypatch.setitem(app.config, "GRANTS_PORTFOLIO_INSTANT_EXPORT", 1)
    status = client.get("/portfolio/export/projects.xlsx").location
    assert status.startswith("/portfolio/work/")
    page = client.get(status).get_data(as_text=True)
    assert "2 projects in the XLSX file" in page
    from openpyxl import load_workbook

    sheet = load_workbook(io.BytesIO(client.get(_link(page)).data)).active
    header = next(sheet.values)
    assert "Key" not in header and "Title" in header  # the public fields only


def test_a_small_export_stays_instant(client, some):
    response = client.get("/portfolio/export/projects.csv")
    assert response.status_code == 200 and response.data.startswith(b"\xef\xbb\xbf")


def test_the_import_runs_in_the_worker_and_reports_its_counts(
    app, client, login_as, manager, db, progress_log, monkeypatch
):
    login_as(manager)
    content = b'Title,Country,EU grant\nShelter net,Czech Republic,"EUR 500,000"\n,BE,1\n'
    uploaded = client.post(
        "/portfolio/import", data={"file": (io.BytesIO(content), "old.csv")},
        content_type="multipart/form-data",
    ).location  # fmt: skip
    preview = client.get(uploaded).get_data(as_text=True)
    version = preview.split('name="mapping_version" value="')[1].split('"')[0]
    monkeypatch.setitem(app.config, "GRANTS_JOBS_EAGER", False)
    applied = client.post(uploaded + "/apply", data={"mapping_version": version})
    assert applied.status_code == 302 and "/jobs/" in applied.location
    assert db.session.scalar(select(func.count()).select_from(PortfolioProject)) == 0
    assert "Waiting for a worker" in client.get(applied.location).get_data(as_text=True)
    run_jobs()
    page = client.get(applied.location).get_data(as_text=True)
    assert "old.csv: 1 projects added, 0 updated, 1 rows rejected." in page
    assert _link(page) == uploaded  # back to the rows, the rejected one with its reason
    assert db.session.scalar(select(func.count()).select_from(PortfolioProject)) == 1
    steps = [m for kind, _, _, m in progress_log if kind == portfolio_jobs.IMPORT]
    assert steps == ["Reading old.csv", "Writing 1 projects"]
    job = db.session.scalar(select(Job).where(Job.kind == portfolio_jobs.IMPORT))
    assert job.state == JobState.DONE
    assert "Import of old.csv" in client.get("/notifications").get_data(as_text=True)


def test_the_public_asking_again_after_a_failure_retry_it(client, db, some):
    status = client.get("/portfolio/report.pdf").location
    job = db.session.scalar(select(Job).where(Job.kind == portfolio_jobs.PDF))
    job.state, job.last_error = JobState.FAILED, "RuntimeError: the disk was full"
    db.session.commit()
    assert "This work failed" in client.get(status).get_data(as_text=True)
    assert client.get("/portfolio/report.pdf").location == status  # the same job, run again
    db.session.refresh(job)
    assert job.state == JobState.DONE
    assert "The report is ready" in client.get(status).get_data(as_text=True)
