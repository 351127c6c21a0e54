"""Login throttling slows the (account, address) pair down, never locks the rightful user out,
never counts a refused attempt, and reads the client's address through a configured proxy."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

import pytest
from sqlalchemy import func, select

from grants import clock, create_app
from grants.accounts.models import LoginAttempt
from tests.conftest import PASSWORD, login

ATTACKER, OWNER = "203.0.113.9", "198.51.100.7"


def _try(client, user, password, address):
    return client.post(
        "/login",
        data={"email": user.email, "password": password},
        environ_base={"REMOTE_ADDR": address},
    )


@pytest.fixture(autouse=True)
def _frozen():
    clock.freeze(datetime(2026, 3, 1, 9, 0, tzinfo=UTC))


def test_an_attacker_cannot_lock_the_owner_out(app, create_user):
    user = create_user()
    attacker, owner = app.test_client(), app.test_client()
    for _ in range(12):
        _try(attacker, user, "wrong password!", ATTACKER)
        clock.travel(timedelta(seconds=1))
    assert _try(owner, user, PASSWORD, OWNER).status_code == 302


def test_the_wait_grows_and_refused_attempts_are_not_counted(app, db, create_user):
    user = create_user()
    client = app.test_client()
    for _ in range(5):
        assert "not correct" in _try(client, user, "wrong!", ATTACKER).get_data(as_text=True)
    for _ in range(10):  # hammering during the wait changes nothing
        page = _try(client, user, "wrong!", ATTACKER).get_data(as_text=True)
        assert "Wait 15 seconds" in page
    count = db.session.scalar(select(func.count(LoginAttempt.id)))
    assert count == 5
    clock.travel(timedelta(seconds=16))
    assert "not correct" in _try(client, user, "wrong!", ATTACKER).get_data(as_text=True)
    assert "Wait 30 seconds" in _try(client, user, PASSWORD, ATTACKER).get_data(as_text=True)
    clock.travel(timedelta(seconds=31))
    assert _try(client, user, PASSWORD, ATTACKER).status_code == 302


def test_the_wait_is_capped(app, create_user):
    user = create_user()
    client = app.test_client()
    cap = app.config["GRANTS_LOGIN_MAX_DELAY_SECONDS"]
    for n in range(11):  # each failure right after the previous wait ended
        _try(client, user, "wrong!", ATTACKER)
        clock.travel(timedelta(seconds=(0 if n < 4 else min(cap, 15 * 2 ** (n - 4))) + 1))
    _try(client, user, "wrong!", ATTACKER)
    page = _try(client, user, PASSWORD, ATTACKER).get_data(as_text=True)
    assert f"Wait {cap // 60} minutes" in page


def test_behind_a_proxy_the_forwarded_address_counts(app, create_user):
    proxied = create_app(
        {
            "TESTING": True,
            "SECRET_KEY": app.config["SECRET_KEY"],
            "SQLALCHEMY_DATABASE_URI": app.config["SQLALCHEMY_DATABASE_URI"],
            "GRANTS_MAIL_BACKEND": "console",
            "GRANTS_UPLOAD_DIR": app.config["GRANTS_UPLOAD_DIR"],
            "GRANTS_PROXY_COUNT": 1,
        }
    )
    proxied.test_client_class = app.test_client_class
    user, victim = create_user(), create_user()
    client = proxied.test_client()
    limit = proxied.config["GRANTS_LOGIN_MAX_FAILURES_PER_IP"]
    for n in range(limit):  # every request arrives from the proxy at 127.0.0.1
        client.post(
            "/login",
            data={"email": f"guess{n}@example.org", "password": "x"},
            headers={"X-Forwarded-For": ATTACKER},
        )
    refused = client.post(
        "/login",
        data={"email": user.email, "password": PASSWORD},
        headers={"X-Forwarded-For": ATTACKER},
    )
    assert "Too many failed logins from your address" in refused.get_data(as_text=True)
    other = proxied.test_client()
    response = other.post(
        "/login",
        data={"email": victim.email, "password": PASSWORD},
        headers={"X-Forwarded-For": OWNER},
    )
    assert response.status_code == 302
    assert login(app.test_client(), user).status_code == 302  # no proxy: 127.0.0.1 untouched
