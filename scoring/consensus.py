"""Aggregation of individual evaluations, consensus, disagreement flags and calibration."""

from __future__ import annotations

from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass, field
from decimal import Decimal
from fractions import Fraction
from functools import cached_property
from itertools import chain, compress, repeat
from operator import add, attrgetter, gt, itemgetter, or_, sub
from typing import Any

from scoring.criteria import (
    _HUNDREDTHS,
    SHARE,
    CallRules,
    Criterion,
    count_of,
    fast_constructor,
    fmt,
    hundredths,
    quantize,
    round_half_up,
    to_decimal,
    whole_call,
)


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
                f"{count_of(len(values), 'evaluation')} {', '.join(fmt(v) for v in values)}: "
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


@dataclass(frozen=True, eq=False)
class ProposalScore:
    """All criteria of one proposal, the total and what needs discussion.

    `criteria` is built the first time it is read: ranking a call needs only the final scores
    and the total, and most proposals' statistics are never shown. It reads, compares and
    prints as a field would.
    """

    proposal_id: str
    total: Decimal
    max_total: Decimal
    disagreements: tuple[str, ...]  # criterion codes flagged for discussion
    _rules: CallRules = field(repr=False)
    # the evaluations, checked: who, and their points in the call's order one evaluation
    # after the other (None where one gives none), flat; this proposal's are the `_count`
    # from evaluation `_first` on (a whole call scored at once shares the two tuples: no
    # objects per proposal for the collector to follow)
    _evaluators: tuple[str, ...] = field(repr=False)
    _points: tuple[Decimal | None, ...] = field(repr=False)
    _first: int = field(repr=False)
    _count: int = field(repr=False)
    _consensus: tuple[Decimal | None, ...] | None = field(repr=False)  # in the call's order
    _finals: tuple[Decimal, ...] = field(repr=False)  # in the call's order

    @cached_property
    def criteria(self) -> tuple[CriterionResult, ...]:  # in the call's order
        return tuple(_criterion_result(self, position) for position in range(len(self._finals)))

    def _fields(self) -> tuple[Any, ...]:
        return (self.proposal_id, self.criteria, self.total, self.max_total, self.disagreements)

    def __eq__(self, other: object) -> bool:
        if other.__class__ is not self.__class__:
            return NotImplemented
        return self._fields() == other._fields()  # type: ignore[attr-defined]

    def __hash__(self) -> int:
        return hash(self._fields())

    def __repr__(self) -> str:
        return (
            f"ProposalScore(proposal_id={self.proposal_id!r}, criteria={self.criteria!r}, "
            f"total={self.total!r}, max_total={self.max_total!r}, "
            f"disagreements={self.disagreements!r})"
        )

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
        position = self._rules._index.get(code)
        if position is None:
            raise KeyError(code)
        return self.criteria[position]

    def final_scores(self) -> dict[str, Decimal]:
        return dict(zip(self._rules.codes, self._finals))  # noqa: B905 (as long by construction)


def _stdev(values: list[Decimal], total: Decimal) -> Decimal:
    """Population standard deviation: sqrt((sum of squares - total^2 / n) / n).

    The sums of a few scores on a 0.5 grid are exact in Decimal, so the result depends only
    on the multiset of scores, never on their order.
    """
    n = len(values)
    squares = sum((v * v for v in values), Decimal(0))
    variance = (squares - total * total / n) / n
    return variance.sqrt() if variance > 0 else Decimal(0)


# Means and medians are computed exactly from whole steps and rounded half up to whole
# hundredths: the results of Decimal arithmetic rounded by `quantize`, at a fraction of its
# cost (with a step of 0.5, a mean of three scores is sum of steps * 50 / 3 hundredths).


def _mean(steps: Sequence[int], criterion: Criterion) -> int:
    numerator, denominator = criterion._hundredths
    return round_half_up(numerator * sum(steps), denominator * len(steps))


