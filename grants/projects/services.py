"""Operations on funded projects: preparing a grant from a selected proposal, the status
transition (guard, audit, notice), reports as immutable versions, payments and the sync of
each project into the portfolio read model."""

from __future__ import annotations

import calendar
import functools
from collections.abc import Iterator
from datetime import date, timedelta
from decimal import Decimal

from sqlalchemy import select
from sqlalchemy.orm import joinedload

from grants import clock
from grants.audit import services as audit
from grants.extensions import db
from grants.formatting import eur
from grants.notifications.services import absolute_url, notify
from grants.projects import payments as rules
from grants.projects import source
from grants.projects.models import (
    Grant,
    GrantStatus,
    Payment,
    Report,
    ReportKind,
    ReportState,
)
from grants.projects.portfolio_sync import sync_portfolio

REPORT_DUE_DAYS = 60  # a report is due within 60 days of its period's end


class ProjectError(ValueError):
    def __init__(self, message: str, problems: dict[str, list[str]] | None = None):
        super().__init__(message)
        self.problems = problems or {}


def refusing(operation):
    """A refused operation leaves the session as it was before it: it rolls back what it
    started and raises the ProjectError for the view to show."""

    @functools.wraps(operation)
    def run(*args, **kwargs):
        try:
            return operation(*args, **kwargs)
        except ProjectError:
            db.session.rollback()
            raise

    return run


def add_months(day: date, months: int) -> date:
    month = day.month - 1 + months
    year, month = day.year + month // 12, month % 12 + 1
    return date(year, month, min(day.day, calendar.monthrange(year, month)[1]))


def item_due(grant, item: dict) -> date | None:
    """The day a deliverable or milestone of month `item["month"]` is due: that month's end."""
    month = item.get("month")
    if not isinstance(month, int) or month < 1:
        return None
    return add_months(grant.start_date, month) - timedelta(days=1)


# Preparing a grant --------------------------------------------------------------------------


def eligible_for_grant(submission) -> str:
    """Why a grant cannot be prepared from `submission` (empty: it can)."""
    from grants.review.models import Outcome
    from grants.review.ranking import letter_of

    letter = letter_of(submission)
    if letter is None or letter.outcome not in (Outcome.SELECTED, Outcome.RESERVE):
        return "Only a selected proposal, or one on the reserve list, becomes a grant."
    if submission.withdrawn_at:
        return "This proposal was withdrawn."
    if db.session.scalar(select(Grant.id).where(Grant.submission_id == submission.id)):
        return "A grant is already prepared from this proposal."
    if letter.outcome == Outcome.RESERVE:
        return _reserve_refusal(submission, letter)
    return ""


def _reserve_refusal(submission, letter) -> str:
    """A reserve proposal replaces one that withdrew from its grant, in the order of the
    reserve list: one place per withdrawn grant of the call, less the replacements made."""
    return _reserve_refusal_in(_reserve_places(submission.call_id), letter)


def _reserve_places(call_id: int) -> tuple[int, int, int | None]:
    """Of a call: the grants withdrawn, the grants made from the reserve list, and the first
    position on the reserve list without a grant (None: none left)."""
    from grants.review.models import Outcome, ResultLetter

    grants = db.session.execute(
        select(Grant.status, ResultLetter.outcome)
        .join(ResultLetter, ResultLetter.submission_id == Grant.submission_id)
        .where(Grant.call_id == call_id)
    ).all()
    freed = sum(1 for status, _ in grants if status == GrantStatus.WITHDRAWN)
    replaced = sum(1 for _, outcome in grants if outcome == Outcome.RESERVE)
    first = db.session.scalar(
        select(ResultLetter.reserve_position)
        .where(
            ResultLetter.call_id == call_id,
            ResultLetter.outcome == Outcome.RESERVE,
            ~ResultLetter.submission_id.in_(select(Grant.submission_id)),
        )
        .order_by(ResultLetter.reserve_position)
        .limit(1)
    )
    return freed, replaced, first


