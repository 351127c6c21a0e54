"""Reference copy of scoring/consensus.py as it was before the fast path (main at ad9c2c2):
aggregation of individual evaluations, consensus, disagreement flags and calibration.

Kept only so that tests/scoring/test_properties.py can check that the fast path gives exactly
these results; do not change it, and do not import it from the application.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from dataclasses import dataclass
from decimal import Decimal
from fractions import Fraction
from typing import Any

from tests.scoring.reference.criteria import SHARE, CallRules, fmt, quantize, to_decimal


@dataclass(frozen=True)
class Evaluation:
    """One evaluator's scores for one proposal: {criterion code: points}."""

    proposal_id: str
    evaluator_id: str
    scores: Mapping[str, Any]


@dataclass(frozen=True)
class Consensus:
    """The consensus scores agreed for a proposal; a criterion listed here overrides the rest."""

    proposal_id: str
    scores: Mapping[str, Any]
    comment: str = ""


@dataclass(frozen=True)
class CriterionResult:
    """One criterion of one proposal: individual scores, their statistics and the final score."""

    criterion: str
    label: str
    individual: tuple[tuple[str, Decimal], ...]  # (evaluator id, points), by evaluator id
    mean: Decimal | None
    median: Decimal | None
    spread: Decimal  # highest minus lowest individual score
    stdev: Decimal  # population standard deviation of the individual scores
    aggregation: str  # "mean" or "median", as the call says
    aggregate: Decimal | None  # the mean or the median
    consensus: Decimal | None
    final: Decimal  # the consensus where there is one, else the aggregate
    gap_share: Decimal  # the call's disagreement gap, a share of the maximum
    gap: Decimal  # the same in points
    disagreement: bool  # at least two scores and spread > gap

    @property
    def explanation(self) -> str:
        # Built on demand: aggregating thousands of proposals should not format strings.
        parts = []
        if self.individual:
            values = sorted(v for _, v in self.individual)
            parts.append(
                f"{len(values)} evaluation{'' if len(values) == 1 else 's'} "
                f"{', '.join(fmt(v) for v in values)}: "
                f"{self.aggregation} {fmt(self.aggregate)}, spread {fmt(self.spread)}"
            )
            if self.disagreement:
                parts.append(
                    f"flagged for discussion: spread {fmt(self.spread)} exceeds "
                    f"{fmt(self.gap_share * 100)} % of the maximum ({fmt(self.gap)})"
                )
        if self.consensus is not None:
            parts.append(f"consensus {fmt(self.consensus)} counts")
        return f"{self.label}: " + "; ".join(parts)


@dataclass(frozen=True)
class ProposalScore:
    """All criteria of one proposal, the total and what needs discussion."""

    proposal_id: str
    criteria: tuple[CriterionResult, ...]  # in the call's order
    total: Decimal
    max_total: Decimal
    disagreements: tuple[str, ...]  # criterion codes flagged for discussion

    @property
    def explanation(self) -> str:
        text = f"total {fmt(self.total)} of {fmt(self.max_total)}"
        if self.disagreements:
            text += f"; evaluators disagree on {', '.join(self.disagreements)}"
        return text

    @property
    def flagged_for_discussion(self) -> bool:
        return bool(self.disagreements)

    def criterion(self, code: str) -> CriterionResult:
        for result in self.criteria:
            if result.criterion == code:
                return result
        raise KeyError(code)

    def final_scores(self) -> dict[str, Decimal]:
        return {r.criterion: r.final for r in self.criteria}


def _median(sorted_values: list[Decimal]) -> Decimal:
    n = len(sorted_values)
    mid = n // 2
    if n % 2:
        return sorted_values[mid]
    return (sorted_values[mid - 1] + sorted_values[mid]) / 2


def _stdev(values: list[Decimal], total: Decimal) -> Decimal:
    """Population standard deviation: sqrt((sum of squares - total^2 / n) / n).

    The sums of a few scores on a 0.5 grid are exact in Decimal, so the result depends only
    on the multiset of scores, never on their order.
    """
    n = len(values)
    squares = sum((v * v for v in values), Decimal(0))
    variance = (squares - total * total / n) / n
    return variance.sqrt() if variance > 0 else Decimal(0)


