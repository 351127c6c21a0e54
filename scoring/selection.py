"""Selection down each topic's ranking within its budget, reserve list, leftover and what-if."""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field
from decimal import Decimal
from functools import cached_property
from typing import Any

from scoring.criteria import eur, fast_constructor, to_decimal, whole_call
from scoring.ranking import BelowThreshold, Ranking, TopicRanking

POLICIES = ("stop", "skip")
SELECTED, RESERVE, NOT_SELECTED, BELOW_THRESHOLD = (
    "selected",
    "reserve",
    "not selected",
    "below threshold",
)


@dataclass(frozen=True)
class Decision:
    """What happened to one proposal, and why (`explanation`, written when first read: the
    ranking page reads it twice, for the table and for the record's digest)."""

    proposal_id: str
    topic: str
    status: str  # selected, reserve, not selected, below threshold
    rank: int | None  # None when below threshold
    eu_contribution: Decimal
    reserve_position: int | None
    # what the explanation needs: for a selected proposal (money left after it, budget); for
    # one passed over (why, amount): why is "stopped" (the amount is the rank where the
    # selection stopped), "stop" or "skip" (the amount is what was left at its turn); for one
    # below threshold, the ranking's entry
    _why: tuple[Any, ...] | BelowThreshold = field(repr=False, compare=False)

    @cached_property
    def explanation(self) -> str:
        if self.status == SELECTED:
            remaining, budget = self._why
            return (
                f"selected at rank {self.rank}: {eur(self.eu_contribution)} fits; "
                f"{eur(remaining)} of {eur(budget)} left after it"
            )
        if self.status == BELOW_THRESHOLD:
            assert isinstance(self._why, BelowThreshold)
            return "never selected: " + "; ".join(self._why.reasons)
        why = self._passed_over()
        if self.status == RESERVE:
            return f"reserve list position {self.reserve_position} (rank {self.rank}): {why}"
        return f"not selected (rank {self.rank}): {why}; the reserve list is full"

    def _passed_over(self) -> str:
        reason, amount = self._why
        if reason == "stopped":
            return f"selection stopped at rank {amount}, which did not fit"
        if reason == "stop":
            return (
                f"does not fit: needs {eur(self.eu_contribution)}, {eur(amount)} left; "
                "the call's selection stops at the first proposal that does not fit"
            )
        return (
            f"does not fit: needs {eur(self.eu_contribution)}, {eur(amount)} left at its "
            "turn; passed over for the next proposal that fits"
        )


@dataclass(frozen=True)
class TopicSelection:
    """One topic's budget, the decisions in ranking order and the money left."""

    topic: str
    budget: Decimal
    selected: tuple[Decision, ...]
    reserve: tuple[Decision, ...]
    not_selected: tuple[Decision, ...]
    below_threshold: tuple[Decision, ...]
    committed: Decimal
    leftover: Decimal


@dataclass(frozen=True)
class Selection:
    """The selection of a whole call under one policy."""

    policy: str
    reserve_size: int
    topics: tuple[TopicSelection, ...]

    @property
    def budget(self) -> Decimal:
        return sum((t.budget for t in self.topics), Decimal(0))

    @property
    def committed(self) -> Decimal:
        return sum((t.committed for t in self.topics), Decimal(0))

    @property
    def leftover(self) -> Decimal:
        return sum((t.leftover for t in self.topics), Decimal(0))

    @property
    def budgets(self) -> dict[str, Decimal]:
        return {t.topic: t.budget for t in self.topics}

    @property
    def selected_ids(self) -> tuple[str, ...]:
        return tuple(d.proposal_id for t in self.topics for d in t.selected)

    @property
    def reserve_ids(self) -> tuple[str, ...]:
        return tuple(d.proposal_id for t in self.topics for d in t.reserve)

    def topic(self, code: str = "") -> TopicSelection:
        for topic in self.topics:
            if topic.topic == code:
                return topic
        raise KeyError(f"no topic {code!r}")

    def decision(self, proposal_id: str) -> Decision:
        for topic in self.topics:
            for group in (topic.selected, topic.reserve, topic.not_selected, topic.below_threshold):
                for decision in group:
                    if decision.proposal_id == proposal_id:
                        return decision
        raise KeyError(proposal_id)


def _budgets(ranking: Ranking, budgets: Mapping[str, Any] | Any) -> dict[str, Decimal]:
    topics = [t.topic for t in ranking.topics]
    if not isinstance(budgets, Mapping):
        if len(topics) > 1:
            raise ValueError("a call with several topics needs a budget per topic")
        budgets = {topics[0] if topics else "": budgets}
    result = {}
    for topic, amount in budgets.items():
        value = to_decimal(amount, f"budget of topic {topic!r}")
        if value < 0:
            raise ValueError(f"the budget of topic {topic!r} cannot be negative")
        result[topic] = value
    missing = [t for t in topics if t not in result]
    if missing:
        raise ValueError(f"no budget for {'topic' if len(missing) == 1 else 'topics'} {missing}")
    return result