def _median(steps: Sequence[int], criterion: Criterion) -> int:
    numerator, denominator = criterion._hundredths
    ordered = sorted(steps)
    mid = len(ordered) // 2
    if len(ordered) % 2:
        return round_half_up(numerator * ordered[mid], denominator)
    return round_half_up(numerator * (ordered[mid - 1] + ordered[mid]), 2 * denominator)


def _disagree(steps: Sequence[int], gap_steps: int) -> bool:
    """At least two scores, and a spread of more steps than fit in the gap."""
    return len(steps) > 1 and max(steps) - min(steps) > gap_steps


def _criterion_result(score: ProposalScore, position: int) -> CriterionResult:
    rules = score._rules
    criterion = rules.criteria[position]
    gap, gap_steps = rules._gaps[position]
    first, stop, width = score._first, score._first + score._count, len(rules.codes)
    individual = tuple(
        sorted(
            (evaluator, points)
            for evaluator, points in zip(
                score._evaluators[first:stop],
                score._points[first * width + position : stop * width : width],
                strict=True,
            )
            if points is not None
        )
    )
    consensus = score._consensus[position] if score._consensus else None
    mean = median = aggregate = None
    spread = stdev = Decimal(0)
    steps = [criterion.steps(v)[1] for _, v in individual]
    if individual:
        values = sorted(v for _, v in individual)
        mean = hundredths(_mean(steps, criterion))
        median = hundredths(_median(steps, criterion))
        aggregate = mean if rules.aggregation == "mean" else median
        spread = values[-1] - values[0]
        stdev = quantize(_stdev(values, sum(values, Decimal(0))))
    return CriterionResult(
        criterion=criterion.code,
        label=criterion.label,
        individual=individual,
        mean=mean,
        median=median,
        spread=spread,
        stdev=stdev,
        aggregation=rules.aggregation,
        aggregate=aggregate,
        consensus=consensus,
        final=score._finals[position],
        gap_share=rules.disagreement_gap,
        gap=gap,
        disagreement=_disagree(steps, gap_steps),
    )


_DECIMAL = (Decimal,) * 100  # for isinstance over an evaluation's points with map()


def _checked(
    rules: CallRules, evaluator: str, scores: Mapping[str, Any]
) -> tuple[tuple[Decimal | None, ...], list[int | None]]:
    """One evaluation's points in the call's order and the same in whole steps (None where
    it gives none), each checked in full: 20 or "20" becomes Decimal(20), and the first
    thing wrong raises."""
    index = rules._index
    if not scores.keys() <= index.keys():
        raise ValueError(
            f"unknown criteria {sorted(scores.keys() - index.keys())} in an evaluation"
        )
    checked: list[Decimal | None] = [None] * len(index)
    counts: list[int | None] = [None] * len(index)
    for code, value in scores.items():
        position = index[code]
        checked[position], counts[position] = rules.criteria[position].steps(value, evaluator)
    return tuple(checked), counts


