"""The rules a proposal is held to: completeness, admissibility and eligibility (the budget
maths they use is in budget.py), each failure explained in plain words and linked to the
section that fixes it."""

from __future__ import annotations

from dataclasses import dataclass
from decimal import Decimal

from grants.accounts.models import OrganisationType
from grants.calls.models import Call
from grants.formatting import count_of, eur
from grants.proposals import fields as F
from grants.proposals.budget import CENT, BudgetSummary, budget_summary
from grants.proposals.models import ItemKind, Partner, PartnerRole, Proposal
from grants.taxonomy.services import country_name

# (slug, title): the sections of the proposal form, in order.
SECTIONS = [
    ("summary", "Summary"),
    ("consortium", "Consortium"),
    ("relevance", "Relevance and objectives"),
    ("workplan", "Work plan"),
    ("targets", "Target groups, exploitation and countries"),
    ("priorities", "Strategy priorities"),
    ("results", "Expected results and indicators"),
    ("budget", "Budget"),
    ("annexes", "Annexes"),
]
SECTION_TITLES = dict(SECTIONS)


def percent(value: Decimal) -> str:
    return f"{value.quantize(CENT):f} %"


@dataclass
class Check:
    """One rule applied to a proposal: `kind` is complete, admissibility or eligibility."""

    code: str
    section: str
    kind: str
    ok: bool
    message: str
    anchor: str = ""

    def as_dict(self) -> dict:
        # The fields by hand: dataclasses.asdict deep-copies each value, a cost on every submit.
        return {
            "code": self.code,
            "section": self.section,
            "kind": self.kind,
            "ok": self.ok,
            "message": self.message,
            "anchor": self.anchor,
        }


# Completeness: what is still missing ----------------------------------------------------


def _missing(section: str, code: str, message: str, anchor: str = "") -> Check:
    return Check(code, section, "complete", False, message, anchor)


def _is_empty(p: Proposal, f: F.Field) -> bool:
    value = getattr(p, f.name)
    if f.kind == F.TOPIC:
        return value is None and bool(p.call.topics)  # the call's topics read only if unset
    if f.kind in (F.LINE, F.TEXT):
        return not (value or "").strip()
    return not value


def missing_fields(p: Proposal, section: str) -> list[Check]:
    """The section's required fields of the field map that are empty."""
    return [
        _missing(section, f.check_code, f.missing, f.name)
        for f in F.section_fields(section)
        if f.missing and _is_empty(p, f)
    ]


def _missing_partners(p: Proposal) -> list[Check]:
    out = []
    others = [x for x in p.partners if x.role != PartnerRole.COORDINATOR]
    for i, partner in enumerate(others):
        gaps = [
            label
            for label, value in (
                ("name", partner.name),
                ("country", partner.country),
                ("type", partner.type),
            )
            if not (value or "").strip()
        ]
        if gaps:
            who = partner.name or f"Partner {i + 1}"
            out.append(
                _missing(
                    "consortium",
                    f"partner-{partner.id}",
                    f"{who}: give the {' and '.join(gaps)}.",
                    f"partners-{i}-name",
                )
            )
    return out


def _missing_work_packages(p: Proposal) -> list[Check]:
    out = []
    if not p.work_packages:
        out.append(_missing("workplan", "wp", "Add at least one work package.", "work-packages"))
    for i, wp in enumerate(p.work_packages):
        gaps = []
        if not wp.title.strip():
            gaps.append("a title")
        if not wp.description.strip():
            gaps.append("a description")
        if not wp.start_month or not wp.end_month:
            gaps.append("start and end months")
        if gaps:
            out.append(
                _missing(
                    "workplan",
                    f"wp-{wp.number}",
                    f"Work package {wp.number}: give {', '.join(gaps)}.",
                    f"work_packages-{i}-title",
                )
            )
    kinds = {item.kind for wp in p.work_packages for item in wp.items}
    if ItemKind.ACTIVITY not in kinds:
        out.append(_missing("workplan", "activity", "Add at least one activity.", "items"))
    if ItemKind.DELIVERABLE not in kinds:
        out.append(_missing("workplan", "deliverable", "Add at least one deliverable.", "items"))
    return out


