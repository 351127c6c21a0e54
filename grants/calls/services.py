"""Operations on calls: the rules a call must satisfy, saving, the status transition, lists."""

from __future__ import annotations

import hashlib
import json
from collections.abc import Iterable
from dataclasses import dataclass
from datetime import timedelta
from decimal import Decimal

from sqlalchemy import select

from grants import clock
from grants.audit import services as audit
from grants.calls.models import Call, CallPhase, CallPriority, CallStatus, Criterion, Topic
from grants.calls.rules import CRITERIA_TOTAL, _add, check, fund_by_code
from grants.extensions import db
from grants.formatting import eur
from grants.taxonomy.models import Fund

# Plain values of a call, in the shape the form produces; also the audit diff and PDF hash.
SCALAR_FIELDS = (
    "reference",
    "title",
    "fund",
    "description",
    "opens_at",
    "deadline_at",
    "total_budget",
    "min_contribution",
    "max_contribution",
    "funding_rate",
    "max_duration_months",
    "eligible_org_types",
    "coordinator_countries",
    "partner_countries",
    "min_applicants",
    "min_countries",
    "section_limits",
    "required_annexes",
    "overall_threshold",
    "tie_break_rules",
    "evaluators_per_proposal",
    "aggregation",
    "alignment_use",
    "selection_policy",
    "reserve_size",
)
ALL_FIELDS = (*SCALAR_FIELDS, "topics", "criteria", "priorities")

# What may still change once a call is open (everything else is fixed so that every applicant
# answers the same call): wording, the number of evaluators, and a later deadline.
EDITABLE_WHILE_OPEN = {"title", "description", "deadline_at", "evaluators_per_proposal"}
EDITABLE_AFTER_DEADLINE = {"evaluators_per_proposal"}


class CallError(ValueError):
    """A rule of the calls domain refused an operation; `problems` ties messages to fields."""

    def __init__(self, message: str, problems: dict[str, list[str]] | None = None):
        super().__init__(message)
        self.problems = problems or {}


# Rules --------------------------------------------------------------------------------------


def publish_problems(call: Call) -> dict[str, list[str]]:
    """What stops a call from being published: its rules, completeness and a future deadline."""
    values = call_values(call)
    p = check(values)
    if not call.topics:
        _add(p, "topics", "Add at least one topic.")
    else:
        spent = sum((t.budget for t in call.topics), Decimal(0))
        if spent != call.total_budget:
            # Each topic's budget is what selection spends on it, so none may be left unassigned.
            _add(
                p,
                "topics",
                f"The topic budgets add up to {eur(spent)} but the total budget is "
                f"{eur(call.total_budget)}; they must be equal.",
            )
    if not call.criteria:
        _add(p, "criteria", "Add at least one award criterion.")
    elif call.max_points != CRITERIA_TOTAL:
        _add(
            p,
            "criteria",
            f"The criteria's maximum points add up to {call.max_points.normalize():f}; "
            "they must add up to 100.",
        )
    if not call.priorities:
        _add(p, "priorities", "Name at least one strategy priority with a weight.")
    if not call.eligible_org_types:
        _add(p, "eligible_org_types", "Choose at least one eligible type of organisation.")
    if not call.coordinator_countries:
        _add(p, "coordinator_countries", "List at least one country eligible for coordinators.")
    if call.deadline_at <= clock.now():
        _add(p, "deadline_at", "The deadline has passed; set a deadline in the future.")
    return p


# Plain values -------------------------------------------------------------------------------


