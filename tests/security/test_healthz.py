"""/healthz (issue 10, point 8): 200 with the database, 503 with a short JSON body (not a 500
page) when the database cannot be reached."""

from __future__ import annotations

import pytest

from grants import create_app
from grants.extensions import db


def test_healthz_answers_ok_with_the_database(client):
    response = client.get("/healthz")
    assert response.status_code == 200
    assert response.get_json() == {"status": "ok", "database": "ok"}


@pytest.mark.parametrize(
    "url",
    [
        "postgresql+psycopg://nobody@127.0.0.1:1/absent?connect_timeout=2",
        "sqlite:////nonexistent-folder/of/grants.sqlite",
    ],
)
def test_healthz_answers_503_when_the_database_is_unreachable(tmp_path, url):
    app = create_app(
        {"SQLALCHEMY_DATABASE_URI": url, "SECRET_KEY": "x" * 40, "TESTING": False,
         "GRANTS_UPLOAD_DIR": str(tmp_path / "uploads")}
    )  # fmt: skip
    try:
        response = app.test_client().get("/healthz")
        assert response.status_code == 503
        assert response.is_json
        assert response.get_json() == {"status": "unavailable", "database": "unreachable"}
        assert len(response.data) < 200
    finally:
        with app.app_context():
            db.engine.dispose()
