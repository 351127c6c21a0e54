"""The loser of two simultaneous submits of one proposal gets the submission that won."""

from __future__ import annotations

from sqlalchemy import func, select

from grants.extensions import db as _db
from grants.proposals import snapshot, submitting
from grants.proposals.models import Proposal, Submission
from grants.security import races


def test_the_loser_of_a_submit_race_gets_the_winning_submission(app, db, create_proposal):
    proposal = create_proposal()
    user = proposal.organisation.memberships[0].user
    version = proposal.version
    assert proposal.current_submission is None  # loaded now: this copy goes stale below
    with app.app_context():  # another request submits first, with its own token
        other = _db.session.get(Proposal, proposal.id)
        member = other.organisation.memberships[0].user
        winner_id = submitting.submit(
            other, member, submitting.new_submit_token(), other.version
        ).id
        _db.session.remove()
    result = races.submit_once(proposal, user, submitting.new_submit_token(), version)
    assert result.id == winner_id
    assert db.session.scalar(select(func.count(Submission.id))) == 1


def test_submit_once_is_submit_when_nobody_races(db, create_proposal):
    proposal = create_proposal()
    user = proposal.organisation.memberships[0].user
    token = submitting.new_submit_token()
    first = races.submit_once(proposal, user, token, proposal.version)
    assert first.sha256 == snapshot.content_hash(first.content)
    assert races.submit_once(proposal, user, token, proposal.version).id == first.id
