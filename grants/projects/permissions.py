"""Who may see and do what on a funded project: its coordinator's members act, partners'
members read, programme managers manage; nobody else sees it."""

from __future__ import annotations

from grants.accounts.permissions import is_manager


def _member_of(user, organisation_id) -> bool:
    return user.is_authenticated and any(
        m.organisation_id == organisation_id for m in user.memberships
    )


def is_coordinator(user, grant) -> bool:
    return _member_of(user, grant.organisation_id)


def is_partner(user, grant) -> bool:
    ids = {p.get("organisation_id") for p in grant.work_plan.get("consortium", [])}
    return any(_member_of(user, i) for i in ids if i)


def can_view(user, grant) -> bool:
    return is_manager(user) or is_coordinator(user, grant) or is_partner(user, grant)


def can_manage(user, grant=None) -> bool:
    return is_manager(user)


def can_report(user, grant) -> bool:
    return is_coordinator(user, grant)