def _score(
    rules: CallRules,
    proposal_id: str,
    evaluations: Iterable[Evaluation],
    consensus: Consensus | None,
) -> ProposalScore:
    criteria, in_order, known = rules.criteria, rules._in_order, rules._steps
    rows: list[tuple[Decimal | None, ...]] = []
    evaluators: list[str] = []
    all_steps: list[list[int | None]] = []
    for evaluation in evaluations:
        evaluator, scores = evaluation.evaluator_id, evaluation.scores
        if evaluator in evaluators:
            raise ValueError(f"evaluator {evaluator!r} evaluated {proposal_id!r} twice")
        evaluators.append(evaluator)
        # Most evaluations give every criterion a Decimal met before: take them in one go.
        try:
            points = in_order(scores)
        except KeyError:  # a criterion without a score
            steps = None
        else:
            steps = list(map(dict.get, known, map(str, points)))
        if (
            steps is None
            or None in steps
            or len(scores) != len(steps)
            or not all(map(isinstance, points, _DECIMAL))  # not 20 or "20": Decimal(20)
        ):
            points, steps = _checked(rules, evaluator, scores)
        rows.append(points)
        all_steps.append(steps)
    agreed = None
    if consensus is not None:
        index = rules._index
        if not consensus.scores.keys() <= index.keys():
            unknown = sorted(consensus.scores.keys() - index.keys())
            raise ValueError(f"unknown criteria {unknown} in the consensus")
        agreed = [None] * len(criteria)
        for code, value in consensus.scores.items():
            agreed[index[code]] = criteria[index[code]].check(value, "consensus")
    # one tuple of steps per criterion (an evaluation without the criterion gives None)
    columns = list(zip(*all_steps)) if all_steps else [()] * len(criteria)  # noqa: B905
    by_mean = rules.aggregation == "mean"
    finals, flagged = [], []
    total_hundredths = 0  # the total, while every final score is an aggregate
    for criterion, steps, (_, gap_steps), agreed_points in zip(
        criteria, columns, rules._gaps, agreed or rules._no_consensus, strict=True
    ):
        if None in steps:  # some evaluations do not score this criterion
            steps = [s for s in steps if s is not None]
        count = len(steps)
        if agreed_points is not None:
            finals.append(agreed_points)
        elif count:
            if by_mean:  # _mean, written out: this loop runs for every criterion of a call
                numerator, denominator = criterion._hundredths
                aggregate = (2 * numerator * sum(steps) + denominator * count) // (
                    2 * denominator * count
                )
            else:
                aggregate = _median(steps, criterion)
            total_hundredths += aggregate
            final = _HUNDREDTHS.get(aggregate)
            finals.append(hundredths(aggregate) if final is None else final)
        else:
            raise ValueError(f"no score and no consensus for criterion {criterion.code!r}")
        if count > 1 and max(steps) - min(steps) > gap_steps:  # as _disagree
            flagged.append(criterion.code)
    # a consensus score may have any number of decimals: then the total is a Decimal sum
    total = sum(finals, Decimal(0)) if agreed else hundredths(total_hundredths)
    return _new_score(
        proposal_id,
        total,
        rules.max_total,
        tuple(flagged),
        rules,
        tuple(evaluators),
        tuple(chain.from_iterable(rows)),
        0,
        len(evaluators),
        None if agreed is None else tuple(agreed),
        tuple(finals),
    )


_new_score = fast_constructor(ProposalScore)


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
    return _score(rules, ids.pop(), evaluations, consensus)


@whole_call
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
    made = _score_batch(rules, [pid for pid in ids if pid not in agreed], grouped)
    # every proposal the batch could not take (consensus, a value not checked yet, anything
    # unusual) by the proposal-by-proposal path, in id order: the same results and errors
    return {
        pid: made[pid] if pid in made else _score(rules, pid, grouped.get(pid, ()), agreed.get(pid))
        for pid in ids
    }


# --- the batch: a whole call's evaluations column by column -------------------------------------
#
# `score_proposals` gives the proposals without a consensus whose evaluations all score every
# criterion of the call with a Decimal met before (the usual call) to `_score_batch`, which
# does what `_score` does with one pass of C-level loops (map, zip, slices) per criterion and
# number of evaluations, instead of one pass of the interpreter per proposal and criterion.
# It gives the very same ProposalScore objects (the property tests compare both paths).

_SCORES, _EVALUATOR = attrgetter("scores"), attrgetter("evaluator_id")
_TABLE_LIMIT = 1 << 14  # a look-up table of aggregates per possible sum of steps, up to this
_WRONG = -1  # in a column of steps (which are >= 0): a value for the proposal-by-proposal way


def _score_batch(
    rules: CallRules, pids: list[str], grouped: dict[str, list[Evaluation]]
) -> dict[str, ProposalScore]:
    """The scores of the proposals in `pids` that the batch can take: {proposal id: score}."""
    by_count: dict[int, list[str]] = {}
    counts = list(map(len, map(grouped.__getitem__, pids)))
    if len(set(counts)) == 1:
        by_count[counts[0]] = pids
    else:
        for pid, count in zip(pids, counts, strict=True):
            by_count.setdefault(count, []).append(pid)
    made: dict[str, ProposalScore] = {}
    for count, group in by_count.items():
        made.update(_score_count(rules, group, grouped, count))
    return made