def _criterion_result(
    rules: CallRules,
    code: str,
    individual: list[tuple[str, Decimal]],
    consensus: Decimal | None,
) -> CriterionResult:
    criterion = rules.criterion(code)
    individual.sort()
    values = sorted(v for _, v in individual)
    if not values and consensus is None:
        raise ValueError(f"no score and no consensus for criterion {code!r}")
    mean = median = aggregate = None
    spread = stdev = Decimal(0)
    gap = rules.disagreement_gap * criterion.max_points
    if values:
        total = sum(values, Decimal(0))
        mean = quantize(total / len(values))
        median = quantize(_median(values))
        spread = values[-1] - values[0]
        stdev = quantize(_stdev(values, total))
        aggregate = mean if rules.aggregation == "mean" else median
    if consensus is not None:
        final = consensus
    else:
        assert aggregate is not None
        final = aggregate
    return CriterionResult(
        criterion=code,
        label=criterion.label,
        individual=tuple(individual),
        mean=mean,
        median=median,
        spread=spread,
        stdev=stdev,
        aggregation=rules.aggregation,
        aggregate=aggregate,
        consensus=consensus,
        final=final,
        gap_share=rules.disagreement_gap,
        gap=gap,
        disagreement=len(values) > 1 and spread > gap,
    )


def score_proposal(
    rules: CallRules,
    evaluations: Iterable[Evaluation],
    consensus: Consensus | None = None,
) -> ProposalScore:
    """Aggregate one proposal's evaluations per criterion; a consensus score counts first."""
    evaluations = list(evaluations)
    ids = {e.proposal_id for e in evaluations} | ({consensus.proposal_id} if consensus else set())
    if len(ids) != 1:
        raise ValueError(f"evaluations and consensus must concern one proposal, got {sorted(ids)}")
    proposal_id = ids.pop()
    seen: set[str] = set()
    per_criterion: dict[str, list[tuple[str, Decimal]]] = {code: [] for code in rules.codes}
    for evaluation in evaluations:
        if evaluation.evaluator_id in seen:
            raise ValueError(
                f"evaluator {evaluation.evaluator_id!r} evaluated {proposal_id!r} twice"
            )
        seen.add(evaluation.evaluator_id)
        unknown = evaluation.scores.keys() - per_criterion.keys()
        if unknown:
            raise ValueError(f"unknown criteria {sorted(unknown)} in an evaluation")
        for code, points in evaluation.scores.items():
            value = rules.criterion(code).check(points, evaluation.evaluator_id)
            per_criterion[code].append((evaluation.evaluator_id, value))
    agreed: dict[str, Decimal] = {}
    if consensus is not None:
        unknown = consensus.scores.keys() - per_criterion.keys()
        if unknown:
            raise ValueError(f"unknown criteria {sorted(unknown)} in the consensus")
        agreed = {
            code: rules.criterion(code).check(points, "consensus")
            for code, points in consensus.scores.items()
        }
    results = tuple(
        _criterion_result(rules, code, per_criterion[code], agreed.get(code))
        for code in rules.codes
    )
    total = sum((r.final for r in results), Decimal(0))
    flagged = tuple(r.criterion for r in results if r.disagreement)
    return ProposalScore(proposal_id, results, total, rules.max_total, flagged)


def score_proposals(
    rules: CallRules,
    evaluations: Iterable[Evaluation],
    consensus: Iterable[Consensus] = (),
) -> dict[str, ProposalScore]:
    """Aggregate every proposal's evaluations: {proposal id: score}, in proposal-id order."""
    grouped: dict[str, list[Evaluation]] = {}
    for evaluation in evaluations:
        grouped.setdefault(evaluation.proposal_id, []).append(evaluation)
    agreed: dict[str, Consensus] = {}
    for item in consensus:
        if item.proposal_id in agreed:
            raise ValueError(f"two consensus records for {item.proposal_id!r}")
        agreed[item.proposal_id] = item
    ids = sorted(set(grouped) | set(agreed))
    return {pid: score_proposal(rules, grouped.get(pid, ()), agreed.get(pid)) for pid in ids}


