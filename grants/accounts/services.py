"""Account operations: registration, confirmation, login with throttling, reset, roles."""

from __future__ import annotations

import hashlib
import re
import secrets
from dataclasses import dataclass
from datetime import timedelta

from flask import current_app
from itsdangerous import BadSignature, SignatureExpired, URLSafeTimedSerializer
from sqlalchemy import select, update

from grants import clock
from grants.accounts import sessions
from grants.accounts.models import (
    LoginAttempt,
    Membership,
    Organisation,
    OrganisationType,
    PasswordResetToken,
    Role,
    RoleName,
    User,
)
from grants.audit import services as audit
from grants.extensions import db
from grants.notifications.services import absolute_url, deliver_pending, queue_mail
from grants.taxonomy.services import is_country_code

EMAIL_PATTERN = re.compile(r"^[^@\s]+@[^@\s]+\.[^@\s]+$")
COMMON_PASSWORDS = {
    "password",
    "password1",
    "password123",
    "1234567890",
    "12345678910",
    "qwertyuiop",
    "iloveyou123",
    "letmein123",
    "welcome123",
    "passw0rd123",
    "administrator",
    "azertyuiop",
}


class AccountError(ValueError):
    """A refused account operation, with a message for the user."""


def normalise_email(email: str) -> str:
    return (email or "").strip().lower()


def password_problems(password: str, email: str = "") -> list[str]:
    """Plain-language reasons why a password is too weak (empty when it is fine)."""
    problems = []
    minimum = current_app.config["GRANTS_PASSWORD_MIN_LENGTH"]
    if len(password) < minimum:
        problems.append(f"Use at least {minimum} characters.")
    if len(password) > 200:
        problems.append("Use at most 200 characters.")
    if password.lower() in COMMON_PASSWORDS or len(set(password)) < 4:
        problems.append("This password is too easy to guess.")
    if email and normalise_email(email).split("@")[0] in password.lower():
        problems.append("Do not use your e-mail address in the password.")
    return problems


def get_role(name: RoleName) -> Role:
    role = db.session.scalar(select(Role).where(Role.name == str(name)))
    if role is None:
        role = Role(name=str(name))
        db.session.add(role)
        db.session.flush()
    return role


def user_by_email(email: str) -> User | None:
    return db.session.scalar(select(User).where(User.email == normalise_email(email)))


def create_user(
    email: str,
    full_name: str,
    password: str,
    roles: list[RoleName] | tuple[RoleName, ...] = (RoleName.APPLICANT,),
    confirmed: bool = False,
    actor: User | None = None,
    check_strength: bool = True,
    self_registered: bool = False,
) -> User:
    """Add a user in the current transaction; the caller commits.

    The audit entry names `actor` (an admin), the user (self-registration), or nobody
    (the command line and the demo data: shown as "system").
    """
    email = normalise_email(email)
    if not EMAIL_PATTERN.match(email):
        raise AccountError("Enter a valid e-mail address.")
    if user_by_email(email) is not None:
        raise AccountError("An account with this e-mail address already exists.")
    if check_strength:
        problems = password_problems(password, email)
        if problems:
            raise AccountError(" ".join(problems))
    user = User(email=email, full_name=full_name.strip()[:200] or email)
    user.set_password(password)
    user.roles = [get_role(RoleName(r)) for r in roles]
    if confirmed:
        user.confirmed_at = clock.now()
    db.session.add(user)
    db.session.flush()
    audit.record(
        "user",
        user.id,
        "create",
        f"Account {email} created",
        {"roles": sorted(str(r) for r in roles)},
        actor=user if self_registered else actor,
    )
    return user


def _serializer(salt: str) -> URLSafeTimedSerializer:
    return URLSafeTimedSerializer(current_app.config["SECRET_KEY"], salt=salt)


def register(email: str, full_name: str, password: str, timezone: str = "") -> User:
    """Create an applicant account and send the confirmation link."""
    user = create_user(email, full_name, password, self_registered=True)
    if timezone:
        user.timezone = timezone
    message = send_confirmation(user)
    db.session.commit()
    deliver_pending([message.id])
    return user


def send_confirmation(user: User):
    token = _serializer("confirm-email").dumps({"id": user.id, "email": user.email})
    link = absolute_url("accounts.confirm", token=token)
    return queue_mail(
        user.email,
        "Confirm your e-mail address",
        "mail/confirm.txt",
        user=user,
        link=link,
        name=user.full_name,
    )


def confirm_email(token: str) -> User:
    max_age = current_app.config["GRANTS_CONFIRM_MAX_AGE"]
    try:
        data = _serializer("confirm-email").loads(token, max_age=max_age)
    except SignatureExpired as exc:
        raise AccountError("This confirmation link has expired. Log in to get a new one.") from exc
    except BadSignature as exc:
        raise AccountError("This confirmation link is not valid.") from exc
    user = db.session.get(User, data.get("id"))
    if user is None or user.email != data.get("email"):
        raise AccountError("This confirmation link is not valid.")
    if user.confirmed_at is None:
        user.confirmed_at = clock.now()
        audit.record("user", user.id, "confirm", f"{user.email} confirmed", actor=user)
        db.session.commit()
    return user


