"""Settings read from GRANTS_* environment variables, with defaults for a local SQLite run."""

from __future__ import annotations

import os
from datetime import timedelta

# Only for `make run` and the tests; check_production() refuses it.
DEV_SECRET_KEY = "dev-only-change-me"
MIN_SECRET_BYTES = 32


def _bool(name: str, default: bool = False) -> bool:
    value = os.environ.get(name)
    if value is None:
        return default
    return value.strip().lower() in {"1", "true", "yes", "on"}


def _int(name: str, default: int) -> int:
    value = os.environ.get(name)
    return int(value) if value not in (None, "") else default


def from_environment(instance_path: str) -> dict:
    """Build the configuration mapping; every key can be overridden by create_app(config)."""
    database_url = os.environ.get("DATABASE_URL") or os.environ.get("GRANTS_DATABASE_URL")
    if not database_url:
        database_url = "sqlite:///" + os.path.join(instance_path, "grants.sqlite")
    env = os.environ.get("GRANTS_ENV", "development").strip().lower() or "development"
    secure = _bool("GRANTS_SECURE_COOKIES", default=env == "production")
    return {
        "GRANTS_ENV": env,
        "SECRET_KEY": os.environ.get("GRANTS_SECRET_KEY", DEV_SECRET_KEY),
        "SQLALCHEMY_DATABASE_URI": database_url,
        # Connections idle for a while are pinged at checkout (grants.extensions), not all.
        "SQLALCHEMY_ENGINE_OPTIONS": {},
        # Session cookie hardening: never readable by scripts, not sent on cross-site posts.
        "SESSION_COOKIE_HTTPONLY": True,
        "SESSION_COOKIE_SAMESITE": "Lax",
        "SESSION_COOKIE_SECURE": secure,
        "REMEMBER_COOKIE_HTTPONLY": True,
        "REMEMBER_COOKIE_SAMESITE": "Lax",
        "REMEMBER_COOKIE_SECURE": secure,
        "REMEMBER_COOKIE_DURATION": timedelta(days=14),
        # Two-factor login required for programme managers and admins (on in production).
        "GRANTS_REQUIRE_2FA": _bool("GRANTS_REQUIRE_2FA", default=env == "production"),
        "GRANTS_SESSION_MAX_DAYS": _int("GRANTS_SESSION_MAX_DAYS", 365),
        "PERMANENT_SESSION_LIFETIME": timedelta(hours=_int("GRANTS_SESSION_HOURS", 12)),
        "WTF_CSRF_TIME_LIMIT": None,  # the token lives as long as the session
        "MAX_CONTENT_LENGTH": _int("GRANTS_MAX_UPLOAD_MB", 10) * 1024 * 1024,
        # one JSON line per request on stderr (on by default in production)
        "GRANTS_JSON_LOGS": _bool(
            "GRANTS_JSON_LOGS", os.environ.get("GRANTS_ENV", "").strip().lower() == "production"
        ),
        # Links in e-mails follow the port of `make run PORT=...` unless set explicitly.
        "GRANTS_BASE_URL": os.environ.get(
            "GRANTS_BASE_URL", f"http://127.0.0.1:{os.environ.get('GRANTS_PORT', '5000')}"
        ),
        "GRANTS_UPLOAD_DIR": os.environ.get(
            "GRANTS_UPLOAD_DIR", os.path.join(instance_path, "uploads")
        ),
        # Mail: "console" prints messages (development), "smtp" sends them.
        "GRANTS_MAIL_BACKEND": os.environ.get("GRANTS_MAIL_BACKEND", "console"),
        # The console backend prints one line per message ("summary") or its text ("full").
        "GRANTS_MAIL_CONSOLE": os.environ.get("GRANTS_MAIL_CONSOLE", "summary"),
        "GRANTS_MAIL_SENDER": os.environ.get(
            "GRANTS_MAIL_SENDER", "THB Programme <no-reply@thb-programme.test>"
        ),
        # Where applicants send a request for an evaluation review (result letters name it).
        "GRANTS_REDRESS_ADDRESS": os.environ.get(
            "GRANTS_REDRESS_ADDRESS", "evaluation-review@thb-programme.test"
        ),
        "GRANTS_SMTP_HOST": os.environ.get("GRANTS_SMTP_HOST", "localhost"),
        "GRANTS_SMTP_PORT": _int("GRANTS_SMTP_PORT", 25),
        "GRANTS_SMTP_STARTTLS": _bool("GRANTS_SMTP_STARTTLS"),
        "GRANTS_SMTP_SSL": _bool("GRANTS_SMTP_SSL"),
        "GRANTS_SMTP_USER": os.environ.get("GRANTS_SMTP_USER", ""),
        "GRANTS_SMTP_PASSWORD": os.environ.get("GRANTS_SMTP_PASSWORD", ""),
        # Accounts
        "GRANTS_CONFIRM_MAX_AGE": _int("GRANTS_CONFIRM_MAX_AGE", 3 * 24 * 3600),
        "GRANTS_RESET_MAX_AGE": _int("GRANTS_RESET_MAX_AGE", 3600),
        # Login throttling (grants.security.throttle): free failures per (account, address)
        # pair, then a waiting time from DELAY doubling per failure up to MAX_DELAY.
        "GRANTS_LOGIN_FREE_FAILURES": _int("GRANTS_LOGIN_FREE_FAILURES", 5),
        "GRANTS_LOGIN_DELAY_SECONDS": _int("GRANTS_LOGIN_DELAY_SECONDS", 15),
        "GRANTS_LOGIN_MAX_DELAY_SECONDS": _int("GRANTS_LOGIN_MAX_DELAY_SECONDS", 900),
        "GRANTS_LOGIN_WINDOW_MINUTES": _int("GRANTS_LOGIN_WINDOW_MINUTES", 60),
        "GRANTS_LOGIN_MAX_FAILURES_PER_IP": _int("GRANTS_LOGIN_MAX_FAILURES_PER_IP", 30),
        # How many proxies in front set X-Forwarded-For/-Proto/-Host (0: trust none).
        "GRANTS_PROXY_COUNT": _int("GRANTS_PROXY_COUNT", 0),
        # The garbage collector tuned for a web process (grants.gctuning, wsgi.py).
        "GRANTS_GC_TUNING": _bool("GRANTS_GC_TUNING", default=True),
        "GRANTS_PASSWORD_MIN_LENGTH": _int("GRANTS_PASSWORD_MIN_LENGTH", 10),
        "GRANTS_SEED_DIR": os.environ.get(
            "GRANTS_SEED_DIR",
            os.path.join(os.path.dirname(os.path.dirname(os.path.abspath(__file__))), "seed"),
        ),
    }


