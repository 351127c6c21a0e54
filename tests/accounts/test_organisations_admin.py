"""Organisations (validation, membership, privacy), the admin page for roles, and the CLI."""

from __future__ import annotations

from sqlalchemy import select

from grants.accounts.models import Organisation, OrganisationType, User
from grants.audit.models import AuditEntry

ORG = {
    "name": "Safe Harbour <script>alert(1)</script>",
    "type": "ngo",
    "country": "MT",
    "registration_number": "VO/1234",
    "city": "Valletta",
    "website": "",
}


def test_applicant_registers_an_organisation_and_becomes_its_contact(
    client, db, create_user, login_as
):
    user = create_user()
    login_as(user)
    response = client.post("/organisations/new", data=ORG)
    assert response.status_code == 302
    organisation = db.session.scalar(select(Organisation))
    assert (organisation.country, organisation.type) == ("MT", OrganisationType.NGO)
    page = client.get(response.location).get_data(as_text=True)
    assert "Malta" in page
    assert "<script>alert(1)</script>" not in page  # escaped, inert
    assert "&lt;script&gt;" in page
    db.session.refresh(user)
    assert [m.is_contact for m in user.memberships] == [True]


def test_invalid_country_type_and_duplicates_are_refused_and_nothing_stored(
    client, db, create_user, login_as
):
    login_as(create_user())
    for bad in (
        {"country": "XX"},
        {"country": "EU"},
        {"type": "mafia"},
        {"name": ""},
        {"website": "javascript:alert(1)"},
    ):
        response = client.post("/organisations/new", data={**ORG, **bad})
        assert response.status_code == 200
        assert 'class="invalid-feedback"' in response.get_data(as_text=True)
    assert db.session.scalar(select(Organisation)) is None

    assert client.post("/organisations/new", data=ORG).status_code == 302
    response = client.post("/organisations/new", data={**ORG, "name": "Copy"})
    assert "already registered in this country" in response.get_data(as_text=True)
    assert len(db.session.scalars(select(Organisation)).all()) == 1


def test_another_applicants_organisation_is_a_404(
    client, create_user, create_organisation, login_as
):
    mine, theirs = create_organisation(), create_organisation()
    login_as(create_user(organisation=mine))
    assert client.get(f"/organisations/{mine.id}").status_code == 200
    assert client.get(f"/organisations/{theirs.id}").status_code == 404
    assert client.get(f"/organisations/{theirs.id}/edit").status_code == 404
    assert (
        client.post(
            f"/organisations/{theirs.id}/members", data={"email": "x@example.org"}
        ).status_code
        == 404
    )
    assert client.get("/organisations/999999").status_code == 404


def test_member_added_by_email_sees_the_organisation(
    client, app, db, create_user, create_organisation, login_as
):
    organisation = create_organisation()
    login_as(create_user(organisation=organisation))
    colleague = create_user(email="colleague@example.org")
    response = client.post(
        f"/organisations/{organisation.id}/members",
        data={"email": "colleague@example.org"},
        follow_redirects=True,
    )
    assert "can now work on" in response.get_data(as_text=True)
    response = client.post(
        f"/organisations/{organisation.id}/members",
        data={"email": "nobody@example.org"},
        follow_redirects=True,
    )
    assert "No account uses this e-mail address" in response.get_data(as_text=True)
    other = app.test_client()
    from tests.conftest import login

    login(other, colleague)
    assert other.get(f"/organisations/{organisation.id}").status_code == 200


def test_edit_keeps_data_on_error_and_is_audited(
    client, db, create_user, create_organisation, login_as
):
    organisation = create_organisation(country="BE")
    login_as(create_user(organisation=organisation))
    response = client.post(f"/organisations/{organisation.id}/edit", data={**ORG, "country": "ZZ"})
    assert "Choose a country from the list" in response.get_data(as_text=True)
    db.session.refresh(organisation)
    assert organisation.country == "BE"
    response = client.post(
        f"/organisations/{organisation.id}/edit", data={**ORG, "name": "Renamed"}
    )
    assert response.status_code == 302
    entry = db.session.scalar(select(AuditEntry).where(AuditEntry.action == "update"))
    assert entry.changes["name"][1] == "Renamed"
    assert entry.changes["country"] == ["BE", "MT"]


