"""The evaluator pool: evaluators and their profiles, invitations by e-mail (a hashed
token, valid for two weeks), accepting one and registering from one."""

from __future__ import annotations

import hashlib
import re
import secrets
from datetime import timedelta

from sqlalchemy import bindparam, exists, select

from grants import clock
from grants.accounts.models import RoleName, User
from grants.accounts.services import (
    EMAIL_PATTERN,
    create_user,
    get_role,
    normalise_email,
    user_by_email,
)
from grants.audit import services as audit
from grants.calls.models import Call
from grants.extensions import db
from grants.notifications.services import absolute_url, deliver_pending, queue_mail
from grants.review.models import EvaluatorInvitation, EvaluatorProfile
from grants.review.transitions import ReviewError

INVITATION_DAYS = 14
DEFAULT_MAX_LOAD = 8


def _hash(token: str) -> str:
    return hashlib.sha256(token.encode()).hexdigest()


# The pool -----------------------------------------------------------------------------------


def evaluators() -> list[User]:
    role = get_role(RoleName.EVALUATOR)
    return [
        u
        for u in db.session.scalars(select(User).order_by(User.full_name, User.id))
        if role in u.roles and u.is_active_account
    ]


def profile_of(user: User) -> EvaluatorProfile | None:
    return db.session.scalar(select(EvaluatorProfile).where(EvaluatorProfile.user_id == user.id))


def has_profile(user: User) -> bool:
    """Whether `user` has filled in an evaluator profile (the queue asks; its JSON lists are
    not read for that)."""
    return bool(db.session.scalar(_HAS_PROFILE, {"user_id": user.id}))


_HAS_PROFILE = select(exists().where(EvaluatorProfile.user_id == bindparam("user_id")))


PROFILE_FIELDS = (
    "organisation_name",
    "organisation_country",
    "recent_ties",
    "priorities",
    "exploitation_forms",
    "languages",
    "countries",
    "max_load",
)


def save_profile(user: User, data: dict) -> EvaluatorProfile:
    """Record the evaluator's organisation, ties and expertise (the evaluator edits it)."""
    profile = profile_of(user) or EvaluatorProfile(user_id=user.id, max_load=DEFAULT_MAX_LOAD)
    before = {f: getattr(profile, f, None) for f in PROFILE_FIELDS}
    for name in PROFILE_FIELDS:
        if name in data:
            setattr(profile, name, data[name])
    profile.updated_at = clock.now()
    db.session.add(profile)
    db.session.flush()
    changes = audit.diff(before, {f: getattr(profile, f) for f in PROFILE_FIELDS})
    if changes:
        audit.record("evaluator_profile", profile.id, "update", "Evaluator profile", changes)
    db.session.commit()
    return profile


def sort_addresses(text: str) -> tuple[list[str], list[str]]:
    """The distinct addresses of a list (one a line, or separated by commas, semicolons or
    spaces), normalised: (the e-mail addresses, the entries that are not ones, as typed)."""
    good: dict[str, None] = {}
    bad: dict[str, None] = {}
    for entry in re.split(r"[\s,;]+", text or ""):
        if not entry:
            continue
        email = normalise_email(entry)
        if EMAIL_PATTERN.match(email):
            good[email] = None
        else:
            bad[entry] = None
    return list(good), list(bad)


def invite_evaluators(emails: list[str], call: Call | None, actor: User) -> list[str]:
    """Mail an invitation to each e-mail address of `emails` and return them; entries that
    are not e-mail addresses are left out (sort_addresses tells which)."""
    wanted, bad = sort_addresses("\n".join(emails))
    if not wanted:
        raise ReviewError(f"Not an e-mail address: {', '.join(bad)}" if bad else "No address.")
    messages, invited = [], []
    now = clock.now()
    for email in wanted:
        token = secrets.token_urlsafe(32)
        invitation = EvaluatorInvitation(
            email=email,
            call_id=call.id if call else None,
            token_hash=_hash(token),
            invited_by_id=actor.id,
            created_at=now,
            expires_at=now + timedelta(days=INVITATION_DAYS),
        )
        db.session.add(invitation)
        db.session.flush()
        audit.record(
            "evaluator_invitation",
            invitation.id,
            "invite",
            f"{email} invited as an evaluator" + (f" for {call.reference}" if call else ""),
            actor=actor,
        )
        messages.append(
            queue_mail(
                email,
                "Invitation to evaluate proposals",
                "review/mail/invitation.txt",
                link=absolute_url("review.invitation", token=token),
                call=call,
                days=INVITATION_DAYS,
                has_account=user_by_email(email) is not None,
            )
        )
        invited.append(email)
    db.session.commit()
    deliver_pending([m.id for m in messages])
    return invited


def invitations() -> list[EvaluatorInvitation]:
    return list(
        db.session.scalars(select(EvaluatorInvitation).order_by(EvaluatorInvitation.id.desc()))
    )


def invitation_by_token(token: str) -> EvaluatorInvitation:
    row = db.session.scalar(
        select(EvaluatorInvitation).where(EvaluatorInvitation.token_hash == _hash(token or ""))
    )
    if row is None:
        raise ReviewError("This invitation link is not valid.")
    if row.accepted_at is not None:
        raise ReviewError("This invitation has already been accepted. Log in to continue.")
    if row.expires_at <= clock.now():
        raise ReviewError("This invitation has expired. Ask the programme team for a new one.")
    return row


def accept_invitation(invitation: EvaluatorInvitation, user: User) -> None:
    """The invited person, logged in with the invited address, joins the pool."""
    if normalise_email(user.email) != invitation.email:
        raise ReviewError(
            f"This invitation was sent to {invitation.email}: log in with that address."
        )
    if not user.has_role(RoleName.EVALUATOR):
        user.roles = [*user.roles, get_role(RoleName.EVALUATOR)]
    invitation.accepted_at = clock.now()
    invitation.accepted_by_id = user.id
    audit.record(
        "evaluator_invitation",
        invitation.id,
        "accept",
        f"{user.email} joined the evaluator pool",
        actor=user,
    )
    db.session.commit()


def register_from_invitation(
    invitation: EvaluatorInvitation, full_name: str, password: str
) -> User:
    """A new person registers through the link (which proves the address) and joins."""
    from grants.accounts.services import AccountError

    try:
        user = create_user(
            invitation.email,
            full_name,
            password,
            [RoleName.EVALUATOR],
            confirmed=True,
            self_registered=True,
        )
    except AccountError as exc:
        raise ReviewError(str(exc)) from exc
    accept_invitation(invitation, user)
    return user