def call_values(call: Call) -> dict:
    """The call as the plain values the form edits (amounts Decimal, times aware UTC)."""
    values = {f: getattr(call, f) for f in SCALAR_FIELDS if f != "fund"}
    values["fund"] = call.fund.code if call.fund else ""
    for key in ("aggregation", "alignment_use", "selection_policy"):
        values[key] = values[key].value if values[key] is not None else None
    values["eligible_org_types"] = list(call.eligible_org_types or [])
    values["coordinator_countries"] = list(call.coordinator_countries or [])
    values["partner_countries"] = list(call.partner_countries or [])
    values["section_limits"] = dict(call.section_limits or {})
    values["required_annexes"] = [dict(a) for a in call.required_annexes or []]
    values["tie_break_rules"] = list(call.tie_break_rules or [])
    values["topics"] = [
        {"code": t.code, "title": t.title, "budget": t.budget, "description": t.description}
        for t in call.topics
    ]
    values["criteria"] = [
        {
            "code": c.code,
            "label": c.label,
            "max_points": c.max_points,
            "threshold": c.threshold,
            "description": c.description,
        }
        for c in call.criteria
    ]
    values["priorities"] = {p.priority_code: p.weight for p in call.priorities}
    return values


def _normalised(values: dict) -> dict:
    """Values compared and stored the same way whatever their source (e.g. 90 == 90.00)."""
    out = dict(values)
    for key in ("opens_at", "deadline_at"):
        if out.get(key) is not None:
            out[key] = clock.as_utc(out[key]).replace(microsecond=0)
    for key in ("total_budget", "min_contribution", "max_contribution"):
        if out.get(key) is not None:
            out[key] = Decimal(out[key]).quantize(Decimal("0.01"))
    for key in ("funding_rate", "overall_threshold"):
        if out.get(key) is not None:
            out[key] = Decimal(out[key]).quantize(Decimal("0.01"))
    if out.get("topics") is not None:
        out["topics"] = [
            {**t, "budget": Decimal(t["budget"]).quantize(Decimal("0.01")),
             "description": t.get("description", "")}
            for t in out["topics"]
        ]  # fmt: skip
    if out.get("criteria") is not None:
        out["criteria"] = [
            {
                **c,
                "max_points": Decimal(c["max_points"]).quantize(Decimal("0.01")),
                "threshold": Decimal(c["threshold"]).quantize(Decimal("0.01")),
                "description": c.get("description", ""),
            }
            for c in out["criteria"]
        ]
    if out.get("priorities") is not None:
        out["priorities"] = {
            k: Decimal(v).quantize(Decimal("0.01")) for k, v in out["priorities"].items()
        }
    if out.get("title") is not None:
        out["title"] = out["title"].strip()
    return out


def content_hash(call: Call) -> str:
    """SHA-256 of everything the call document shows, for caching its PDF."""
    values = call_values(call)
    values["status"] = call.status.value
    return hashlib.sha256(
        json.dumps(values, sort_keys=True, default=str).encode("utf-8")
    ).hexdigest()


# Saving -------------------------------------------------------------------------------------


def _apply(call: Call, values: dict) -> None:
    for field in SCALAR_FIELDS:
        if field in values and field != "fund":
            setattr(call, field, values[field])
    if "fund" in values:
        call.fund = fund_by_code(values["fund"])
    if "topics" in values:
        call.topics = _merge(
            call.topics,
            values["topics"],
            lambda row: Topic(code=row["code"], title="", budget=Decimal(0)),
            ("title", "budget", "description"),
        )
    if "criteria" in values:
        call.criteria = _merge(
            call.criteria,
            values["criteria"],
            lambda row: Criterion(code=row["code"], label="", max_points=Decimal(1)),
            ("label", "max_points", "threshold", "description"),
        )
    if "priorities" in values:
        existing = {p.priority_code: p for p in call.priorities}
        rows = []
        for position, (code, weight) in enumerate(values["priorities"].items()):
            row = existing.get(code) or CallPriority(priority_code=code)
            row.weight, row.position = weight, position
            rows.append(row)
        call.priorities = rows


def _merge(current: Iterable, rows: list[dict], new, attributes: tuple[str, ...]) -> list:
    """Keep the rows whose code stays (their ids stay too), update them, add and drop others."""
    by_code = {item.code: item for item in current}
    result = []
    for position, row in enumerate(rows):
        item = by_code.get(row["code"]) or new(row)
        for attribute in attributes:
            setattr(item, attribute, row.get(attribute, getattr(item, attribute)))
        item.position = position
        result.append(item)
    return result