@dataclass
class LoginResult:
    user: User | None
    error: str = ""


_DUMMY_HASH: list[str] = []


def _spend_hash_time(password: str) -> None:
    from werkzeug.security import check_password_hash, generate_password_hash

    if not _DUMMY_HASH:
        _DUMMY_HASH.append(generate_password_hash(secrets.token_hex(8), method="scrypt"))
    check_password_hash(_DUMMY_HASH[0], password)


def authenticate(email: str, password: str, ip: str = "") -> LoginResult:
    """Check a login, slowed down after repeated failures (grants.security.throttle).

    An attempt refused because it came too soon is not recorded, so it never extends the
    wait; the password is not even checked then.
    """
    from grants.security import throttle

    email = normalise_email(email)[:254]
    ip = (ip or "")[:64]
    wait = throttle.wait_before(email, ip)
    if wait is not None:
        return LoginResult(None, wait.message)
    user = user_by_email(email)
    if user is None:
        _spend_hash_time(password)  # same work as for a real account: no timing oracle
    ok = user is not None and user.check_password(password)
    db.session.add(LoginAttempt(email=email, ip=ip, succeeded=ok))
    if not ok:
        db.session.commit()
        return LoginResult(None, "The e-mail address or the password is not correct.")
    if not user.is_active_account:
        db.session.commit()
        return LoginResult(None, "This account has been deactivated. Contact the programme team.")
    if not user.is_confirmed:
        message = send_confirmation(user)
        db.session.commit()
        deliver_pending([message.id])
        return LoginResult(
            None,
            "Confirm your e-mail address first: we have sent you a new confirmation link.",
        )
    user.last_login_at = clock.now()
    db.session.commit()
    return LoginResult(user)


def second_factor(user: User, code: str, ip: str = "") -> tuple[str | None, str]:
    """The second step of a login, throttled like the first under its own key
    ("2fa:<email>"): ("totp" or "recovery", "") when the code is right, else (None, why).
    A refusal for coming too soon is not recorded; a checked code is, and consumed."""
    from grants.accounts import twofactor
    from grants.security import throttle

    ip = (ip or "")[:64]
    key = f"2fa:{user.email}"[:254]
    wait = throttle.wait_before(key, ip)
    if wait is not None:
        return None, wait.message
    kind = twofactor.verify(user, code)
    db.session.add(LoginAttempt(email=key, ip=ip, succeeded=kind is not None))
    db.session.commit()
    if kind is None:
        return None, "The code is not correct, or it was already used. Try the next one."
    return kind, ""


def _hash_token(token: str) -> str:
    return hashlib.sha256(token.encode()).hexdigest()


def request_password_reset(email: str) -> None:
    """Mail a reset link if the account exists; say nothing either way (no account probing)."""
    user = user_by_email(email)
    if user is None or not user.is_active_account:
        return
    token = secrets.token_urlsafe(32)
    now = clock.now()
    db.session.add(
        PasswordResetToken(
            user_id=user.id,
            token_hash=_hash_token(token),
            created_at=now,
            expires_at=now + timedelta(seconds=current_app.config["GRANTS_RESET_MAX_AGE"]),
        )
    )
    link = absolute_url("accounts.reset_password", token=token)
    message = queue_mail(
        user.email,
        "Reset your password",
        "mail/reset.txt",
        user=user,
        link=link,
        name=user.full_name,
        minutes=current_app.config["GRANTS_RESET_MAX_AGE"] // 60,
    )
    audit.record(
        "user", user.id, "reset-requested", f"Password reset requested for {user.email}", actor=user
    )
    db.session.commit()
    deliver_pending([message.id])


def _valid_reset_token(token: str) -> PasswordResetToken:
    row = db.session.scalar(
        select(PasswordResetToken).where(PasswordResetToken.token_hash == _hash_token(token or ""))
    )
    if row is None:
        raise AccountError("This reset link is not valid. Ask for a new one.")
    if row.used_at is not None:
        raise AccountError(
            "This reset link has already been used, or a newer one was, or the password has "
            "changed since. Ask for a new one."
        )
    if row.expires_at <= clock.now():
        raise AccountError("This reset link has expired. Ask for a new one.")
    return row


def check_reset_token(token: str) -> User:
    return _valid_reset_token(token).user


def reset_password(token: str, password: str) -> User:
    row = _valid_reset_token(token)
    user = row.user
    problems = password_problems(password, user.email)
    if problems:
        raise AccountError(" ".join(problems))
    user.set_password(password)
    user.session_nonce = secrets.token_hex(8)
    sessions.end_all(user)  # every session and remember token of the user ends
    if user.confirmed_at is None:
        user.confirmed_at = clock.now()  # the link proved the address
    # This link and every older or newer one of the user stop working with the new password.
    db.session.execute(
        update(PasswordResetToken)
        .where(PasswordResetToken.user_id == user.id, PasswordResetToken.used_at.is_(None))
        .values(used_at=clock.now())
    )
    audit.record("user", user.id, "reset-password", f"Password reset for {user.email}", actor=user)
    db.session.commit()
    return user


