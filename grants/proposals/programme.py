"""The programme's view of a call's submissions: the list with its filters, and the
manager's decision on the automatic checks (confirm or override, with a reason)."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime
from decimal import Decimal

from sqlalchemy import func, select
from sqlalchemy.orm import aliased

from grants import clock
from grants.accounts.models import User
from grants.audit import services as audit
from grants.calls.models import Call
from grants.extensions import db, projection
from grants.proposals import hooks
from grants.proposals.errors import ProposalError
from grants.proposals.models import (
    ChecksDecision,
    ChecksVerdict,
    Submission,
)
from grants.proposals.sections import _text

# The programme's view ---------------------------------------------------------------------


@dataclass
class SubmissionFilter:
    status: str = ""  # submitted, withdrawn, admissible, inadmissible, ineligible, overridden
    topic: str = ""
    country: str = ""
    priority: str = ""

    def matches(self, row: SubmissionRow | FilterRow) -> bool:
        if self.topic and row.topic_code != self.topic:
            return False
        if self.country and self.country not in row.countries:
            return False
        if self.priority and self.priority not in row.priorities:
            return False
        return _STATUS.get(self.status, lambda row: True)(row)


_STATUS = {
    "submitted": lambda r: not r.withdrawn_at,
    "withdrawn": lambda r: bool(r.withdrawn_at),
    "admissible": lambda r: r.final_admissible and r.final_eligible,
    "inadmissible": lambda r: not r.final_admissible,
    "ineligible": lambda r: not r.final_eligible,
    "overridden": lambda r: r.decision == ChecksVerdict.OVERRIDDEN,
    "unreviewed": lambda r: r.decision is None,
}


@dataclass(frozen=True, slots=True)
class SubmissionRow:
    """One line of a call's list of submissions: columns written at submission time and the
    latest checks decision, no ORM object and no decoded snapshot."""

    id: int
    reference: str
    version: int
    submitted_at: datetime
    withdrawn_at: datetime | None
    acronym: str
    title: str
    organisation_name: str
    organisation_country: str
    topic_code: str | None
    countries: tuple[str, ...]
    priorities: tuple[str, ...]
    failures: tuple[str, ...]
    eu_contribution: Decimal
    final_admissible: bool
    final_eligible: bool
    decision: ChecksVerdict | None  # of the latest checks decision, if any


@dataclass(frozen=True, slots=True)
class FilterRow:
    """What the list's filters and counts read of a listed submission (as SubmissionRow)."""

    id: int
    withdrawn_at: datetime | None
    topic_code: str | None
    countries: tuple[str, ...]
    priorities: tuple[str, ...]
    final_admissible: bool
    final_eligible: bool
    decision: ChecksVerdict | None


def listed_submissions(call: Call, only: list[int] | None = None) -> list[SubmissionRow]:
    """The submission that counts for each proposal of the call (and withdrawn ones), in the
    order they came in (of the submissions in `only`, if given): one query, whatever the
    number of submissions and checks decisions."""
    return [_row(SubmissionRow, _SHOWN, r) for r in _listed(call, _SHOWN, only)]


def filter_rows(call: Call) -> list[FilterRow]:
    """`listed_submissions` with only what the filters and the counts above the list read."""
    return [_row(FilterRow, _FILTERED, r) for r in _listed(call, _FILTERED)]


def _listed(call: Call, names: tuple[str, ...], only: list[int] | None = None):
    S, R = Submission, aliased(ChecksDecision)
    latest = (
        select(ChecksDecision.submission_id, func.max(ChecksDecision.id).label("decision_id"))
        .join(S, S.id == ChecksDecision.submission_id)
        .where(S.call_id == call.id, S.is_current.is_(True))
        .group_by(ChecksDecision.submission_id)
        .subquery()
    )
    stmt = (
        select(
            *(getattr(S, name) for name in names),
            S.admissible,
            S.eligible,
            R.decision,
            R.admissible.label("decided_admissible"),
            R.eligible.label("decided_eligible"),
        )
        .outerjoin(latest, latest.c.submission_id == S.id)
        .outerjoin(R, R.id == latest.c.decision_id)
        .where(S.call_id == call.id, S.is_current.is_(True))
        .order_by(S.submitted_at, S.id)
    )
    if only is not None:
        stmt = stmt.where(S.id.in_(only))
    return projection(stmt)


# The columns shown as they are stored (the lists as tuples)
_SHOWN = (
    "id",
    "reference",
    "version",
    "submitted_at",
    "withdrawn_at",
    "acronym",
    "title",
    "organisation_name",
    "organisation_country",
    "topic_code",
    "countries",
    "priorities",
    "failure_messages",
    "eu_contribution",
)
_FILTERED = ("id", "withdrawn_at", "topic_code", "countries", "priorities")


def _row(cls, names: tuple[str, ...], r):
    decided = r.decision is not None
    return cls(
        *(tuple(v or ()) if isinstance(v, list) else v for v in r[: len(names)]),
        final_admissible=bool(r.decided_admissible if decided else r.admissible),
        final_eligible=bool(r.decided_eligible if decided else r.eligible),
        decision=ChecksVerdict(r.decision) if decided else None,
    )


def submissions_of_call(call: Call, filters: SubmissionFilter) -> list[SubmissionRow]:
    """The call's listed submissions that pass the filters."""
    return [row for row in listed_submissions(call) if filters.matches(row)]


def overview(rows: list[SubmissionRow] | list[FilterRow]) -> dict:
    """The counts above the list, of every listed submission."""
    return {
        "total": len(rows),
        "withdrawn": sum(1 for r in rows if r.withdrawn_at),
        "inadmissible": sum(1 for r in rows if not r.final_admissible),
        "ineligible": sum(1 for r in rows if not r.final_eligible),
        "reviewed": sum(1 for r in rows if r.decision is not None),
    }


def decide_checks(
    submission: Submission,
    manager: User,
    decision: str,
    reason: str,
    admissible: bool | None = None,
    eligible: bool | None = None,
) -> ChecksDecision:
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
        decision = ChecksVerdict(decision)
    except ValueError as exc:
        raise ProposalError("Choose to confirm or to override the result.") from exc
    if decision == ChecksVerdict.CONFIRMED:
        admissible, eligible = submission.admissible, submission.eligible
    elif admissible is None or eligible is None:
        raise ProposalError("Say whether the proposal is admissible and eligible.")
    elif (bool(admissible), bool(eligible)) == (submission.admissible, submission.eligible):
        raise ProposalError(
            "Overriding must change the result; to agree with the checks, choose confirm."
        )
    before = (submission.final_admissible, submission.final_eligible)
    decided = ChecksDecision(
        submission=submission,
        decision=decision,
        admissible=bool(admissible),
        eligible=bool(eligible),
        reason=reason,
        decided_by_id=manager.id,
        at=clock.now(),
    )
    db.session.add(decided)
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
    return decided