def create_call(values: dict, actor) -> Call:
    """Save a new draft call; raises CallError (nothing stored) if a rule is broken."""
    values = _normalised(values)
    problems = check(values)
    if db.session.scalar(select(Call.id).where(Call.reference == values.get("reference"))):
        _add(problems, "reference", "Another call already uses this reference.")
    if problems:
        raise CallError(_summary(problems), problems)
    call = Call(status=CallStatus.DRAFT, created_by_id=getattr(actor, "id", None))
    _apply(call, values)
    db.session.add(call)
    db.session.flush()
    audit.record(
        "call",
        call.id,
        "create",
        f"Call {call.reference} created as a draft",
        actor=actor,
    )
    db.session.commit()
    return call


def editable_fields(call: Call) -> set[str] | None:
    """The fields that may still change (None: all of them)."""
    phase = call.phase
    if phase in (CallPhase.DRAFT, CallPhase.UPCOMING):
        return None
    if phase == CallPhase.OPEN:
        return set(EDITABLE_WHILE_OPEN)
    if phase in (CallPhase.CLOSED, CallPhase.UNDER_EVALUATION):
        return set(EDITABLE_AFTER_DEADLINE)
    return set()


FIELD_LABELS = {
    "reference": "reference",
    "title": "title",
    "fund": "fund",
    "description": "description",
    "opens_at": "opening date",
    "deadline_at": "deadline",
    "total_budget": "total budget",
    "min_contribution": "minimum EU contribution",
    "max_contribution": "maximum EU contribution",
    "funding_rate": "funding rate",
    "max_duration_months": "maximum duration",
    "eligible_org_types": "eligible organisation types",
    "coordinator_countries": "coordinator countries",
    "partner_countries": "partner countries",
    "min_applicants": "minimum number of applicants",
    "min_countries": "minimum number of countries",
    "section_limits": "section limits",
    "required_annexes": "required annexes",
    "overall_threshold": "overall threshold",
    "tie_break_rules": "tie-break rules",
    "evaluators_per_proposal": "evaluators per proposal",
    "aggregation": "aggregation",
    "alignment_use": "use of priority alignment",
    "selection_policy": "selection policy",
    "reserve_size": "reserve list size",
    "topics": "topics",
    "criteria": "award criteria",
    "priorities": "priorities",
}


def update_call(call: Call, values: dict, actor) -> dict:
    """Save changes to a call within what its phase allows; returns the audit diff."""
    values = _normalised(values)
    before = _normalised(call_values(call))
    changed = {k for k in values if k in before and values[k] != before[k]}
    if not changed:
        return {}
    allowed = editable_fields(call)
    problems: dict[str, list[str]] = {}
    if allowed is not None:
        for field in sorted(changed - allowed):
            what = call.phase.label.lower()
            _add(
                problems,
                field,
                f"The {FIELD_LABELS[field]} cannot change while the call is {what}.",
            )
    if "deadline_at" in changed and call.phase == CallPhase.OPEN:
        if values["deadline_at"] < before["deadline_at"]:
            _add(
                problems,
                "deadline_at",
                "Once a call is open its deadline can only be extended, never brought forward.",
            )
        elif values["deadline_at"] <= clock.now():
            _add(problems, "deadline_at", "The new deadline must be in the future.")
    upcoming = call.status == CallStatus.PUBLISHED and call.phase == CallPhase.UPCOMING
    if upcoming and "deadline_at" in changed and values["deadline_at"] <= clock.now():
        _add(problems, "deadline_at", "The deadline of a published call must be in the future.")
    merged = {**before, **{k: values[k] for k in changed}}
    for field, messages in check(merged).items():
        for message in messages:
            _add(problems, field, message)
    if "reference" in changed and db.session.scalar(
        select(Call.id).where(Call.reference == values["reference"], Call.id != call.id)
    ):
        _add(problems, "reference", "Another call already uses this reference.")
    if problems:
        raise CallError(_summary(problems), problems)
    changes = audit.diff({k: before[k] for k in changed}, {k: values[k] for k in changed})
    _apply(call, {k: values[k] for k in changed})
    action = "update"
    summary = (
        f"Call {call.reference} updated: {', '.join(FIELD_LABELS[k] for k in sorted(changed))}"
    )
    if "deadline_at" in changed and call.status != CallStatus.DRAFT:
        action = "extend-deadline" if values["deadline_at"] > before["deadline_at"] else action
        summary += f"; deadline now {clock.format_in_zone(values['deadline_at'])}"
    audit.record("call", call.id, action, summary, changes, actor=actor)
    db.session.commit()
    return changes