def _steps_of(rules: CallRules, evaluations: list[Evaluation]):
    """Every evaluation's points in the call's order (flat) and, per criterion, their whole
    steps (a column per criterion); _WRONG for a value that is not a valid Decimal, and in
    the first column for an evaluation with a criterion the call does not have."""
    n_criteria = len(rules.criteria)
    maps = list(map(_SCORES, evaluations))
    try:
        rows = list(map(rules._in_order, maps))
    except (KeyError, TypeError):
        rows = [_row_or_none(rules, m) for m in maps]
    flat = tuple(chain.from_iterable(rows))
    # each value read once, in the order the evaluations hold them (which is the order they
    # were made in, mostly: one pass through memory rather than one per criterion)
    all_texts = list(map(str, flat))
    all_decimal = all(map(isinstance, flat, repeat(Decimal)))
    columns = []
    for position, criterion in enumerate(rules.criteria):
        texts = all_texts[position::n_criteria]
        column = list(map(criterion._steps.get, texts))
        if None in column:  # a text not met before: check it once (and every value is
            column = _check_new(criterion, texts, column)  # a Decimal, as below)
        if not all_decimal:  # 20, "20" or None: not as given (the other way converts or
            values = flat[position::n_criteria]  # refuses them)
            column = [
                c if isinstance(v, Decimal) else _WRONG for v, c in zip(values, column, strict=True)
            ]
        columns.append(column)
    if len(set(map(len, maps))) != 1 or len(maps[0]) != n_criteria:
        for index, scores in enumerate(maps):
            if len(scores) != n_criteria:  # a criterion the call does not have
                columns[0][index] = _WRONG
    return flat, columns


def _row_or_none(rules: CallRules, scores: Mapping[str, Any]) -> tuple[Any, ...]:
    try:
        return rules._in_order(scores)
    except (KeyError, TypeError):
        return rules._no_consensus  # Nones: the evaluation goes the proposal-by-proposal way


def _check_new(criterion: Criterion, texts: list[str], column: list[int | None]) -> list[int]:
    """The column with the steps of the texts not met before filled in, each text checked
    once (as the Decimal it is the text of), or _WRONG where the value is wrong: its proposal
    then goes the proposal-by-proposal way, which gives the error."""
    found = {}
    for text in set(texts) - criterion._steps.keys():
        try:
            value = Decimal(text)
            # not a Decimal's own text (" 20"): not a Decimal either, refused below
            found[text] = criterion.steps(value)[1] if str(value) == text else _WRONG
        except (ValueError, TypeError, ArithmeticError):  # not a number, or not a valid score
            found[text] = _WRONG
    return list(map(found.get, texts, column))


def _aggregates(
    criterion: Criterion, aggregation: str, columns: list[list[int]], count: int
) -> tuple[list[int], list[Decimal]]:
    """Each proposal's aggregate of one criterion in hundredths, and as a Decimal; `columns`
    holds the steps of the first, second ... evaluation of every proposal."""
    numerator, denominator = criterion._hundredths
    if aggregation == "mean":
        sums = columns[0]
        for more in columns[1:]:
            sums = list(map(add, sums, more))
        divisor = denominator * count
    else:
        if count == 1:
            sums = columns[0]
            divisor = denominator
        else:
            middle = count // 2
            ordered = list(map(sorted, zip(*columns, strict=True)))
            if count % 2:
                sums, divisor = list(map(itemgetter(middle), ordered)), denominator
            else:
                lower, upper = itemgetter(middle - 1), itemgetter(middle)
                sums = list(map(add, map(lower, ordered), map(upper, ordered)))
                divisor = 2 * denominator
    top = max(sums)
    if top < _TABLE_LIMIT and top <= 4 * len(sums):  # the few sums that occur, once each
        table = [round_half_up(numerator * total, divisor) for total in range(top + 1)]
        found = list(map(table.__getitem__, sums))
    else:
        found = [round_half_up(numerator * total, divisor) for total in sums]
    return found, _decimals(found)


