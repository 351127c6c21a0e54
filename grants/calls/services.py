"""Operations on calls: the rules a call must satisfy, saving, the status transition, lists."""

from __future__ import annotations

import hashlib
import json
import re
from collections.abc import Iterable
from dataclasses import dataclass
from datetime import datetime, timedelta
from decimal import Decimal

from sqlalchemy import select

from grants import clock
from grants.audit import services as audit
from grants.calls.models import (
    Aggregation,
    AlignmentUse,
    Call,
    CallPhase,
    CallPriority,
    CallStatus,
    Criterion,
    SelectionPolicy,
    Topic,
)
from grants.extensions import db
from grants.taxonomy.models import Fund, Priority
from grants.taxonomy.services import is_country_code
from scoring.criteria import parse_tie_break

MAX_AMOUNT = Decimal("10000000000")  # EUR 10 billion: anything above is a typo
MAX_DESCRIPTION = 50_000
MAX_ROWS = 30
REFERENCE_RE = re.compile(r"^[A-Z0-9][A-Z0-9-]{2,59}$")
CODE_RE = re.compile(r"^[a-z0-9][a-z0-9_-]{0,39}$")
TOPIC_CODE_RE = re.compile(r"^[A-Za-z0-9][A-Za-z0-9._-]{0,39}$")
EARLIEST = datetime(2000, 1, 1).replace(tzinfo=clock.BRUSSELS)
LATEST = datetime(2100, 1, 1).replace(tzinfo=clock.BRUSSELS)
CRITERIA_TOTAL = Decimal(100)

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


def _add(problems: dict, field: str, message: str) -> None:
    problems.setdefault(field, []).append(message)


def _amount(problems: dict, values: dict, field: str, label: str) -> Decimal | None:
    amount = values.get(field)
    if amount is None:
        return None
    if amount <= 0:
        _add(problems, field, f"{label} must be more than zero.")
        return None
    if amount > MAX_AMOUNT:
        _add(problems, field, f"{label} cannot be more than EUR 10 000 000 000.")
        return None
    if amount != amount.quantize(Decimal("0.01")):
        _add(problems, field, f"{label} has at most two decimals (cents).")
        return None
    return amount


def _whole(problems, values, field, low, high, message) -> int | None:
    number = values.get(field)
    if number is None:
        return None
    if not low <= number <= high:
        _add(problems, field, message)
        return None
    return number


