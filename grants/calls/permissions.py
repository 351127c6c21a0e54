"""Who may do what with calls: named predicates shared by views and templates."""

from __future__ import annotations

from grants.accounts.permissions import is_manager
from grants.calls.models import Call, CallStatus


def can_manage_calls(user) -> bool:
    """Create, edit and move calls through their life: programme managers and admins."""
    return is_manager(user)


def can_view_call(user, call: Call) -> bool:
    """Everyone sees a call once it is published; drafts only managers (others get a 404)."""
    return call.status != CallStatus.DRAFT or can_manage_calls(user)


def can_edit_call(user, call: Call) -> bool:
    return can_manage_calls(user) and call.status != CallStatus.RESULTS_PUBLISHED