def _reserve_refusal_in(places: tuple[int, int, int | None], letter) -> str:
    freed, replaced, first = places
    if replaced >= freed:
        return (
            "A proposal on the reserve list becomes a grant when a selected one withdraws from "
            "its grant."
        )
    if first is not None and (letter.reserve_position or 0) > first:
        return f"The reserve list goes in order: number {first} comes first."
    return ""


def awaiting_grant() -> list:
    """(submission, outcome, why it cannot become a grant yet: empty when it can) of
    published results that have no grant: the selected proposals first, then the reserve
    list, by call. As `eligible_for_grant` says of each, in a statement for all of them and
    two per call with reserve proposals (not three or four per proposal)."""
    from grants.proposals.models import Submission, listed_only
    from grants.review.models import Outcome, ResultLetter

    rows = db.session.execute(
        select(Submission, ResultLetter)
        .join(ResultLetter, ResultLetter.submission_id == Submission.id)
        .where(
            ResultLetter.outcome.in_((Outcome.SELECTED, Outcome.RESERVE)),
            Submission.withdrawn_at.is_(None),
            ~Submission.id.in_(select(Grant.submission_id)),
        )
        .options(joinedload(Submission.call), *listed_only())
        .order_by(Submission.call_id, ResultLetter.outcome.desc(), Submission.id)
    ).all()
    places: dict[int, tuple] = {}
    out = []
    for submission, letter in rows:
        why = ""  # a letter of these outcomes, not withdrawn, no grant yet
        if letter.outcome == Outcome.RESERVE:
            if submission.call_id not in places:
                places[submission.call_id] = _reserve_places(submission.call_id)
            why = _reserve_refusal_in(places[submission.call_id], letter)
        out.append((submission, letter.outcome, why))
    return out


def work_plan_of(submission) -> dict:
    return {
        "work_packages": source.work_packages(submission),
        "deliverables": [dict(d, done=False) for d in source.deliverables(submission)],
        "milestones": [dict(m, done=False) for m in source.milestones(submission)],
        "indicators": source.indicators(submission),
        "budget": source.budget(submission),
        "consortium": source.consortium(submission),
        "edits": [],  # {"field", "reason", "at"}: every change made to the copy
    }


def check_terms(values: dict) -> dict[str, list[str]]:
    problems: dict[str, list[str]] = {}
    try:
        rules.Terms(
            values["max_contribution"], values["funding_rate"], values["prefinancing_share"]
        )
    except ValueError as error:
        problems.setdefault("max_contribution", []).append(str(error).capitalize() + ".")
    if not 1 <= values["duration_months"] <= 120:
        problems.setdefault("duration_months", []).append("The duration is 1 to 120 months.")
    if not 1 <= values["period_months"] <= values["duration_months"]:
        problems.setdefault("period_months", []).append(
            "A reporting period is 1 month up to the whole duration."
        )
    if not values["agreement_number"].strip():
        problems.setdefault("agreement_number", []).append("Give the agreement number.")
    elif db.session.scalar(
        select(Grant.id).where(Grant.agreement_number == values["agreement_number"].strip())
    ):
        problems.setdefault("agreement_number", []).append("This number is already used.")
    return problems


def default_terms(submission) -> dict:
    return {
        "agreement_number": f"GA-{submission.reference}"[:60],
        "max_contribution": source.eu_contribution(submission),
        "funding_rate": source.funding_rate(submission),
        "prefinancing_share": Decimal(40),
        "start_date": clock.to_brussels(clock.now()).date().replace(day=1),
        "duration_months": source.duration_months(submission),
        "period_months": 12,
    }


@refusing
def prepare_grant(submission, values: dict, actor) -> Grant:
    refusal = eligible_for_grant(submission)
    if refusal:
        raise ProjectError(refusal)
    problems = check_terms(values)
    if problems:
        raise ProjectError("The grant cannot be prepared.", problems)
    grant = Grant(
        submission_id=submission.id,
        call_id=submission.call_id,
        organisation_id=submission.proposal.organisation_id,
        acronym=source.acronym(submission)[:30],
        title=source.title(submission)[:300],
        work_plan=work_plan_of(submission),
        prepared_by_id=actor.id if actor else None,
        **{**values, "agreement_number": values["agreement_number"].strip()},
    )
    db.session.add(grant)
    db.session.flush()
    audit.record(
        "grant", grant.id, "prepare", f"Grant {grant.agreement_number} prepared", actor=actor
    )
    tell(
        grant,
        coordinator_members(grant),
        "project.prepared",
        f"Grant {grant.agreement_number} to confirm",
    )
    db.session.commit()
    return grant


