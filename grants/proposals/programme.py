"""The programme's view of a call's submissions: the list with its filters, and the
manager's decision on the automatic checks (confirm or override, with a reason)."""

from __future__ import annotations

from dataclasses import dataclass

from sqlalchemy import select
from sqlalchemy.orm import selectinload

from grants import clock
from grants.accounts.models import User
from grants.audit import services as audit
from grants.calls.models import Call
from grants.extensions import db
from grants.proposals import hooks
from grants.proposals.errors import ProposalError
from grants.proposals.models import (
    ReviewDecision,
    Submission,
    SubmissionReview,
)
from grants.proposals.sections import _text

# The programme's view ---------------------------------------------------------------------


@dataclass
class SubmissionFilter:
    status: str = ""  # submitted, withdrawn, admissible, inadmissible, ineligible, overridden
    topic: str = ""
    country: str = ""
    priority: str = ""


def submissions_of_call(call: Call, filters: SubmissionFilter) -> list[Submission]:
    """The submission that counts for each proposal of the call (and withdrawn ones)."""
    stmt = (
        select(Submission)
        .where(Submission.call_id == call.id, Submission.is_current.is_(True))
        .options(selectinload(Submission.reviews))  # the list shows each one's review
        .order_by(Submission.submitted_at)
    )
    rows = list(db.session.scalars(stmt))
    out = []
    for s in rows:
        topic = s.head.topic
        if filters.topic and (topic.code if topic else None) != filters.topic:
            continue
        if filters.country and filters.country not in s.snapshot.all_countries:
            continue
        if filters.priority and filters.priority not in s.snapshot.claimed_priorities:
            continue
        status = filters.status
        if status == "submitted" and s.withdrawn_at:
            continue
        if status == "withdrawn" and not s.withdrawn_at:
            continue
        if status == "admissible" and not (s.final_admissible and s.final_eligible):
            continue
        if status == "inadmissible" and s.final_admissible:
            continue
        if status == "ineligible" and s.final_eligible:
            continue
        if status == "overridden" and not (
            s.review and s.review.decision == ReviewDecision.OVERRIDDEN
        ):
            continue
        if status == "unreviewed" and s.review:
            continue
        out.append(s)
    return out


def review_submission(
    submission: Submission,
    manager: User,
    decision: str,
    reason: str,
    admissible: bool | None = None,
    eligible: bool | None = None,
) -> SubmissionReview:
    """Confirm the automatic result, or override it; the reason is required and logged.
    Once the call's ranking is final (the review domain's record, asked through
    `hooks.checks_locked`), the checks stand."""
    if hooks.checks_locked(submission.call_id):
        raise ProposalError(
            "The ranking of this call is final: admissibility and eligibility can no longer change."
        )
    reason = _text(reason, 5000)
    if not reason:
        raise ProposalError("Give the reason for your decision; it is kept in the audit log.")
    try:
        decision = ReviewDecision(decision)
    except ValueError as exc:
        raise ProposalError("Choose to confirm or to override the result.") from exc
    if decision == ReviewDecision.CONFIRMED:
        admissible, eligible = submission.admissible, submission.eligible
    elif admissible is None or eligible is None:
        raise ProposalError("Say whether the proposal is admissible and eligible.")
    elif (bool(admissible), bool(eligible)) == (submission.admissible, submission.eligible):
        raise ProposalError(
            "Overriding must change the result; to agree with the checks, choose confirm."
        )
    before = (submission.final_admissible, submission.final_eligible)
    review = SubmissionReview(
        submission=submission,
        decision=decision,
        admissible=bool(admissible),
        eligible=bool(eligible),
        reason=reason,
        reviewer_id=manager.id,
        at=clock.now(),
    )
    db.session.add(review)
    audit.record(
        "submission",
        submission.id,
        f"review-{decision.value}",
        f"{submission.reference}: checks {decision.value} by {manager.email}",
        {
            "admissible": [before[0], bool(admissible)],
            "eligible": [before[1], bool(eligible)],
            "reason": reason[:500],
        },
        actor=manager,
    )
    db.session.commit()
    return review