def test_admin_sets_roles_and_it_is_audited(client, db, create_user, login_as):
    admin = create_user(roles=("admin",))
    target = create_user()
    login_as(admin)
    response = client.post(
        f"/admin/users/{target.id}",
        data={"roles": ["evaluator", "programme_manager"], "active": "y"},
    )
    assert response.status_code == 302
    db.session.refresh(target)
    assert target.role_names == {"evaluator", "programme_manager"}
    entry = db.session.scalar(select(AuditEntry).where(AuditEntry.action == "set-roles"))
    assert entry.actor_id == admin.id
    assert entry.changes["roles"] == [["applicant"], ["evaluator", "programme_manager"]]
    # Unknown role: refused, nothing changed.
    response = client.post(f"/admin/users/{target.id}", data={"roles": ["emperor"], "active": "y"})
    assert "not a valid choice" in response.get_data(as_text=True)
    db.session.refresh(target)
    assert target.role_names == {"evaluator", "programme_manager"}


def test_admin_cannot_remove_own_admin_role(client, db, create_user, login_as):
    admin = create_user(roles=("admin",))
    login_as(admin)
    response = client.post(
        f"/admin/users/{admin.id}",
        data={"roles": ["applicant"], "active": "y"},
        follow_redirects=True,
    )
    assert "cannot remove your own admin role" in response.get_data(as_text=True)
    db.session.refresh(admin)
    assert "admin" in admin.role_names


def test_admin_user_list_filters(client, create_user, login_as):
    login_as(create_user(roles=("admin",), email="root@example.org"))
    create_user(email="eva@example.org", roles=("evaluator",))
    create_user(email="app@example.org")
    page = client.get("/admin/users?role=evaluator").get_data(as_text=True)
    assert "eva@example.org" in page and "app@example.org" not in page
    page = client.get("/admin/users?q=app@").get_data(as_text=True)
    assert "app@example.org" in page and "eva@example.org" not in page


def test_cli_creates_users_with_roles(runner, db):
    result = runner.invoke(
        args=[
            "users",
            "create",
            "pm@example.org",
            "--role",
            "programme_manager",
            "--role",
            "evaluator",
            "--password",
            "a sturdy passphrase",
        ]
    )
    assert result.exit_code == 0, result.output
    user = db.session.scalar(select(User).where(User.email == "pm@example.org"))
    assert user.role_names == {"programme_manager", "evaluator"}
    assert user.is_confirmed
    result = runner.invoke(
        args=["users", "create", "pm@example.org", "--password", "another one x"]
    )
    assert result.exit_code != 0
    assert "already exists" in result.output
    result = runner.invoke(
        args=[
            "users",
            "create",
            "x@example.org",
            "--role",
            "king",
            "--password",
            "a sturdy passphrase",
        ]
    )
    assert result.exit_code != 0


def test_seed_demo_is_idempotent_and_demo_logins_work(runner, client, db):
    first = runner.invoke(args=["seed", "demo"])
    assert first.exit_code == 0, first.output
    assert "15 users and 10 organisations created" in first.output
    second = runner.invoke(args=["seed", "demo"])
    assert "0 users and 0 organisations created" in second.output
    from seed.demo import DEMO_PASSWORD
    from tests.conftest import login

    for email in (
        "admin@thb-demo.eu",
        "manager@thb-demo.eu",
        "evaluator1@thb-demo.eu",
        "applicant.bg@thb-demo.eu",
    ):
        assert login(client, email, DEMO_PASSWORD).status_code == 302, email
        client.post("/logout")
    countries = set(db.session.scalars(select(Organisation.country)))
    assert len(countries) >= 8
