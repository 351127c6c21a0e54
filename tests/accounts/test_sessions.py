"""Server-side sessions (issue 10, point 1): a cookie copied before logout opens nothing after
it; remember tokens are checked against the server and expire; "log out everywhere"."""

from __future__ import annotations

from datetime import timedelta

from grants import clock
from tests.conftest import PASSWORD, login


def _cookie(client, name: str) -> str:
    cookie = client.get_cookie(name)
    assert cookie is not None, f"no {name} cookie"
    return cookie.value


def _fresh_client(app, **cookies):
    other = app.test_client()
    for name, value in cookies.items():
        other.set_cookie(name, value)
    return other


def _opens_account(client) -> bool:
    response = client.get("/account")
    return response.status_code == 200


def test_session_cookie_copied_before_logout_is_dead_after_it(app, client, create_user):
    user = create_user()
    assert login(client, user).status_code == 302
    copied = _cookie(client, "session")
    assert _opens_account(_fresh_client(app, session=copied))  # the copy works while logged in
    client.post("/logout")
    assert not _opens_account(_fresh_client(app, session=copied))
    assert not _opens_account(client)


def test_remember_cookie_alone_is_checked_against_the_server(app, client, create_user):
    user = create_user()
    response = client.post(
        "/login", data={"email": user.email, "password": PASSWORD, "remember": "y"}
    )
    assert response.status_code == 302
    remember = _cookie(client, "remember_token")
    assert _opens_account(_fresh_client(app, remember_token=remember))
    client.post("/logout")
    assert not _opens_account(_fresh_client(app, remember_token=remember))


def test_remember_token_expires_after_14_days(app, client, create_user):
    user = create_user()
    client.post("/login", data={"email": user.email, "password": PASSWORD, "remember": "y"})
    remember = _cookie(client, "remember_token")
    clock.travel(timedelta(days=13, hours=23))
    assert _opens_account(_fresh_client(app, remember_token=remember))
    clock.travel(timedelta(hours=2))
    assert not _opens_account(_fresh_client(app, remember_token=remember))


def test_a_browser_session_lasts_until_logout_within_its_outer_limit(app, client, create_user):
    user = create_user()
    login(client, user)
    clock.travel(timedelta(days=30))  # a call's whole submission period, say
    assert _opens_account(client)
    clock.travel(timedelta(days=app.config["GRANTS_SESSION_MAX_DAYS"]))
    assert not _opens_account(client)


def test_log_out_everywhere_ends_every_session_and_remember_token(app, client, create_user, db):
    from grants.audit.models import AuditEntry

    user = create_user()
    laptop = app.test_client()
    laptop.post("/login", data={"email": user.email, "password": PASSWORD, "remember": "y"})
    laptop_remember = _cookie(laptop, "remember_token")
    login(client, user)
    page = client.get("/account").get_data(as_text=True)
    assert "logged in on 2 devices" in page
    response = client.post("/account/log-out-everywhere")
    assert response.status_code == 302 and "/login" in response.location
    assert not _opens_account(client)
    assert not _opens_account(laptop)
    assert not _opens_account(_fresh_client(app, remember_token=laptop_remember))
    assert db.session.query(AuditEntry).filter_by(action="log-out-everywhere").count() == 1
    # Logging in again works.
    assert login(client, user).status_code == 302
    assert _opens_account(client)


def test_other_users_sessions_survive(app, client, create_user):
    alice, bob = create_user(), create_user()
    bobs = app.test_client()
    login(bobs, bob)
    login(client, alice)
    client.post("/account/log-out-everywhere")
    assert _opens_account(bobs)


def test_password_reset_ends_every_session(app, client, create_user, mailbox):
    user = create_user()
    other = app.test_client()
    other.post("/login", data={"email": user.email, "password": PASSWORD, "remember": "y"})
    remember = _cookie(other, "remember_token")
    client.post("/password/forgot", data={"email": user.email})
    link = mailbox.link(user.email, "/password/reset/")
    path = "/password/reset/" + link.rsplit("/password/reset/", 1)[1]
    new = "another long passphrase 42"
    assert client.post(path, data={"password": new, "confirm": new}).status_code == 302
    assert not _opens_account(other)
    assert not _opens_account(_fresh_client(app, remember_token=remember))


