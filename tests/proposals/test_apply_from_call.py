"""Applying from the call page: who is offered what, the call pre-selected, no nameless
proposal from an empty form, and a clear word when the call is closed."""

from __future__ import annotations

from datetime import timedelta

from sqlalchemy import func, select

from grants import clock
from grants.calls.models import CallStatus
from grants.proposals.models import Proposal


def test_call_page_offers_the_start_to_applicants_and_login_to_visitors(
    client, login_as, create_call, create_user, create_organisation
):
    call = create_call()
    start = f'href="/proposals/new?call_id={call.id}"'
    anonymous = client.get(f"/calls/{call.id}").get_data(as_text=True)
    assert start not in anonymous
    assert "to apply to this call" in anonymous and 'href="/register"' in anonymous
    assert "/login?next=" in anonymous

    lone = create_user()
    login_as(lone)
    html = client.get(f"/calls/{call.id}").get_data(as_text=True)
    assert "register your organisation" in html and start not in html
    client.post("/logout")

    applicant = create_user(organisation=create_organisation())
    login_as(applicant)
    html = client.get(f"/calls/{call.id}").get_data(as_text=True)
    assert start in html and f"Start a proposal under {call.reference}" in html
    form = client.get(f"/proposals/new?call_id={call.id}").get_data(as_text=True)
    assert f'name="call_id" value="{call.id}"' in form and "Acronym" in form


def test_closed_call_offers_no_start_and_its_form_says_closed(
    client, login_as, create_call, create_user, create_organisation
):
    now = clock.now()
    call = create_call(opens_at=now - timedelta(days=60), deadline_at=now - timedelta(days=1))
    login_as(create_user(organisation=create_organisation()))
    assert "/proposals/new?call_id=" not in client.get(f"/calls/{call.id}").get_data(as_text=True)
    html = client.get(f"/proposals/new?call_id={call.id}").get_data(as_text=True)
    assert f"The call {call.reference} is closed" in html
    draft = create_call(status=CallStatus.DRAFT)
    assert draft.reference not in client.get(f"/proposals/new?call_id={draft.id}").get_data(
        as_text=True
    )


def test_an_empty_start_form_creates_nothing(
    client, login_as, create_call, create_user, create_organisation, db
):
    org = create_organisation()
    call = create_call()
    login_as(create_user(organisation=org))
    response = client.post(
        f"/proposals/new?call_id={call.id}",
        data={"call_id": call.id, "organisation_id": org.id, "acronym": "  ", "title": ""},
    )
    assert response.status_code == 422
    assert "Give the proposal a short acronym." in response.get_data(as_text=True)
    assert db.session.scalar(select(func.count()).select_from(Proposal)) == 0
