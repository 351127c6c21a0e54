"""GRANTS_ENV=production refuses unsafe settings; development keeps its defaults and says so."""

from __future__ import annotations

import logging

import pytest
from itsdangerous import URLSafeTimedSerializer

from grants import create_app
from grants.config import DEV_SECRET_KEY, SettingsError

REAL_SECRET = "k3Jx9-Qw8vLr2TzP0aNf7YbGm4HcUe6Ds1WiOo5RtSyZ"


@pytest.fixture
def env(monkeypatch, tmp_path):
    for name in ("GRANTS_SECRET_KEY", "GRANTS_SECURE_COOKIES", "FLASK_DEBUG", "GRANTS_ENV"):
        monkeypatch.delenv(name, raising=False)
    monkeypatch.setenv("GRANTS_DATABASE_URL", "sqlite:///" + str(tmp_path / "s.sqlite"))
    return monkeypatch


def test_production_without_a_secret_refuses_to_start_and_names_the_setting(env):
    env.setenv("GRANTS_ENV", "production")
    with pytest.raises(SettingsError, match="GRANTS_SECRET_KEY is not set"):
        create_app()


def test_production_refuses_the_development_secret_and_a_short_one(env):
    env.setenv("GRANTS_ENV", "production")
    env.setenv("GRANTS_SECRET_KEY", DEV_SECRET_KEY)
    with pytest.raises(SettingsError, match="GRANTS_SECRET_KEY"):
        create_app()
    env.setenv("GRANTS_SECRET_KEY", "short-secret")
    with pytest.raises(SettingsError, match="at least 32 random bytes"):
        create_app()


def test_production_refuses_insecure_cookies_and_debug(env):
    env.setenv("GRANTS_ENV", "production")
    env.setenv("GRANTS_SECRET_KEY", REAL_SECRET)
    env.setenv("GRANTS_SECURE_COOKIES", "0")
    with pytest.raises(SettingsError, match="GRANTS_SECURE_COOKIES"):
        create_app()
    env.setenv("GRANTS_SECURE_COOKIES", "1")
    env.setenv("FLASK_DEBUG", "1")
    with pytest.raises(SettingsError, match="Debug mode"):
        create_app()


def test_production_with_real_settings_starts_with_secure_cookies(env):
    env.setenv("GRANTS_ENV", "production")
    env.setenv("GRANTS_SECRET_KEY", REAL_SECRET)
    app = create_app()
    assert app.config["SESSION_COOKIE_SECURE"] and app.config["REMEMBER_COOKIE_SECURE"]
    # A confirmation token forged with the development key is worthless here.
    forged = URLSafeTimedSerializer(DEV_SECRET_KEY, salt="confirm-email").dumps(
        {"id": 1, "email": "victim@example.org"}
    )
    with app.app_context():
        from grants.accounts.services import AccountError, confirm_email

        with pytest.raises(AccountError, match="not valid"):
            confirm_email(forged)


def test_development_keeps_the_defaults_and_says_so(env, caplog):
    with caplog.at_level(logging.WARNING):
        app = create_app()
    assert app.config["GRANTS_ENV"] == "development"
    assert app.config["SECRET_KEY"] == DEV_SECRET_KEY
    assert "development secret key" in caplog.text
