"""The production run (issue 10, point 8): hashed static URLs cached for a year, a request id
in every response and JSON log line, and `make serve` itself (gunicorn on PostgreSQL,
migrated first)."""

from __future__ import annotations

import json
import logging
import os
import re
import secrets
import signal
import socket
import subprocess
import time
import urllib.request
from pathlib import Path

import pytest

from grants.requestlog import JSONFormatter
from tests.conftest import create_postgres_database, drop_postgres_database, postgres_server_url

ROOT = Path(__file__).resolve().parents[2]


def test_static_urls_carry_the_content_hash_and_are_cached_for_a_year(app, client):
    page = client.get("/").get_data(as_text=True)
    match = re.search(r"/static/app\.css\?v=([0-9a-f]{12})", page)
    assert match, "the layout links app.css without its hash"
    hashed = client.get(f"/static/app.css?v={match.group(1)}")
    assert hashed.status_code == 200
    assert "max-age=31536000" in hashed.headers["Cache-Control"]
    assert "immutable" in hashed.headers["Cache-Control"]
    stale = client.get("/static/app.css?v=000000000000")
    assert "immutable" not in (stale.headers.get("Cache-Control") or "")


def test_every_response_has_a_request_id_and_one_json_log_line(app, client, caplog):
    first = client.get("/").headers["X-Request-ID"]
    assert re.fullmatch(r"[0-9a-f]{32}", first)
    assert client.get("/").headers["X-Request-ID"] != first
    given = client.get("/", headers={"X-Request-ID": "proxy-abc-12345"})
    assert given.headers["X-Request-ID"] == "proxy-abc-12345"
    forged = client.get("/", headers={"X-Request-ID": "bad id <script>"})
    assert re.fullmatch(r"[0-9a-f]{32}", forged.headers["X-Request-ID"])

    app.config["GRANTS_JSON_LOGS"] = True
    try:
        with caplog.at_level(logging.INFO, logger="grants.request"):
            rid = client.get("/taxonomy/").headers["X-Request-ID"]
    finally:
        app.config["GRANTS_JSON_LOGS"] = False
    records = [r for r in caplog.records if r.name == "grants.request"]
    assert len(records) == 1
    line = json.loads(JSONFormatter().format(records[0]))
    assert line["request_id"] == rid
    assert line["status"] == 200 and line["path"] == "/taxonomy/" and line["method"] == "GET"
    assert line["time"].endswith("Z") and isinstance(line["duration_ms"], float)


def test_make_serve_refuses_sqlite():
    env = {k: v for k, v in os.environ.items() if k not in ("DATABASE_URL", "GRANTS_DATABASE_URL")}
    done = subprocess.run(
        ["make", "-s", "serve"], cwd=ROOT, env=env, capture_output=True, text=True, timeout=120
    )
    assert done.returncode != 0
    assert "make serve runs on PostgreSQL" in done.stdout + done.stderr


def _free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return probe.getsockname()[1]


def _get(url: str):
    with urllib.request.urlopen(url, timeout=10) as response:  # noqa: S310 (loopback only)
        return response.status, dict(response.headers), response.read()


@pytest.mark.postgres
def test_make_serve_migrates_then_runs_gunicorn_on_postgresql(tmp_path):
    server = postgres_server_url()
    if not server:
        pytest.skip("GRANTS_TEST_DATABASE_URL is not set")
    url = create_postgres_database(server)
    port = _free_port()
    env = {
        **os.environ,
        "DATABASE_URL": url,
        "GRANTS_SECRET_KEY": secrets.token_urlsafe(48),
        "GRANTS_SECURE_COOKIES": "1",
        "GRANTS_BIND": f"127.0.0.1:{port}",
        "GRANTS_WORKERS": "2",
        "GRANTS_UPLOAD_DIR": str(tmp_path / "uploads"),
    }
    log = open(tmp_path / "serve.log", "w+")  # noqa: SIM115 (read after the server stops)
    process = subprocess.Popen(
        ["make", "-s", "serve"],
        cwd=ROOT,
        env=env,
        stdout=log,
        stderr=subprocess.STDOUT,
        start_new_session=True,
    )
    try:
        deadline = time.monotonic() + 120
        while True:
            try:
                status, headers, body = _get(f"http://127.0.0.1:{port}/healthz")
                break
            except OSError:
                assert process.poll() is None, (tmp_path / "serve.log").read_text()[-3000:]
                assert time.monotonic() < deadline, "make serve did not answer in 120 s"
                time.sleep(0.5)
        assert status == 200 and json.loads(body)["status"] == "ok"
        assert headers["Server"] == "thb-grants"  # no product version
        assert headers["Strict-Transport-Security"].startswith("max-age=")
        status, headers, body = _get(f"http://127.0.0.1:{port}/")
        assert status == 200
        css = re.search(rb"/static/app\.css\?v=[0-9a-f]{12}", body).group(0).decode()
        _, static_headers, _ = _get(f"http://127.0.0.1:{port}{css}")
        assert "immutable" in static_headers["Cache-Control"]
        rid = headers["X-Request-ID"]
    finally:
        os.killpg(process.pid, signal.SIGTERM)
        process.wait(timeout=30)
        drop_postgres_database(server, url)
    output = (tmp_path / "serve.log").read_text()
    assert "Running upgrade" in output and "5e551075c0de" in output  # migrated first
    assert "Booting worker" in output
    lines = [json.loads(x) for x in output.splitlines() if x.startswith("{")]
    assert any(x.get("request_id") == rid and x.get("status") == 200 for x in lines)
