"""Priority alignment: a 0..1 score per weighted priority from evidence, and a 0..100 total."""

from __future__ import annotations

from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass
from decimal import Decimal
from typing import Any, NamedTuple

from scoring.criteria import eur, to_decimal
from scoring.descriptors import DescriptorSet, Phrase, PriorityDescriptor, TextMatch

BUDGET_CATEGORIES = ("staff", "travel", "equipment", "subcontracting", "other", "indirect")


@dataclass(frozen=True)
class PriorityClaim:
    """The applicant says the proposal addresses a priority, and why."""

    priority: str
    justification: str = ""


@dataclass(frozen=True)
class BudgetLine:
    """A budget line (EUR), optionally tagged to priorities."""

    category: str  # staff, travel, equipment, subcontracting, other, indirect
    amount: Any  # Decimal
    priorities: tuple[str, ...] = ()
    description: str = ""


@dataclass(frozen=True)
class Activity:
    """An activity or work package, optionally tagged to priorities."""

    title: str
    priorities: tuple[str, ...] = ()
    description: str = ""


@dataclass(frozen=True)
class Indicator:
    """An indicator the proposal commits to, with its disaggregations (e.g. "sex", "age")."""

    name: str
    disaggregations: tuple[str, ...] = ()
    target: Any = None


@dataclass(frozen=True)
class AlignmentInput:
    """Everything in a proposal that can show alignment with the call's priorities."""

    proposal_id: str
    text: str = ""
    claims: tuple[PriorityClaim, ...] = ()
    budget: tuple[BudgetLine, ...] = ()
    activities: tuple[Activity, ...] = ()
    target_groups: tuple[str, ...] = ()
    indicators: tuple[Indicator, ...] = ()


@dataclass(frozen=True)
class AlignmentSettings:
    """The constants of the alignment formula (see scoring/README.md)."""

    claim_weight: float = 0.20
    share_weight: float = 0.30
    fit_weight: float = 0.25
    text_weight: float = 0.25
    full_budget_share: float = 0.25  # this share of the budget tagged earns the full budget part
    full_activity_share: float = 0.25
    full_target_groups: int = 2  # fitting target groups for the full target-group part
    full_indicators: int = 2
    full_budget_hint_lines: int = 1
    full_text_weight: float = 3.0  # summed weight of distinct phrases for the full text part
    min_justification_chars: int = 40
    min_evidence: float = 0.10  # below this evidence strength a claim is "not evidenced"

    def __post_init__(self) -> None:
        weights = (self.claim_weight, self.share_weight, self.fit_weight, self.text_weight)
        if any(w < 0 for w in weights) or self.share_weight + self.text_weight <= 0:
            raise ValueError("component weights must be non-negative, share + text positive")
        saturations = (
            self.full_budget_share,
            self.full_activity_share,
            self.full_target_groups,
            self.full_indicators,
            self.full_budget_hint_lines,
            self.full_text_weight,
        )
        if any(s <= 0 for s in saturations):
            raise ValueError("the 'full_*' settings must be positive")


class Evidence(NamedTuple):
    """One piece of evidence for a priority; offsets refer to the text named in `source`.

    A NamedTuple rather than a dataclass: a proposal yields a few hundred of them.
    """

    kind: str  # claim, justification, budget, activity, target-group, indicator, budget-hint, text
    detail: str
    source: str = ""  # "text", "claim:<priority>", "budget:<n>", "indicator:<n>" ...
    start: int | None = None
    end: int | None = None


@dataclass(frozen=True)
class Components:
    """The four parts of a priority score, each 0..1; fit is None if the priority has no rules."""

    claim: float
    share: float
    fit: float | None
    text: float


@dataclass(frozen=True)
class PriorityAlignment:
    """How strongly a proposal addresses one priority, with the evidence found."""

    priority: str
    label: str
    weight: float  # normalised: the weights of the call's priorities sum to 1
    score: float  # 0..1
    claimed: bool
    components: Components
    evidence_strength: float  # 0..1, the score without the claim part
    claimed_not_evidenced: bool
    evidence: tuple[Evidence, ...]
    text_matches: tuple[TextMatch, ...]
    explanation: str


@dataclass(frozen=True)
class AlignmentResult:
    """A proposal's alignment with all priorities the call weights."""

    proposal_id: str
    total: float  # 0..100
    priorities: tuple[PriorityAlignment, ...]  # by priority code
    claimed_not_evidenced: tuple[str, ...]
    unweighted_claims: tuple[str, ...]  # claimed priorities the call does not weight
    explanation: str

    def priority(self, code: str) -> PriorityAlignment:
        for item in self.priorities:
            if item.priority == code:
                return item
        raise KeyError(code)


