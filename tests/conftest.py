"""Shared fixtures: the app on SQLite or PostgreSQL, per-test cleanup, a CSRF-aware client,
factories, a login helper, a real SMTP server, and a live server for the browser tests."""

from __future__ import annotations

import email
import logging
import os
import re
import secrets
import shutil
import socket
import threading
import uuid
from email import policy
from pathlib import Path

import pytest
from itsdangerous import URLSafeTimedSerializer
from sqlalchemy import create_engine, text
from sqlalchemy.engine import make_url

from grants import clock, create_app
from grants.accounts.models import Membership, Organisation, OrganisationType, RoleName
from grants.accounts.services import create_user as _create_user
from grants.extensions import db as _db

# Each domain keeps its factory fixtures (create_call, create_proposal, ...) in its own module.
pytest_plugins = [
    f"tests.factories.{p.stem}"
    for p in sorted((Path(__file__).parent / "factories").glob("*.py"))
    if p.stem != "__init__"
]

ROOT = Path(__file__).resolve().parent.parent
PASSWORD = "correct-horse-battery"
REFERENCE_TABLES = {
    "fund",
    "strategy",
    "priority",
    "priority_link",
    "exploitation_form",
    "target_group",
    "country",
    "region",
    "region_country",
    "role",
    "project_type",
    "indicator_definition",
    "indicator_breakdown",
    "indicator_category",
    "indicator_definition_breakdown",
}
CHROMIUM = "/usr/bin/chromium"


def _required(name: str) -> bool:
    return os.environ.get(name, "").lower() in {"1", "true", "yes"}


# Databases --------------------------------------------------------------------------------


def postgres_server_url() -> str | None:
    url = os.environ.get("GRANTS_TEST_DATABASE_URL")
    if not url and _required("GRANTS_REQUIRE_POSTGRES"):
        pytest.fail("GRANTS_REQUIRE_POSTGRES is set but GRANTS_TEST_DATABASE_URL is not")
    return url


def create_postgres_database(server_url: str) -> str:
    """A new empty database on the test server; returns its URL."""
    name = f"grants_test_{uuid.uuid4().hex[:10]}"
    engine = create_engine(server_url, isolation_level="AUTOCOMMIT")
    with engine.connect() as conn:
        conn.execute(text(f'CREATE DATABASE "{name}"'))
    engine.dispose()
    return make_url(server_url).set(database=name).render_as_string(hide_password=False)


