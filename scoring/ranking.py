"""Ranking per topic: thresholds with reasons, total score, the call's ordered tie-break rules."""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from dataclasses import dataclass, field
from decimal import Decimal, InvalidOperation
from operator import ge, itemgetter, le
from types import MappingProxyType
from typing import Any

from scoring.consensus import ProposalScore
from scoring.criteria import (
    CallRules,
    TieBreak,
    eur,
    fast_constructor,
    fmt,
    to_decimal,
    whole_call,
)


@dataclass(frozen=True)
class Candidate:
    """What ranking needs of a proposal: final criterion scores, EU contribution, alignment."""

    proposal_id: str
    eu_contribution: Any  # Decimal, EUR
    scores: Mapping[str, Any]  # criterion code -> final points (consensus, else aggregate)
    alignment: Any = Decimal(0)  # priority alignment total, 0..100
    topic: str = ""  # "" for a call without topics
    # set by from_score: the proposal's score, whose final scores and total were checked
    # when it was made, so that rank need not check them again; and the dict of them that
    # `scores` shows read-only, so that they cannot change in between
    _source: ProposalScore | None = field(default=None, init=False, repr=False, compare=False)
    _finals: dict[str, Decimal] | None = field(default=None, init=False, repr=False, compare=False)

    @classmethod
    def from_score(
        cls,
        score: ProposalScore,
        eu_contribution: Any,
        *,
        alignment: Any = Decimal(0),
        topic: str = "",
    ) -> Candidate:
        finals = score.final_scores()
        if cls is not Candidate:
            return cls(score.proposal_id, eu_contribution, finals, alignment, topic)
        return _new_candidate(
            score.proposal_id,
            eu_contribution,
            MappingProxyType(finals),
            alignment,
            topic,
            score,
            finals,
        )


_new_candidate = fast_constructor(Candidate)


def _where(topic: str) -> str:
    return f"topic {topic}" if topic else "the call"


# A candidate as ranking works with it: (proposal id, topic, {code: score} in the call's
# order, total, EU contribution, alignment, the scores in the call's order), all checked.
_Prepared = tuple[str, str, dict[str, Decimal], Decimal, Decimal, Decimal, tuple[Decimal, ...]]


@dataclass(frozen=True)
class RankedProposal:
    """A proposal above every threshold, with its place in its topic's ranking.

    `explanation` is written when it is read (a call's ranking is mostly not read out).
    """

    proposal_id: str
    topic: str
    rank: int  # 1 is best; unique within the topic
    total: Decimal
    scores: Mapping[str, Decimal]
    eu_contribution: Decimal
    alignment: Decimal
    _rules: CallRules = field(repr=False, compare=False)
    _count: int = field(repr=False, compare=False)  # ranked proposals in the topic
    # the proposals ranked just before and just after, where they have the same total
    _tied: tuple[_Prepared | None, _Prepared | None] = field(repr=False, compare=False)

    @property
    def explanation(self) -> str:
        rules = self._rules
        explanation = (
            f"rank {self.rank} of {self._count} in {_where(self.topic)}: total "
            f"{fmt(self.total)} of {fmt(rules.max_total)}, every threshold met"
        )
        before, after = self._tied
        notes = []
        if before is not None:
            notes.append(_tie_note(rules, self, before, self.rank - 1, ahead=False))
        if after is not None:
            notes.append(_tie_note(rules, self, after, self.rank + 1, ahead=True))
        if notes:
            explanation += "; " + "; ".join(notes)
        return explanation


@dataclass(frozen=True)
class BelowThreshold:
    """A proposal that misses at least one threshold, with every reason (written when read)."""

    proposal_id: str
    topic: str
    total: Decimal
    scores: Mapping[str, Decimal]
    eu_contribution: Decimal
    alignment: Decimal
    _rules: CallRules = field(repr=False, compare=False)

    @property
    def reasons(self) -> tuple[str, ...]:
        return tuple(threshold_failures(self._rules, self.scores, self.total))

    @property
    def explanation(self) -> str:
        return f"not ranked in {_where(self.topic)}: " + "; ".join(self.reasons)


@dataclass(frozen=True)
class TopicRanking:
    """One topic: ranked proposals best first, then those below a threshold."""

    topic: str
    ranked: tuple[RankedProposal, ...]
    below_threshold: tuple[BelowThreshold, ...]
    # what selection works out once per ranking, whatever the budget
    _memo: dict[str, Any] = field(default_factory=dict, init=False, repr=False, compare=False)