_new_decision = fast_constructor(Decision)


def _below_threshold(entries: TopicRanking) -> tuple[Decision, ...]:
    """The topic's decisions for proposals below a threshold: the same under any budget, so
    made once per ranking."""
    decisions = entries._memo.get(BELOW_THRESHOLD)
    if decisions is None:
        decisions = tuple(
            _new_decision(
                item.proposal_id,
                entries.topic,
                BELOW_THRESHOLD,
                None,
                item.eu_contribution,
                None,
                item,
            )
            for item in entries.below_threshold
        )
        entries._memo[BELOW_THRESHOLD] = decisions
    return decisions


@whole_call
def select(
    ranking: Ranking,
    budgets: Mapping[str, Any] | Any,
    *,
    policy: str = "stop",
    reserve_size: int = 0,
) -> Selection:
    """Go down each topic's ranking until its budget is used.

    When the next proposal does not fit in what is left, policy "stop" ends the selection of
    that topic there; policy "skip" passes over it and goes on to the next one that fits.
    The first `reserve_size` ranked proposals that are not selected form the reserve list.
    `budgets` maps topic to EUR; a single amount is accepted for a call without topics.
    """
    if policy not in POLICIES:
        raise ValueError(f"policy must be one of {POLICIES}")
    if reserve_size < 0:
        raise ValueError("reserve_size cannot be negative")
    amounts = _budgets(ranking, budgets)
    by_topic = {t.topic: t for t in ranking.topics}
    results = []
    for topic in sorted(amounts):
        budget = amounts[topic]
        entries = by_topic.get(topic)
        remaining = budget
        stopped_at: int | None = None  # the rank (never another proposal's id: see ranking)
        selected: list[Decision] = []
        reserve: list[Decision] = []
        not_selected: list[Decision] = []
        for entry in entries.ranked if entries else ():
            need = entry.eu_contribution
            if stopped_at is None and need <= remaining:
                remaining -= need
                selected.append(
                    _new_decision(
                        entry.proposal_id,
                        topic,
                        SELECTED,
                        entry.rank,
                        need,
                        None,
                        (remaining, budget),
                    )
                )
                continue
            if stopped_at is not None:
                why = ("stopped", stopped_at)
            elif policy == "stop":
                stopped_at = entry.rank
                why = ("stop", remaining)
            else:
                why = ("skip", remaining)
            if len(reserve) < reserve_size:
                reserve.append(
                    _new_decision(
                        entry.proposal_id, topic, RESERVE, entry.rank, need, len(reserve) + 1, why
                    )
                )
            else:
                not_selected.append(
                    _new_decision(
                        entry.proposal_id, topic, NOT_SELECTED, entry.rank, need, None, why
                    )
                )
        results.append(
            TopicSelection(
                topic,
                budget,
                tuple(selected),
                tuple(reserve),
                tuple(not_selected),
                _below_threshold(entries) if entries else (),
                budget - remaining,
                remaining,
            )
        )
    return Selection(policy, reserve_size, tuple(results))


@dataclass(frozen=True)
class WhatIf:
    """The selection under other budgets, and how it differs from the base selection."""

    selection: Selection
    newly_selected: tuple[str, ...]
    no_longer_selected: tuple[str, ...]
    budget_change: Decimal
    explanation: str


def what_if(ranking: Ranking, base: Selection, budgets: Mapping[str, Any] | Any) -> WhatIf:
    """Select again with other budgets (the base policy and reserve size), and compare.

    `budgets` may name only the topics whose budget changes; the others keep the base budget.
    """
    merged: dict[str, Any] = dict(base.budgets)
    if isinstance(budgets, Mapping):
        merged.update(budgets)
    else:
        if len(merged) > 1:
            raise ValueError("a call with several topics needs a budget per topic")
        merged = {next(iter(merged), ""): budgets}
    other = select(ranking, merged, policy=base.policy, reserve_size=base.reserve_size)
    before, after = set(base.selected_ids), set(other.selected_ids)
    gained = tuple(pid for pid in other.selected_ids if pid not in before)
    lost = tuple(pid for pid in base.selected_ids if pid not in after)
    change = other.budget - base.budget
    explanation = (
        f"with a budget of {eur(other.budget)} ({'+' if change >= 0 else '-'}"
        f"{eur(abs(change))}): {len(other.selected_ids)} selected for "
        f"{eur(other.committed)}, {eur(other.leftover)} left"
    )
    if gained:
        explanation += f"; newly selected: {', '.join(gained)}"
    if lost:
        explanation += f"; no longer selected: {', '.join(lost)}"
    return WhatIf(other, gained, lost, change, explanation)