def drop_postgres_database(server_url: str, url: str) -> None:
    name = make_url(url).database
    engine = create_engine(server_url, isolation_level="AUTOCOMMIT")
    with engine.connect() as conn:
        conn.execute(text(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)'))
    engine.dispose()


def pytest_collection_modifyitems(config, items):
    """Tests marked sqlite_only (the browser page sweep) run once, on SQLite: on PostgreSQL
    they are deselected, which CI does not count as skipped."""
    if not os.environ.get("GRANTS_TEST_DATABASE_URL"):
        return
    keep = [i for i in items if i.get_closest_marker("sqlite_only") is None]
    if len(keep) != len(items):
        config.hook.pytest_deselected(items=[i for i in items if i not in keep])
        items[:] = keep


# Mail -------------------------------------------------------------------------------------


class Mailbox:
    """Messages received by the test SMTP server."""

    def __init__(self):
        self.messages: list[email.message.EmailMessage] = []
        self.lock = threading.Lock()

    async def handle_DATA(self, server, session, envelope):  # noqa: N802 (aiosmtpd API)
        message = email.message_from_bytes(envelope.content, policy=policy.default)
        with self.lock:
            self.messages.append(message)
        return "250 Message accepted for delivery"

    def clear(self):
        with self.lock:
            self.messages.clear()

    def to(self, address: str) -> list:
        return [m for m in self.messages if m["To"] == address]

    def last_to(self, address: str):
        found = self.to(address)
        assert found, f"no mail to {address}; got {[m['To'] for m in self.messages]}"
        return found[-1]

    @staticmethod
    def body(message) -> str:
        return message.get_body(preferencelist=("plain",)).get_content()

    def link(self, address: str, path_fragment: str) -> str:
        body = self.body(self.last_to(address))
        match = re.search(r"https?://\S*" + re.escape(path_fragment) + r"\S*", body)
        assert match, f"no link with {path_fragment} in: {body}"
        return match.group(0)


@pytest.fixture(scope="session")
def smtp_server():
    from aiosmtpd.controller import Controller

    mailbox = Mailbox()
    with socket.socket() as probe:  # a free port (aiosmtpd cannot start on port 0)
        probe.bind(("127.0.0.1", 0))
        port = probe.getsockname()[1]
    controller = Controller(mailbox, hostname="127.0.0.1", port=port)
    controller.start()
    try:
        yield mailbox, port
    finally:
        controller.stop()


@pytest.fixture
def mailbox(smtp_server):
    box, _ = smtp_server
    box.clear()
    return box


# The app ------------------------------------------------------------------------------------


class CSRFClient:
    """Adds a valid CSRF token to every form post unless csrf=False is given."""

    @staticmethod
    def token(client) -> str:
        app = client.application
        with client.session_transaction() as session:
            raw = session.get("csrf_token")
            if raw is None:
                raw = secrets.token_hex(20)
                session["csrf_token"] = raw
        secret = app.config.get("WTF_CSRF_SECRET_KEY") or app.config["SECRET_KEY"]
        return URLSafeTimedSerializer(secret, salt="wtf-csrf-token").dumps(raw)


def _make_client_class():
    from flask.testing import FlaskClient

    class Client(FlaskClient):
        def open(self, *args, **kwargs):
            # Each request gets its own app context, hence its own `g` and database
            # session, as in production; the test's own session stays apart.
            with self.application.app_context():
                return super().open(*args, **kwargs)

        def post(self, *args, csrf: bool = True, **kwargs):
            data = kwargs.get("data")
            if csrf and (data is None or isinstance(data, dict)):
                data = dict(data or {})
                data.setdefault("csrf_token", CSRFClient.token(self))
                kwargs["data"] = data
            return super().post(*args, **kwargs)

    return Client


@pytest.fixture(scope="session")
def database_url(tmp_path_factory):
    server = postgres_server_url()
    if server:
        url = create_postgres_database(server)
        yield url
        drop_postgres_database(server, url)
    else:
        yield "sqlite:///" + str(tmp_path_factory.mktemp("db") / "test.sqlite")


@pytest.fixture(scope="session")
def app(database_url, smtp_server, tmp_path_factory):
    _, port = smtp_server
    instance = tmp_path_factory.mktemp("instance")
    application = create_app(
        {
            "TESTING": True,
            "SECRET_KEY": "test-secret",
            "SQLALCHEMY_DATABASE_URI": database_url,
            "GRANTS_MAIL_BACKEND": "smtp",
            "GRANTS_JOBS_EAGER": True,  # mail leaves at deliver_pending(), read back at once
            "GRANTS_SMTP_HOST": "127.0.0.1",
            "GRANTS_SMTP_PORT": port,
            "GRANTS_BASE_URL": "http://localhost",
            "GRANTS_UPLOAD_DIR": str(instance / "uploads"),
            "SERVER_NAME": None,
        }
    )
    application.test_client_class = _make_client_class()
    with application.app_context():
        _db.create_all()
        from grants.taxonomy.services import load_reference_data

        load_reference_data(application.config["GRANTS_SEED_DIR"])
        _db.session.remove()
    yield application
    with application.app_context():
        _db.engine.dispose()


@pytest.fixture(autouse=True)
def _clean_state(request):
    """Reset the clock and the app's loggers (an app built with JSON logs takes the shared
    "grants" loggers over, and a migration run in-process disables them); after a test that
    used the database, empty the non-reference tables."""
    clock.reset()
    yield
    clock.reset()
    for name in ("grants", "grants.request"):
        logger = logging.getLogger(name)
        logger.propagate = True
        logger.disabled = False  # alembic's fileConfig disables the loggers that exist
        logger.setLevel(logging.NOTSET)
        logger.handlers[:] = [h for h in logger.handlers if not getattr(h, "grants_json", False)]
    if "app" not in request.fixturenames:
        return
    application = request.getfixturevalue("app")
    with application.app_context():
        _db.session.remove()
        with _db.engine.begin() as conn:
            for table in reversed(_db.metadata.sorted_tables):
                if table.name not in REFERENCE_TABLES:
                    conn.execute(table.delete())


@pytest.fixture
def app_ctx(app):
    with app.app_context():
        yield app
        _db.session.remove()


@pytest.fixture
def db(app_ctx):
    return _db


@pytest.fixture
def client(app_ctx):
    return app_ctx.test_client()


@pytest.fixture
def runner(app):
    return app.test_cli_runner()


# Factories --------------------------------------------------------------------------------

_counter = {"n": 0}


def _next() -> int:
    _counter["n"] += 1
    return _counter["n"]


@pytest.fixture
def create_user(db):
    def make(
        email=None,
        roles=(RoleName.APPLICANT,),
        password=PASSWORD,
        confirmed=True,
        name=None,
        organisation=None,
    ):
        n = _next()
        user = _create_user(
            email or f"user{n}@example.org",
            name or f"Test User {n}",
            password,
            [RoleName(r) for r in roles],
            confirmed=confirmed,
        )
        if organisation is not None:
            db.session.add(
                Membership(user_id=user.id, organisation_id=organisation.id, is_contact=True)
            )
        db.session.commit()
        return user

    return make


@pytest.fixture
def create_organisation(db):
    def make(name=None, type=OrganisationType.NGO, country="BE", registration_number=None):
        n = _next()
        organisation = Organisation(
            name=name or f"Organisation {n}",
            type=type,
            country=country,
            registration_number=registration_number or f"REG-{n}",
        )
        db.session.add(organisation)
        db.session.commit()
        return organisation

    return make


def login(client, user_or_email, password: str = PASSWORD):
    """Log in through the real form; returns the response (a redirect when it worked)."""
    address = getattr(user_or_email, "email", user_or_email)
    return client.post("/login", data={"email": address, "password": password})


@pytest.fixture
def login_as(client):
    def do(user, password: str = PASSWORD):
        response = login(client, user, password)
        assert response.status_code == 302, response.get_data(as_text=True)[:500]
        return client

    return do


# Browser ----------------------------------------------------------------------------------


@pytest.fixture(scope="session")
def browser_type_launch_args(browser_type_launch_args):
    if not Path(CHROMIUM).exists() or shutil.which("chromium") is None:
        if _required("GRANTS_REQUIRE_BROWSER"):
            pytest.fail(f"GRANTS_REQUIRE_BROWSER is set but {CHROMIUM} is missing")
        pytest.skip(f"{CHROMIUM} is not installed (apt-get install chromium)")
    return {
        **browser_type_launch_args,
        "executable_path": CHROMIUM,
        "args": [
            "--no-sandbox",
            "--disable-gpu",
            "--disable-background-networking",
            "--disable-component-update",
            "--disable-sync",
            "--no-first-run",
            "--disable-quic",
        ],
    }


@pytest.fixture
def live_server(app):
    """The app served on a free loopback port in a thread, for Playwright."""
    from werkzeug.serving import make_server

    server = make_server("127.0.0.1", 0, app, threaded=True)
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    server.url = f"http://127.0.0.1:{server.server_port}"
    old_base = app.config["GRANTS_BASE_URL"]
    app.config["GRANTS_BASE_URL"] = server.url
    try:
        yield server
    finally:
        app.config["GRANTS_BASE_URL"] = old_base
        server.shutdown()
        thread.join(timeout=5)
