"""Deliverables' files: the coordinator uploads a PDF for a deliverable (checked by content as a
proposal's annexes are, refused at the field with a clear message and nothing stored), the
report that ticks the deliverable names its files, and only the project's consortium and
programme managers download them."""

from __future__ import annotations

import io
import os

from sqlalchemy import select

from grants.extensions import db as _db
from grants.projects.models import DeliverableFile, GrantStatus, Report
from tests.conftest import login
from tests.factories.proposals import MINIMAL_PDF


def _upload(client, grant, data: bytes, name="guide.pdf", number=0):
    return client.post(
        f"/projects/{grant.id}/deliverables/{number}",
        data={"file": (io.BytesIO(data), name)},
        content_type="multipart/form-data",
    )


def _at_field(page: str) -> str:
    return page.split('id="file-error"', 1)[1].split("</div>", 1)[0]


def test_a_deliverable_file_is_checked_stored_and_named_by_the_report(app, running_grant):
    grant, coordinator, manager = running_grant()
    theirs, mine = app.test_client(), app.test_client()
    login(theirs, manager)
    login(mine, coordinator)
    page = mine.get(f"/projects/{grant.id}/deliverables/0").get_data(as_text=True)
    assert "Upload a file" in page and "No file yet." in page

    fake = _upload(mine, grant, b"MZ\x90\x00 an executable", "guide.pdf")
    assert fake.status_code == 422 and "not a PDF" in _at_field(fake.get_data(as_text=True))
    empty = _upload(mine, grant, b"", "empty.pdf")
    assert empty.status_code == 422 and "The file is empty." in _at_field(
        empty.get_data(as_text=True)
    )
    cut = _upload(mine, grant, MINIMAL_PDF[:40])
    assert cut.status_code == 422 and "cut short" in _at_field(cut.get_data(as_text=True))
    nothing = mine.post(f"/projects/{grant.id}/deliverables/0", data={})
    assert nothing.status_code == 422 and "Choose a PDF file" in nothing.get_data(as_text=True)
    assert _db.session.query(DeliverableFile).count() == 0

    done = _upload(mine, grant, MINIMAL_PDF, "../../Referral guide.pdf")
    assert done.status_code == 302
    stored = _db.session.scalar(select(DeliverableFile))
    assert stored.filename == "Referral guide.pdf" and stored.deliverable == 0
    path = os.path.join(app.config["GRANTS_UPLOAD_DIR"], stored.stored_name)
    with open(path, "rb") as handle:
        assert handle.read() == MINIMAL_PDF
    assert not os.path.realpath(path).startswith(os.path.realpath(app.static_folder))

    form = mine.get(f"/projects/{grant.id}/reports/1").get_data(as_text=True)
    assert "Referral guide.pdf" in form  # beside the deliverable to tick
    mine.post(
        f"/projects/{grant.id}/reports/1",
        data={"narrative": "Guide written.", "costs": "1000", "done": "deliverables:0"},
    )
    report = _db.session.query(Report).one()
    assert report.content["files"] == [
        {
            "id": stored.id,
            "deliverable": 0,
            "filename": "Referral guide.pdf",
            "sha256": stored.sha256,
        }
    ]
    review = theirs.get(f"/projects/reports/{report.id}").get_data(as_text=True)
    assert f"/projects/files/{stored.id}" in review
    # what the report ticks, named for the manager who accepts it
    title = grant.work_plan["deliverables"][0]["title"]
    done = review.split('id="report-done"')[1].split("</ul>")[0]
    assert f"Deliverable: {title}" in done and done.count("<li>") == 1
    download = theirs.get(f"/projects/files/{stored.id}")
    assert download.status_code == 200 and download.data == MINIMAL_PDF
    assert download.headers["Content-Type"] == "application/pdf"
    assert "attachment" in download.headers["Content-Disposition"]
    assert "1 file" in theirs.get(f"/projects/{grant.id}").get_data(as_text=True)


def test_only_the_coordinator_uploads_and_only_while_the_project_runs(
    app, running_grant, create_user, create_organisation
):
    grant, coordinator, manager = running_grant()
    manager_client, stranger_client, mine = app.test_client(), app.test_client(), app.test_client()
    login(manager_client, manager)
    login(stranger_client, create_user(organisation=create_organisation()))
    login(mine, coordinator)
    assert _upload(manager_client, grant, MINIMAL_PDF).status_code == 403
    assert _upload(stranger_client, grant, MINIMAL_PDF).status_code == 403
    assert _upload(mine, grant, MINIMAL_PDF, number=99).status_code == 404
    assert mine.get(f"/projects/{grant.id}/deliverables/99").status_code == 404
    assert mine.get("/projects/files/999999").status_code == 404
    assert _db.session.query(DeliverableFile).count() == 0
    assert _upload(mine, grant, MINIMAL_PDF).status_code == 302
    stored = _db.session.scalar(select(DeliverableFile))
    assert stored_download(stranger_client, stored) == 403
    grant.status = GrantStatus.CLOSED
    _db.session.commit()
    closed = _upload(mine, grant, MINIMAL_PDF)
    assert closed.status_code == 422
    assert "while the project runs" in _at_field(closed.get_data(as_text=True))
    assert _db.session.query(DeliverableFile).count() == 1


def stored_download(client, stored) -> int:
    return client.get(f"/projects/files/{stored.id}").status_code


def test_a_file_larger_than_the_limit_is_refused_with_a_message(app, running_grant):
    grant, coordinator, _ = running_grant()
    client = app.test_client()
    login(client, coordinator)
    limit = app.config["MAX_CONTENT_LENGTH"]
    big = _upload(client, grant, MINIMAL_PDF + b"0" * limit)
    assert big.status_code == 413 and "MB" in big.get_data(as_text=True)
    assert _db.session.query(DeliverableFile).count() == 0
