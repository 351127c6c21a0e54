"""The shared endings of a service's transaction (grants/transactions.py)."""

from __future__ import annotations

import pytest
from sqlalchemy.exc import IntegrityError

from grants.accounts.models import Organisation, OrganisationType
from grants.transactions import commit_or_remove


def _organisation(registration_number: str) -> Organisation:
    return Organisation(
        name="Stored file test",
        type=OrganisationType.NGO,
        country="BE",
        registration_number=registration_number,
    )


def test_a_failed_commit_removes_the_file_and_rolls_back(db, create_organisation, tmp_path):
    taken = create_organisation(registration_number="BE-TAKEN-1")
    path = tmp_path / "stored.pdf"
    path.write_bytes(b"%PDF-1.4 kept only with its row")
    db.session.add(_organisation(taken.registration_number))  # the unique constraint fails
    with pytest.raises(IntegrityError):
        commit_or_remove(str(path))
    assert not path.exists()
    assert db.session.query(Organisation).filter_by(name="Stored file test").count() == 0
    assert db.session.query(Organisation).count() == 1  # the session is usable again


def test_a_successful_commit_keeps_the_file(db, tmp_path):
    path = tmp_path / "stored.pdf"
    path.write_bytes(b"%PDF-1.4 kept with its row")
    db.session.add(_organisation("BE-NEW-1"))
    commit_or_remove(str(path))
    assert path.read_bytes() == b"%PDF-1.4 kept with its row"
    db.session.expire_all()
    assert db.session.query(Organisation).filter_by(registration_number="BE-NEW-1").count() == 1