@refusing
def edit_work_plan(grant: Grant, field: str, rows: list[dict], reason: str, actor) -> None:
    if grant.status != GrantStatus.PREPARED:
        raise ProjectError("The work plan changes after signature only by an amendment.")
    if field not in ("work_packages", "deliverables", "milestones", "indicators", "budget"):
        raise ProjectError("No such part of the work plan.")
    if not reason.strip():
        raise ProjectError("Say why the copy of the proposal changes.", {"reason": ["Required."]})
    plan = dict(grant.work_plan)
    before = plan.get(field)
    plan[field] = rows
    plan["edits"] = [
        *plan.get("edits", []),
        {"field": field, "reason": reason.strip(), "at": clock.now().isoformat()},
    ]
    grant.work_plan = plan
    audit.record(
        "grant",
        grant.id,
        "edit-work-plan",
        f"{field}: {reason.strip()}",
        {field: [before, rows]},
        actor=actor,
    )
    db.session.commit()


# The transition ------------------------------------------------------------------------------

TRANSITIONS: dict[tuple[GrantStatus, GrantStatus], str] = {
    (GrantStatus.PREPARED, GrantStatus.CONFIRMED): "confirm",
    (GrantStatus.CONFIRMED, GrantStatus.RUNNING): "sign",
    (GrantStatus.RUNNING, GrantStatus.CLOSED): "close",
    (GrantStatus.PREPARED, GrantStatus.WITHDRAWN): "withdraw",
    (GrantStatus.CONFIRMED, GrantStatus.WITHDRAWN): "withdraw",
}


def guard(grant: Grant, target: GrantStatus, actor, reason: str = "") -> list[str]:
    from grants.projects.permissions import can_manage, is_coordinator

    if (grant.status, target) not in TRANSITIONS:
        return [f"A grant {grant.status.label.lower()} cannot become {target.label.lower()}."]
    if target == GrantStatus.CONFIRMED and not is_coordinator(actor, grant):
        return ["Only the coordinator confirms the grant."]
    if target == GrantStatus.WITHDRAWN:
        if not is_coordinator(actor, grant):
            return ["Only the coordinator withdraws from the grant."]
        if not reason.strip():
            return ["Say why the coordinator withdraws."]
    if target in (GrantStatus.RUNNING, GrantStatus.CLOSED) and not can_manage(actor):
        return ["Only a programme manager signs or closes a grant."]
    if target == GrantStatus.CLOSED and not any(
        r.kind == ReportKind.FINAL and r.state == ReportState.ACCEPTED for r in grant.reports
    ):
        return ["A grant closes once its final report is accepted."]
    return []


@refusing
def transition(
    grant: Grant, target: GrantStatus, actor, *, commit: bool = True, reason: str = ""
) -> Grant:
    target = GrantStatus(target)
    refusals = guard(grant, target, actor, reason)
    if refusals:
        raise ProjectError(" ".join(refusals))
    source_status, moment = grant.status, clock.now()
    grant.status = target
    action = TRANSITIONS[(source_status, target)]
    if target == GrantStatus.CONFIRMED:
        grant.confirmed_at = moment
    elif target == GrantStatus.RUNNING:
        grant.signed_at = moment
        _pay(grant, "prefinancing", rules.prefinancing(terms_of(grant)), None)
    elif target == GrantStatus.CLOSED:
        grant.closed_at = moment
    audit.record(
        "grant",
        grant.id,
        action,
        f"Grant {grant.agreement_number}: {source_status.value} -> {target.value}"
        + (f": {reason.strip()[:300]}" if reason.strip() else ""),
        {"status": [source_status.value, target.value]},
        actor=actor,
    )
    db.session.flush()
    sync_portfolio(grant)
    if target in (GrantStatus.CONFIRMED, GrantStatus.WITHDRAWN):
        what = (
            "to sign" if target == GrantStatus.CONFIRMED else "withdrawn: a reserve may replace it"
        )
        code = "project.confirmed" if target == GrantStatus.CONFIRMED else "project.withdrawn"
        tell(grant, managers(), code, f"Grant {grant.agreement_number} {what}")
    else:
        tell(
            grant,
            coordinator_members(grant),
            "project.status",
            f"Grant {grant.agreement_number}: {target.label.lower()}",
        )
    if commit:
        db.session.commit()
    return grant


