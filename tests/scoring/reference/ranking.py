"""Reference copy of scoring/ranking.py as it was before the fast path (main at ad9c2c2): ranking
per topic: thresholds with reasons, total score, the call's ordered tie-break rules.

Kept only so that tests/scoring/test_properties.py can check that the fast path gives exactly
these results; do not change it, and do not import it from the application.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from dataclasses import dataclass
from decimal import Decimal
from typing import Any

from tests.scoring.reference.consensus import ProposalScore
from tests.scoring.reference.criteria import CallRules, TieBreak, eur, fmt, to_decimal


@dataclass(frozen=True)
class Candidate:
    """What ranking needs of a proposal: final criterion scores, EU contribution, alignment."""

    proposal_id: str
    eu_contribution: Any  # Decimal, EUR
    scores: Mapping[str, Any]  # criterion code -> final points (consensus, else aggregate)
    alignment: Any = Decimal(0)  # priority alignment total, 0..100
    topic: str = ""  # "" for a call without topics

    @classmethod
    def from_score(
        cls,
        score: ProposalScore,
        eu_contribution: Any,
        *,
        alignment: Any = Decimal(0),
        topic: str = "",
    ) -> Candidate:
        return cls(score.proposal_id, eu_contribution, score.final_scores(), alignment, topic)


@dataclass(frozen=True)
class RankedProposal:
    """A proposal above every threshold, with its place in its topic's ranking."""

    proposal_id: str
    topic: str
    rank: int  # 1 is best; unique within the topic
    total: Decimal
    scores: Mapping[str, Decimal]
    eu_contribution: Decimal
    alignment: Decimal
    explanation: str


@dataclass(frozen=True)
class BelowThreshold:
    """A proposal that misses at least one threshold, with every reason."""

    proposal_id: str
    topic: str
    total: Decimal
    scores: Mapping[str, Decimal]
    eu_contribution: Decimal
    alignment: Decimal
    reasons: tuple[str, ...]
    explanation: str


@dataclass(frozen=True)
class TopicRanking:
    """One topic: ranked proposals best first, then those below a threshold."""

    topic: str
    ranked: tuple[RankedProposal, ...]
    below_threshold: tuple[BelowThreshold, ...]


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


@dataclass(frozen=True)
class _Prepared:
    proposal_id: str
    topic: str
    scores: dict[str, Decimal]
    total: Decimal
    eu_contribution: Decimal
    alignment: Decimal


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


def _prepare(rules: CallRules, candidate: Candidate) -> _Prepared:
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
    return _Prepared(pid, candidate.topic, scores, total, eu, alignment)


def _value(item: _Prepared, rule: TieBreak) -> Decimal:
    if rule.kind == "criterion":
        assert rule.criterion is not None
        return item.scores[rule.criterion]
    if rule.kind == "alignment":
        return item.alignment
    return item.eu_contribution


def sort_key(rules: CallRules, item: _Prepared) -> tuple[Any, ...]:
    """Total first, then each tie-break rule, then the proposal id: a total order."""
    key: list[Any] = [-item.total]
    for rule in rules.parsed_tie_breaks:
        value = _value(item, rule)
        key.append(-value if rule.descending else value)
    key.append(item.proposal_id)
    return tuple(key)


def _describe(rule: TieBreak) -> str:
    if rule.kind == "criterion":
        return f"criterion {rule.criterion}"
    if rule.kind == "alignment":
        return "priority alignment"
    return "smaller EU contribution" if not rule.descending else "larger EU contribution"


def _tie_note(
    rules: CallRules, item: _Prepared, other: _Prepared, other_rank: int, ahead: bool
) -> str:
    """Which rule separated two proposals with the same total. The other proposal is named by
    its rank only, and its values are not given: explanations reach applicants, who must not
    learn about other proposals."""
    for rule in rules.parsed_tie_breaks:
        mine, theirs = _value(item, rule), _value(other, rule)
        if mine != theirs:
            show = eur if rule.kind == "eu_contribution" else fmt
            return (
                f"tied on total with rank {other_rank}, placed "
                f"{'ahead' if ahead else 'behind'} by {_describe(rule)} "
                f"({show(mine)} for this proposal)"
            )
    return (
        f"tied with rank {other_rank} on total and every tie-break rule, placed "
        f"{'ahead' if ahead else 'behind'} by proposal id"
    )


def rank(rules: CallRules, candidates: Iterable[Candidate]) -> Ranking:
    """Rank each topic's proposals; those below any threshold are listed apart with reasons."""
    prepared: list[_Prepared] = []
    seen: set[str] = set()
    for candidate in candidates:
        if candidate.proposal_id in seen:
            raise ValueError(f"proposal {candidate.proposal_id!r} appears twice")
        seen.add(candidate.proposal_id)
        prepared.append(_prepare(rules, candidate))
    by_topic: dict[str, tuple[list[tuple[tuple[Any, ...], _Prepared]], list]] = {}
    for item in prepared:
        passed, failed = by_topic.setdefault(item.topic, ([], []))
        reasons = threshold_failures(rules, item.scores, item.total)
        if reasons:
            failed.append(((-item.total, item.proposal_id), item, reasons))
        else:
            passed.append((sort_key(rules, item), item))
    topics = []
    max_total = fmt(rules.max_total)
    for topic in sorted(by_topic):
        passed, failed = by_topic[topic]
        passed.sort(key=lambda pair: pair[0])
        failed.sort(key=lambda triple: triple[0])
        where = f"topic {topic}" if topic else "the call"
        ranked = []
        count = len(passed)
        for index, (_, item) in enumerate(passed):
            notes = []
            if index and passed[index - 1][1].total == item.total:
                notes.append(_tie_note(rules, item, passed[index - 1][1], index, ahead=False))
            if index + 1 < count and passed[index + 1][1].total == item.total:
                notes.append(_tie_note(rules, item, passed[index + 1][1], index + 2, ahead=True))
            explanation = (
                f"rank {index + 1} of {count} in {where}: total {fmt(item.total)} of "
                f"{max_total}, every threshold met"
            )
            if notes:
                explanation += "; " + "; ".join(notes)
            ranked.append(
                RankedProposal(
                    item.proposal_id,
                    topic,
                    index + 1,
                    item.total,
                    item.scores,
                    item.eu_contribution,
                    item.alignment,
                    explanation,
                )
            )
        below = tuple(
            BelowThreshold(
                item.proposal_id,
                topic,
                item.total,
                item.scores,
                item.eu_contribution,
                item.alignment,
                tuple(reasons),
                f"not ranked in {where}: " + "; ".join(reasons),
            )
            for _, item, reasons in failed
        )
        topics.append(TopicRanking(topic, tuple(ranked), below))
    return Ranking(rules, tuple(topics))