def _flags(columns: list[list[int]], gap_steps: int, top: int) -> list[bool]:
    """Per proposal, whether its scores (steps of the first, second ... evaluation) spread
    over more than gap_steps: max - min > gap, or for up to four evaluations the same as
    some pair further apart than the gap (a look-up per difference: cheaper than max, min)."""
    count = len(columns)
    if count > 4:
        spread = map(sub, map(max, *columns), map(min, *columns))
        return list(map(gt, spread, repeat(gap_steps)))
    # apart[d] for a difference d in -top..top (a negative index counts from the end)
    apart = [d > gap_steps for d in range(top + 1)] + [-d > gap_steps for d in range(-top, 0)]
    far = apart.__getitem__
    pairs = [(a, b) for i, a in enumerate(columns) for b in columns[i + 1 :]]
    flags = list(map(far, map(sub, *pairs[0])))
    for a, b in pairs[1:]:
        flags = list(map(or_, flags, map(far, map(sub, a, b))))
    return flags


def _decimals(counts: list[int]) -> list[Decimal]:
    """`hundredths` of each count, from the memo where it is there."""
    for count in set(counts) - _HUNDREDTHS.keys():  # (not `None in`: == on a Decimal is slow)
        hundredths(count)
    try:
        return list(map(_HUNDREDTHS.__getitem__, counts))
    except KeyError:  # the memo is full
        return list(map(hundredths, counts))


def _score_count(
    rules: CallRules, pids: list[str], grouped: dict[str, list[Evaluation]], count: int
) -> dict[str, ProposalScore]:
    """The batch for proposals with `count` evaluations each."""
    evaluations = list(chain.from_iterable(map(grouped.__getitem__, pids)))
    flat, columns = _steps_of(rules, evaluations)
    evaluators = list(map(_EVALUATOR, evaluations))
    bad: set[int] = set()  # proposals (their index) for the proposal-by-proposal way
    for column in columns:
        if _WRONG in column:
            bad.update(i // count for i, v in enumerate(column) if v == _WRONG)
    by_proposal = list(zip(*(evaluators[k::count] for k in range(count)), strict=True))
    if count > 1 and set(map(len, map(set, by_proposal))) != {count}:  # an evaluator twice
        bad.update(i for i, mine in enumerate(by_proposal) if len(set(mine)) != count)
    if bad:
        keep = [i for i in range(len(pids)) if i not in bad]
        if not keep:
            return {}
        return _score_count(rules, [pids[i] for i in keep], grouped, count)
    finals, aggregates, flags = [], [], []
    for position, criterion in enumerate(rules.criteria):
        column = columns[position]
        per_evaluation = [column[k::count] for k in range(count)]
        found, values = _aggregates(criterion, rules.aggregation, per_evaluation, count)
        aggregates.append(found)
        finals.append(values)
        if count > 1:  # as _disagree
            flags.append(_flags(per_evaluation, rules._gaps[position][1], max(column)))
    total_counts = aggregates[0]
    for more in aggregates[1:]:
        total_counts = list(map(add, total_counts, more))
    totals = _decimals(total_counts)
    if flags and any(map(any, flags)):
        codes = rules.codes
        disagreements = list(map(tuple, map(compress, repeat(codes), zip(*flags, strict=True))))
    else:
        disagreements = repeat(())
    scores = map(
        _new_score,
        pids,
        totals,
        repeat(rules.max_total),
        disagreements,
        repeat(rules),
        repeat(tuple(evaluators)),
        repeat(flat),
        range(0, len(evaluators), count),
        repeat(count),
        repeat(None),
        zip(*finals, strict=True),
    )
    return dict(zip(pids, scores))  # noqa: B905 (scores is a map over pids)


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
            f"{evaluator}: {count_of(n, 'comparison')}; on average "
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