def test_an_older_reset_link_dies_once_a_newer_one_is_used(app, client, create_user, mailbox):
    user = create_user()
    client.post("/password/forgot", data={"email": user.email})
    older = mailbox.link(user.email, "/password/reset/")
    client.post("/password/forgot", data={"email": user.email})
    newer = mailbox.link(user.email, "/password/reset/")
    assert older != newer

    def path(link):
        return "/password/reset/" + link.rsplit("/password/reset/", 1)[1]

    assert client.get(path(older)).status_code == 200  # both work until one is used
    new = "another long passphrase 42"
    assert client.post(path(newer), data={"password": new, "confirm": new}).status_code == 302
    response = client.get(path(older), follow_redirects=True)
    assert "or a newer one was" in response.get_data(as_text=True)
    other = "yet another passphrase 77"
    client.post(path(older), data={"password": other, "confirm": other})
    assert login(client, user, other).status_code == 422
    assert login(client, user, new).status_code == 302


def _statements_of(client, url: str = "/account") -> list[str]:
    """The statements one GET of `url` issues."""
    from sqlalchemy import event

    from grants.extensions import db

    seen = []

    def note(conn, cursor, statement, *args):
        seen.append(statement)

    event.listen(db.engine, "before_cursor_execute", note)
    try:
        assert client.get(url).status_code == 200
    finally:
        event.remove(db.engine, "before_cursor_execute", note)
    return seen


def _session_statements(app, client) -> tuple[int, int]:
    """(all statements, those reading memberships or roles) of one /account request."""
    seen = _statements_of(client)
    extra = [s for s in seen if "user_session" not in s and ("membership" in s or "user_role" in s)]
    return len(seen), len(extra)


def test_the_session_check_is_one_statement_whatever_the_memberships(
    app, create_user, create_organisation, db
):
    """Issue 10, point 10: every request checks its session on the server; the session row,
    the user, its memberships and roles come in one statement, at 1 and at 3 of each."""
    from grants.accounts.models import Membership

    counts = []
    for size, roles in ((1, ("applicant",)), (3, ("applicant", "evaluator", "admin"))):
        user = create_user(roles=roles, organisation=create_organisation())
        for _ in range(size - 1):
            db.session.add(Membership(user_id=user.id, organisation_id=create_organisation().id))
        db.session.commit()
        client = app.test_client()
        assert login(client, user).status_code == 302
        counts.append(_session_statements(app, client))
    (small, small_extra), (large, large_extra) = counts
    assert small_extra == large_extra == 0
    assert small == large


def test_what_every_page_shows_of_the_person_comes_with_the_session_check(
    app, client, create_user, db
):
    """Issue 16: the bell's unread count and, where a second factor is required, whether the
    person has one are read in the session check's statement, not in one each per page."""
    from grants.accounts.models import SecondFactor
    from grants.notifications.services import notify

    manager = create_user(roles=("programme_manager",))
    assert login(client, manager).status_code == 302
    db.session.add(SecondFactor(user_id=manager.id, secret="A" * 32, recovery_hashes=[]))
    notify("job.finished", [manager], subject="Export 1 is ready")
    db.session.commit()
    app.config["GRANTS_REQUIRE_2FA"] = True
    try:
        seen = _statements_of(client, "/dashboard")
        assert client.get("/dashboard").status_code == 200  # not sent to set one up
        db.session.delete(db.session.get(SecondFactor, manager.id))  # an admin resets it
        db.session.commit()
        response = client.get("/dashboard")
        assert response.status_code == 302 and "/account/two-factor" in response.location
    finally:
        app.config["GRANTS_REQUIRE_2FA"] = False
    elsewhere = [s for s in seen if "user_session" not in s]
    assert not [s for s in elsewhere if "notification" in s or "second_factor" in s], elsewhere
    page = client.get("/dashboard").get_data(as_text=True)
    assert "Notifications: 1 unread" in page