def _ratio(part: float, full: float) -> float:
    return min(1.0, part / full)


def _share(part: Decimal, whole: Decimal) -> float:
    return float(part / whole) if whole > 0 else 0.0


def normalise_weights(weights: Mapping[str, Any]) -> dict[str, float]:
    """Weights as shares summing to 1, in code order; zero weights are left out."""
    exact = {code: to_decimal(w, f"weight of {code}") for code, w in weights.items()}
    if any(w < 0 for w in exact.values()):
        raise ValueError("priority weights cannot be negative")
    total = sum(exact.values(), Decimal(0))
    if total <= 0:
        raise ValueError("at least one priority needs a positive weight")
    return {code: float(exact[code] / total) for code in sorted(exact) if exact[code] > 0}


_new_tuple = tuple.__new__  # builds a NamedTuple without its Python-level __new__


@dataclass(frozen=True, slots=True)
class _Plan:
    """What an Aligner works out once per priority, so that scoring a proposal need not."""

    descriptor: PriorityDescriptor
    weight: float  # normalised
    target_groups: frozenset[str]
    full_target_groups: int  # fitting groups for the full target-group part
    indicator_rule: bool  # the priority has indicator hints or disaggregations
    disaggregations: frozenset[str]
    budget_rule: bool  # the priority has budget hints
    evidence_weight: float  # share + text (+ fit, if the priority has fit rules) weights


class _Facts:
    """What one proposal says, gathered per priority in one pass over each kind of evidence.

    Budget lines, activities, indicators and budget descriptions are each visited once for
    all priorities (not once per priority), and each evidence string is built once.
    """

    def __init__(self, proposal: AlignmentInput, aligner: Aligner) -> None:
        plans = aligner._plans
        self.proposal = proposal
        amounts = [to_decimal(line.amount, "budget amount") for line in proposal.budget]
        if any(a < 0 for a in amounts):
            raise ValueError(f"{proposal.proposal_id}: budget amounts cannot be negative")
        self.budget_total = sum(amounts, Decimal(0))
        self.claims: dict[str, list[PriorityClaim]] = {}
        for claim in proposal.claims:
            self.claims.setdefault(claim.priority, []).append(claim)

        # (b) budget lines and activities tagged to each weighted priority, in input order
        self.tagged_amount: dict[str, Decimal] = {}
        self.budget_evidence: dict[str, list[Evidence]] = {}
        for n, line in enumerate(proposal.budget):
            codes = [code for code in dict.fromkeys(line.priorities) if code in plans]
            if not codes:
                continue
            amount = amounts[n]
            item = Evidence("budget", f"{line.category} {eur(amount)} tagged", f"budget:{n}")
            for code in codes:
                self.tagged_amount[code] = self.tagged_amount.get(code, Decimal(0)) + amount
                self.budget_evidence.setdefault(code, []).append(item)
        self.activity_evidence: dict[str, list[Evidence]] = {}
        for n, activity in enumerate(proposal.activities):
            codes = [code for code in dict.fromkeys(activity.priorities) if code in plans]
            if not codes:
                continue
            item = Evidence("activity", f"activity '{activity.title}' tagged", f"activity:{n}")
            for code in codes:
                self.activity_evidence.setdefault(code, []).append(item)

        # (c) target groups; indicators whose name fits a hint or that are disaggregated as a
        # priority asks; budget lines whose description fits a hint. Each indicator name and
        # budget description is scanned once for all priorities.
        self.groups = set(proposal.target_groups)
        self.indicator_evidence: dict[str, list[Evidence]] = {}
        by_disaggregation = aligner._codes_by_disaggregation
        for n, indicator in enumerate(proposal.indicators):
            hits = aligner._indicator_hints.scan(indicator.name)
            disaggregations = sorted({d.lower() for d in indicator.disaggregations})
            codes = set(hits)
            for d in disaggregations:
                codes.update(by_disaggregation.get(d, ()))
            for code in codes:
                found = hits.get(code)
                if found:
                    why = f"name fits '{found[0][2].text}'"
                else:
                    wanted = plans[code].disaggregations
                    why = f"disaggregated by {', '.join(d for d in disaggregations if d in wanted)}"
                self.indicator_evidence.setdefault(code, []).append(
                    Evidence("indicator", f"indicator '{indicator.name}': {why}", f"indicator:{n}")
                )
        self.budget_hint_evidence: dict[str, list[Evidence]] = {}
        for n, line in enumerate(proposal.budget):
            for code, found in aligner._budget_hints.scan(line.description).items():
                self.budget_hint_evidence.setdefault(code, []).append(
                    Evidence(
                        "budget-hint",
                        f"{line.category} line '{line.description}' fits '{found[0][2].text}'",
                        f"budget:{n}",
                    )
                )


