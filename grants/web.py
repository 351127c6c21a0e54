"""Blueprints, the login manager's user loader, template filters and security headers."""

from __future__ import annotations

import re
from collections.abc import Callable

from flask import Flask, g, has_request_context, request, url_for
from flask_login import current_user
from markupsafe import Markup, escape

from grants import clock
from grants.extensions import login_manager


def init_app(app: Flask) -> None:
    from grants import models  # noqa: F401  (register every table)
    from grants.security import converters

    converters.init_app(app)  # before the blueprints: their rules bind the converter
    proxies = app.config.get("GRANTS_PROXY_COUNT") or 0
    if proxies:  # behind a TLS proxy: the client's address and scheme, through `proxies` hops
        from werkzeug.middleware.proxy_fix import ProxyFix

        app.wsgi_app = ProxyFix(app.wsgi_app, x_for=proxies, x_proto=proxies, x_host=proxies)
    _register_blueprints(app)
    _init_login(app)
    _template_filters(app)

    from grants import assets, backup, requestlog
    from grants.security import headers

    headers.init_app(app)
    assets.init_app(app)
    requestlog.init_app(app)
    backup.init_app(app)

    @app.after_request
    def security_headers(response):
        response.headers.setdefault("X-Content-Type-Options", "nosniff")
        response.headers.setdefault("X-Frame-Options", "DENY")
        response.headers.setdefault("Referrer-Policy", "same-origin")
        response.headers.setdefault(
            "Content-Security-Policy",
            "default-src 'self'; img-src 'self' data:; style-src 'self'; script-src 'self'; "
            "frame-ancestors 'none'; form-action 'self'; base-uri 'self'",
        )
        if getattr(g, "no_store", False):
            response.headers["Cache-Control"] = "no-store"
        return response


def _register_blueprints(app: Flask) -> None:
    """Every domain's blueprint, and the job pages."""
    from grants.accounts.views import bp as accounts_bp
    from grants.audit.views import bp as audit_bp
    from grants.calls.views import bp as calls_bp
    from grants.jobs.views import init_app as init_background
    from grants.main.views import bp as main_bp
    from grants.portfolio.views import bp as portfolio_bp
    from grants.projects.views import bp as projects_bp
    from grants.proposals.views import bp as proposals_bp
    from grants.review.confirm import bp as review_confirm_bp
    from grants.review.views import bp as review_bp
    from grants.taxonomy.views import bp as taxonomy_bp

    for bp in (main_bp, accounts_bp, taxonomy_bp, audit_bp, calls_bp, proposals_bp, review_bp):
        app.register_blueprint(bp)
    app.register_blueprint(review_confirm_bp)
    app.register_blueprint(portfolio_bp)
    app.register_blueprint(projects_bp)
    init_background(app)  # the job pages and the notification centre


def _init_login(app: Flask) -> None:
    """The login manager: its page, messages, session protection and user loader."""
    login_manager.login_view = "accounts.login"
    login_manager.login_message = "Log in to see this page."
    login_manager.login_message_category = "info"
    login_manager.session_protection = "strong"

    from grants.accounts import sessions

    sessions.init_app(app)
    login_manager.user_loader(sessions.load)


def _template_filters(app: Flask) -> None:
    """The template filters and globals every domain's pages use."""

    @app.template_filter("brussels")
    def brussels(moment):
        return clock.format_in_zone(moment, "Europe/Brussels")

    @app.template_filter("local")
    def local(moment):
        zone = current_user.timezone if current_user.is_authenticated else None
        return clock.format_in_zone(moment, zone)

    @app.template_filter("yourtime")
    def yourtime(moment):
        zone = current_user.timezone if current_user.is_authenticated else None
        return clock.your_time(moment, zone)

    app.add_template_filter(clock.countdown, "countdown")
    app.add_template_filter(clock.countdown_lead, "countdown_lead")
    app.add_template_filter(clock.closing_soon, "closing_soon")

    @app.template_filter("iso")
    def iso(moment):
        return clock.as_utc(moment).isoformat() if moment else ""

    @app.template_filter("country")
    def country(code):
        from grants.taxonomy.services import country_name

        return country_name(code or "")

    @app.template_filter("markdown")
    def markdown_filter(text):
        from grants.markup import render_markdown

        return render_markdown(text)

    from grants.formatting import count_of, eur, quantity

    app.add_template_filter(eur, "eur")
    app.add_template_filter(count_of, "count_of")
    app.add_template_filter(quantity, "quantity")
    app.add_template_global(row_url, "row_url")
    app.add_template_global(_layout_url(app), "layout_url")
    app.add_template_filter(nowrap_amounts, "nowrap_amounts")

    @app.context_processor
    def globals_():
        from grants.accounts import permissions

        return {"now": clock.now, "perm": permissions}


def _layout_url(app: Flask) -> Callable[..., str]:
    built: dict[tuple, str] = {}

    def layout_url(endpoint: str, **values) -> str:
        """`url_for` of a link the layout shows on every page (the menu, the stylesheets and
        scripts): the same for every request under one script root, so built once per
        process rather than 17 times a page (about 14 µs each, 40 % of the layout's
        rendering). Built each time in debug mode, where a static file's hash may change."""
        if not has_request_context():
            return url_for(endpoint, **values)
        key = (request.script_root, endpoint, *sorted(values.items()))
        url = built.get(key)
        if url is None or app.debug:
            url = built[key] = url_for(endpoint, **values)
        return url

    return layout_url


_ROW_ID = 7_654_321_987  # an id no row has, to find where the id goes in a built URL


def row_url(endpoint: str, key: str, **values) -> Callable[[int], str]:
    """`url_for(endpoint, **{key: id}, **values)` for many ids, the URL built once: a
    call-wide page links each of its thousand rows, and a `url_for` costs about 14 µs (a
    tenth of such a page). Where the id cannot be found once in the built URL, each link is
    built in full."""
    url = url_for(endpoint, **{key: _ROW_ID}, **values)
    head, found, tail = url.partition(str(_ROW_ID))
    if not found or str(_ROW_ID) in tail:
        return lambda id_: url_for(endpoint, **{key: id_}, **values)
    return lambda id_: f"{head}{int(id_)}{tail}"


_AMOUNT = re.compile(r"EUR [0-9\u202f]+(?:\.[0-9]{2})?")


def nowrap_amounts(text: str) -> Markup:
    """The text, escaped, with each "EUR 661 500.00" kept on one line (a narrow cell broke
    such amounts after "EUR"; the explanations are sentences, so the rest still wraps)."""
    escaped = str(escape(text or ""))
    return Markup(_AMOUNT.sub(lambda m: f'<span class="text-nowrap">{m.group()}</span>', escaped))
