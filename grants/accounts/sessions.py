"""Server-side sessions: every login is a `UserSession` row whose key the session cookie and the
remember cookie carry; a cookie whose row has ended or expired opens nothing."""

from __future__ import annotations

import hashlib
import secrets
from collections.abc import Callable
from datetime import timedelta
from functools import cache

from flask import Flask, current_app, session
from flask_login import user_logged_in, user_logged_out
from sqlalchemy import ColumnElement, bindparam, exists, select, update
from sqlalchemy.orm import contains_eager

from grants import clock
from grants.accounts.models import (
    Membership,
    Organisation,
    Role,
    SecondFactor,
    User,
    UserSession,
    user_roles,
)
from grants.extensions import db


def _hash(key: str) -> str:
    return hashlib.sha256(key.encode()).hexdigest()


def start(user: User, remember: bool) -> str:
    """A new session for `user`; returns its key (the caller commits)."""
    key = secrets.token_urlsafe(32)
    # A remembered login ends after REMEMBER_COOKIE_DURATION (14 days). A browser session
    # ends when the browser closes, or on the server at logout, a password change or "log out
    # everywhere"; GRANTS_SESSION_MAX_DAYS is only its outer limit.
    lifetime = (
        current_app.config["REMEMBER_COOKIE_DURATION"]
        if remember
        else timedelta(days=current_app.config["GRANTS_SESSION_MAX_DAYS"])
    )
    now = clock.now()
    db.session.add(
        UserSession(
            user_id=user.id,
            key_hash=_hash(key),
            remember=remember,
            created_at=now,
            expires_at=now + lifetime,
        )
    )
    user.session_key = key
    return key


# One round trip on every request: the session row's two dates, its user, the user's
# memberships (with their organisations) and roles, which every page reads, and what else
# every page asks of the person (`read_along`: whether a second factor is set up, the bell's
# unread count). Built once per process: only the key's hash and the user id change from
# one request to the next. The joins are written out flat (contains_eager) rather than left
# to joinedload, whose many-to-many form nests `LEFT JOIN (user_role JOIN role)`: SQLite
# cannot flatten that and scanned every user_role row of the programme on every request
# (2.2 ms of a 7 ms page at 8 000 role rows).
_ALONG: dict[str, Callable[[ColumnElement], ColumnElement]] = {
    "second_factor": lambda user_id: exists().where(SecondFactor.user_id == user_id),
}


def read_along(name: str, column: Callable[[ColumnElement], ColumnElement]) -> None:
    """Read `column(User.id)` (a scalar subquery of the user's id) with every session check,
    as `user.read_along[name]`: a figure every page shows costs no statement of its own.
    Another domain registers its own here (the notifications' bell), so accounts imports
    none of them. Call at import time."""
    _ALONG[name] = column
    _live_session.cache_clear()


@cache
def _live_session():
    return (
        select(
            UserSession.ended_at,
            UserSession.expires_at,
            User,
            *(column(User.id).label(name) for name, column in _ALONG.items()),
        )
        .join(User, User.id == UserSession.user_id)
        .outerjoin(user_roles, user_roles.c.user_id == User.id)
        .outerjoin(Role, Role.id == user_roles.c.role_id)
        .outerjoin(Membership, Membership.user_id == User.id)
        .outerjoin(Organisation, Organisation.id == Membership.organisation_id)
        .where(
            UserSession.key_hash == bindparam("key_hash"),
            UserSession.user_id == bindparam("user_id"),
        )
        .options(
            contains_eager(User.roles),
            contains_eager(User.memberships).contains_eager(Membership.organisation),
        )
    )


def load(user_id: str) -> User | None:
    """The user of a live session named by `<user id>:<key>`, else None."""
    ident, _, key = (user_id or "").partition(":")
    if not ident.isdigit() or not key or len(ident) > 18:
        return None
    row = (
        db.session.execute(_live_session(), {"key_hash": _hash(key), "user_id": int(ident)})
        .unique()
        .first()
    )
    if row is None:
        return None
    ended_at, expires_at, user, *along = row
    if ended_at is not None or clock.as_utc(expires_at) <= clock.now():
        return None
    if not user.is_active_account:
        return None
    user.session_key = key
    user.read_along = dict(zip(_ALONG, along, strict=True))
    return user


def end(user: User) -> None:
    """End the session this request runs in (the caller commits)."""
    if user.session_key:
        db.session.execute(
            update(UserSession)
            .where(UserSession.key_hash == _hash(user.session_key), UserSession.ended_at.is_(None))
            .values(ended_at=clock.now())
        )


def end_all(user: User) -> int:
    """End every session and remember token of `user` (the caller commits); returns how many."""
    result = db.session.execute(
        update(UserSession)
        .where(UserSession.user_id == user.id, UserSession.ended_at.is_(None))
        .values(ended_at=clock.now())
    )
    return result.rowcount or 0


def live_count(user: User) -> int:
    from sqlalchemy import func

    return db.session.scalar(
        select(func.count(UserSession.id)).where(
            UserSession.user_id == user.id,
            UserSession.ended_at.is_(None),
            UserSession.expires_at > clock.now(),
        )
    )


def purge(older_than: timedelta = timedelta(days=30)) -> int:
    """Delete rows that ended or expired long ago (the caller commits)."""
    from sqlalchemy import delete, or_

    cutoff = clock.now() - older_than
    result = db.session.execute(
        delete(UserSession).where(
            or_(UserSession.expires_at < cutoff, UserSession.ended_at < cutoff)
        )
    )
    return result.rowcount or 0


def init_app(app: Flask) -> None:
    """Every login_user() anywhere starts a server session; every logout_user() ends it."""

    def on_login(sender, user, **extra):
        key = start(user, remember=session.get("_remember") == "set")
        session["_user_id"] = f"{user.id}:{key}"
        db.session.commit()

    def on_logout(sender, user, **extra):
        if user is not None and getattr(user, "session_key", ""):
            end(user)
            db.session.commit()

    user_logged_in.connect(on_login, app, weak=False)
    user_logged_out.connect(on_logout, app, weak=False)
