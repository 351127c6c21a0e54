"""Registration, confirmation, login, throttling, password reset, sessions and CSRF."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from urllib.parse import urlsplit

from sqlalchemy import select

from grants import clock
from grants.accounts.models import LoginAttempt, User
from grants.audit.models import AuditEntry
from tests.conftest import PASSWORD, login


def _path(link: str) -> str:
    parts = urlsplit(link)
    return parts.path + (f"?{parts.query}" if parts.query else "")


def _register(client, email="ngo.worker@example.org", password="a long enough passphrase"):
    return client.post(
        "/register",
        data={
            "full_name": "Nadia Worker",
            "email": email,
            "password": password,
            "confirm": password,
            "timezone": "Europe/Sofia",
        },
    )


def test_register_confirm_by_mailed_link_then_log_in(client, db, mailbox):
    response = _register(client)
    assert response.status_code == 200
    assert "Check your e-mail" in response.get_data(as_text=True)
    user = db.session.scalar(select(User).where(User.email == "ngo.worker@example.org"))
    assert user.confirmed_at is None
    assert user.role_names == {"applicant"}
    assert user.timezone == "Europe/Sofia"
    assert user.password_hash.startswith("scrypt:")

    # Not confirmed yet: refused, and a fresh link is mailed.
    response = login(client, "ngo.worker@example.org", "a long enough passphrase")
    assert response.status_code == 422
    assert "Confirm your e-mail address first" in response.get_data(as_text=True)
    assert len(mailbox.to("ngo.worker@example.org")) == 2

    link = mailbox.link("ngo.worker@example.org", "/confirm/")
    response = client.get(_path(link))
    assert response.status_code == 302
    db.session.refresh(user)
    assert user.confirmed_at is not None

    response = login(client, "ngo.worker@example.org", "a long enough passphrase")
    assert response.status_code == 302
    assert response.location.endswith("/dashboard")
    assert "Nadia Worker" in client.get("/dashboard").get_data(as_text=True)


def test_register_refuses_weak_password_duplicate_email_and_keeps_input(client, create_user):
    response = _register(client, password="short")
    body = response.get_data(as_text=True)
    assert response.status_code == 422
    assert "Use at least 10 characters" in body
    assert 'value="ngo.worker@example.org"' in body  # nothing typed is lost

    create_user(email="taken@example.org")
    response = _register(client, email="taken@example.org")
    assert response.status_code == 422
    assert "already exists" in response.get_data(as_text=True)


def test_tampered_confirmation_link_is_refused(client, db, mailbox):
    _register(client)
    link = mailbox.link("ngo.worker@example.org", "/confirm/")
    response = client.get(_path(link)[:-3] + "xyz", follow_redirects=True)
    assert "not valid" in response.get_data(as_text=True)
    user = db.session.scalar(select(User).where(User.email == "ngo.worker@example.org"))
    assert user.confirmed_at is None


def test_wrong_password_is_refused_with_a_clear_message(client, create_user):
    user = create_user()
    response = login(client, user, "not the password")
    assert response.status_code == 422
    assert "The e-mail address or the password is not correct." in response.get_data(as_text=True)
    assert client.get("/dashboard").status_code == 302


def test_throttling_slows_down_after_repeated_failures_then_lets_in(client, db, create_user):
    clock.freeze(datetime(2026, 3, 1, 9, 0, tzinfo=UTC))
    user = create_user()
    for _ in range(5):
        assert login(client, user, "wrong password!").status_code == 422
    # Even the right password waits a little, from this address only.
    response = login(client, user, PASSWORD)
    assert response.status_code == 422
    assert "Wait 15 seconds" in response.get_data(as_text=True)
    clock.travel(timedelta(seconds=16))
    assert login(client, user, PASSWORD).status_code == 302
    attempts = list(
        db.session.scalars(select(LoginAttempt).where(LoginAttempt.email == user.email))
    )
    # The refused attempt was not recorded: it cannot extend the wait.
    assert [a.succeeded for a in attempts] == [False] * 5 + [True]


def test_throttling_by_address_across_accounts(app, client, create_user):
    clock.freeze(datetime(2026, 3, 1, 9, 0, tzinfo=UTC))
    user = create_user()
    limit = app.config["GRANTS_LOGIN_MAX_FAILURES_PER_IP"]
    for n in range(limit):
        assert login(client, f"guess{n}@example.org", "whatever it is").status_code == 422
    response = login(client, user, PASSWORD)
    assert "Too many failed logins from your address" in response.get_data(as_text=True)
    clock.travel(timedelta(seconds=16))
    assert login(client, user, PASSWORD).status_code == 302


def test_successful_login_resets_the_failure_count(client, create_user):
    user = create_user()
    for _ in range(4):
        login(client, user, "wrong password!")
    assert login(client, user, PASSWORD).status_code == 302
    client.post("/logout")
    for _ in range(4):
        login(client, user, "wrong password!")
    assert login(client, user, PASSWORD).status_code == 302


def test_password_reset_single_use_and_ends_other_sessions(app, client, db, mailbox, create_user):
    user = create_user(email="reset.me@example.org")
    other_device = app.test_client()
    assert login(other_device, user).status_code == 302
    assert other_device.get("/dashboard").status_code == 200

    response = client.post("/password/forgot", data={"email": "reset.me@example.org"})
    assert response.status_code == 302
    link = _path(mailbox.link("reset.me@example.org", "/password/reset/"))
    assert client.get(link).status_code == 200
    response = client.post(
        link, data={"password": "a brand new passphrase", "confirm": "a brand new passphrase"}
    )
    assert response.status_code == 302

    assert login(client, user, PASSWORD).status_code == 422
    assert login(client, user, "a brand new passphrase").status_code == 302
    # The other device's session ended with the reset.
    assert other_device.get("/dashboard").status_code == 302
    # The link works once.
    response = client.get(link, follow_redirects=True)
    assert "already been used" in response.get_data(as_text=True)
    actions = set(
        db.session.scalars(select(AuditEntry.action).where(AuditEntry.entity_id == str(user.id)))
    )
    assert {"reset-requested", "reset-password"} <= actions


def test_password_reset_link_expires(client, mailbox, create_user):
    clock.freeze(datetime(2026, 3, 1, 9, 0, tzinfo=UTC))
    create_user(email="late@example.org")
    client.post("/password/forgot", data={"email": "late@example.org"})
    link = _path(mailbox.link("late@example.org", "/password/reset/"))
    clock.travel(timedelta(minutes=61))
    response = client.get(link, follow_redirects=True)
    assert "expired" in response.get_data(as_text=True)


def test_reset_for_unknown_address_says_the_same_and_sends_nothing(client, mailbox):
    response = client.post(
        "/password/forgot", data={"email": "nobody@example.org"}, follow_redirects=True
    )
    assert "If an account uses this address" in response.get_data(as_text=True)
    assert mailbox.messages == []


def test_post_without_csrf_token_is_refused(client, create_user):
    user = create_user()
    response = client.post("/login", data={"email": user.email, "password": PASSWORD}, csrf=False)
    assert response.status_code == 400
    assert "expired or came from another site" in response.get_data(as_text=True)
    assert client.get("/dashboard").status_code == 302


def test_session_cookie_is_hardened_and_renewed_on_login(app, client, create_user):
    user = create_user()
    client.get("/login")
    with client.session_transaction() as session:
        session["planted"] = "by an attacker"
    response = login(client, user)
    cookie = next(h for h in response.headers.getlist("Set-Cookie") if h.startswith("session="))
    assert "HttpOnly" in cookie
    assert "SameSite=Lax" in cookie
    assert "Secure" not in cookie
    with client.session_transaction() as session:
        assert "planted" not in session  # nothing from before the login survives
    app.config["SESSION_COOKIE_SECURE"] = True
    try:
        other = app.test_client()
        response = login(other, user)
        cookie = next(h for h in response.headers.getlist("Set-Cookie") if h.startswith("session="))
        assert "Secure" in cookie
    finally:
        app.config["SESSION_COOKIE_SECURE"] = False


def test_open_redirect_through_next_is_ignored(client, create_user):
    user = create_user()
    response = client.post(
        "/login?next=https://evil.example/", data={"email": user.email, "password": PASSWORD}
    )
    assert response.location.endswith("/dashboard")
    response = client.post("/logout")
    response = client.post(
        "/login?next=/organisations", data={"email": user.email, "password": PASSWORD}
    )
    assert response.location.endswith("/organisations")


def test_logout_needs_post_and_ends_the_session(client, create_user, login_as):
    login_as(create_user())
    assert client.get("/logout").status_code == 405
    assert client.post("/logout").status_code == 302
    assert client.get("/dashboard").status_code == 302


def test_deactivated_account_cannot_log_in(client, db, create_user):
    user = create_user()
    user.is_active_account = False
    db.session.commit()
    response = login(client, user)
    assert "deactivated" in response.get_data(as_text=True)


def test_profile_update_changes_time_zone(client, db, create_user, login_as):
    user = create_user()
    login_as(user)
    response = client.post("/account", data={"full_name": "New Name", "timezone": "Europe/Lisbon"})
    assert response.status_code == 302
    db.session.refresh(user)
    assert (user.full_name, user.timezone) == ("New Name", "Europe/Lisbon")
    assert "in Brussels)" in client.get("/account").get_data(as_text=True)  # Lisbon: both times
    response = client.post("/account", data={"full_name": "X", "timezone": "Mars/Olympus"})
    assert "Not a valid choice" in response.get_data(as_text=True)
    db.session.refresh(user)
    assert user.timezone == "Europe/Lisbon"


def test_profile_in_brussels_time_shows_the_time_once(client, db, create_user, login_as):
    user = create_user()
    user.timezone = "Europe/Brussels"
    db.session.commit()
    login_as(user)
    page = client.get("/account").get_data(as_text=True)
    assert "Time now" in page and "in Brussels)" not in page