@dataclass(frozen=True)
class Ranking:
    """The rankings of all topics of a call, in topic order."""

    rules: CallRules
    topics: tuple[TopicRanking, ...]

    def topic(self, code: str = "") -> TopicRanking:
        for topic in self.topics:
            if topic.topic == code:
                return topic
        raise KeyError(f"no proposals in topic {code!r}")

    def entry(self, proposal_id: str) -> RankedProposal | BelowThreshold:
        for topic in self.topics:
            for item in (*topic.ranked, *topic.below_threshold):
                if item.proposal_id == proposal_id:
                    return item
        raise KeyError(proposal_id)


_new_ranked = fast_constructor(RankedProposal)
_UNTIED = (None, None)
_new_below = fast_constructor(BelowThreshold)


def threshold_failures(
    rules: CallRules, scores: Mapping[str, Decimal], total: Decimal
) -> list[str]:
    """Why a proposal is below threshold: one sentence per missed threshold, or nothing."""
    reasons = []
    for criterion in rules.criteria:
        value = scores[criterion.code]
        if value < criterion.threshold:
            reasons.append(
                f"{criterion.label} scored {fmt(value)}, below its "
                f"threshold of {fmt(criterion.threshold)}"
            )
    if total < rules.overall_threshold:
        reasons.append(
            f"total {fmt(total)} is below the call's overall threshold of "
            f"{fmt(rules.overall_threshold)}"
        )
    return reasons


_DECIMAL = (Decimal,) * 100  # for isinstance over a candidate's scores with map()
_ZERO, _HUNDRED = Decimal(0), Decimal(100)


def _prepare(rules: CallRules, candidate: Candidate, trusted: dict[int, bool]) -> _Prepared:
    """The candidate's values, checked: the scores of a candidate made by from_score were
    checked then; Decimals in range are taken as they are; anything else is converted."""
    scores, eu, alignment = candidate.scores, candidate.eu_contribution, candidate.alignment
    pid, topic, source = candidate.proposal_id, candidate.topic, candidate._source
    try:
        money = (
            isinstance(eu, Decimal)
            and eu.is_finite()
            and eu >= _ZERO
            and isinstance(alignment, Decimal)
            and _ZERO <= alignment <= _HUNDRED
        )
        if money and source is not None and _same_rules(rules, source._rules, trusted):
            return (pid, topic, candidate._finals, source.total, eu, alignment, source._finals)
        values = rules._in_order(scores)
        if (
            money
            and len(scores) == len(values)
            and all(map(isinstance, values, _DECIMAL))
            and all(map(le, values, rules._maxima))
            and min(values) >= _ZERO
        ):
            mapping = dict(zip(rules.codes, values))  # noqa: B905 (in the codes' order)
            return (pid, topic, mapping, sum(values, _ZERO), eu, alignment, values)
    except (KeyError, TypeError, InvalidOperation):  # missing, not numbers, NaN
        pass
    return _prepare_checked(rules, candidate)


def _same_rules(rules: CallRules, other: CallRules, trusted: dict[int, bool]) -> bool:
    """Whether scores checked under `other` are checked under `rules` (asked once per rules
    object: the application builds equal rules twice)."""
    same = trusted.get(id(other))
    if same is None:
        same = trusted[id(other)] = other is rules or other == rules
    return same


def _prepare_checked(rules: CallRules, candidate: Candidate) -> _Prepared:
    """Every value converted and checked, with a message for the first that is wrong."""
    pid = candidate.proposal_id
    unknown = set(candidate.scores) - set(rules.codes)
    if unknown:
        raise ValueError(f"{pid}: unknown criteria {sorted(unknown)}")
    scores: dict[str, Decimal] = {}
    for criterion in rules.criteria:
        if criterion.code not in candidate.scores:
            raise ValueError(f"{pid}: no score for criterion {criterion.code!r}")
        value = to_decimal(candidate.scores[criterion.code], f"{pid} {criterion.code}")
        if not 0 <= value <= criterion.max_points:
            raise ValueError(f"{pid}: {criterion.code} score {value} is outside 0..max")
        scores[criterion.code] = value
    eu = to_decimal(candidate.eu_contribution, f"{pid} eu_contribution")
    if eu < 0:
        raise ValueError(f"{pid}: the EU contribution cannot be negative")
    alignment = to_decimal(candidate.alignment, f"{pid} alignment")
    if not 0 <= alignment <= 100:
        raise ValueError(f"{pid}: alignment {alignment} is outside 0..100")
    total = sum(scores.values(), Decimal(0))
    return (pid, candidate.topic, scores, total, eu, alignment, tuple(scores.values()))


