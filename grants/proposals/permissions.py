"""Who may see and change proposals and submissions: named predicates shared by views and
templates. Anyone else gets a 404, so that ids do not reveal what exists."""

from __future__ import annotations

from grants.accounts.models import RoleName, User
from grants.accounts.permissions import is_manager, is_member
from grants.calls.models import Call
from grants.proposals import hooks
from grants.proposals.models import Proposal, Submission


def can_start_proposal(user: User) -> bool:
    return user.is_authenticated and user.has_role(RoleName.APPLICANT) and bool(user.memberships)


def can_view_proposal(user: User, proposal: Proposal) -> bool:
    """Drafts are private to the members of the owning (coordinating) organisation."""
    return is_member(user, proposal.organisation)


def can_edit_proposal(user: User, proposal: Proposal) -> bool:
    """May change it in principle; whether the call still allows changes is the service's."""
    return can_view_proposal(user, proposal)


def can_view_submission(user: User, submission: Submission) -> bool:
    """Its organisation's members, the programme, and whom a later stage lets in (review:
    an evaluator assigned to it), asked through `hooks.may_view_submission`."""
    return (
        is_member(user, submission.proposal.organisation)
        or is_manager(user)
        or hooks.may_view_submission(user, submission)
    )


def can_view_submissions(user: User, call: Call | None = None) -> bool:
    return is_manager(user)


def can_decide_checks(user: User, submission: Submission) -> bool:
    return is_manager(user)