def _missing_claims(p: Proposal) -> list[Check]:
    out = []
    if not p.claims:
        out.append(
            _missing(
                "priorities", "claims", "Claim at least one strategy priority.", "claims-0-claimed"
            )
        )
    for claim in p.claims:
        if not claim.justification.strip():
            out.append(
                _missing(
                    "priorities",
                    f"claim-{claim.priority_code}",
                    f"Justify the priority '{claim.priority_code}' you claim.",
                    f"justification-{claim.priority_code}",
                )
            )
    return out


def _missing_indicators(p: Proposal) -> list[Check]:
    out = []
    if not p.indicators:
        out.append(_missing("results", "indicators", "Add at least one indicator.", "indicators"))
    for i, ind in enumerate(p.indicators):
        gaps = [
            label
            for label, ok in (("a name", ind.name.strip()), ("a unit", ind.unit.strip()))
            if not ok
        ]
        if ind.target is None:
            gaps.append("a target")
        if gaps:
            out.append(
                _missing(
                    "results",
                    f"indicator-{ind.id}",
                    f"Indicator {i + 1}: give {', '.join(gaps)}.",
                    f"indicators-{i}-name",
                )
            )
    return out


def _missing_budget_lines(p: Proposal) -> list[Check]:
    out = []
    if not any((line.amount or 0) > 0 for line in p.budget_lines):
        out.append(
            _missing("budget", "budget", "Add the budget lines with their amounts.", "lines")
        )
    for i, line in enumerate(p.budget_lines):
        if not line.description.strip():
            out.append(
                _missing(
                    "budget",
                    f"line-{line.id}",
                    f"Budget line {i + 1}: describe what it pays for.",
                    f"lines-{i}-description",
                )
            )
    return out


def _missing_annexes(p: Proposal) -> list[Check]:
    present = {a.kind for a in p.current_annexes}
    return [
        _missing(
            "annexes",
            f"annex-{annex['code']}",
            f"Upload the required annex: {annex['title']} (PDF).",
            "file",
        )
        for annex in p.call.required_annexes or []
        if annex["code"] not in present
    ]


# Each section's rows, checked beside (rows, then fields) its fields of the field map.
MISSING_ROWS = {
    "consortium": (_missing_partners, False),
    "workplan": (_missing_work_packages, True),
    "priorities": (_missing_claims, True),
    "results": (_missing_indicators, False),
    "budget": (_missing_budget_lines, True),
    "annexes": (_missing_annexes, True),
}


def missing_items(proposal: Proposal) -> list[Check]:
    """Everything still to fill in, section by section; empty when the proposal is complete."""
    out: list[Check] = []
    for section, _ in SECTIONS:
        rows, fields_first = MISSING_ROWS.get(section, (None, True))
        own = missing_fields(proposal, section)
        found = rows(proposal) if rows else []
        out += own + found if fields_first else found + own
    return out


# Admissibility and eligibility ----------------------------------------------------------


def admissibility(proposal: Proposal, budget: BudgetSummary, missing: list[Check]) -> list[Check]:
    p = proposal
    return [
        *_completeness_check(missing),
        *_text_limit_checks(p),
        *_required_annex_check(p),
        *_indirect_cost_check(budget),
        *_schedule_check(p),
    ]


def _completeness_check(missing: list[Check]) -> list[Check]:
    """Admissible only when complete."""
    checks = []
    if missing:
        checks.append(
            Check(
                "complete",
                "summary",
                "admissibility",
                False,
                f"The proposal is incomplete: {count_of(len(missing), 'item')} "
                f"{'is' if len(missing) == 1 else 'are'} missing "
                f"({'; '.join(m.message for m in missing[:5])}).",
            )
        )
    else:
        checks.append(
            Check("complete", "summary", "admissibility", True, "Every section is complete.")
        )
    return checks


def _text_limit_checks(p: Proposal) -> list[Check]:
    """Each text within the call's limit for it."""
    checks = []
    limits = p.call.section_limits or {}
    for text_limit in F.limits():
        key, fields, section = text_limit.key, text_limit.fields, text_limit.section
        limit = limits.get(key)
        if not limit:
            continue
        length = sum(len(getattr(p, f) or "") for f in fields)
        label = text_limit.label
        ok = length <= int(limit)
        message = (
            f"{label} has {length:,} characters, within the limit of {int(limit):,}."
            if ok
            else f"{label} has {length:,} characters; the call allows at most {int(limit):,}. "
            f"Shorten it by {length - int(limit):,} characters."
        )
        checks.append(
            Check(
                f"limit-{key}", section, "admissibility", ok, message.replace(",", " "), fields[0]
            )
        )
    return checks