# Reports -------------------------------------------------------------------------------------


def terms_of(grant: Grant) -> rules.Terms:
    return rules.Terms(grant.max_contribution, grant.funding_rate, grant.prefinancing_share)


def periods(grant: Grant) -> list[dict]:
    """The reporting periods: number, start, end, report due date, and the kind of report."""
    return list(_periods(grant))


def _periods(grant) -> Iterator[dict]:
    """`periods`, one at a time (who looks for the first of them need not make the rest)."""
    start, number = grant.start_date, 1
    end_of_grant = add_months(grant.start_date, grant.duration_months)
    while start < end_of_grant:
        end = min(add_months(start, grant.period_months), end_of_grant)
        yield {
            "number": number,
            "start": start,
            "end": end - timedelta(days=1),
            "due": end - timedelta(days=1) + timedelta(days=REPORT_DUE_DAYS),
            "kind": ReportKind.FINAL if end == end_of_grant else ReportKind.PERIODIC,
        }
        start, number = end, number + 1


def current_report(grant: Grant, period: int) -> Report | None:
    versions = [r for r in grant.reports if r.period == period]
    return versions[-1] if versions else None


def next_due(grant: Grant) -> dict | None:
    """The first period whose report is not accepted and not waiting for a decision."""
    for period in _periods(grant):
        report = current_report(grant, period["number"])
        if report is None or report.state == ReportState.CHANGES_REQUESTED:
            return {**period, "returned": report is not None}
    return None


def next_due_from(grant, reports: list) -> dict | None:
    """`next_due` over rows already read: `grant` with its start date, duration and period
    (a Grant or a row), `reports` its reports' rows (period, version, state)."""
    latest = {}
    for r in reports:
        if r.period not in latest or r.version > latest[r.period].version:
            latest[r.period] = r
    for period in _periods(grant):
        report = latest.get(period["number"])
        if report is None or report.state == ReportState.CHANGES_REQUESTED:
            return {**period, "returned": report is not None}
    return None


@refusing
def submit_report(grant: Grant, period: int, content: dict, costs: Decimal, actor) -> Report:
    from grants.projects.permissions import can_report

    if not can_report(actor, grant):
        raise ProjectError("Only the coordinator's members submit reports.")
    if grant.status != GrantStatus.RUNNING:
        raise ProjectError("Reports are submitted while the project runs.")
    known = {p["number"]: p for p in periods(grant)}
    if period not in known:
        raise ProjectError("There is no such reporting period.", {"period": ["Unknown."]})
    if costs < 0 or costs != costs.quantize(Decimal("0.01")):
        raise ProjectError("Costs are positive amounts in cents.", {"costs": ["Check the amount."]})
    previous = current_report(grant, period)
    if previous is not None and previous.state != ReportState.CHANGES_REQUESTED:
        raise ProjectError("This period's report is already submitted.")
    earlier = [p for p in known if p < period]
    for number in earlier:
        report = current_report(grant, number)
        if report is None or report.state != ReportState.ACCEPTED:
            raise ProjectError("The reports of earlier periods come first.")
    report = Report(
        grant=grant,
        kind=known[period]["kind"],
        period=period,
        version=(previous.version + 1) if previous else 1,
        content=content,
        costs=costs,
        submitted_by_id=actor.id,
    )
    db.session.add(report)
    db.session.flush()
    audit.record(
        "grant",
        grant.id,
        "submit-report",
        f"Report for period {period} (version {report.version}) submitted",
        actor=actor,
    )
    tell(
        grant,
        managers(),
        "project.report_submitted",
        f"{grant.acronym or grant.agreement_number}: report {period} to review",
        key=f"{period}-{report.version}",
    )
    db.session.commit()
    return report


