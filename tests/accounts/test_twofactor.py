"""Two-factor login: TOTP with a server-rendered QR code, single-use recovery codes, required
for programme managers and admins (GRANTS_REQUIRE_2FA), throttled, reset by an admin (logged)."""

from __future__ import annotations

import re
from datetime import UTC, datetime, timedelta

import pyotp
import pytest
from sqlalchemy import select

from grants import clock
from grants.audit.models import AuditEntry
from tests.conftest import login

NOW = datetime(2026, 3, 2, 10, 0, 5, tzinfo=UTC)


@pytest.fixture
def required(app):
    app.config["GRANTS_REQUIRE_2FA"] = True
    yield
    app.config["GRANTS_REQUIRE_2FA"] = False


def _code(secret: str, moment=None) -> str:
    return pyotp.TOTP(secret).at((moment or clock.now()).timestamp())


def _enrol(client) -> tuple[str, list[str]]:
    page = client.get("/account/two-factor").get_data(as_text=True)
    assert "<svg" in page  # the QR code, drawn on the server
    secret = re.search(r'id="totp-secret">([A-Z2-7]+)<', page).group(1)
    response = client.post("/account/two-factor", data={"code": _code(secret)})
    assert response.status_code == 200
    codes = re.findall(r"<code>([0-9a-f]{8}-[0-9a-f]{8})</code>", response.get_data(as_text=True))
    assert len(codes) == 10
    return secret, codes


def test_a_manager_must_set_up_two_factor_first(app, client, create_user, required):
    clock.freeze(NOW)
    manager = create_user(roles=("programme_manager",))
    assert login(client, manager).status_code == 302
    response = client.get("/dashboard")
    assert response.status_code == 302 and "/account/two-factor" in response.location
    assert client.get("/audit/").status_code == 302  # nothing else before it
    wrong = client.post("/account/two-factor", data={"code": "000000"})
    assert wrong.status_code == 422 and "does not match" in wrong.get_data(as_text=True)
    _enrol(client)
    assert client.get("/dashboard").status_code == 200


def test_login_asks_for_the_code_and_a_code_works_once(app, client, create_user):
    clock.freeze(NOW)
    user = create_user()
    login(client, user)
    secret, _ = _enrol(client)
    client.post("/logout")
    clock.travel(timedelta(seconds=30))
    response = login(client, user)
    assert response.status_code == 302 and "/login/second-factor" in response.location
    assert client.get("/account").status_code == 302  # the password alone opens nothing
    wrong = client.post("/login/second-factor", data={"code": "123456"})
    assert wrong.status_code == 422 and "not correct" in wrong.get_data(as_text=True)
    code = _code(secret)
    assert client.post("/login/second-factor", data={"code": code}).status_code == 302
    assert client.get("/account").status_code == 200
    client.post("/logout")
    login(client, user)  # the same code again, within its 30 seconds: refused
    assert client.post("/login/second-factor", data={"code": code}).status_code == 422


def test_recovery_codes_work_once(app, client, create_user):
    clock.freeze(NOW)
    user = create_user(roles=("evaluator",))  # offered to evaluators too
    login(client, user)
    _, codes = _enrol(client)
    client.post("/logout")
    login(client, user)
    assert client.post("/login/second-factor", data={"code": codes[0]}).status_code == 302
    client.post("/logout")
    login(client, user)
    assert client.post("/login/second-factor", data={"code": codes[0]}).status_code == 422


def test_the_second_factor_is_throttled(app, client, create_user):
    clock.freeze(NOW)
    user = create_user()
    login(client, user)
    secret, _ = _enrol(client)
    client.post("/logout")
    clock.travel(timedelta(seconds=60))
    login(client, user)
    for _ in range(5):
        client.post("/login/second-factor", data={"code": "999999"})
    page = client.post("/login/second-factor", data={"code": _code(secret)}).get_data(as_text=True)
    assert "Wait 15 seconds" in page


def test_an_admin_resets_a_second_factor_and_it_is_logged(app, client, db, create_user):
    clock.freeze(NOW)
    user = create_user()
    login(client, user)
    _enrol(client)
    client.post("/logout")
    admin = create_user(roles=("admin",))
    login(client, admin)
    response = client.post(f"/admin/users/{user.id}/two-factor/reset")
    assert response.status_code == 302
    entry = db.session.scalar(select(AuditEntry).where(AuditEntry.action == "2fa-reset"))
    assert entry is not None and entry.entity_id == str(user.id)
    client.post("/logout")
    assert login(client, user).location.endswith("/dashboard")  # no second step any more


def test_development_lets_demo_managers_in_without_it(app, client, create_user):
    assert app.config["GRANTS_REQUIRE_2FA"] is False  # the test app and `make run`
    manager = create_user(roles=("programme_manager",))
    login(client, manager)
    assert client.get("/dashboard").status_code == 200


def test_the_second_step_records_each_checked_code(app, db, create_user):
    """accounts.services.second_factor, which the view calls: every checked code is a
    committed login attempt under its own key; a right one is consumed."""
    from grants.accounts import services, twofactor
    from grants.accounts.models import LoginAttempt

    clock.freeze(NOW)
    user = create_user()
    secret = twofactor.new_secret()
    assert twofactor.enrol(user, secret, _code(secret))
    clock.travel(timedelta(seconds=30))
    kind, error = services.second_factor(user, "123456", "10.0.0.1")
    assert kind is None and "not correct" in error
    db.session.rollback()  # committed by the service
    key = f"2fa:{user.email}"
    attempts = db.session.scalars(select(LoginAttempt).where(LoginAttempt.email == key)).all()
    assert [(a.ip, a.succeeded) for a in attempts] == [("10.0.0.1", False)]
    assert services.second_factor(user, _code(secret), "10.0.0.1") == ("totp", "")
    kind, error = services.second_factor(user, _code(secret), "10.0.0.1")  # used up
    assert kind is None and "already used" in error
