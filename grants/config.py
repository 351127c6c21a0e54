"""Settings read from GRANTS_* environment variables, with defaults for a local SQLite run."""

from __future__ import annotations

import os
from datetime import timedelta


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
    secure = _bool("GRANTS_SECURE_COOKIES")
    return {
        "SECRET_KEY": os.environ.get("GRANTS_SECRET_KEY", "dev-only-change-me"),
        "SQLALCHEMY_DATABASE_URI": database_url,
        "SQLALCHEMY_ENGINE_OPTIONS": {"pool_pre_ping": True},
        # Session cookie hardening: never readable by scripts, not sent on cross-site posts.
        "SESSION_COOKIE_HTTPONLY": True,
        "SESSION_COOKIE_SAMESITE": "Lax",
        "SESSION_COOKIE_SECURE": secure,
        "REMEMBER_COOKIE_HTTPONLY": True,
        "REMEMBER_COOKIE_SAMESITE": "Lax",
        "REMEMBER_COOKIE_SECURE": secure,
        "REMEMBER_COOKIE_DURATION": timedelta(days=14),
        "PERMANENT_SESSION_LIFETIME": timedelta(hours=_int("GRANTS_SESSION_HOURS", 12)),
        "WTF_CSRF_TIME_LIMIT": None,  # the token lives as long as the session
        "MAX_CONTENT_LENGTH": _int("GRANTS_MAX_UPLOAD_MB", 10) * 1024 * 1024,
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
        "GRANTS_SMTP_HOST": os.environ.get("GRANTS_SMTP_HOST", "localhost"),
        "GRANTS_SMTP_PORT": _int("GRANTS_SMTP_PORT", 25),
        "GRANTS_SMTP_STARTTLS": _bool("GRANTS_SMTP_STARTTLS"),
        "GRANTS_SMTP_SSL": _bool("GRANTS_SMTP_SSL"),
        "GRANTS_SMTP_USER": os.environ.get("GRANTS_SMTP_USER", ""),
        "GRANTS_SMTP_PASSWORD": os.environ.get("GRANTS_SMTP_PASSWORD", ""),
        # Accounts
        "GRANTS_CONFIRM_MAX_AGE": _int("GRANTS_CONFIRM_MAX_AGE", 3 * 24 * 3600),
        "GRANTS_RESET_MAX_AGE": _int("GRANTS_RESET_MAX_AGE", 3600),
        "GRANTS_LOGIN_MAX_FAILURES": _int("GRANTS_LOGIN_MAX_FAILURES", 5),
        "GRANTS_LOGIN_LOCK_MINUTES": _int("GRANTS_LOGIN_LOCK_MINUTES", 15),
        "GRANTS_LOGIN_MAX_FAILURES_PER_IP": _int("GRANTS_LOGIN_MAX_FAILURES_PER_IP", 30),
        "GRANTS_PASSWORD_MIN_LENGTH": _int("GRANTS_PASSWORD_MIN_LENGTH", 10),
        "GRANTS_SEED_DIR": os.environ.get(
            "GRANTS_SEED_DIR",
            os.path.join(os.path.dirname(os.path.dirname(os.path.abspath(__file__))), "seed"),
        ),
    }
