"""Writing and querying the audit log."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime

from flask import has_request_context, request
from flask_login import current_user
from sqlalchemy import select

from grants.audit.models import AuditEntry
from grants.extensions import db


def record(
    entity_type: str,
    entity_id: object,
    action: str,
    summary: str = "",
    changes: dict | None = None,
    actor=None,
) -> AuditEntry:
    """Add an audit entry to the current transaction (the caller commits)."""
    ip = ""
    if actor is None and has_request_context() and current_user.is_authenticated:
        actor = current_user
    if has_request_context():
        ip = request.remote_addr or ""
    entry = AuditEntry(
        actor_id=getattr(actor, "id", None),
        entity_type=entity_type,
        entity_id=str(entity_id if entity_id is not None else ""),
        action=action,
        summary=summary[:2000],
        changes=changes,
        ip=ip,
    )
    db.session.add(entry)
    return entry


def diff(before: dict, after: dict) -> dict:
    """The fields whose values changed, as {field: [old, new]} with JSON-safe values."""
    return {
        key: [_plain(before.get(key)), _plain(after.get(key))]
        for key in sorted(set(before) | set(after))
        if before.get(key) != after.get(key)
    }


def _plain(value):
    if isinstance(value, (str, int, float, bool)) or value is None:
        return value
    if isinstance(value, (list, tuple, set)):
        return sorted(_plain(v) for v in value)
    return str(value)


@dataclass
class AuditFilter:
    entity_type: str = ""
    action: str = ""
    actor_email: str = ""
    entity_id: str = ""
    since: datetime | None = None
    until: datetime | None = None


def query(filters: AuditFilter):
    from grants.accounts.models import User

    stmt = select(AuditEntry).order_by(AuditEntry.at.desc(), AuditEntry.id.desc())
    if filters.entity_type:
        stmt = stmt.where(AuditEntry.entity_type == filters.entity_type)
    if filters.action:
        stmt = stmt.where(AuditEntry.action == filters.action)
    if filters.entity_id:
        stmt = stmt.where(AuditEntry.entity_id == filters.entity_id)
    if filters.actor_email:
        stmt = stmt.join(User, User.id == AuditEntry.actor_id).where(
            User.email.ilike(f"%{filters.actor_email}%")
        )
    if filters.since:
        stmt = stmt.where(AuditEntry.at >= filters.since)
    if filters.until:
        stmt = stmt.where(AuditEntry.at < filters.until)
    return stmt


def distinct_values(column) -> list[str]:
    return list(db.session.scalars(select(column).distinct().order_by(column)))
