"""The audit log: written by services, append-only, filtered by programme managers."""

from __future__ import annotations

from datetime import UTC, datetime

import pytest
from sqlalchemy import select, text

from grants import clock
from grants.audit import services as audit
from grants.audit.models import AuditEntry, AuditLogIsAppendOnly


def test_entries_cannot_be_changed_or_deleted_through_the_orm(db, create_user):
    user = create_user()
    entry = db.session.scalar(select(AuditEntry).where(AuditEntry.entity_id == str(user.id)))
    entry.summary = "rewritten history"
    with pytest.raises(AuditLogIsAppendOnly):
        db.session.commit()
    db.session.rollback()
    db.session.delete(db.session.get(AuditEntry, entry.id))
    with pytest.raises(AuditLogIsAppendOnly):
        db.session.commit()
    db.session.rollback()
    assert db.session.get(AuditEntry, entry.id).summary != "rewritten history"


def test_diff_lists_only_changed_fields():
    assert audit.diff({"a": 1, "b": "x"}, {"a": 2, "b": "x", "c": None}) == {"a": [1, 2]}


def test_managers_filter_the_log(client, db, create_user, login_as):
    clock.freeze(datetime(2026, 2, 10, 12, 0, tzinfo=UTC))
    manager = create_user(roles=("programme_manager",), email="pm@example.org")
    clock.freeze(datetime(2026, 2, 12, 12, 0, tzinfo=UTC))
    create_user(email="later@example.org")
    audit.record("call", 7, "publish", "Call AMIF-2024-TF2-AG-THB published", actor=manager)
    db.session.commit()
    clock.reset()
    login_as(manager)
    page = client.get("/audit/?entity_type=call").get_data(as_text=True)
    assert "AMIF-2024-TF2-AG-THB published" in page and "later@example.org" not in page
    page = client.get("/audit/?until=2026-02-11").get_data(as_text=True)
    assert "pm@example.org created" in page and "later@example.org created" not in page
    page = client.get("/audit/?since=2026-02-11&entity_type=user").get_data(as_text=True)
    assert "later@example.org created" in page and "pm@example.org created" not in page
    page = client.get("/audit/?actor=pm@example").get_data(as_text=True)
    assert "published" in page
    response = client.get("/audit/?since=yesterday")
    assert response.status_code == 200
    assert "is not a date" in response.get_data(as_text=True)
    # Entities read as words and link where the reader may open them, never "call:7".
    page = client.get("/audit/?entity_type=call").get_data(as_text=True)
    assert '<a href="/calls/7">Call 7</a>' in page and "call:7" not in page
    page = client.get("/audit/?entity_type=user").get_data(as_text=True)
    assert f"User {manager.id}" in page and f'href="/admin/users/{manager.id}"' not in page
    # actions and the filters' choices in words too; the filters still send the codes
    audit.record("call", 7, "finalise-ranking", "Ranking finalised", actor=manager)
    db.session.commit()
    page = client.get("/audit/?action=finalise-ranking").get_data(as_text=True)
    assert 'data-label="Action">Finalise ranking</td>' in page and "Ranking finalised" in page
    assert '<option value="finalise-ranking" selected>Finalise ranking</option>' in page
    assert '<option value="call">Call</option>' in page


def test_database_refuses_changes_when_migrated(app, tmp_path):
    """The triggers of the first migration make the table append-only below the ORM."""
    from flask_migrate import upgrade
    from sqlalchemy import create_engine

    url = f"sqlite:///{tmp_path / 'migrated.sqlite'}"
    from grants import create_app

    other = create_app({"SQLALCHEMY_DATABASE_URI": url, "TESTING": True})
    with other.app_context():
        upgrade()
    engine = create_engine(url)
    with engine.begin() as conn:
        conn.execute(
            text(
                "INSERT INTO audit_entry (at, entity_type, entity_id, action, summary,"
                " ip) VALUES ('2026-01-01 00:00:00', 'user', '1', 'create', 's', '')"
            )
        )
    for statement in ("UPDATE audit_entry SET summary = 'x'", "DELETE FROM audit_entry"):
        with pytest.raises(Exception, match="append-only"), engine.begin() as conn:
            conn.execute(text(statement))
    engine.dispose()
