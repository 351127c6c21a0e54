"""Two-factor login: a TOTP secret per user (pyotp), its QR code rendered on the server (segno),
single-use recovery codes (only their SHA-256 stored), required for programme managers and
admins when GRANTS_REQUIRE_2FA is on (the default in production), offered to everyone else."""

from __future__ import annotations

import hashlib
import secrets

import pyotp
import segno
from flask import current_app

from grants import clock
from grants.accounts.models import RoleName, SecondFactor, User
from grants.audit import services as audit
from grants.extensions import db

ISSUER = "THB Programme"
REQUIRED_FOR = (RoleName.PROGRAMME_MANAGER, RoleName.ADMIN)
RECOVERY_CODES = 10


def _hash(code: str) -> str:
    return hashlib.sha256(code.replace("-", "").strip().lower().encode()).hexdigest()


def of(user: User) -> SecondFactor | None:
    return db.session.get(SecondFactor, user.id)


def enrolled_at_start(user: User) -> bool:
    """Whether `user` had a second factor when this request began: read with the session
    (grants.accounts.sessions), so the check before every page asks nothing more; asked
    where the user was not loaded so. Not for a request that may have changed it since."""
    known = user.read_along.get("second_factor")
    return of(user) is not None if known is None else bool(known)


def is_required(user: User) -> bool:
    return bool(current_app.config.get("GRANTS_REQUIRE_2FA")) and user.has_role(*REQUIRED_FOR)


def new_secret() -> str:
    return pyotp.random_base32()


def qr_svg(user: User, secret: str) -> str:
    """The provisioning URI as an inline SVG QR code (no image from elsewhere)."""
    uri = pyotp.TOTP(secret).provisioning_uri(name=user.email, issuer_name=ISSUER)
    return segno.make(uri, error="m").svg_inline(
        scale=5, title="QR code for your authenticator app"
    )


def _step_of(secret: str, code: str) -> int | None:
    """The time step a 6-digit code belongs to (now, or one step either side), or None."""
    code = (code or "").replace(" ", "").strip()
    if not (len(code) == 6 and code.isascii() and code.isdigit()):
        return None
    totp = pyotp.TOTP(secret)
    now = clock.now()
    for offset in (0, -1, 1):
        moment = now.timestamp() + offset * totp.interval
        if secrets.compare_digest(totp.at(moment), code):
            return int(moment // totp.interval)
    return None


def _recovery_codes() -> list[str]:
    return [f"{secrets.token_hex(4)}-{secrets.token_hex(4)}" for _ in range(RECOVERY_CODES)]


def enrol(user: User, secret: str, code: str) -> list[str] | None:
    """Confirm the secret with a code from the app; returns the recovery codes to show once,
    or None when the code does not match (nothing is stored then)."""
    step = _step_of(secret, code)
    if step is None:
        return None
    codes = _recovery_codes()
    row = of(user) or SecondFactor(user_id=user.id)
    row.secret = secret
    row.recovery_hashes = [_hash(c) for c in codes]
    row.last_step = step
    row.confirmed_at = clock.now()
    db.session.add(row)
    audit.record(
        "user", user.id, "2fa-enrol", f"Two-factor login set up for {user.email}", actor=user
    )
    db.session.commit()
    return codes


def verify(user: User, code: str) -> str | None:
    """Check a TOTP or recovery code and consume it; returns "totp", "recovery" or None.
    The caller commits."""
    row = of(user)
    if row is None:
        return None
    step = _step_of(row.secret, code)
    if step is not None:
        if step <= row.last_step:
            return None  # this code was already used
        row.last_step = step
        return "totp"
    hashed = _hash(code or "")
    if hashed in (row.recovery_hashes or []):
        row.recovery_hashes = [h for h in row.recovery_hashes if h != hashed]
        audit.record(
            "user",
            user.id,
            "2fa-recovery-code",
            f"{user.email} logged in with a recovery code ({len(row.recovery_hashes)} left)",
            actor=user,
        )
        return "recovery"
    return None


def reset(user: User, actor: User) -> bool:
    """An admin removes a user's second factor (a lost phone): logged, and the user's sessions
    end; the user sets it up again at the next login."""
    from grants.accounts import sessions

    row = of(user)
    if row is None:
        return False
    db.session.delete(row)
    sessions.end_all(user)
    audit.record(
        "user", user.id, "2fa-reset", f"Two-factor login of {user.email} reset", actor=actor
    )
    db.session.commit()
    return True