def check(values: dict) -> dict[str, list[str]]:
    """Every rule a saved call must meet, as {field: [message, ...]}.

    Keys missing from `values` or set to None (a field the form could not read) are skipped,
    so the form can show these messages beside its own.
    """
    p: dict[str, list[str]] = {}
    ref = values.get("reference")
    if ref is not None and not REFERENCE_RE.match(ref):
        _add(
            p,
            "reference",
            "Use 3 to 60 capital letters, digits and hyphens, e.g. AMIF-2024-TF2-AG-THB.",
        )
    title = values.get("title")
    if title is not None and not 5 <= len(title.strip()) <= 300:
        _add(p, "title", "The title needs 5 to 300 characters.")
    fund = values.get("fund")
    if fund is not None and fund_by_code(fund) is None:
        _add(p, "fund", "Choose a fund from the list.")
    description = values.get("description")
    if description is not None and len(description) > MAX_DESCRIPTION:
        _add(p, "description", f"The description is limited to {MAX_DESCRIPTION} characters.")

    opens, deadline = values.get("opens_at"), values.get("deadline_at")
    for field, moment in (("opens_at", opens), ("deadline_at", deadline)):
        if moment is not None and not EARLIEST <= moment < LATEST:
            _add(p, field, "Enter a date between 2000 and 2099.")
    if opens is not None and deadline is not None and deadline <= opens:
        _add(p, "deadline_at", "The deadline must be after the opening date.")

    total = _amount(p, values, "total_budget", "The total budget")
    low = _amount(p, values, "min_contribution", "The minimum EU contribution")
    high = _amount(p, values, "max_contribution", "The maximum EU contribution")
    if low is not None and high is not None and low > high:
        _add(p, "max_contribution", "The maximum EU contribution must not be below the minimum.")
    if high is not None and total is not None and high > total:
        _add(p, "max_contribution", "The maximum EU contribution cannot exceed the total budget.")
    rate = values.get("funding_rate")
    if rate is not None and not (Decimal(1) <= rate <= Decimal(100)):
        _add(p, "funding_rate", "The funding rate is a percentage from 1 to 100.")
    elif rate is not None and rate != rate.quantize(Decimal("0.01")):
        _add(p, "funding_rate", "The funding rate has at most two decimals.")
    _whole(
        p,
        values,
        "max_duration_months",
        1,
        120,
        "The maximum duration is 1 to 120 months.",
    )

    from grants.accounts.models import OrganisationType

    types = values.get("eligible_org_types")
    if types is not None:
        unknown = [t for t in types if t not in {o.value for o in OrganisationType}]
        if unknown:
            _add(p, "eligible_org_types", "Choose organisation types from the list.")
    for field in ("coordinator_countries", "partner_countries"):
        codes = values.get(field)
        if codes is None:
            continue
        wrong = [c for c in codes if not is_country_code(c)]
        if wrong:
            _add(
                p,
                field,
                "Not ISO 3166-1 country codes: " + ", ".join(wrong[:10])[:200] + ".",
            )
    applicants = _whole(
        p, values, "min_applicants", 1, 50, "The minimum number of applicants is 1 to 50."
    )
    countries = _whole(
        p, values, "min_countries", 1, 50, "The minimum number of countries is 1 to 50."
    )
    if applicants is not None and countries is not None and countries > applicants:
        _add(
            p,
            "min_countries",
            "A consortium cannot come from more countries than it has applicants: "
            f"at most {applicants}.",
        )
    eligible = set(values.get("coordinator_countries") or []) | set(
        values.get("partner_countries") or []
    )
    if countries is not None and eligible and countries > len(eligible):
        _add(
            p,
            "min_countries",
            f"Only {len(eligible)} countries are eligible, fewer than the {countries} required.",
        )

    limits = values.get("section_limits")
    if limits is not None:
        for code, limit in limits.items():
            if not CODE_RE.match(code):
                _add(p, "section_limits", f"Section code {code[:40]!r}: use a-z, 0-9, - and _.")
            if not 100 <= limit <= 100_000:
                _add(p, "section_limits", f"Section {code[:40]}: 100 to 100 000 characters.")
    annexes = values.get("required_annexes")
    if annexes is not None:
        _rows(p, "required_annexes", annexes, "annex")
        for annex in annexes:
            if not CODE_RE.match(annex["code"]):
                _add(p, "required_annexes", f"Annex code {annex['code'][:40]!r}: use a-z, 0-9, -.")
            if not 1 <= len(annex["title"]) <= 200:
                _add(p, "required_annexes", "Each annex needs a title of up to 200 characters.")

    topics = values.get("topics")
    if topics is not None:
        _rows(p, "topics", topics, "topic")
        for topic in topics:
            if not TOPIC_CODE_RE.match(topic["code"]):
                _add(p, "topics", f"Topic code {topic['code'][:40]!r}: letters, digits, . - _.")
            if not 1 <= len(topic["title"]) <= 300:
                _add(p, "topics", "Each topic needs a title of up to 300 characters.")
            if not Decimal(0) < topic["budget"] <= MAX_AMOUNT:
                _add(p, "topics", f"Topic {topic['code'][:40]}: the budget must be above zero.")
        spent = sum((t["budget"] for t in topics), Decimal(0))
        if total is not None and spent > total:
            _add(
                p,
                "topics",
                f"The topic budgets add up to {eur(spent)}, more than the total budget "
                f"({eur(total)}).",
            )

    criteria = values.get("criteria")
    codes: list[str] = []
    if criteria is not None:
        _rows(p, "criteria", criteria, "criterion")
        for c in criteria:
            codes.append(c["code"])
            if not CODE_RE.match(c["code"]):
                _add(p, "criteria", f"Criterion code {c['code'][:40]!r}: use a-z, 0-9, - and _.")
            if not 1 <= len(c["label"]) <= 200:
                _add(p, "criteria", "Each criterion needs a name of up to 200 characters.")
            if not Decimal(0) < c["max_points"] <= CRITERIA_TOTAL:
                _add(p, "criteria", f"Criterion {c['code'][:40]}: maximum points 1 to 100.")
            elif not Decimal(0) <= c["threshold"] <= c["max_points"]:
                _add(
                    p,
                    "criteria",
                    f"Criterion {c['code'][:40]}: the threshold must be between 0 and its "
                    "maximum points.",
                )
    threshold = values.get("overall_threshold")
    if threshold is not None:
        ceiling = (
            sum((c["max_points"] for c in criteria), Decimal(0)) if criteria else CRITERIA_TOTAL
        )
        if not Decimal(0) <= threshold <= ceiling:
            _add(
                p,
                "overall_threshold",
                f"The overall threshold must be between 0 and {ceiling.normalize():f} points.",
            )

    priorities = values.get("priorities")
    if priorities is not None:
        if len(priorities) > MAX_ROWS:
            _add(p, "priorities", f"At most {MAX_ROWS} priorities.")
        known = set(
            db.session.scalars(select(Priority.code).where(Priority.code.in_(list(priorities))))
        )
        for code, weight in priorities.items():
            if code not in known:
                _add(p, "priorities", f"{code[:40]!r} is not a strategy priority code.")
            if not Decimal(0) < weight <= Decimal(100):
                _add(p, "priorities", f"{code[:40]}: the weight must be above 0 and at most 100.")

    rules = values.get("tie_break_rules")
    if rules is not None:
        if len(set(rules)) != len(rules):
            _add(p, "tie_break_rules", "A tie-break rule appears twice.")
        for rule in rules:
            try:
                parse_tie_break(rule, codes if criteria is not None else _ANY)
            except ValueError as exc:
                _add(p, "tie_break_rules", str(exc)[:300] + ".")
    _whole(
        p,
        values,
        "evaluators_per_proposal",
        1,
        10,
        "Each proposal needs 1 to 10 evaluators.",
    )
    _whole(p, values, "reserve_size", 0, 50, "The reserve list holds 0 to 50 proposals.")
    for field, enum in (
        ("aggregation", Aggregation),
        ("alignment_use", AlignmentUse),
        ("selection_policy", SelectionPolicy),
    ):
        if values.get(field) is not None and values[field] not in {e.value for e in enum}:
            _add(p, field, "Choose a value from the list.")
    return p


