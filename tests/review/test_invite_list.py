"""Invitation lists (issue 15, point 8): one bad entry keeps the good ones invited and comes
back at the field, kept in the box; an admin invites from the users page."""

from __future__ import annotations

import re

from sqlalchemy import select

from grants.review import pool as evaluator_pool
from grants.review.models import EvaluatorInvitation


def _invited(db) -> list[str]:
    return sorted(db.session.scalars(select(EvaluatorInvitation.email)))


def test_sort_addresses_splits_normalises_and_keeps_the_bad_as_typed():
    good, bad = evaluator_pool.sort_addresses(
        "A.Expert@Example.org\nnot-an-address, b@example.org; a.expert@example.org  c@ex"
    )
    assert good == ["a.expert@example.org", "b@example.org"]
    assert bad == ["not-an-address", "c@ex"]


def test_a_list_with_a_bad_address_invites_the_good_and_shows_the_bad_at_the_field(
    db, client, login_as, create_user, mailbox
):
    login_as(create_user(roles=("programme_manager",)))
    response = client.post(
        "/manage/evaluators/invite",
        data={"emails": "one@example.org\nexpert(at)example.org\ntwo@example.org", "call_id": ""},
    )
    html = re.sub(r"\s+", " ", response.get_data(as_text=True))
    assert response.status_code == 422
    assert _invited(db) == ["one@example.org", "two@example.org"]
    assert mailbox.last_to("one@example.org") and mailbox.last_to("two@example.org")
    assert "This is not an e-mail address: expert(at)example.org" in html
    assert "the other addresses are invited" in html
    assert "2 invitations sent: one@example.org, two@example.org." in html
    textarea = html.split('name="emails"')[1].split("</textarea>")[0]
    assert textarea.endswith(">expert(at)example.org") or "expert(at)example.org" in textarea
    assert "one@example.org" not in textarea  # invited already: not sent twice
    assert 'aria-invalid="true"' in html.split('name="emails"')[0][-400:] + textarea

    empty = client.post("/manage/evaluators/invite", data={"emails": "", "call_id": ""})
    assert empty.status_code == 422
    assert "Enter at least one e-mail address." in empty.get_data(as_text=True)
    assert len(_invited(db)) == 2


def test_an_admin_invites_from_the_users_page(db, client, login_as, create_user):
    login_as(create_user(roles=("admin",)))
    page = client.get("/admin/users").get_data(as_text=True)
    assert 'id="invite-users"' in page and 'action="/manage/evaluators/invite"' in page
    response = client.post(
        "/manage/evaluators/invite",
        data={"emails": "new.person@example.org", "call_id": "", "back": "users"},
    )
    assert response.status_code == 302 and response.headers["Location"].endswith("/admin/users")
    assert _invited(db) == ["new.person@example.org"]
    assert "1 invitation sent: new.person@example.org." in client.get("/admin/users").get_data(
        as_text=True
    )


def test_the_users_page_offers_no_invitation_to_a_user_who_cannot_invite(
    client, login_as, create_user
):
    login_as(create_user(roles=("applicant",)))
    assert client.get("/admin/users").status_code in (403, 404)
    response = client.post("/manage/evaluators/invite", data={"emails": "x@example.org"})
    assert response.status_code in (403, 404)
