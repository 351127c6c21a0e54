"""The automatic assignment of evaluators to proposals, as a pure function of plain data.

A min-cost maximum flow: source -> proposal (capacity: evaluators still needed) -> evaluator
(capacity 1, only without a conflict; cheaper when the expertise matches) -> sink (one unit
edge per free place, each dearer than the last, so that loads stay balanced). The flow is
maximal, so every proposal gets its evaluators whenever that is possible at all; what
cannot be staffed is reported with a reason, never left silently short. Deterministic: the
same input in any order gives the same plan.
"""

from __future__ import annotations

from collections import deque
from dataclasses import dataclass, field

from grants.formatting import count_of

EXPERTISE_WEIGHT = 10  # one point of expertise is worth this much cost
BALANCE_WEIGHT = 25  # each further proposal on one evaluator costs this much more
MAX_SCORE = 10  # expertise scores are capped, so that costs stay non-negative


@dataclass(frozen=True)
class ProposalNeed:
    key: int
    needed: int  # evaluators still to find
    organisations: frozenset[str] = frozenset()  # normalised names and "id:<n>" keys
    expertise_tags: frozenset[str] = frozenset()  # priority codes, exploitation forms,
    # countries: matched against the evaluators' expertise
    excluded: frozenset[int] = frozenset()  # evaluator keys never to propose (already
    # assigned, declared a conflict or declined)


@dataclass(frozen=True)
class EvaluatorSlot:
    key: int
    capacity: int  # further proposals this evaluator may take
    organisations: frozenset[str] = frozenset()  # own organisation and recent ties
    expertise: frozenset[str] = frozenset()
    load: int = 0  # proposals already held (for balancing)


@dataclass(frozen=True)
class Shortfall:
    proposal: int
    needed: int
    found: int
    reason: str


@dataclass
class Plan:
    pairs: list[tuple[int, int]] = field(default_factory=list)  # (proposal, evaluator)
    shortfalls: list[Shortfall] = field(default_factory=list)

    @property
    def feasible(self) -> bool:
        return not self.shortfalls

    def for_proposal(self, key: int) -> list[int]:
        return [e for p, e in self.pairs if p == key]


def in_conflict(proposal: ProposalNeed, evaluator: EvaluatorSlot) -> bool:
    return bool(proposal.organisations & evaluator.organisations)


def eligible(proposal: ProposalNeed, evaluator: EvaluatorSlot) -> bool:
    return evaluator.key not in proposal.excluded and not in_conflict(proposal, evaluator)


def expertise_score(proposal: ProposalNeed, evaluator: EvaluatorSlot) -> int:
    return min(MAX_SCORE, len(proposal.expertise_tags & evaluator.expertise))


class _Graph:
    def __init__(self, size: int):
        self.adj: list[list[int]] = [[] for _ in range(size)]
        self.to: list[int] = []
        self.cap: list[int] = []
        self.cost: list[int] = []

    def add(self, u: int, v: int, cap: int, cost: int) -> None:
        for a, b, c, w in ((u, v, cap, cost), (v, u, 0, -cost)):
            self.adj[a].append(len(self.to))
            self.to.append(b)
            self.cap.append(c)
            self.cost.append(w)

    def min_cost_flow(self, source: int, sink: int) -> None:
        """Successive shortest paths (SPFA); costs may be negative on residual edges only."""
        n = len(self.adj)
        while True:
            dist = [None] * n
            via = [-1] * n
            dist[source] = 0
            queue, queued = deque([source]), [False] * n
            queued[source] = True
            while queue:
                u = queue.popleft()
                queued[u] = False
                for e in self.adj[u]:
                    if self.cap[e] <= 0:
                        continue
                    v, d = self.to[e], dist[u] + self.cost[e]
                    if dist[v] is None or d < dist[v]:
                        dist[v], via[v] = d, e
                        if not queued[v]:
                            queued[v] = True
                            queue.append(v)
            if dist[sink] is None:
                return
            push, v = None, sink
            while v != source:
                e = via[v]
                push = self.cap[e] if push is None else min(push, self.cap[e])
                v = self.to[e ^ 1]
            v = sink
            while v != source:
                e = via[v]
                self.cap[e] -= push
                self.cap[e ^ 1] += push
                v = self.to[e ^ 1]


def plan_assignments(proposals: list[ProposalNeed], evaluators: list[EvaluatorSlot]) -> Plan:
    """Propose evaluators for every proposal's remaining need; report what stays short."""
    proposals = sorted(proposals, key=lambda p: p.key)
    evaluators = sorted(evaluators, key=lambda e: e.key)
    p_index = {p.key: 2 + i for i, p in enumerate(proposals)}
    e_index = {e.key: 2 + len(proposals) + i for i, e in enumerate(evaluators)}
    graph = _Graph(2 + len(proposals) + len(evaluators))
    source, sink = 0, 1
    pair_edges: list[tuple[int, int, int]] = []
    for p in proposals:
        if p.needed > 0:
            graph.add(source, p_index[p.key], p.needed, 0)
        for e in evaluators:
            if e.capacity > 0 and eligible(p, e):
                cost = EXPERTISE_WEIGHT * (MAX_SCORE - expertise_score(p, e))
                pair_edges.append((p.key, e.key, len(graph.to)))
                graph.add(p_index[p.key], e_index[e.key], 1, cost)
    for e in evaluators:
        for k in range(max(0, e.capacity)):
            graph.add(e_index[e.key], sink, 1, BALANCE_WEIGHT * (e.load + k))
    graph.min_cost_flow(source, sink)
    plan = Plan(pairs=[(p, e) for p, e, edge in pair_edges if graph.cap[edge] == 0])
    for p in proposals:
        found = len(plan.for_proposal(p.key))
        if found >= p.needed:
            continue
        candidates = [e for e in evaluators if eligible(p, e)]
        if len(candidates) < p.needed:
            one = len(candidates) == 1
            reason = (
                f"only {count_of(len(candidates), 'evaluator')} in the pool "
                f"{'has' if one else 'have'} no conflict with it and {'is' if one else 'are'} "
                "not already assigned"
            )
        else:
            reason = "the evaluators without a conflict have reached their maximum load"
        plan.shortfalls.append(Shortfall(p.key, p.needed, found, reason))
    return plan