@refusing
def accept_report(report: Report, actor) -> Payment | None:
    from grants.projects.permissions import can_manage

    if not can_manage(actor):
        raise ProjectError("Only a programme manager accepts reports.")
    if report.state != ReportState.SUBMITTED:
        raise ProjectError("Only a report waiting for a decision can be accepted.")
    grant = report.grant
    report.state, report.decided_at = ReportState.ACCEPTED, clock.now()
    from grants.projects.progress import mark_done

    mark_done(grant, report.content.get("done") or [], report.period)
    terms, paid = terms_of(grant), paid_total(grant)
    if report.kind == ReportKind.PERIODIC:
        payment = _pay(grant, "interim", rules.interim(terms, paid, report.costs), report)
    else:
        payment = _pay(grant, "balance", rules.balance(terms, paid, accepted_costs(grant)), report)
    audit.record(
        "grant",
        grant.id,
        "accept-report",
        f"Report for period {report.period} accepted; {payment.kind} {eur(payment.amount)}",
        actor=actor,
    )
    tell(
        grant,
        coordinator_members(grant),
        "project.report_decided",
        f"Report {report.period} of {grant.agreement_number} accepted",
        key=f"{report.id}",
    )
    db.session.flush()
    sync_portfolio(grant)
    db.session.commit()
    return payment


@refusing
def request_changes(report: Report, comment: str, actor) -> None:
    from grants.projects.permissions import can_manage

    if not can_manage(actor):
        raise ProjectError("Only a programme manager returns reports.")
    if report.state != ReportState.SUBMITTED:
        raise ProjectError("Only a report waiting for a decision can be returned.")
    if not comment.strip():
        raise ProjectError("Say what must change.", {"comment": ["Required."]})
    report.state, report.decided_at, report.comment = (
        ReportState.CHANGES_REQUESTED,
        clock.now(),
        comment.strip()[:5000],
    )
    audit.record(
        "grant",
        report.grant_id,
        "return-report",
        f"Report for period {report.period} returned: {comment.strip()[:200]}",
        actor=actor,
    )
    tell(
        report.grant,
        coordinator_members(report.grant),
        "project.report_decided",
        f"Changes asked to report {report.period} of {report.grant.agreement_number}",
        key=f"{report.id}",
    )
    db.session.commit()


def accepted_costs(grant: Grant) -> Decimal:
    return sum((r.costs for r in grant.reports if r.state == ReportState.ACCEPTED), Decimal(0))


def paid_total(grant: Grant) -> Decimal:
    return sum((p.amount for p in grant.payments), Decimal(0))


def _pay(grant: Grant, kind: str, amount: Decimal, report: Report | None) -> Payment:
    payment = Payment(
        grant=grant, kind=kind, amount=amount, report_id=report.id if report else None
    )
    db.session.add(payment)
    return payment


# Notices -------------------------------------------------------------------------------------


def _link(grant: Grant) -> str:
    try:
        return absolute_url("projects.view", grant_id=grant.id)
    except Exception:  # before the blueprint exists (CLI without routes)
        return ""


def coordinator_members(grant: Grant) -> list:
    from grants.accounts.models import Organisation

    return list(db.session.get(Organisation, grant.organisation_id).members)


def managers() -> list:
    from grants.accounts.models import RoleName
    from grants.jobs.reminders import users_with_roles

    return list(users_with_roles(RoleName.PROGRAMME_MANAGER, RoleName.ADMIN))


def tell(grant: Grant, recipients: list, code: str, subject: str, key: str = "") -> None:
    """One notice (in the app and by mail, by preference) about `grant` to `recipients`:
    `coordinator_members(grant)` or `managers()`."""
    notify(
        code,
        recipients,
        grant,
        subject=subject,
        link=_link(grant),
        key=key,
        template="mail/project_notice.txt",
        grant=grant,
    )