class Aligner:
    """Scores proposals against one call's weighted priorities; build once, reuse per proposal."""

    def __init__(
        self,
        descriptors: DescriptorSet,
        weights: Mapping[str, Any],
        settings: AlignmentSettings | None = None,
    ) -> None:
        self.descriptors = descriptors
        self.settings = settings or AlignmentSettings()
        self.weights = normalise_weights(weights)
        for code in self.weights:
            descriptors[code]  # raises KeyError for a priority without descriptors
        self.codes = tuple(self.weights)
        self._index = descriptors.index(self.codes)
        self._indicator_hints = descriptors.hint_index("indicators", self.codes)
        self._budget_hints = descriptors.hint_index("budget", self.codes)
        self._plans: dict[str, _Plan] = {}
        self._codes_by_disaggregation: dict[str, list[str]] = {}
        settings = self.settings
        for code, weight in self.weights.items():
            descriptor = descriptors[code]
            target_groups = frozenset(descriptor.target_groups)
            indicator_rule = bool(descriptor.indicator_hints or descriptor.disaggregations)
            evidence_weight = settings.share_weight + settings.text_weight
            if target_groups or indicator_rule or descriptor.budget_hints:
                evidence_weight += settings.fit_weight
            self._plans[code] = _Plan(
                descriptor=descriptor,
                weight=weight,
                target_groups=target_groups,
                full_target_groups=min(settings.full_target_groups, len(target_groups)),
                indicator_rule=indicator_rule,
                disaggregations=frozenset(descriptor.disaggregations),
                budget_rule=bool(descriptor.budget_hints),
                evidence_weight=evidence_weight,
            )
            for d in dict.fromkeys(descriptor.disaggregations):
                self._codes_by_disaggregation.setdefault(d, []).append(code)

    def align(self, proposal: AlignmentInput) -> AlignmentResult:
        """Score one proposal; deterministic and independent of the order of its inputs."""
        facts = _Facts(proposal, self)
        found = self._index.scan(proposal.text)
        results = [
            self._priority(plan, facts, found.get(code, ())) for code, plan in self._plans.items()
        ]
        total = round(100 * sum(self.weights[r.priority] * r.score for r in results), 2)
        flagged = tuple(r.priority for r in results if r.claimed_not_evidenced)
        unweighted = tuple(sorted(facts.claims.keys() - set(self.codes)))
        explanation = f"alignment {total:.2f} / 100 over {len(results)} weighted priorities"
        if flagged:
            explanation += f"; claimed but not evidenced: {', '.join(flagged)}"
        if unweighted:
            explanation += (
                f"; claims on priorities the call does not weight: {', '.join(unweighted)}"
            )
        return AlignmentResult(
            proposal.proposal_id, total, tuple(results), flagged, unweighted, explanation
        )

    def _priority(
        self, plan: _Plan, facts: _Facts, found: Sequence[tuple[int, int, Phrase]]
    ) -> PriorityAlignment:
        settings = self.settings
        proposal = facts.proposal
        descriptor = plan.descriptor
        code = descriptor.code
        evidence: list[Evidence] = []

        # (a) the claim and its justification
        claims = facts.claims.get(code, ())
        claimed = bool(claims)
        long_enough = matched = False
        for claim in sorted(claims, key=lambda c: c.justification) if claimed else ():
            justification = claim.justification
            if len(justification.strip()) >= settings.min_justification_chars:
                long_enough = True
            for start, end, phrase in self.descriptors.matcher(code).finditer(justification):
                matched = True
                evidence.append(
                    Evidence(
                        "justification",
                        f"justification mentions '{phrase.text}': '{justification[start:end]}'",
                        f"claim:{code}",
                        start,
                        end,
                    )
                )
        if claimed:
            evidence.insert(0, Evidence("claim", f"the applicant claims {code}", f"claim:{code}"))
        claim_part = (0.4 + 0.3 * long_enough + 0.3 * matched) if claimed else 0.0

        # (b) share of the budget and of the activities tagged to the priority
        evidence += facts.budget_evidence.get(code, ())
        tagged = facts.tagged_amount.get(code)
        budget_share = 0.0 if tagged is None else _share(tagged, facts.budget_total)
        tagged_activities = facts.activity_evidence.get(code, ())
        evidence += tagged_activities
        activities = len(proposal.activities)
        activity_share = len(tagged_activities) / activities if activities else 0.0
        share_part = 0.5 * _ratio(budget_share, settings.full_budget_share) + 0.5 * _ratio(
            activity_share, settings.full_activity_share
        )

        # (c) target groups, indicators and budget lines that fit the priority
        fit_parts = []
        if plan.target_groups:
            fitting = sorted(facts.groups.intersection(plan.target_groups))
            for group in fitting:
                evidence.append(Evidence("target-group", f"targets {group}", "target_groups"))
            fit_parts.append(_ratio(len(fitting), plan.full_target_groups))
        if plan.indicator_rule:
            indicators = facts.indicator_evidence.get(code, ())
            evidence += indicators
            fit_parts.append(_ratio(len(indicators), settings.full_indicators))
        if plan.budget_rule:
            lines = facts.budget_hint_evidence.get(code, ())
            evidence += lines
            fit_parts.append(_ratio(len(lines), settings.full_budget_hint_lines))
        fit_part = sum(fit_parts) / len(fit_parts) if fit_parts else None

        # (d) passages of the text that match the priority's descriptors. The weight of a
        # phrase is that of its first passage, and weights are summed in order of first
        # passage, so that the float sum is always the same.
        text = proposal.text
        hits_list: list[TextMatch] = []
        distinct: dict[str, list[Any]] = {}  # phrase: [weight, passages, start, end of first]
        for start, end, phrase in found:
            name = phrase.text
            hits_list.append(
                _new_tuple(TextMatch, (code, name, start, end, text[start:end], phrase.weight))
            )
            seen = distinct.get(name)
            if seen is None:
                distinct[name] = [phrase.weight, 1, start, end]
            else:
                seen[1] += 1
        hits = tuple(hits_list)
        for phrase in sorted(distinct):
            _, count, start, end = distinct[phrase]
            why = f"text mentions '{phrase}' {count}x, first at {start}"
            evidence.append(Evidence("text", why, "text", start, end))
        text_weight = sum(seen[0] for seen in distinct.values())
        text_part = _ratio(text_weight, settings.full_text_weight)

        # The same float operations, in the same order, as summing (weight, part) pairs.
        evidence_weight = plan.evidence_weight
        weighted = settings.share_weight * share_part + settings.text_weight * text_part
        if fit_part is not None:
            weighted += settings.fit_weight * fit_part
        strength = weighted / evidence_weight
        score = (settings.claim_weight * claim_part + strength * evidence_weight) / (
            settings.claim_weight + evidence_weight
        )
        score = round(min(1.0, max(0.0, score)), 4)
        strength = round(strength, 4)
        unsupported = claimed and strength < settings.min_evidence
        components = Components(
            round(claim_part, 4),
            round(share_part, 4),
            None if fit_part is None else round(fit_part, 4),
            round(text_part, 4),
        )
        explanation = (
            f"{descriptor.label} ({code}): {score:.4f} from claim {components.claim:.2f}, "
            f"budget/activity share {components.share:.2f} (budget {budget_share:.0%}, "
            f"activities {activity_share:.0%}), "
            + ("no fit rules, " if fit_part is None else f"fit {components.fit:.2f}, ")
            + f"text {components.text:.2f} ({len(distinct)} distinct phrase(s), "
            f"{len(hits)} passage(s))"
        )
        if unsupported:
            explanation += (
                f"; claimed but not evidenced (evidence strength {strength:.2f} < "
                f"{settings.min_evidence:.2f})"
            )
        return PriorityAlignment(
            code,
            descriptor.label,
            round(plan.weight, 6),
            score,
            claimed,
            components,
            strength,
            unsupported,
            tuple(evidence),
            hits,
            explanation,
        )


def align(
    proposal: AlignmentInput,
    descriptors: DescriptorSet,
    weights: Mapping[str, Any],
    settings: AlignmentSettings | None = None,
) -> AlignmentResult:
    """Score one proposal; for many proposals build one Aligner and reuse it."""
    return Aligner(descriptors, weights, settings).align(proposal)


def align_many(
    proposals: Iterable[AlignmentInput],
    descriptors: DescriptorSet,
    weights: Mapping[str, Any],
    settings: AlignmentSettings | None = None,
) -> dict[str, AlignmentResult]:
    """Score many proposals with one Aligner: {proposal id: result}."""
    aligner = Aligner(descriptors, weights, settings)
    return {p.proposal_id: aligner.align(p) for p in proposals}
