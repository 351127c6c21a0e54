"""Amendments of a running grant: the coordinator asks for a change (the end date, a budget
transfer beyond the flexibility, the consortium, the work plan) with a reason; a programme
manager approves or refuses it. The part of the grant a request changes is kept as it was
and as asked, with the differences in words; approved, the asked version becomes current and
the earlier one stays in the amendment, so the project keeps its history."""

from __future__ import annotations

import copy
from datetime import timedelta
from decimal import Decimal, InvalidOperation
from types import SimpleNamespace

import pycountry
from sqlalchemy import func, select

from grants import clock
from grants.accounts.models import OrganisationType
from grants.audit import services as audit
from grants.extensions import db
from grants.formatting import eur
from grants.projects import services
from grants.projects.models import (
    Amendment,
    AmendmentKind,
    AmendmentState,
    Grant,
    GrantStatus,
    ReportKind,
)
from grants.projects.progress import ITEM_PARTS
from grants.projects.services import ProjectError, refusing

FLEXIBILITY = Decimal("0.20")  # a transfer up to 20 % of the receiving category needs none
CEILING = Decimal("1e12")  # above any budget: bounds what Decimal is asked to round

TRANSITIONS: dict[tuple[AmendmentState, AmendmentState], str] = {
    (AmendmentState.REQUESTED, AmendmentState.APPROVED): "approve-amendment",
    (AmendmentState.REQUESTED, AmendmentState.REFUSED): "refuse-amendment",
}


def end_date(grant: Grant, duration_months: int | None = None):
    months = grant.duration_months if duration_months is None else duration_months
    return services.add_months(grant.start_date, months) - timedelta(days=1)


def pending(grant: Grant) -> Amendment | None:
    return next((a for a in grant.amendments if a.state == AmendmentState.REQUESTED), None)


def version(grant: Grant) -> int:
    """The grant's current version: 1 as signed, one more per approved amendment."""
    return 1 + sum(1 for a in grant.amendments if a.state == AmendmentState.APPROVED)


def _eur(amount) -> str:
    return eur(Decimal(amount))


# What each kind of request changes: (before, after, changes in words) or problems ----------


def _end_date(grant: Grant, values: dict) -> tuple[dict, dict, list[dict]]:
    months = values.get("duration_months")
    if not isinstance(months, int) or not 1 <= months <= 120:
        raise ProjectError("Check the duration.", {"duration_months": ["1 to 120 months."]})
    if months == grant.duration_months:
        raise ProjectError(
            "Nothing changes.", {"duration_months": ["This is the current duration."]}
        )
    new_end = end_date(grant, months)
    if new_end < clock.to_brussels(clock.now()).date():
        raise ProjectError(
            "The project cannot end in the past.",
            {"duration_months": [f"That ends on {new_end:%d %B %Y}, which is past."]},
        )
    if any(r.kind == ReportKind.FINAL for r in grant.reports):
        raise ProjectError(
            "The final report is submitted: the end date no longer changes.",
            {"duration_months": ["The final report is submitted."]},
        )
    changed = {**_columns(grant), "duration_months": months}
    new_periods = {p["number"]: p["end"] for p in services.periods(SimpleNamespace(**changed))}
    for period in services.periods(grant):
        reported = services.current_report(grant, period["number"]) is not None
        if reported and new_periods.get(period["number"]) != period["end"]:
            raise ProjectError(
                "The reported periods must stay as they are.",
                {"duration_months": [f"Period {period['number']} is already reported."]},
            )
    before, after = {"duration_months": grant.duration_months}, {"duration_months": months}
    return (
        before,
        after,
        [
            {
                "what": "End date",
                "before": f"{end_date(grant):%d %B %Y}",
                "after": f"{new_end:%d %B %Y}",
            },
            {
                "what": "Duration",
                "before": f"{grant.duration_months} months",
                "after": f"{months} months",
            },
        ],
    )


def _columns(grant: Grant) -> dict:
    return {
        "start_date": grant.start_date,
        "duration_months": grant.duration_months,
        "period_months": grant.period_months,
    }


def _amount(raw) -> Decimal | None:
    try:
        amount = Decimal(str(raw).strip().replace(",", ""))
    except InvalidOperation:
        return None
    if not amount.is_finite() or not 0 < amount < CEILING:
        return None
    if amount != amount.quantize(Decimal("0.01")):
        return None
    return amount