class _AnyCode(set):
    def __contains__(self, item) -> bool:
        return True


_ANY = _AnyCode()


def _rows(problems: dict, field: str, rows: list[dict], what: str) -> None:
    if len(rows) > MAX_ROWS:
        _add(problems, field, f"At most {MAX_ROWS} lines.")
    codes = [r["code"] for r in rows]
    repeated = sorted({c for c in codes if codes.count(c) > 1})
    if repeated:
        _add(problems, field, f"Each {what} code may appear once: {', '.join(repeated)[:200]}.")


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


def fund_by_code(code: str) -> Fund | None:
    return db.session.scalar(select(Fund).where(Fund.code == code))


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


def eur(amount: Decimal | None) -> str:
    if amount is None:
        return ""
    return f"EUR {amount:,.2f}".replace(",", "\u202f")


EU27 = frozenset(
    "AT BE BG CY CZ DE DK EE ES FI FR GR HR HU IE IT LT LU LV MT NL PL PT RO SE SI SK".split()  # noqa: SIM905
)


def describe_countries(codes: Iterable[str]) -> str:
    """'EU Member States except Denmark' rather than 26 names, where a preset fits."""
    from grants.taxonomy.services import country_name

    codes = set(codes or [])
    if not codes:
        return "none"
    parts = []
    rest = codes
    if codes >= EU27:
        parts.append("all EU Member States")
        rest = codes - EU27
    elif len(EU27 - codes) <= 3 and codes & EU27:
        missing = sorted(country_name(c) for c in EU27 - codes)
        parts.append("EU Member States except " + " and ".join(missing))
        rest = codes - EU27
    parts.extend(sorted(country_name(c) for c in rest))
    return ", ".join(parts)


def remaining(deadline: datetime, moment: datetime | None = None) -> str:
    """'12 days 3 hours', '4 hours 5 minutes', 'less than a minute', or '' once passed."""
    left = clock.as_utc(deadline) - (moment or clock.now())
    seconds = int(left.total_seconds())
    if seconds <= 0:
        return ""
    days, seconds = divmod(seconds, 86400)
    hours, seconds = divmod(seconds, 3600)
    minutes = seconds // 60

    def unit(n: int, word: str) -> str:
        return f"{n} {word}{'' if n == 1 else 's'}"

    if days:
        return unit(days, "day") + (f" {unit(hours, 'hour')}" if hours else "")
    if hours:
        return unit(hours, "hour") + (f" {unit(minutes, 'minute')}" if minutes else "")
    if minutes:
        return unit(minutes, "minute")
    return "less than a minute"
