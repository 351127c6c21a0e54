"""Who may do what in the accounts domain: named predicates and the role decorator."""

from __future__ import annotations

from collections.abc import Callable
from functools import wraps

from flask import abort
from flask_login import current_user, login_required

from grants.accounts.models import Organisation, RoleName, User


def requires(predicate: Callable[[User], bool]):
    """The route guard of a domain's policy predicate (`requires(can_manage_calls)`): logged
    in (else the login page) and `predicate(current_user)` true (else 403)."""

    def decorator(view):
        @wraps(view)
        @login_required
        def wrapped(*args, **kwargs):
            if not predicate(current_user):
                abort(403)
            return view(*args, **kwargs)

        return wrapped

    return decorator


def roles_required(*roles: RoleName):
    """Logged in (else the login page) and holding one of `roles` (else 403)."""
    return requires(lambda user: user.has_role(*roles))


def is_manager(user: User) -> bool:
    return user.is_authenticated and user.has_role(RoleName.PROGRAMME_MANAGER, RoleName.ADMIN)


def can_manage_users(user: User) -> bool:
    return user.is_authenticated and user.has_role(RoleName.ADMIN)


def can_view_audit(user: User) -> bool:
    return is_manager(user)


def is_member(user: User, organisation: Organisation) -> bool:
    return user.is_authenticated and any(
        m.organisation_id == organisation.id for m in user.memberships
    )


def can_view_organisation(user: User, organisation: Organisation) -> bool:
    return is_member(user, organisation) or is_manager(user)


def can_edit_organisation(user: User, organisation: Organisation) -> bool:
    return is_member(user, organisation) or can_manage_users(user)


def can_create_organisation(user: User) -> bool:
    return user.is_authenticated and user.has_role(RoleName.APPLICANT)