def _tie_values(
    rules: CallRules, scores: Mapping[str, Decimal], alignment: Decimal, eu: Decimal
) -> list[Decimal]:
    """The values the call's tie-break rules compare, in their order."""
    values = []
    for rule in rules.parsed_tie_breaks:
        if rule.kind == "criterion":
            assert rule.criterion is not None
            values.append(scores[rule.criterion])
        elif rule.kind == "alignment":
            values.append(alignment)
        else:
            values.append(eu)
    return values


def sort_key(rules: CallRules, item: _Prepared) -> tuple[Any, ...]:
    """Total first, then each tie-break rule, then the proposal id: a total order.

    The total leads as a float: sorting compares keys some 13 times each, and two floats
    compare at a fraction of the cost of two Decimals. A float is rounded, but never out of
    order (a <= b gives float(a) <= float(b)), and the exact total follows it for the floats
    that tie.
    """
    pid, _, scores, total, eu, alignment, _ = item
    key: list[Any] = [-float(total), -total]
    for rule, value in zip(
        rules.parsed_tie_breaks, _tie_values(rules, scores, alignment, eu), strict=True
    ):
        key.append(-value if rule.descending else value)
    key.append(pid)
    return tuple(key)


def _describe(rule: TieBreak) -> str:
    if rule.kind == "criterion":
        return f"criterion {rule.criterion}"
    if rule.kind == "alignment":
        return "priority alignment"
    return "smaller EU contribution" if not rule.descending else "larger EU contribution"


def _tie_note(
    rules: CallRules, item: RankedProposal, other: _Prepared, other_rank: int, ahead: bool
) -> str:
    """Which rule separated two proposals with the same total. The other proposal is named by
    its rank only, and its values are not given: explanations reach applicants, who must not
    learn about other proposals."""
    _, _, scores, _, eu, alignment, _ = other
    mine = _tie_values(rules, item.scores, item.alignment, item.eu_contribution)
    theirs = _tie_values(rules, scores, alignment, eu)
    for rule, value, other_value in zip(rules.parsed_tie_breaks, mine, theirs, strict=True):
        if value != other_value:
            show = eur if rule.kind == "eu_contribution" else fmt
            return (
                f"tied on total with rank {other_rank}, placed "
                f"{'ahead' if ahead else 'behind'} by {_describe(rule)} "
                f"({show(value)} for this proposal)"
            )
    return (
        f"tied with rank {other_rank} on total and every tie-break rule, placed "
        f"{'ahead' if ahead else 'behind'} by proposal id"
    )


@whole_call
def rank(rules: CallRules, candidates: Iterable[Candidate]) -> Ranking:
    """Rank each topic's proposals; those below any threshold are listed apart with reasons."""
    seen: set[str] = set()
    trusted: dict[int, bool] = {}
    by_topic: dict[str, tuple[list[tuple[tuple[Any, ...], _Prepared]], list]] = {}
    thresholds, overall = rules._thresholds, rules.overall_threshold
    for candidate in candidates:
        if candidate.proposal_id in seen:
            raise ValueError(f"proposal {candidate.proposal_id!r} appears twice")
        seen.add(candidate.proposal_id)
        item = _prepare(rules, candidate, trusted)
        passed, failed = by_topic.setdefault(item[1], ([], []))
        if item[3] >= overall and all(map(ge, item[6], thresholds)):
            passed.append((sort_key(rules, item), item))
        else:
            failed.append(((-float(item[3]), -item[3], item[0]), item))  # as in sort_key
    topics = []
    for topic in sorted(by_topic):
        passed, failed = by_topic[topic]
        passed.sort(key=itemgetter(0))
        failed.sort(key=itemgetter(0))
        count = len(passed)
        ranked = []
        for index, (_, item) in enumerate(passed):
            pid, _, scores, total, eu, alignment, _ = item
            before = passed[index - 1][1] if index else None
            after = passed[index + 1][1] if index + 1 < count else None
            tied = _UNTIED
            if (before is not None and before[3] == total) or (
                after is not None and after[3] == total
            ):
                tied = (
                    before if before is not None and before[3] == total else None,
                    after if after is not None and after[3] == total else None,
                )
            ranked.append(
                _new_ranked(pid, topic, index + 1, total, scores, eu, alignment, rules, count, tied)
            )
        below = tuple(
            _new_below(pid, topic, total, scores, eu, alignment, rules)
            for _, (pid, _, scores, total, eu, alignment, _) in failed
        )
        topics.append(TopicRanking(topic, tuple(ranked), below))
    return Ranking(rules, tuple(topics))
