"""flask backup create / restore (issue 10, point 9): a backup restored into an empty database
and upload directory holds every proposal, submission hash and annex again."""

from __future__ import annotations

import hashlib
import os
import tarfile

import pytest
from sqlalchemy import select

from grants import create_app
from grants.extensions import db as _db
from grants.proposals.models import Annex, Proposal, Submission
from tests.conftest import create_postgres_database, drop_postgres_database, postgres_server_url
from tests.factories.proposals import MINIMAL_PDF, write_annex


@pytest.fixture
def empty_target(app, tmp_path):
    """An empty database of the same kind as the test database, and an empty upload dir."""
    server = postgres_server_url()
    if server:
        url = create_postgres_database(server)
        yield url, tmp_path / "restored-uploads"
        drop_postgres_database(server, url)
    else:
        yield f"sqlite:///{tmp_path / 'restored.sqlite'}", tmp_path / "restored-uploads"


def test_backup_then_restore_into_an_empty_database(
    app, db, runner, create_proposal, submit_proposal, empty_target, tmp_path
):
    proposals = [create_proposal() for _ in range(3)]
    for n, proposal in enumerate(proposals):
        write_annex(app, proposal, "budget", MINIMAL_PDF + f"% annex {n}\n".encode())
    db.session.commit()
    submissions = {submit_proposal(p).id for p in proposals[:2]}
    db.session.commit()
    expected = {
        "proposals": sorted(db.session.scalars(select(Proposal.id))),
        "hashes": sorted(db.session.scalars(select(Submission.sha256))),
        "annexes": sorted(db.session.execute(select(Annex.stored_name, Annex.sha256)).all()),
    }
    assert len(expected["hashes"]) == len(submissions) == 2
    db.session.remove()

    archive = tmp_path / "backup.tar.gz"
    result = runner.invoke(args=["backup", "create", str(archive)])
    assert result.exit_code == 0, result.output
    assert "uploaded files written to" in result.output
    with tarfile.open(archive) as tar:
        names = tar.getnames()
    assert "manifest.json" in names
    assert any(n.startswith("uploads/") for n in names)

    url, uploads = empty_target
    restored = create_app(
        {
            "TESTING": True,
            "SECRET_KEY": "test-secret",
            "SQLALCHEMY_DATABASE_URI": url,
            "GRANTS_UPLOAD_DIR": str(uploads),
        }
    )
    with restored.app_context():  # the command runs in the current app's context
        result = restored.test_cli_runner().invoke(args=["backup", "restore", str(archive)])
        assert result.exit_code == 0, result.output
        assert sorted(_db.session.scalars(select(Proposal.id))) == expected["proposals"]
        assert sorted(_db.session.scalars(select(Submission.sha256))) == expected["hashes"]
        annexes = sorted(_db.session.execute(select(Annex.stored_name, Annex.sha256)).all())
        assert annexes == expected["annexes"]
        for stored_name, sha256 in annexes:
            with open(os.path.join(uploads, stored_name), "rb") as handle:
                assert hashlib.sha256(handle.read()).hexdigest() == sha256
        # A second restore into the now full database is refused without --force.
        again = restored.test_cli_runner().invoke(args=["backup", "restore", str(archive)])
        assert again.exit_code != 0 and "not empty" in again.output
        _db.session.remove()
        _db.engine.dispose()


def test_restore_refuses_an_archive_with_unsafe_paths(app, runner, tmp_path):
    evil = tmp_path / "evil.tar.gz"
    payload = tmp_path / "x"
    payload.write_text("x")
    with tarfile.open(evil, "w:gz") as tar:
        tar.add(payload, "../escape.txt")
    result = runner.invoke(args=["backup", "restore", "--force", str(evil)])
    assert result.exit_code != 0
    assert "unsafe entry" in result.output
    assert not (tmp_path.parent / "escape.txt").exists()
