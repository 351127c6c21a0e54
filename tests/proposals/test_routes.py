"""Routes: starting and editing drafts, hostile and clumsy input, stale saves, annexes,
submitting twice, the locked page after the deadline, and the manager's overview."""

from __future__ import annotations

import os
import re
from datetime import timedelta
from decimal import Decimal
from urllib.parse import quote

import pytest
from sqlalchemy import func, select

from grants import clock
from grants.audit.models import AuditEntry
from grants.proposals.models import Annex, Proposal, Submission
from tests.factories.proposals import MINIMAL_PDF

XSS = '<script>alert("x")</script><img src=x onerror=alert(1)>'


@pytest.fixture
def owner(create_organisation, create_user):
    org = create_organisation(country="BE")
    return create_user(organisation=org), org


def _version(client, url):
    html = client.get(url).get_data(as_text=True)
    return re.search(r'name="version" type="hidden" value="(\d+)"', html).group(1)


def test_start_a_proposal_and_see_the_checklist(client, login_as, owner, create_call, db):
    user, org = owner
    call = create_call()
    login_as(user)
    response = client.post(
        f"/proposals/new?call_id={call.id}",
        data={"call_id": call.id, "organisation_id": org.id, "acronym": "HAVEN", "title": ""},
    )
    assert response.status_code == 302
    proposal = db.session.scalar(select(Proposal))
    assert proposal.acronym == "HAVEN" and proposal.coordinator.name == org.name
    page = client.get(f"/proposals/{proposal.id}/edit/summary").get_data(as_text=True)
    assert "Give the proposal a title." in page
    assert f'href="/proposals/{proposal.id}/edit/summary#title"' in page
    assert "Upload the required annex: Detailed budget table (PDF)." in page


def test_start_refuses_someone_elses_organisation(
    client, login_as, owner, create_call, create_organisation
):
    user, _ = owner
    call = create_call()
    login_as(user)
    other = create_organisation()
    response = client.post(
        f"/proposals/new?call_id={call.id}",
        data={"call_id": call.id, "organisation_id": other.id, "acronym": "THEIRS"},
    )
    assert response.status_code == 422
    assert "Choose one of your organisations." in response.get_data(as_text=True)


def test_script_in_every_text_is_inert(client, login_as, create_proposal, submit_proposal, db):
    proposal = create_proposal(acronym="X" + XSS[:20], title=XSS, abstract=XSS, relevance=XSS)
    proposal.partners[1].name = XSS
    db.session.commit()
    user = proposal.organisation.memberships[0].user
    login_as(user)
    submission = submit_proposal(proposal)
    for url in (
        f"/proposals/{proposal.id}",
        f"/proposals/{proposal.id}/edit/summary",
        f"/proposals/{proposal.id}/edit/consortium",
        f"/proposals/{proposal.id}/edit/budget",
        f"/submissions/{submission.id}",
        "/proposals",
    ):
        html = client.get(url).get_data(as_text=True)
        assert "<script>alert" not in html and "<img src=x" not in html, url
    assert "&lt;script&gt;alert" in client.get(f"/submissions/{submission.id}").get_data(
        as_text=True
    )


def test_saving_sections_and_rows(client, login_as, create_proposal, db):
    proposal = create_proposal(complete=False)
    login_as(proposal.organisation.memberships[0].user)
    url = f"/proposals/{proposal.id}/edit/consortium"
    response = client.post(
        url,
        data={
            "version": _version(client, url),
            "team": "Together",
            "partners-0-name": "Fundación Alas",
            "partners-0-country": "ES",
            "partners-0-type": "ngo",
            "partners-0-role": "partner",
            "partners-1-name": "",
        },
    )
    assert response.status_code == 302
    db.session.expire_all()
    assert [p.name for p in proposal.partners][1:] == ["Fundación Alas"]
    url = f"/proposals/{proposal.id}/edit/budget"
    partner = proposal.partners[1]
    response = client.post(
        url,
        data={
            "version": _version(client, url),
            "lines-0-partner_id": partner.id,
            "lines-0-category": "staff",
            "lines-0-description": "Social workers",
            "lines-0-amount": "120000.50",
            "lines-0-priorities": ["gender", "not-a-priority"],
        },
    )
    assert response.status_code == 302
    db.session.expire_all()
    line = proposal.budget_lines[0]
    assert line.amount == Decimal("120000.50") and line.priorities == ["gender"]
    page = client.get(url).get_data(as_text=True)
    assert "EUR 108\u202f000.45" in page  # 90 % of 120 000.50, rounded down


