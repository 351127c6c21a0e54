"""Response headers and the Origin check: HSTS when cookies are secure, a Permissions-Policy,
no server version, `no-store` on every page a logged-in person sees, and no cross-site POST."""

from __future__ import annotations

from urllib.parse import urlsplit

from flask import Flask, abort, current_app, request
from flask_login import current_user

SAFE_METHODS = {"GET", "HEAD", "OPTIONS", "TRACE"}
PERMISSIONS_POLICY = (
    "accelerometer=(), camera=(), geolocation=(), gyroscope=(), magnetometer=(), "
    "microphone=(), payment=(), usb=(), interest-cohort=()"
)
HSTS = "max-age=31536000; includeSubDomains"


def _own_hosts() -> set[str]:
    hosts = {request.host.lower()}
    base = urlsplit(current_app.config.get("GRANTS_BASE_URL") or "")
    if base.netloc:
        hosts.add(base.netloc.lower())
    return hosts


def foreign_origin() -> str | None:
    """The Origin header of a state-changing request when it names another site, else None.

    Browsers send Origin on every cross-site POST; a missing header (old clients, curl) is left
    to the CSRF token, which every form carries anyway."""
    if request.method in SAFE_METHODS:
        return None
    origin = request.headers.get("Origin")
    if origin is None:
        return None
    netloc = urlsplit(origin).netloc.lower()
    if origin == "null" or netloc not in _own_hosts():
        return origin
    return None


def init_app(app: Flask) -> None:
    @app.before_request
    def refuse_cross_site_posts():
        if foreign_origin() is not None:
            abort(403, "This form was sent from another site, so nothing was saved.")

    @app.after_request
    def hardening_headers(response):
        response.headers["Permissions-Policy"] = PERMISSIONS_POLICY
        if app.config.get("SESSION_COOKIE_SECURE"):
            response.headers["Strict-Transport-Security"] = HSTS
        response.headers.pop("Server", None)
        if request.endpoint != "static" and current_user.is_authenticated:
            # personal or manager data: never kept by the browser or a shared cache
            response.headers["Cache-Control"] = "no-store"
        return response