def _required_annex_check(p: Proposal) -> list[Check]:
    """Every annex the call requires is attached."""
    checks = []
    present = {a.kind for a in p.current_annexes}
    absent = [a["title"] for a in (p.call.required_annexes or []) if a["code"] not in present]
    checks.append(
        Check(
            "annexes",
            "annexes",
            "admissibility",
            not absent,
            "Every required annex is attached."
            if not absent
            else "Required annexes are missing: " + "; ".join(absent) + ".",
            "file",
        )
    )
    return checks


def _indirect_cost_check(budget: BudgetSummary) -> list[Check]:
    """Indirect costs at most 7 % of the direct costs."""
    checks = []
    if budget.indirect_over:
        checks.append(
            Check(
                "indirect",
                "budget",
                "admissibility",
                False,
                f"Indirect costs are {eur(budget.indirect)}, which is "
                f"{percent(budget.indirect_share)} of the direct costs of {eur(budget.direct)}; "
                f"at most 7 % ({eur(budget.indirect_limit)}) is allowed. Lower them by "
                f"{eur(budget.indirect - budget.indirect_limit)}.",
                "lines",
            )
        )
    else:
        checks.append(
            Check(
                "indirect",
                "budget",
                "admissibility",
                True,
                f"Indirect costs ({eur(budget.indirect)}) are within 7 % of the direct costs "
                f"({eur(budget.direct)}).",
                "lines",
            )
        )
    return checks


def _schedule_check(p: Proposal) -> list[Check]:
    """The work plan ends within the project's duration."""
    checks = []
    late = []
    duration = p.duration_months or 0
    for wp in p.work_packages:
        if duration and wp.end_month and wp.end_month > duration:
            late.append(f"work package {wp.number} ends in month {wp.end_month}")
        for item in wp.items:
            if duration and item.month and item.month > duration:
                late.append(f"'{item.title[:60]}' is due in month {item.month}")
    checks.append(
        Check(
            "schedule",
            "workplan",
            "admissibility",
            not late,
            "The work plan fits within the duration of the project."
            if not late
            else f"The project lasts {duration} months, but " + "; ".join(late) + ".",
            "work-packages",
        )
    )
    return checks


def _types_label(values: list[str]) -> str:
    labels = []
    for value in values:
        try:
            labels.append(OrganisationType(value).label)
        except ValueError:
            labels.append(value)
    return ", ".join(labels)


def eligibility(proposal: Proposal, budget: BudgetSummary) -> list[Check]:
    p, call = proposal, proposal.call
    applicants = [p_ for p_ in p.partners if p_.role != PartnerRole.ASSOCIATED]
    return [
        *_org_type_checks(call, applicants),
        *_country_checks(p, call, applicants),
        *_consortium_checks(call, applicants),
        *_contribution_checks(call, budget),
        *_duration_checks(p, call),
    ]


def _org_type_checks(call: Call, applicants: list[Partner]) -> list[Check]:
    """Every applicant of a type the call funds."""
    checks = []
    allowed_types = list(call.eligible_org_types or [])
    if allowed_types:
        wrong = [a for a in applicants if a.type not in allowed_types]
        checks.append(
            Check(
                "org-types",
                "consortium",
                "eligibility",
                not wrong,
                "Every applicant is of a type the call funds."
                if not wrong
                else "; ".join(
                    f"{a.name} is a {a.type_label or 'organisation of no type'}" for a in wrong
                )
                + f". This call funds only: {_types_label(allowed_types)}. Make them associated "
                "partners or replace them.",
                "partners",
            )
        )
    return checks