@dataclass(frozen=True)
class EvaluatorCalibration:
    """How one evaluator scores compared with the co-evaluators of the same proposals."""

    evaluator_id: str
    comparisons: int  # (proposal, criterion) pairs scored together with someone else
    mean_deviation: Decimal  # signed share of the criterion maximum; +0.12: 12 % above
    mean_deviation_points: Decimal  # the same in points
    verdict: str  # "lenient", "severe", "in line" or "too few comparisons"
    explanation: str


@dataclass(frozen=True)
class CalibrationReport:
    """Each evaluator's mean deviation from co-evaluators, with lenient and severe flagged."""

    evaluators: tuple[EvaluatorCalibration, ...]  # by evaluator id
    tolerance: Decimal
    min_comparisons: int

    @property
    def lenient(self) -> tuple[str, ...]:
        return tuple(e.evaluator_id for e in self.evaluators if e.verdict == "lenient")

    @property
    def severe(self) -> tuple[str, ...]:
        return tuple(e.evaluator_id for e in self.evaluators if e.verdict == "severe")

    def evaluator(self, evaluator_id: str) -> EvaluatorCalibration:
        for entry in self.evaluators:
            if entry.evaluator_id == evaluator_id:
                return entry
        raise KeyError(evaluator_id)


def _to_decimal(value: Fraction, unit: Decimal) -> Decimal:
    return quantize(Decimal(value.numerator) / Decimal(value.denominator), unit)


def calibration_report(
    rules: CallRules,
    evaluations: Iterable[Evaluation],
    *,
    tolerance: Any = Decimal("0.10"),
    min_comparisons: int = 3,
) -> CalibrationReport:
    """Mean deviation of each evaluator from the mean of their co-evaluators.

    For every criterion an evaluator scored on a proposal that others also scored, the
    deviation is (own score - mean of the others' scores) / criterion maximum. The evaluator's
    mean deviation is the average over those comparisons. Above +tolerance is lenient, below
    -tolerance severe, provided there are at least `min_comparisons` comparisons.
    """
    tolerance = to_decimal(tolerance, "tolerance")
    table: dict[tuple[str, str], dict[str, Fraction]] = {}
    evaluators: set[str] = set()
    for evaluation in evaluations:
        evaluators.add(evaluation.evaluator_id)
        for code, points in evaluation.scores.items():
            value = rules.criterion(code).check(points, evaluation.evaluator_id)
            cell = table.setdefault((evaluation.proposal_id, code), {})
            if evaluation.evaluator_id in cell:
                raise ValueError(
                    f"evaluator {evaluation.evaluator_id!r} scored "
                    f"{evaluation.proposal_id!r}/{code} twice"
                )
            cell[evaluation.evaluator_id] = Fraction(value)
    shares: dict[str, list[Fraction]] = {e: [] for e in evaluators}
    points: dict[str, list[Fraction]] = {e: [] for e in evaluators}
    for (_, code), cell in table.items():
        if len(cell) < 2:
            continue
        maximum = Fraction(rules.criterion(code).max_points)
        total = sum(cell.values(), Fraction(0))
        for evaluator, own in cell.items():
            others = (total - own) / (len(cell) - 1)
            points[evaluator].append(own - others)
            shares[evaluator].append((own - others) / maximum)
    entries = []
    for evaluator in sorted(evaluators):
        n = len(shares[evaluator])
        mean_share = sum(shares[evaluator], Fraction(0)) / n if n else Fraction(0)
        mean_points = sum(points[evaluator], Fraction(0)) / n if n else Fraction(0)
        share = _to_decimal(mean_share, SHARE)
        if n < min_comparisons:
            verdict = "too few comparisons"
        elif mean_share > Fraction(tolerance):
            verdict = "lenient"
        elif mean_share < -Fraction(tolerance):
            verdict = "severe"
        else:
            verdict = "in line"
        explanation = (
            f"{evaluator}: {n} comparison{'' if n == 1 else 's'}; on average "
            f"{fmt(abs(share) * 100)} % of the maximum "
            f"{'above' if share >= 0 else 'below'} co-evaluators "
            f"({_to_decimal(mean_points, SHARE):+} points): {verdict}"
            f" (tolerance {fmt(tolerance * 100)} %)"
        )
        entries.append(
            EvaluatorCalibration(
                evaluator, n, share, _to_decimal(mean_points, SHARE), verdict, explanation
            )
        )
    return CalibrationReport(tuple(entries), tolerance, min_comparisons)