def _budget_transfer(grant: Grant, values: dict) -> tuple[dict, dict, list[dict]]:
    budget = {k: Decimal(v) for k, v in (grant.work_plan.get("budget") or {}).items()}
    source, target = values.get("source", ""), values.get("target", "")
    problems: dict[str, list[str]] = {}
    if source not in budget:
        problems["source"] = ["Choose a category of the budget."]
    if target not in budget:
        problems["target"] = ["Choose a category of the budget."]
    elif target == source:
        problems["target"] = ["Choose another category than the one the money leaves."]
    amount = _amount(values.get("amount", ""))
    if amount is None:
        problems["amount"] = ["An amount above 0, in euros and cents."]
    if problems:
        raise ProjectError("Check the transfer.", problems)
    if amount > budget[source]:
        raise ProjectError(
            "Check the transfer.",
            {"amount": [f"The category has {_eur(budget[source])}."]},
        )
    free = services.rules.cents(budget[target] * FLEXIBILITY)
    if amount <= free:
        raise ProjectError(
            "This transfer needs no amendment.",
            {
                "amount": [
                    f"Up to {_eur(free)} (20 % of the category it goes to) moves without an "
                    "amendment: report the costs where they were incurred."
                ]
            },
        )
    after = {**budget, source: budget[source] - amount, target: budget[target] + amount}
    as_text = {k: f"{v:.2f}" for k, v in after.items()}
    return (
        {"budget": dict(grant.work_plan.get("budget") or {})},
        {"budget": as_text},
        [
            {"what": f"Budget: {c}", "before": _eur(budget[c]), "after": _eur(after[c])}
            for c in (source, target)
        ],
    )


def _partner(p: dict) -> str:
    return f"{p.get('name', '')} ({p.get('country', '')}, {p.get('type', '')})"


def _consortium(grant: Grant, values: dict) -> tuple[dict, dict, list[dict]]:
    consortium = list(grant.work_plan.get("consortium") or [])
    after = copy.deepcopy(consortium)
    if values.get("action") == "remove":
        index = values.get("partner")
        if not isinstance(index, int) or not 0 <= index < len(consortium):
            raise ProjectError("Check the partner.", {"partner": ["Choose a partner."]})
        if consortium[index].get("role") == "coordinator" or index == 0:
            raise ProjectError(
                "The coordinator stays.", {"partner": ["The coordinator cannot leave."]}
            )
        removed = after.pop(index)
        change = {"what": "Partner removed", "before": _partner(removed), "after": "–"}
    elif values.get("action") == "add":
        name = (values.get("name") or "").strip()
        country = (values.get("country") or "").strip().upper()
        kind = values.get("type") or ""
        problems: dict[str, list[str]] = {}
        if not name:
            problems["name"] = ["Give the organisation's name."]
        elif len(name) > 200:
            problems["name"] = ["200 characters at most."]
        elif any(p.get("name", "").lower() == name.lower() for p in consortium):
            problems["name"] = ["This organisation is already in the consortium."]
        if len(country) != 2 or pycountry.countries.get(alpha_2=country) is None:
            problems["country"] = ["A country code of two letters (ISO 3166), e.g. FR."]
        if kind not in {t.value for t in OrganisationType}:
            problems["type"] = ["Choose the type of organisation."]
        if problems:
            raise ProjectError("Check the new partner.", problems)
        added = {"name": name, "country": country, "type": kind, "role": "partner"}
        added["organisation_id"] = None
        after.append(added)
        change = {"what": "Partner added", "before": "–", "after": _partner(added)}
    else:
        raise ProjectError("Check the change.", {"action": ["Add or remove a partner."]})
    return {"consortium": consortium}, {"consortium": after}, [change]


def _work_plan(grant: Grant, values: dict) -> tuple[dict, dict, list[dict]]:
    part, _, position = (values.get("item") or "").partition(":")
    items = list(grant.work_plan.get(part) or []) if part in ITEM_PARTS else []
    if not position.isdigit() or int(position) >= len(items):
        raise ProjectError("Check the change.", {"item": ["Choose a deliverable or milestone."]})
    index = int(position)
    title = (values.get("title") or "").strip()
    month = values.get("month")
    problems: dict[str, list[str]] = {}
    if not title or len(title) > 300:
        problems["title"] = ["A title of 1 to 300 characters."]
    if not isinstance(month, int) or not 1 <= month <= grant.duration_months:
        problems["month"] = [f"A month of the project: 1 to {grant.duration_months}."]
    if problems:
        raise ProjectError("Check the change.", problems)
    old = items[index]
    if old.get("title") == title and old.get("month") == month:
        raise ProjectError("Nothing changes.", {"title": ["Change the title or the month."]})
    after = copy.deepcopy(items)
    after[index] = {**old, "title": title, "month": month}
    label = "Deliverable" if part == "deliverables" else "Milestone"
    changes = []
    if old.get("title") != title:
        changes.append({"what": f"{label} title", "before": old.get("title"), "after": title})
    if old.get("month") != month:
        changes.append(
            {
                "what": f"{label} “{title}”: due month",
                "before": str(old.get("month") or "–"),
                "after": str(month),
            }
        )
    return {part: items}, {part: after}, changes


PROPOSE = {
    AmendmentKind.END_DATE: _end_date,
    AmendmentKind.BUDGET_TRANSFER: _budget_transfer,
    AmendmentKind.CONSORTIUM: _consortium,
    AmendmentKind.WORK_PLAN: _work_plan,
}


