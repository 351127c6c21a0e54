"""Reference copy of scoring/selection.py as it was before the fast path (main at ad9c2c2):
selection down each topic's ranking within its budget, reserve list, leftover and what-if.

Kept only so that tests/scoring/test_properties.py can check that the fast path gives exactly
these results; do not change it, and do not import it from the application.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from decimal import Decimal
from typing import Any

from tests.scoring.reference.criteria import eur, to_decimal
from tests.scoring.reference.ranking import Ranking

POLICIES = ("stop", "skip")
SELECTED, RESERVE, NOT_SELECTED, BELOW_THRESHOLD = (
    "selected",
    "reserve",
    "not selected",
    "below threshold",
)


@dataclass(frozen=True)
class Decision:
    """What happened to one proposal, and why."""

    proposal_id: str
    topic: str
    status: str  # selected, reserve, not selected, below threshold
    rank: int | None  # None when below threshold
    eu_contribution: Decimal
    reserve_position: int | None
    explanation: str


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


def _eur(value: Decimal) -> str:
    return eur(value)


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
        ranked = entries.ranked if entries else ()
        remaining = budget
        stopped_at: int | None = None  # the rank (never another proposal's id: see ranking)
        selected: list[Decision] = []
        passed_over: list[tuple[Any, str]] = []
        for entry in ranked:
            need = entry.eu_contribution
            if stopped_at is None and need <= remaining:
                remaining -= need
                selected.append(
                    Decision(
                        entry.proposal_id,
                        topic,
                        SELECTED,
                        entry.rank,
                        need,
                        None,
                        f"selected at rank {entry.rank}: {_eur(need)} fits; "
                        f"{_eur(remaining)} of {_eur(budget)} left after it",
                    )
                )
                continue
            if stopped_at is not None:
                why = f"selection stopped at rank {stopped_at}, which did not fit"
            elif policy == "stop":
                stopped_at = entry.rank
                why = (
                    f"does not fit: needs {_eur(need)}, {_eur(remaining)} left; "
                    "the call's selection stops at the first proposal that does not fit"
                )
            else:
                why = (
                    f"does not fit: needs {_eur(need)}, {_eur(remaining)} left at its turn; "
                    "passed over for the next proposal that fits"
                )
            passed_over.append((entry, why))
        reserve: list[Decision] = []
        not_selected: list[Decision] = []
        for entry, why in passed_over:
            if len(reserve) < reserve_size:
                position = len(reserve) + 1
                reserve.append(
                    Decision(
                        entry.proposal_id,
                        topic,
                        RESERVE,
                        entry.rank,
                        entry.eu_contribution,
                        position,
                        f"reserve list position {position} (rank {entry.rank}): {why}",
                    )
                )
            else:
                not_selected.append(
                    Decision(
                        entry.proposal_id,
                        topic,
                        NOT_SELECTED,
                        entry.rank,
                        entry.eu_contribution,
                        None,
                        f"not selected (rank {entry.rank}): {why}; the reserve list is full",
                    )
                )
        below = tuple(
            Decision(
                item.proposal_id,
                topic,
                BELOW_THRESHOLD,
                None,
                item.eu_contribution,
                None,
                "never selected: " + "; ".join(item.reasons),
            )
            for item in (entries.below_threshold if entries else ())
        )
        results.append(
            TopicSelection(
                topic,
                budget,
                tuple(selected),
                tuple(reserve),
                tuple(not_selected),
                below,
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
        f"with a budget of {_eur(other.budget)} ({'+' if change >= 0 else '-'}"
        f"{_eur(abs(change))}): {len(other.selected_ids)} selected for "
        f"{_eur(other.committed)}, {_eur(other.leftover)} left"
    )
    if gained:
        explanation += f"; newly selected: {', '.join(gained)}"
    if lost:
        explanation += f"; no longer selected: {', '.join(lost)}"
    return WhatIf(other, gained, lost, change, explanation)
