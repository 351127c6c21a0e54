"""The programme's view of a call's submissions: the list with its filters, and the
manager's decision on the automatic checks (confirm or override, with a reason)."""

from __future__ import annotations

import json
from dataclasses import dataclass
from datetime import datetime
from decimal import Decimal
from functools import cache
from typing import NamedTuple

from sqlalchemy import String, Text, bindparam, case, cast, func, select, type_coerce
from sqlalchemy.orm import aliased

from grants import clock
from grants.accounts.models import User
from grants.audit import services as audit
from grants.calls.models import Call, CallPriority, Topic
from grants.extensions import db, projection
from grants.proposals import hooks
from grants.proposals.errors import ProposalError
from grants.proposals.models import (
    ChecksDecision,
    ChecksVerdict,
    Submission,
)
from grants.proposals.sections import _text
from grants.taxonomy.models import Priority

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

    def kept(self, rows: list) -> list:
        """The rows that pass the filters (all of them, unread, when none is set)."""
        if self.topic or self.country or self.priority or self.status in _STATUS:
            return [row for row in rows if self.matches(row)]
        return rows


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


class FilterRow(NamedTuple):
    """What the list's filters and counts read of a listed submission (as SubmissionRow): a
    named tuple, as a call has a thousand of them (a frozen dataclass took 0.8 ms per
    thousand to build, a named tuple 0.2 ms)."""

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
    params = {"call_id": call.id} if only is None else {"call_id": call.id, "only": only}
    return _rows(SubmissionRow, _SHOWN, projection(_listed(_SHOWN, only is not None), params))


def filter_rows(call: Call) -> list[FilterRow]:
    """`listed_submissions` with only what the filters and the counts above the list read."""
    return _rows(FilterRow, _FILTERED, projection(_listed(_FILTERED, False), {"call_id": call.id}))


# The statements are built once per process (building them cost a tenth of the page); the
# call and the submissions asked for are bound. The lists (JSON) are read as their text and
# decoded a column at a time, the latest decision's verdict as its value: decoding them row
# by row cost the list of a call of 1 000 submissions a third of its time.
@cache
def _listed(names: tuple[str, ...], only: bool):
    S, R = Submission, aliased(ChecksDecision)
    current = (S.call_id == bindparam("call_id")) & S.is_current.is_(True)
    latest = (
        select(ChecksDecision.submission_id, func.max(ChecksDecision.id).label("decision_id"))
        .join(S, S.id == ChecksDecision.submission_id)
        .where(current)
        .group_by(ChecksDecision.submission_id)
        .subquery()
    )
    decided = R.decision.is_not(None)
    stmt = (
        select(
            *(cast(getattr(S, n), Text) if n in _LISTS else getattr(S, n) for n in names),
            case((decided, R.admissible), else_=S.admissible),
            case((decided, R.eligible), else_=S.eligible),
            type_coerce(R.decision, String),
        )
        .outerjoin(latest, latest.c.submission_id == S.id)
        .outerjoin(R, R.id == latest.c.decision_id)
        .where(current)
        .order_by(S.submitted_at, S.id)
    )
    if only:
        stmt = stmt.where(S.id.in_(bindparam("only", expanding=True)))
    return stmt


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
_LISTS = {"countries", "priorities", "failure_messages"}
_VERDICTS = {verdict.value: verdict for verdict in ChecksVerdict}


def _rows(cls, names: tuple[str, ...], result) -> list:
    """The rows as `cls`, built a column at a time: each list column decoded in one call,
    the final checks as booleans, the verdict as a ChecksVerdict (None if undecided)."""
    if not result:
        return []
    columns = list(zip(*result, strict=True))
    for i, name in enumerate(names):
        if name in _LISTS:
            columns[i] = _decoded(columns[i])
    n = len(names)
    columns[n] = map(bool, columns[n])
    columns[n + 1] = map(bool, columns[n + 1])
    columns[n + 2] = [None if v is None else _VERDICTS[v] for v in columns[n + 2]]
    return [cls(*values) for values in zip(*columns, strict=True)]


def _decoded(texts: tuple[str | None, ...]) -> list[tuple]:
    """JSON lists stored as text, decoded in one call to the decoder; NULL (or JSON null)
    as an empty tuple."""
    decoded = json.loads("[" + ",".join(text or "null" for text in texts) + "]")
    return [tuple(v) if v else () for v in decoded]


@dataclass(frozen=True, slots=True)
class FilterChoices:
    """What the list's topic and priority filters offer, in the call's order."""

    topics: list[str]  # codes
    priorities: list[tuple[str, str]]  # code, title


def filter_choices(call: Call) -> FilterChoices:
    """The call's topics and priorities, read as columns (no ORM object per topic, priority
    and strategy)."""
    params = {"call_id": call.id}
    topics, priorities = _choices()
    return FilterChoices(
        [code for (code,) in projection(topics, params)],
        [(code, title) for code, title in projection(priorities, params)],
    )


@cache
def _choices():
    call_id = bindparam("call_id")
    return (
        select(Topic.code).where(Topic.call_id == call_id).order_by(Topic.position, Topic.id),
        select(CallPriority.priority_code, Priority.title)
        .join(Priority, Priority.code == CallPriority.priority_code)
        .where(CallPriority.call_id == call_id)
        .order_by(CallPriority.position, CallPriority.id),
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