def set_roles(user: User, roles: list[str], actor: User) -> None:
    wanted = sorted({str(RoleName(r)) for r in roles})
    before = sorted(user.role_names)
    if wanted == before:
        return
    if user.id == actor.id and str(RoleName.ADMIN) in before and str(RoleName.ADMIN) not in wanted:
        raise AccountError("You cannot remove your own admin role.")
    user.roles = [get_role(RoleName(r)) for r in wanted]
    audit.record(
        "user",
        user.id,
        "set-roles",
        f"Roles of {user.email}: {', '.join(wanted)}",
        {"roles": [before, wanted]},
        actor=actor,
    )
    db.session.commit()


def set_active(user: User, active: bool, actor: User) -> None:
    if user.id == actor.id and not active:
        raise AccountError("You cannot deactivate your own account.")
    if user.is_active_account != active:
        user.is_active_account = active
        if not active:
            user.session_nonce = secrets.token_hex(8)
            sessions.end_all(user)
        audit.record(
            "user",
            user.id,
            "activate" if active else "deactivate",
            f"{user.email} {'activated' if active else 'deactivated'}",
            actor=actor,
        )
        db.session.commit()


def log_out_everywhere(user: User) -> int:
    """End every session and remember token of `user`, this one included; returns how many."""
    count = sessions.end_all(user)
    audit.record(
        "user", user.id, "log-out-everywhere", f"{user.email} logged out everywhere", actor=user
    )
    db.session.commit()
    return count


def update_profile(user: User, full_name: str, timezone: str) -> None:
    before = {"full_name": user.full_name, "timezone": user.timezone}
    user.full_name = full_name.strip()[:200] or user.full_name
    user.timezone = timezone
    changes = audit.diff(before, {"full_name": user.full_name, "timezone": user.timezone})
    if changes:
        audit.record("user", user.id, "update-profile", "Profile updated", changes, actor=user)
    db.session.commit()


# Organisations --------------------------------------------------------------------------

ORGANISATION_FIELDS = ("name", "type", "country", "registration_number", "city", "website")


def _organisation_values(data: dict) -> dict:
    values = {
        k: (data.get(k) or "").strip() if isinstance(data.get(k), str) else data.get(k)
        for k in ORGANISATION_FIELDS
    }
    values["country"] = (values["country"] or "").upper()
    if not values["name"]:
        raise AccountError("Enter the organisation's name.")
    if not is_country_code(values["country"]):
        raise AccountError("Choose a country from the list (ISO 3166-1 alpha-2 code).")
    try:
        values["type"] = OrganisationType(values["type"])
    except ValueError as exc:
        raise AccountError("Choose a type of organisation from the list.") from exc
    if not values["registration_number"]:
        raise AccountError("Enter the organisation's registration number.")
    return values


def _duplicate(values: dict, exclude_id: int | None = None) -> bool:
    stmt = select(Organisation.id).where(
        Organisation.country == values["country"],
        Organisation.registration_number == values["registration_number"],
    )
    if exclude_id:
        stmt = stmt.where(Organisation.id != exclude_id)
    return db.session.scalar(stmt) is not None


def create_organisation(user: User, data: dict) -> Organisation:
    values = _organisation_values(data)
    if _duplicate(values):
        raise AccountError(
            "An organisation with this registration number is already registered in this "
            "country. Ask one of its members to add you."
        )
    organisation = Organisation(**values)
    db.session.add(organisation)
    db.session.flush()
    db.session.add(Membership(user_id=user.id, organisation_id=organisation.id, is_contact=True))
    audit.record(
        "organisation",
        organisation.id,
        "create",
        f"Organisation {organisation.name} ({organisation.country}) created",
        actor=user,
    )
    db.session.commit()
    return organisation


def update_organisation(organisation: Organisation, data: dict, actor: User) -> None:
    values = _organisation_values(data)
    if _duplicate(values, exclude_id=organisation.id):
        raise AccountError("Another organisation in this country has this registration number.")
    before = {k: getattr(organisation, k) for k in ORGANISATION_FIELDS}
    for key, value in values.items():
        setattr(organisation, key, value)
    changes = audit.diff(before, values)
    if changes:
        audit.record(
            "organisation",
            organisation.id,
            "update",
            f"Organisation {organisation.name} updated",
            changes,
            actor=actor,
        )
    db.session.commit()


def add_member(organisation: Organisation, email: str, actor: User) -> User:
    user = user_by_email(email)
    if user is None:
        raise AccountError("No account uses this e-mail address; ask the person to register first.")
    if any(m.organisation_id == organisation.id for m in user.memberships):
        raise AccountError(f"{user.email} is already a member of {organisation.name}.")
    db.session.add(Membership(user_id=user.id, organisation_id=organisation.id))
    if not user.has_role(RoleName.APPLICANT):
        user.roles = [*user.roles, get_role(RoleName.APPLICANT)]
    audit.record(
        "organisation",
        organisation.id,
        "add-member",
        f"{user.email} added to {organisation.name}",
        actor=actor,
    )
    db.session.commit()
    return user