class SettingsError(RuntimeError):
    """A production setting is missing or unsafe; the app must not start."""


def check_production(config: dict) -> list[str]:
    """What is missing or unsafe for GRANTS_ENV=production (empty when the settings are fine)."""
    problems = []
    secret = config.get("SECRET_KEY") or ""
    if isinstance(secret, str):
        secret = secret.encode()
    if not secret or secret == DEV_SECRET_KEY.encode():
        problems.append(
            "GRANTS_SECRET_KEY is not set: give it at least 32 random bytes, for example "
            "the output of `python -c 'import secrets; print(secrets.token_urlsafe(48))'`."
        )
    elif len(secret) < MIN_SECRET_BYTES or len(set(secret)) < 16:
        problems.append(
            f"GRANTS_SECRET_KEY is too short or too regular: it needs at least "
            f"{MIN_SECRET_BYTES} random bytes."
        )
    if not config.get("SESSION_COOKIE_SECURE") or not config.get("REMEMBER_COOKIE_SECURE"):
        problems.append(
            "GRANTS_SECURE_COOKIES is off: production cookies must be sent over HTTPS only "
            "(set GRANTS_SECURE_COOKIES=1 and serve behind a TLS proxy)."
        )
    if config.get("DEBUG"):
        problems.append("Debug mode is on (FLASK_DEBUG): turn it off in production.")
    return problems