@pytest.mark.parametrize(
    ("amount", "message"),
    [
        ("-5", "no negative amounts"),
        ("1e12", "no negative amounts"),
        ("lots", "Not a valid decimal value"),
    ],
)
def test_bad_amounts_are_refused(client, login_as, create_proposal, amount, message):
    proposal = create_proposal()
    login_as(proposal.organisation.memberships[0].user)
    url = f"/proposals/{proposal.id}/edit/budget"
    response = client.post(
        url,
        data={
            "version": _version(client, url),
            "lines-0-partner_id": proposal.partners[0].id,
            "lines-0-category": "staff",
            "lines-0-description": "x",
            "lines-0-amount": amount,
        },
    )
    assert response.status_code == 422
    assert message in response.get_data(as_text=True)


def test_end_before_start_is_refused(client, login_as, create_proposal, db):
    proposal = create_proposal()
    login_as(proposal.organisation.memberships[0].user)
    url = f"/proposals/{proposal.id}/edit/workplan"
    wp = proposal.work_packages[0]
    response = client.post(
        url,
        data={
            "version": _version(client, url),
            "work_packages-0-id": wp.id,
            "work_packages-0-number": 1,
            "work_packages-0-title": "Shelter",
            "work_packages-0-start_month": 10,
            "work_packages-0-end_month": 3,
        },
    )
    assert response.status_code == 422
    assert "The end month is before the start month." in response.get_data(as_text=True)
    db.session.expire_all()
    assert proposal.work_packages[0].end_month == 24  # nothing saved


def test_very_long_text_is_refused_not_truncated(client, login_as, create_proposal):
    proposal = create_proposal()
    login_as(proposal.organisation.memberships[0].user)
    url = f"/proposals/{proposal.id}/edit/relevance"
    response = client.post(url, data={"version": _version(client, url), "relevance": "x" * 70000})
    assert response.status_code == 422
    assert "Field cannot be longer than 60000 characters." in response.get_data(as_text=True)


def test_two_tabs_the_later_save_is_refused(client, login_as, create_proposal, db):
    proposal = create_proposal()
    login_as(proposal.organisation.memberships[0].user)
    url = f"/proposals/{proposal.id}/edit/summary"
    version = _version(client, url)
    first = client.post(url, data={"version": version, "acronym": "TAB-ONE"})
    assert first.status_code == 302
    second = client.post(url, data={"version": version, "acronym": "TAB-TWO"})
    assert second.status_code == 409
    html = second.get_data(as_text=True)
    assert "Nothing was overwritten" in html
    assert 'value="TAB-TWO"' in html  # the user's input is shown again
    db.session.expire_all()
    assert proposal.acronym == "TAB-ONE"


def test_autosave_returns_json(client, login_as, create_proposal):
    proposal = create_proposal()
    login_as(proposal.organisation.memberships[0].user)
    url = f"/proposals/{proposal.id}/edit/relevance"
    version = int(_version(client, url))
    response = client.post(
        url,
        data={"version": version, "relevance": "Auto", "objectives": "saved"},
        headers={"X-Autosave": "1"},
    )
    assert response.status_code == 200
    assert response.json["ok"] is True and response.json["version"] == version + 1
    stale = client.post(
        url, data={"version": version, "relevance": "Old"}, headers={"X-Autosave": "1"}
    )
    assert stale.status_code == 409 and stale.json["ok"] is False


def test_other_organisations_ids_give_404(
    client, login_as, create_proposal, submit_proposal, owner
):
    proposal = create_proposal()
    submission = submit_proposal(proposal)
    annex = proposal.current_annexes[0]
    login_as(owner[0])
    for url in (
        f"/proposals/{proposal.id}",
        f"/proposals/{proposal.id}/edit/summary",
        f"/proposals/{proposal.id}/submit",
        f"/proposals/{proposal.id}/annexes",
        f"/proposals/{proposal.id}/annexes/{annex.id}",
        f"/submissions/{submission.id}",
        f"/submissions/{submission.id}/receipt.pdf",
        "/proposals/999999",
    ):
        assert client.get(url).status_code == 404, url
    assert client.post(f"/proposals/{proposal.id}/edit/summary", data={}).status_code == 404
    assert client.post(f"/proposals/{proposal.id}/withdraw", data={}).status_code == 404


# Annexes ----------------------------------------------------------------------------------


def _upload(client, proposal, data: bytes, name="annex.pdf", kind="budget"):
    import io

    url = f"/proposals/{proposal.id}/annexes"
    return client.post(
        url,
        data={"version": _version(client, url), "kind": kind, "file": (io.BytesIO(data), name)},
        content_type="multipart/form-data",
    )