def _summary(problems: dict[str, list[str]]) -> str:
    return " ".join(m for messages in problems.values() for m in messages)[:2000]


# The status transition ----------------------------------------------------------------------

TRANSITIONS: dict[tuple[CallStatus, CallStatus], str] = {
    (CallStatus.DRAFT, CallStatus.PUBLISHED): "publish",
    (CallStatus.PUBLISHED, CallStatus.CLOSED): "close",
    (CallStatus.PUBLISHED, CallStatus.UNDER_EVALUATION): "start-evaluation",
    (CallStatus.CLOSED, CallStatus.UNDER_EVALUATION): "start-evaluation",
    (CallStatus.UNDER_EVALUATION, CallStatus.RESULTS_PUBLISHED): "publish-results",
}

ACTION_LABELS = {
    CallStatus.PUBLISHED: "Publish",
    CallStatus.CLOSED: "Close",
    CallStatus.UNDER_EVALUATION: "Start the evaluation",
    CallStatus.RESULTS_PUBLISHED: "Publish the results",
}


# Status changes that cannot be undone, and the question asked before them.
CONFIRM_FIRST = {
    CallStatus.CLOSED: "Close {reference} now? Applicants can no longer submit or change "
    "proposals. This cannot be undone.",
    CallStatus.UNDER_EVALUATION: "Start the evaluation of {reference}? Its proposals go to the "
    "evaluators. This cannot be undone.",
}


RESULTS_FROM_RANKING = (
    "Results are published from the call's ranking page, once the ranking is finalised."
)


def guard(call: Call, target: CallStatus, results: bool = False) -> list[str]:
    """Why `call` cannot move to `target` now (empty: it can). Publishing the results is the
    review domain's step (it writes the letters); it says so with `results=True`."""
    target = CallStatus(target)
    if (call.status, target) not in TRANSITIONS:
        return [
            f"A call that is {call.status.value.replace('_', ' ')} cannot become "
            f"{target.value.replace('_', ' ')}."
        ]
    if target == CallStatus.PUBLISHED:
        return [m for messages in publish_problems(call).values() for m in messages]
    if target == CallStatus.RESULTS_PUBLISHED and not results:
        return [RESULTS_FROM_RANKING]
    early = call.status == CallStatus.PUBLISHED and clock.now() < call.deadline_at
    if target == CallStatus.UNDER_EVALUATION and early:
        return ["The evaluation can start only after the deadline, or once the call is closed."]
    return []


def next_statuses(call: Call) -> list[CallStatus]:
    return [target for (source, target) in TRANSITIONS if source == call.status]