# Requests and decisions ----------------------------------------------------------------------


@refusing
def request(grant: Grant, kind: AmendmentKind, values: dict, reason: str, actor) -> Amendment:
    from grants.projects.permissions import can_report

    if not can_report(actor, grant):
        raise ProjectError("Only the coordinator's members ask for an amendment.")
    if grant.status != GrantStatus.RUNNING:
        raise ProjectError("Amendments are asked while the project runs.")
    if pending(grant) is not None:
        raise ProjectError("An amendment is already waiting for a decision.")
    problems: dict[str, list[str]] = {}
    if not reason.strip():
        problems["reason"] = ["Say why the grant must change."]
    try:
        before, after, changes = PROPOSE[AmendmentKind(kind)](grant, values)
    except ProjectError as error:
        problems = {**error.problems, **problems}
        raise ProjectError(str(error), problems) from None
    if problems:
        raise ProjectError("Say why the grant must change.", problems)
    number = 1 + (
        db.session.scalar(select(func.max(Amendment.number)).where(Amendment.grant_id == grant.id))
        or 0
    )
    amendment = Amendment(
        grant=grant,
        number=number,
        kind=AmendmentKind(kind),
        reason=reason.strip()[:5000],
        before=before,
        after=after,
        changes=changes,
        requested_by_id=actor.id,
    )
    db.session.add(amendment)
    db.session.flush()
    audit.record(
        "grant",
        grant.id,
        "request-amendment",
        f"Amendment {number} asked ({amendment.kind.label.lower()}): {reason.strip()[:200]}",
        {"changes": changes},
        actor=actor,
    )
    services.tell(
        grant,
        services.managers(),
        "project.amendment_requested",
        f"{grant.acronym or grant.agreement_number}: amendment {number} to decide",
        key=str(number),
    )
    db.session.commit()
    return amendment


def _apply(grant: Grant, after: dict) -> None:
    if "duration_months" in after:
        grant.duration_months = after["duration_months"]
    parts = {k: v for k, v in after.items() if k != "duration_months"}
    if parts:
        grant.work_plan = {**grant.work_plan, **copy.deepcopy(parts)}


@refusing
def decide(amendment: Amendment, target: AmendmentState, comment: str, actor) -> Amendment:
    """The one writer of an amendment's state: guard, apply, audit, notice."""
    from grants.projects.permissions import can_manage

    target = AmendmentState(target)
    if (amendment.state, target) not in TRANSITIONS:
        raise ProjectError("This amendment is already decided.")
    if not can_manage(actor):
        raise ProjectError("Only a programme manager decides amendments.")
    grant = amendment.grant
    if target == AmendmentState.REFUSED and not comment.strip():
        raise ProjectError("Say why it is refused.", {"comment": ["Required to refuse."]})
    if target == AmendmentState.APPROVED:
        if grant.status != GrantStatus.RUNNING:
            raise ProjectError("Only a running project's amendments are approved.")
        current = {k: _current(grant, k) for k in amendment.before}
        if current != amendment.before:
            raise ProjectError("The grant changed since the request; ask for it again.")
        _apply(grant, amendment.after)
    amendment.state, amendment.decided_at = target, clock.now()
    amendment.decided_by_id, amendment.comment = actor.id, comment.strip()[:5000]
    word = "approved" if target == AmendmentState.APPROVED else "refused"
    audit.record(
        "grant",
        grant.id,
        TRANSITIONS[(AmendmentState.REQUESTED, target)],
        f"Amendment {amendment.number} {word}" + (f": {comment.strip()[:200]}" if comment else ""),
        {"state": [AmendmentState.REQUESTED.value, target.value], "changes": amendment.changes},
        actor=actor,
    )
    services.tell(
        grant,
        services.coordinator_members(grant),
        "project.amendment_decided",
        f"Amendment {amendment.number} of {grant.agreement_number} {word}",
        key=str(amendment.number),
    )
    db.session.flush()
    services.sync_portfolio(grant)
    db.session.commit()
    return amendment


def _current(grant: Grant, key: str):
    if key == "duration_months":
        return grant.duration_months
    return grant.work_plan.get(key)


def requested() -> list[dict]:
    """Amendments waiting for a manager, oldest first (one query)."""
    rows = db.session.execute(
        select(
            Amendment.id, Amendment.number, Amendment.kind, Grant.acronym, Grant.agreement_number
        )
        .join(Grant, Grant.id == Amendment.grant_id)
        .where(Amendment.state == AmendmentState.REQUESTED)
        .order_by(Amendment.requested_at)
    ).all()
    return [
        {
            "amendment_id": r.id,
            "number": r.number,
            "kind": r.kind.label,
            "label": r.acronym or r.agreement_number,
        }
        for r in rows
    ]
