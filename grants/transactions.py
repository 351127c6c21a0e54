"""Ending a service's transaction, shared by the domains: one of each."""

from __future__ import annotations

import os

from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm.exc import StaleDataError

from grants.extensions import db

CONFLICTS = (StaleDataError, IntegrityError)


def commit_or(refusal: Exception, conflicts: tuple[type[Exception], ...] = CONFLICTS) -> None:
    """Commit; when someone else changed the same rows at the same moment (a version check
    or a unique constraint failed: `conflicts`), roll back and raise `refusal`, a message
    for the user."""
    try:
        db.session.commit()
    except conflicts:
        db.session.rollback()
        raise refusal from None


def commit_or_remove(path: str) -> None:
    """Commit what records the file just written at `path`; when the commit fails for any
    reason, roll back, remove the file (nothing refers to it) and raise the error again."""
    try:
        db.session.commit()
    except Exception:
        db.session.rollback()
        os.unlink(path)
        raise