def transition(
    call: Call, target: CallStatus, actor, *, commit: bool = True, results: bool = False
) -> Call:
    """Move the call to `target` if the guard allows; logs it; raises CallError otherwise.
    `commit=False` leaves the commit to a caller that writes more in the same transaction."""
    target = CallStatus(target)
    refusals = guard(call, target, results)
    if refusals:
        raise CallError(" ".join(refusals))
    source = call.status
    moment = clock.now()
    call.status = target
    if target == CallStatus.PUBLISHED:
        call.published_at = moment
    summary = f"Call {call.reference}: {source.value} -> {target.value}"
    if source == CallStatus.PUBLISHED and target == CallStatus.CLOSED and moment < call.deadline_at:
        summary += f" (closed early, before the deadline {clock.format_in_zone(call.deadline_at)})"
    audit.record(
        "call",
        call.id,
        TRANSITIONS[(source, target)],
        summary,
        {"status": [source.value, target.value]},
        actor=actor,
    )
    if commit:
        db.session.commit()
    return call


# Reading ------------------------------------------------------------------------------------


@dataclass
class CallFilter:
    fund: str = ""
    priority: str = ""
    phase: str = ""


RECENTLY_CLOSED = timedelta(days=90)
PUBLIC_PHASES = (CallPhase.OPEN, CallPhase.UPCOMING, CallPhase.CLOSED)


def describe_tie_breaks(call: Call) -> list[str]:
    """The call's tie-break rules in words ("the higher score for Relevance"), not codes."""
    labels = {c.code: c.label for c in call.criteria}
    words = {
        "alignment": "the higher priority alignment",
        "eu_contribution_asc": "the smaller EU contribution",
        "eu_contribution_desc": "the larger EU contribution",
    }
    out = []
    for rule in call.tie_break_rules or ():
        if rule.startswith("criterion:"):
            code = rule.split(":", 1)[1]
            out.append(f"the higher score for {labels.get(code, code.replace('-', ' '))}")
        else:
            out.append(words.get(rule, rule.replace("_", " ")))
    return out


def public_calls(filters: CallFilter) -> dict[CallPhase, list[Call]]:
    """Open, upcoming and recently closed calls, filtered by fund and priority code.

    The "closed" filter lists every past call (its results included), newest first: past
    calls are how applicants learn what was funded.
    """
    now = clock.now()
    past_only = filters.phase == CallPhase.CLOSED.value
    stmt = select(Call).where(Call.status != CallStatus.DRAFT)
    if past_only:
        stmt = stmt.order_by(Call.deadline_at.desc(), Call.reference)
    else:
        stmt = stmt.where(Call.deadline_at >= now - RECENTLY_CLOSED).order_by(
            Call.deadline_at, Call.reference
        )
    if filters.fund:
        stmt = stmt.join(Fund, Fund.id == Call.fund_id).where(Fund.code == filters.fund)
    if filters.priority:
        stmt = stmt.where(Call.priorities.any(CallPriority.priority_code == filters.priority))
    groups: dict[CallPhase, list[Call]] = {phase: [] for phase in PUBLIC_PHASES}
    for call in db.session.scalars(stmt).unique():
        phase = call.phase_at(now)
        if phase in (CallPhase.UNDER_EVALUATION, CallPhase.RESULTS_PUBLISHED):
            phase = CallPhase.CLOSED
        if filters.phase and phase.value != filters.phase:
            continue
        groups[phase].append(call)
    return groups


def all_calls() -> list[Call]:
    return list(db.session.scalars(select(Call).order_by(Call.opens_at.desc(), Call.reference)))


def describe_countries(codes: Iterable[str]) -> str:
    """'EU Member States except Denmark' rather than 26 names, where a preset fits."""
    from grants.taxonomy.services import country_name, eu_members

    eu27 = eu_members()
    codes = set(codes or [])
    if not codes:
        return "none"
    parts = []
    rest = codes
    if codes >= eu27:
        parts.append("all EU Member States")
        rest = codes - eu27
    elif len(eu27 - codes) <= 3 and codes & eu27:
        missing = sorted(country_name(c) for c in eu27 - codes)
        parts.append("EU Member States except " + " and ".join(missing))
        rest = codes - eu27
    parts.extend(sorted(country_name(c) for c in rest))
    return ", ".join(parts)


remaining = clock.remaining
