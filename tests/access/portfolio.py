"""Access expectations of the portfolio routes (the review map, its exports, PDF and API,
the import pages) and of the taxonomy's indicator and project-type pages. With the default
GRANTS_PORTFOLIO_PUBLIC ("funded") the map is open to everyone, showing the public a public
subset; importing, the mapping table and the victims figures are for managers only."""

from tests.access.common import LOGIN, MANAGERS, OK_ALL

MANAGER_POST = (LOGIN, 403, 403, 403, 302, 302)
REDIRECT_ALL = (302,) * 6
OWN_JOB = (LOGIN, 200, 404, 404, 200, 200)  # the owner and programme managers

EXPECTED = {
    "taxonomy.project_types": ("GET", lambda w: {}, OK_ALL),
    "taxonomy.indicators": ("GET", lambda w: {}, OK_ALL),
    "portfolio.index": ("GET", lambda w: {}, OK_ALL),
    "portfolio.boundaries": ("GET", lambda w: {}, OK_ALL),
    "portfolio.project": (
        "GET",
        lambda w: {"project_id": w["portfolio_public"]},
        OK_ALL,
    ),
    "portfolio.export_projects": ("GET", lambda w: {"fmt": "csv"}, OK_ALL),
    "portfolio.export_breakdown": (
        "GET",
        lambda w: {"dimension": "priority", "fmt": "xlsx"},
        OK_ALL,
    ),
    "portfolio.export_geojson": ("GET", lambda w: {}, OK_ALL),
    # the public gets the outcomes of projects that publish them, without the internal key
    "portfolio.export_outcomes": ("GET", lambda w: {"fmt": "xlsx"}, OK_ALL),
    # everyone is sent to the job's progress page (the public by token, others to /jobs/)
    "portfolio.pdf": ("GET", lambda w: {}, REDIRECT_ALL),
    # the public's job pages: whoever holds the token (a signed id) sees the public file
    "portfolio.work.status": ("GET", lambda w: {"token": w["public_job_token"]}, OK_ALL),
    "portfolio.work.status_json": ("GET", lambda w: {"token": w["public_job_token"]}, OK_ALL),
    "portfolio.work.public_download": (
        "GET",
        lambda w: {"token": w["public_job_token"]},
        OK_ALL,
    ),
    # a large export written by the worker: its owner (the applicant) and managers
    "portfolio.work.export_download": ("GET", lambda w: {"job_id": w["export_job"]}, OWN_JOB),
    "portfolio.import_upload": ("GET", lambda w: {}, MANAGERS),
    "portfolio.import_preview": ("GET", lambda w: {"import_id": w["portfolio_import"]}, MANAGERS),
    "portfolio.import_apply": (
        "POST",
        lambda w: {"import_id": w["portfolio_import"]},
        MANAGER_POST,
    ),
    "portfolio.mappings": ("GET", lambda w: {}, MANAGERS),
    "portfolio.delete_mapping": (
        "POST",
        lambda w: {"mapping_id": w["portfolio_mapping"]},
        MANAGER_POST,
    ),
    "portfolio.victims": ("GET", lambda w: {}, MANAGERS),
    "portfolio.api.projects": ("GET", lambda w: {}, OK_ALL),
    "portfolio.api.countries": ("GET", lambda w: {}, OK_ALL),
    "portfolio.api.breakdown": ("GET", lambda w: {"dimension": "priority"}, OK_ALL),
    "portfolio.api.openapi": ("GET", lambda w: {}, OK_ALL),
}

# Not in the matrix, asserted by tests/portfolio/test_routes.py: an imported project (not
# public by default) is a 404 for everyone but managers.
HIDDEN_PROJECT = (404, 404, 404, 404, 200, 200)


def build(world: dict, fixtures: dict) -> None:
    """A public funded project, an imported one, an upload to preview and a mapping."""
    from decimal import Decimal

    from grants.extensions import db
    from grants.portfolio import importer
    from grants.portfolio.models import MappingKind, ProjectSource
    from grants.portfolio.sync import Participant, PortfolioRecord, upsert_many

    fixtures["db"]
    result = upsert_many(
        [
            PortfolioRecord(
                key="funded:access",
                title="Safe shelters",
                eu_contribution=Decimal("1000"),
                coordinator=Participant("Org", "ngo", "BG"),
                priorities=["shelters"],
            ),
            PortfolioRecord(
                key="imported:access",
                title="Old project",
                source=ProjectSource.IMPORTED,
                coordinator=Participant("Org", "ngo", "RO"),
            ),
        ]
    )
    upload = importer.store_upload("old.csv", b"Title,Country\nA project,BE\n")
    mapping = importer.save_mapping("refuges", MappingKind.PRIORITY, "shelters")
    db.session.commit()
    world["portfolio_public"] = result.created[0].id
    world["portfolio_hidden"] = result.created[1].id
    world["portfolio_import"] = upload.id
    world["portfolio_mapping"] = mapping.id
    _finished_jobs(world)


def _finished_jobs(world: dict) -> None:
    """A public PDF job (followed by token) and the applicant's large export, both done."""
    from grants.extensions import db
    from grants.jobs import services as jobs
    from grants.jobs.models import JobState
    from grants.portfolio import jobs as portfolio_jobs

    public = jobs.enqueue(portfolio_jobs.PDF, {"args": [], "view": "europe", "public": True})
    export = jobs.enqueue(
        portfolio_jobs.EXPORT, {"args": [], "fmt": "csv"}, user=world["users"]["applicant"]
    )
    for job in (public, export):
        job.state = JobState.DONE
    export.result = {"fmt": "csv"}
    db.session.commit()
    for path, data in (
        (portfolio_jobs.report_path(public.id), b"%PDF-1.7 the public report"),
        (portfolio_jobs.export_path(export.id, "csv"), b"Title\nA project\n"),
    ):
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_bytes(data)
    world["public_job_token"] = portfolio_jobs.public_token(public.id)
    world["export_job"] = export.id
