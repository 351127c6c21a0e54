"""Lost races answered like a double click: the loser of two simultaneous submits of one
proposal gets the submission that won, not a 500."""

from __future__ import annotations

from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm.exc import StaleDataError

from grants.extensions import db


def submit_once(proposal, user, token: str, version):
    """proposals.submitting.submit, where a concurrent submit that flushed first (the proposal's
    version moved under us: StaleDataError at a flush) returns the winning submission."""
    from grants.proposals import errors, submitting
    from grants.proposals.models import ProposalStatus

    # The rows this transaction wrote stay loaded after its commit (the request ends with the
    # redirect to the receipt): without this, the redirect, the flash and the request log
    # reload the submission, the proposal and the user with its memberships and roles.
    session = db.session()
    session.expire_on_commit = False
    try:
        return submitting.submit(proposal, user, token, version)
    except (StaleDataError, IntegrityError) as exc:
        db.session.rollback()
        again = submitting.submitted_with(proposal, token)
        if again is not None:
            return again
        db.session.refresh(proposal)
        winner = proposal.current_submission
        if winner is not None and proposal.status == ProposalStatus.SUBMITTED:
            return winner
        raise errors.StaleProposal(
            "The proposal was submitted or changed at the same moment from another page. "
            "Reload to see the submission that counts."
        ) from exc
    finally:
        session.expire_on_commit = True
