"""Migrations: empty to head, down to base, up again; the result matches the models.

Runs on SQLite always and on PostgreSQL when GRANTS_TEST_DATABASE_URL is set.
"""

from __future__ import annotations

import pytest
from alembic.autogenerate import compare_metadata
from alembic.migration import MigrationContext
from flask_migrate import downgrade, upgrade
from sqlalchemy import inspect

from grants import create_app
from grants.extensions import compared_on, db
from tests.conftest import create_postgres_database, drop_postgres_database, postgres_server_url


@pytest.fixture(params=["sqlite", pytest.param("postgresql", marks=pytest.mark.postgres)])
def empty_database(request, tmp_path):
    if request.param == "sqlite":
        yield f"sqlite:///{tmp_path / 'migrations.sqlite'}"
        return
    server = postgres_server_url()
    if not server:
        pytest.skip("GRANTS_TEST_DATABASE_URL is not set")
    url = create_postgres_database(server)
    yield url
    drop_postgres_database(server, url)


def _differences(app) -> list:
    with db.engine.connect() as conn:
        opts = {"compare_type": True, "render_as_batch": True}
        opts["include_object"] = compared_on(conn.dialect.name)
        context = MigrationContext.configure(conn, opts=opts)
        return compare_metadata(context, db.metadata)


def test_upgrade_downgrade_upgrade_and_no_drift(empty_database):
    app = create_app({"SQLALCHEMY_DATABASE_URI": empty_database, "TESTING": True})
    with app.app_context():
        upgrade()
        tables = set(inspect(db.engine).get_table_names())
        assert {"user", "organisation", "audit_entry", "priority", "outbox_message"} <= tables
        assert _differences(app) == []
        downgrade(revision="base")
        assert set(inspect(db.engine).get_table_names()) <= {"alembic_version"}
        upgrade()
        assert _differences(app) == []
        db.session.remove()
        db.engine.dispose()