def _country_checks(p: Proposal, call: Call, applicants: list[Partner]) -> list[Check]:
    """The coordinator and the partners from participating countries."""
    checks = []
    coordinator = p.coordinator
    allowed = set(call.coordinator_countries or [])
    if allowed and coordinator is not None:
        ok = coordinator.country in allowed
        checks.append(
            Check(
                "coordinator-country",
                "consortium",
                "eligibility",
                ok,
                f"The coordinator is established in {country_name(coordinator.country)}, "
                + ("a participating country." if ok else "which does not take part in this call."),
                "partners",
            )
        )
    allowed = set(call.partner_countries or [])
    if allowed:
        wrong = [
            a for a in applicants if a.role == PartnerRole.PARTNER and a.country not in allowed
        ]
        checks.append(
            Check(
                "partner-countries",
                "consortium",
                "eligibility",
                not wrong,
                "Every partner is established in a participating country."
                if not wrong
                else "; ".join(
                    f"{a.name} is established in {country_name(a.country) or 'no country'}"
                    for a in wrong
                )
                + ", which does not take part in this call (associated partners may come "
                "from elsewhere).",
                "partners",
            )
        )
    return checks


def _consortium_checks(call: Call, applicants: list[Partner]) -> list[Check]:
    """Enough applicants from enough countries."""
    checks = []
    countries = sorted({a.country for a in applicants if a.country})
    need_applicants, need_countries = call.min_applicants or 1, call.min_countries or 1
    ok = len(applicants) >= need_applicants and len(countries) >= need_countries
    checks.append(
        Check(
            "consortium",
            "consortium",
            "eligibility",
            ok,
            f"The call requires at least {count_of(need_applicants, 'applicant')} from "
            f"{count_of(need_countries, 'different country', 'different countries')}; the "
            f"consortium has {count_of(len(applicants), 'applicant')} from "
            f"{count_of(len(countries), 'country', 'countries')}"
            + (f" ({', '.join(countries)})" if countries else "")
            + ("." if ok else ". Add partners (associated partners do not count)."),
            "partners",
        )
    )
    return checks


def _contribution_checks(call: Call, budget: BudgetSummary) -> list[Check]:
    """The EU contribution within the call's range."""
    checks = []
    low, high = Decimal(call.min_contribution), Decimal(call.max_contribution)
    amount = budget.eu_contribution
    ok = low <= amount <= high
    basis = (
        f"The EU contribution is {eur(amount)} ({percent(budget.funding_rate)} of eligible "
        f"costs of {eur(budget.eligible)})"
    )
    if ok:
        message = f"{basis}, within the call's range of {eur(low)} to {eur(high)}."
    elif amount < low:
        message = f"{basis}, below the call's minimum of {eur(low)}."
    else:
        message = f"{basis}, above the call's maximum of {eur(high)}."
    checks.append(Check("contribution", "budget", "eligibility", ok, message, "lines"))
    return checks


def _duration_checks(p: Proposal, call: Call) -> list[Check]:
    """The duration given and within the call's maximum."""
    checks = []
    duration, maximum = p.duration_months, call.max_duration_months
    ok = bool(duration) and 1 <= duration <= maximum
    checks.append(
        Check(
            "duration",
            "summary",
            "eligibility",
            ok,
            f"The project lasts {duration} months; the call allows at most {maximum}."
            if duration
            else f"Give the duration; the call allows at most {maximum} months.",
            "duration_months",
        )
    )
    return checks


@dataclass
class CheckReport:
    missing: list[Check]
    admissibility: list[Check]
    eligibility: list[Check]
    budget: BudgetSummary

    @property
    def complete(self) -> bool:
        return not self.missing

    @property
    def admissible(self) -> bool:
        return all(c.ok for c in self.admissibility)

    @property
    def eligible(self) -> bool:
        return all(c.ok for c in self.eligibility)

    @property
    def recorded(self) -> list[dict]:
        return [c.as_dict() for c in self.admissibility + self.eligibility]

    @property
    def problems(self) -> list[Check]:
        return [c for c in self.admissibility + self.eligibility if not c.ok]

    def sections(self) -> list[dict]:
        """The checklist: per section, what is missing and what breaks a rule."""
        out = []
        for slug, title in SECTIONS:
            missing = [c for c in self.missing if c.section == slug]
            problems = [c for c in self.problems if c.section == slug and c.code != "complete"]
            out.append({"slug": slug, "title": title, "missing": missing, "problems": problems})
        return out


def check(proposal: Proposal) -> CheckReport:
    budget = budget_summary(proposal)
    missing = missing_items(proposal)
    return CheckReport(
        missing, admissibility(proposal, budget, missing), eligibility(proposal, budget), budget
    )