def test_annex_checks_by_content(app, client, login_as, create_proposal, db):
    proposal = create_proposal(complete=False)
    login_as(proposal.organisation.memberships[0].user)
    fake = _upload(client, proposal, b"MZ\x90\x00 this is an executable", "budget.pdf")
    assert fake.status_code == 422
    assert "not a PDF" in fake.get_data(as_text=True)
    empty = _upload(client, proposal, b"", "empty.pdf")
    assert empty.status_code == 422 and "The file is empty." in empty.get_data(as_text=True)
    cut = _upload(client, proposal, MINIMAL_PDF[:40], "cut.pdf")
    assert "cut short" in cut.get_data(as_text=True)
    renamed = _upload(client, proposal, MINIMAL_PDF, "budget table.exe")
    assert renamed.status_code == 302  # a real PDF is accepted whatever its name
    annex = db.session.scalar(select(Annex))
    path = os.path.join(app.config["GRANTS_UPLOAD_DIR"], annex.stored_name)
    assert os.path.exists(path)
    assert not os.path.realpath(path).startswith(os.path.realpath(app.static_folder))
    assert annex.stored_name != annex.filename
    download = client.get(f"/proposals/{proposal.id}/annexes/{annex.id}")
    assert download.status_code == 200 and download.data == MINIMAL_PDF
    assert download.headers["Content-Type"] == "application/pdf"
    assert "attachment" in download.headers["Content-Disposition"]


def test_oversized_annex_gets_the_413_page(app, client, login_as, create_proposal):
    proposal = create_proposal()
    login_as(proposal.organisation.memberships[0].user)
    old = app.config["MAX_CONTENT_LENGTH"]
    app.config["MAX_CONTENT_LENGTH"] = 1024 * 1024
    try:
        response = _upload(client, proposal, MINIMAL_PDF + b"0" * (1024 * 1024 + 1))
    finally:
        app.config["MAX_CONTENT_LENGTH"] = old
    assert response.status_code == 413
    assert "larger than the limit of 1 MB" in response.get_data(as_text=True)


def test_removed_annex_stays_with_the_submitted_version(
    app, client, login_as, create_proposal, submit_proposal, db
):
    proposal = create_proposal()
    submission = submit_proposal(proposal)
    annex = proposal.current_annexes[0]
    login_as(proposal.organisation.memberships[0].user)
    url = f"/proposals/{proposal.id}/annexes"
    response = client.post(f"{url}/{annex.id}/remove", data={"version": _version(client, url)})
    assert response.status_code == 302
    db.session.expire_all()
    assert annex.removed_at is not None
    got = client.get(f"/submissions/{submission.id}/annexes/{annex.sha256}")
    assert got.status_code == 200 and got.data == MINIMAL_PDF


def test_annexes_of_identical_content_keep_their_own_filenames(
    app, client, login_as, create_proposal, submit_proposal, db
):
    from tests.factories.proposals import write_annex

    proposal = create_proposal()
    twin = write_annex(app, proposal, "other")
    twin.filename = "Letter of support, Ministry.pdf"
    db.session.commit()
    submission = submit_proposal(proposal)
    names = {a.filename for a in submission.snapshot.annexes if a.sha256 == twin.sha256}
    assert len(names) >= 2, "the factory's first annex has the same content"
    login_as(proposal.organisation.memberships[0].user)
    page = client.get(f"/submissions/{submission.id}").get_data(as_text=True)
    for name in names:
        got = client.get(
            f"/submissions/{submission.id}/annexes/{twin.sha256}", query_string={"name": name}
        )
        disposition = got.headers["Content-Disposition"]
        assert got.status_code == 200 and got.data == MINIMAL_PDF
        assert quote(name) in disposition or f'filename="{name}"' in disposition, disposition
    assert "Letter of support" in page


# Submitting -------------------------------------------------------------------------------


