"""The rules a saved call must meet: `check` gives {field: [message, ...]}."""

from __future__ import annotations

import re
from datetime import datetime
from decimal import Decimal

from sqlalchemy import select

from grants import clock
from grants.calls.models import Aggregation, AlignmentUse, SelectionPolicy
from grants.extensions import db
from grants.formatting import eur
from grants.taxonomy.models import Fund, Priority
from grants.taxonomy.services import is_country_code
from scoring.criteria import parse_tie_break

MAX_CALL_AMOUNT = Decimal("10000000000")  # EUR 10 billion: anything above is a typo
MAX_DESCRIPTION = 50_000
MAX_ROWS = 30
MIN_SECTION_LIMIT, MAX_SECTION_LIMIT = 100, 100_000  # characters of one limited text
REFERENCE_RE = re.compile(r"^[A-Z0-9][A-Z0-9-]{2,59}$")
CODE_RE = re.compile(r"^[a-z0-9][a-z0-9_-]{0,39}$")
TOPIC_CODE_RE = re.compile(r"^[A-Za-z0-9][A-Za-z0-9._-]{0,39}$")
EARLIEST = datetime(2000, 1, 1).replace(tzinfo=clock.BRUSSELS)
LATEST = datetime(2100, 1, 1).replace(tzinfo=clock.BRUSSELS)
CRITERIA_TOTAL = Decimal(100)


def _add(problems: dict, field: str, message: str) -> None:
    problems.setdefault(field, []).append(message)


def _check_amount(problems: dict, values: dict, field: str, label: str) -> Decimal | None:
    amount = values.get(field)
    if amount is None:
        return None
    if amount <= 0:
        _add(problems, field, f"{label} must be more than zero.")
        return None
    if amount > MAX_CALL_AMOUNT:
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
    so the form can show these messages beside its own. One function per group of rules, in
    the order the form shows the groups.
    """
    p: dict[str, list[str]] = {}
    _identity_rules(p, values)
    _date_rules(p, values)
    total = _money_rules(p, values)
    _eligibility_rules(p, values)
    _section_and_annex_rules(p, values)
    _topic_rules(p, values, total)
    criteria_codes = _criteria_rules(p, values)
    _priority_rules(p, values)
    _tie_break_rules(p, values, criteria_codes)
    _evaluation_rules(p, values)
    return p


def _identity_rules(p: dict, values: dict) -> None:
    """Reference, title, fund and description."""
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


def _date_rules(p: dict, values: dict) -> None:
    """The opening date and the deadline."""
    opens, deadline = values.get("opens_at"), values.get("deadline_at")
    for field, moment in (("opens_at", opens), ("deadline_at", deadline)):
        if moment is not None and not EARLIEST <= moment < LATEST:
            _add(p, field, "Enter a date between 2000 and 2099.")
    if opens is not None and deadline is not None and deadline <= opens:
        _add(p, "deadline_at", "The deadline must be after the opening date.")


def _money_rules(p: dict, values: dict) -> Decimal | None:
    """Budget, contribution range, funding rate and duration; returns the total budget."""
    total = _check_amount(p, values, "total_budget", "The total budget")
    low = _check_amount(p, values, "min_contribution", "The minimum EU contribution")
    high = _check_amount(p, values, "max_contribution", "The maximum EU contribution")
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
    return total


def _eligibility_rules(p: dict, values: dict) -> None:
    """Organisation types, eligible countries and the consortium's size."""
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


def _section_and_annex_rules(p: dict, values: dict) -> None:
    """The section limits and the required annexes."""
    limits = values.get("section_limits")
    if limits is not None:
        for code, limit in limits.items():
            if not CODE_RE.match(code):
                _add(p, "section_limits", f"Section code {code[:40]!r}: use a-z, 0-9, - and _.")
            if not MIN_SECTION_LIMIT <= limit <= MAX_SECTION_LIMIT:
                _add(p, "section_limits", f"Section {code[:40]}: 100 to 100 000 characters.")
    annexes = values.get("required_annexes")
    if annexes is not None:
        _rows(p, "required_annexes", annexes, "annex")
        for annex in annexes:
            if not CODE_RE.match(annex["code"]):
                _add(p, "required_annexes", f"Annex code {annex['code'][:40]!r}: use a-z, 0-9, -.")
            if not 1 <= len(annex["title"]) <= 200:
                _add(p, "required_annexes", "Each annex needs a title of up to 200 characters.")


def _topic_rules(p: dict, values: dict, total: Decimal | None) -> None:
    """The topics, each with its budget, which together fit in the total budget."""
    topics = values.get("topics")
    if topics is not None:
        _rows(p, "topics", topics, "topic")
        for topic in topics:
            if not TOPIC_CODE_RE.match(topic["code"]):
                _add(p, "topics", f"Topic code {topic['code'][:40]!r}: letters, digits, . - _.")
            if not 1 <= len(topic["title"]) <= 300:
                _add(p, "topics", "Each topic needs a title of up to 300 characters.")
            if not Decimal(0) < topic["budget"] <= MAX_CALL_AMOUNT:
                _add(p, "topics", f"Topic {topic['code'][:40]}: the budget must be above zero.")
        spent = sum((t["budget"] for t in topics), Decimal(0))
        if total is not None and spent > total:
            _add(
                p,
                "topics",
                f"The topic budgets add up to {eur(spent)}, more than the total budget "
                f"({eur(total)}).",
            )


def _criteria_rules(p: dict, values: dict) -> list[str] | None:
    """The award criteria and the overall threshold; returns the criteria's codes, or None
    when the criteria are not among the values."""
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
    return codes if criteria is not None else None


def _priority_rules(p: dict, values: dict) -> None:
    """The strategy priorities with their weights."""
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


def _tie_break_rules(p: dict, values: dict, criteria_codes: list[str] | None) -> None:
    """The tie-break rules, each naming a criterion of the call (any, when the criteria are
    not among the values)."""
    rules = values.get("tie_break_rules")
    if rules is not None:
        if len(set(rules)) != len(rules):
            _add(p, "tie_break_rules", "A tie-break rule appears twice.")
        for rule in rules:
            if rule.startswith("criterion:"):
                code = rule.split(":", 1)[1]
                if criteria_codes is not None and code not in criteria_codes:
                    _add(p, "tie_break_rules", f"The call has no criterion {code[:60]!r}.")
                continue
            try:
                parse_tie_break(rule, _ANY)
            except ValueError:
                _add(
                    p,
                    "tie_break_rules",
                    f"{rule[:60]!r} is an unknown tie-break rule: write the name of one of the "
                    "call's award criteria, Priority alignment, Smaller EU contribution first "
                    "or Larger EU contribution first.",
                )


def _evaluation_rules(p: dict, values: dict) -> None:
    """Evaluators per proposal, the reserve list and the choices of method."""
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


def fund_by_code(code: str) -> Fund | None:
    return db.session.scalar(select(Fund).where(Fund.code == code))