def test_double_post_of_the_submit_form_gives_one_submission(client, login_as, create_proposal, db):
    proposal = create_proposal()
    login_as(proposal.organisation.memberships[0].user)
    html = client.get(f"/proposals/{proposal.id}/submit").get_data(as_text=True)
    token = re.search(r'name="token" type="hidden" value="([^"]+)"', html).group(1)
    version = re.search(r'name="version" type="hidden" value="(\d+)"', html).group(1)
    first = client.post(
        f"/proposals/{proposal.id}/submit", data={"token": token, "version": version}
    )
    second = client.post(
        f"/proposals/{proposal.id}/submit", data={"token": token, "version": version}
    )
    assert first.status_code == second.status_code == 302
    assert first.location == second.location
    assert db.session.scalar(select(func.count(Submission.id))) == 1
    receipt = client.get(first.location).get_data(as_text=True)
    submission = db.session.scalar(select(Submission))
    assert submission.sha256 in receipt and submission.reference in receipt
    assert "UTC" in receipt and "(Brussels)" in receipt
    pdf = client.get(f"/submissions/{submission.id}/receipt.pdf")
    assert pdf.status_code == 200 and pdf.data.startswith(b"%PDF-")


def test_after_the_deadline_the_page_says_why(client, login_as, create_proposal, create_call, db):
    call = create_call()
    proposal = create_proposal(call=call)
    login_as(proposal.organisation.memberships[0].user)
    url = f"/proposals/{proposal.id}/edit/summary"
    version = _version(client, url)
    clock.freeze(call.deadline_at + timedelta(seconds=1))
    page = client.get(url).get_data(as_text=True)
    assert "This proposal can no longer change." in page
    assert f"The deadline of call {call.reference} passed" in page
    response = client.post(url, data={"version": version, "acronym": "LATE"})
    assert response.status_code == 409
    submit = client.get(f"/proposals/{proposal.id}/submit").get_data(as_text=True)
    assert "Submission is not possible." in submit
    db.session.expire_all()
    assert proposal.acronym != "LATE"


# The programme ----------------------------------------------------------------------------


def test_manager_overview_filter_and_override(
    client, login_as, create_user, create_proposal, submit_proposal, db
):
    good = create_proposal()
    bad = create_proposal(call=good.call)
    bad.partners[1].country = "DK"
    db.session.commit()
    sg, sb = submit_proposal(good), submit_proposal(bad)
    manager = create_user(roles=("programme_manager",))
    login_as(manager)
    url = f"/calls/{good.call_id}/submissions"
    page = client.get(url).get_data(as_text=True)
    assert sg.reference in page and sb.reference in page
    page = client.get(url + "?status=ineligible").get_data(as_text=True)
    assert sb.reference in page and sg.reference not in page
    assert "Denmark" in page
    response = client.post(
        f"/submissions/{sb.id}/review",
        data={
            "decision": "overridden",
            "admissible": "yes",
            "eligible": "yes",
            "reason": "Greenland-based office registered in Belgium.",
        },
    )
    assert response.status_code == 302
    db.session.expire_all()
    assert sb.final_eligible and sb.checks_decision.decided_by_id == manager.id
    assert db.session.scalar(select(AuditEntry).where(AuditEntry.action == "review-overridden"))
    page = client.get(url + "?status=overridden").get_data(as_text=True)
    assert sb.reference in page and sg.reference not in page
    # The manager sees submissions, never the draft pages.
    assert client.get(f"/proposals/{good.id}").status_code == 404


def test_decision_on_the_checks_refused_at_the_field_with_the_input_kept(
    client, login_as, create_user, create_proposal, submit_proposal, db
):
    bad = create_proposal()
    bad.partners[1].country = "DK"
    db.session.commit()
    sb = submit_proposal(bad)
    login_as(create_user(roles=("programme_manager",)))
    url = f"/submissions/{sb.id}/review"
    # overriding without saying admissible and eligible, and without a reason
    response = client.post(url, data={"decision": "overridden", "reason": ""})
    assert response.status_code == 422
    html = response.get_data(as_text=True)
    assert 'id="eligible-error"' in html and "say whether the proposal is eligible" in html
    assert 'href="#eligible-0"' in html and 'href="#admissible-0"' in html
    assert 'id="reason-error"' in html and "Give the reason" in html
    assert "checked" in _tag(html, 'value="overridden"')  # the choice is kept
    # an override that changes nothing: the service's refusal at the decision
    response = client.post(
        url,
        data={"decision": "overridden", "admissible": "yes", "eligible": "no", "reason": "Why"},
    )
    assert response.status_code == 422
    html = response.get_data(as_text=True)
    assert 'id="decision-error"' in html and "Overriding must change the result" in html
    assert "Why</textarea>" in html
    assert 'aria-invalid="true"' in _tag(html, 'id="decision-0"')
    db.session.expire_all()
    assert sb.checks_decision is None


def _tag(html: str, attribute: str) -> str:
    """The whole tag holding `attribute`."""
    at = html.index(attribute)
    return html[html.rindex("<", 0, at) : html.index(">", at) + 1]
