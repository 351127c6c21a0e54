"""Property tests of the automatic assignment (a pure function, no database): no conflicts,
loads within the maximum, the required number per proposal whenever that is feasible, and
every shortfall reported."""

from __future__ import annotations

from hypothesis import given, settings
from hypothesis import strategies as st

from grants.review.assignment import (
    EvaluatorSlot,
    ProposalNeed,
    eligible,
    plan_assignments,
)

ORGS = [f"org{i}" for i in range(6)]
TOPICS = ["child", "gender", "labour", "sexual", "BG", "RO"]


@st.composite
def instances(draw):
    n_evaluators = draw(st.integers(0, 7))
    evaluators = [
        EvaluatorSlot(
            key=100 + i,
            capacity=draw(st.integers(0, 4)),
            organisations=frozenset(draw(st.sets(st.sampled_from(ORGS), max_size=2))),
            expertise=frozenset(draw(st.sets(st.sampled_from(TOPICS), max_size=3))),
            load=draw(st.integers(0, 3)),
        )
        for i in range(n_evaluators)
    ]
    keys = [e.key for e in evaluators]
    proposals = [
        ProposalNeed(
            key=i,
            needed=draw(st.integers(0, 4)),
            organisations=frozenset(draw(st.sets(st.sampled_from(ORGS), max_size=3))),
            expertise_tags=frozenset(draw(st.sets(st.sampled_from(TOPICS), max_size=3))),
            excluded=frozenset(draw(st.sets(st.sampled_from(keys), max_size=2)) if keys else ()),
        )
        for i in range(draw(st.integers(0, 6)))
    ]
    return proposals, evaluators


def max_staffing(proposals, evaluators) -> int:
    """An independent check: the maximum flow source -> proposal (needed) -> evaluator (1 per
    eligible pair) -> sink (capacity), by Edmonds-Karp on a dict of residual capacities."""
    cap: dict[tuple, int] = {}

    def edge(u, v, c):
        cap[(u, v)] = cap.get((u, v), 0) + c
        cap.setdefault((v, u), 0)

    for p in proposals:
        edge("s", ("p", p.key), p.needed)
        for e in evaluators:
            if eligible(p, e):
                edge(("p", p.key), ("e", e.key), 1)
    for e in evaluators:
        edge(("e", e.key), "t", max(0, e.capacity))
    nodes: dict = {}
    for u, v in cap:
        nodes.setdefault(u, []).append(v)
    flow = 0
    while True:
        parent = {"s": None}
        frontier = ["s"]
        while frontier and "t" not in parent:
            nxt = []
            for u in frontier:
                for v in nodes.get(u, []):
                    if v not in parent and cap[(u, v)] > 0:
                        parent[v] = u
                        nxt.append(v)
            frontier = nxt
        if "t" not in parent:
            return flow
        v = "t"
        while parent[v] is not None:
            u = parent[v]
            cap[(u, v)] -= 1
            cap[(v, u)] += 1
            v = u
        flow += 1


@settings(max_examples=300, deadline=None)
@given(instances())
def test_no_conflicts_no_duplicates_and_loads_within_the_maximum(instance):
    proposals, evaluators = instance
    plan = plan_assignments(proposals, evaluators)
    by_key_p = {p.key: p for p in proposals}
    by_key_e = {e.key: e for e in evaluators}
    assert len(set(plan.pairs)) == len(plan.pairs)
    for p, e in plan.pairs:
        assert eligible(by_key_p[p], by_key_e[e])
        assert not (by_key_p[p].organisations & by_key_e[e].organisations)
    for e in evaluators:
        assert sum(1 for _, k in plan.pairs if k == e.key) <= max(0, e.capacity)
    for p in proposals:
        assert len(plan.for_proposal(p.key)) <= p.needed


@settings(max_examples=300, deadline=None)
@given(instances())
def test_staffs_everything_when_feasible_and_reports_every_shortfall(instance):
    proposals, evaluators = instance
    plan = plan_assignments(proposals, evaluators)
    # The plan is a maximum: as many pairs as an independent matching finds.
    assert len(plan.pairs) == max_staffing(proposals, evaluators)
    short = {s.proposal for s in plan.shortfalls}
    for p in proposals:
        found = len(plan.for_proposal(p.key))
        assert (found < p.needed) == (p.key in short)
    for s in plan.shortfalls:
        assert s.found < s.needed and s.reason
    feasible = max_staffing(proposals, evaluators) == sum(p.needed for p in proposals)
    assert plan.feasible == feasible


@settings(max_examples=100, deadline=None)
@given(instances(), st.randoms())
def test_deterministic_whatever_the_order(instance, rnd):
    proposals, evaluators = instance
    first = plan_assignments(proposals, evaluators)
    shuffled_p, shuffled_e = list(proposals), list(evaluators)
    rnd.shuffle(shuffled_p)
    rnd.shuffle(shuffled_e)
    second = plan_assignments(shuffled_p, shuffled_e)
    assert sorted(first.pairs) == sorted(second.pairs)
    assert first.shortfalls == second.shortfalls


def test_loads_are_balanced_and_expertise_preferred():
    proposals = [
        ProposalNeed(key=i, needed=1, expertise_tags=frozenset({"child"})) for i in range(4)
    ]
    evaluators = [
        EvaluatorSlot(key=1, capacity=4, expertise=frozenset({"child"})),
        EvaluatorSlot(key=2, capacity=4),
    ]
    plan = plan_assignments(proposals, evaluators)
    loads = [sum(1 for _, e in plan.pairs if e == k) for k in (1, 2)]
    assert sorted(loads) == [2, 2]  # balance outweighs one point of expertise
    one = plan_assignments(proposals[:1], evaluators)
    assert one.pairs == [(0, 1)]  # with no load to balance, the expert is chosen


def test_infeasible_is_reported_with_a_reason():
    proposals = [ProposalNeed(key=1, needed=3, organisations=frozenset({"a"}))]
    evaluators = [
        EvaluatorSlot(key=1, capacity=5),
        EvaluatorSlot(key=2, capacity=5, organisations=frozenset({"a"})),
    ]
    plan = plan_assignments(proposals, evaluators)
    assert plan.pairs == [(1, 1)]
    assert not plan.feasible
    (short,) = plan.shortfalls
    assert (short.needed, short.found) == (3, 1)
    assert "only 1 evaluator" in short.reason
    full = plan_assignments(proposals, [EvaluatorSlot(key=k, capacity=0) for k in range(5)])
    assert "maximum load" in full.shortfalls[0].reason
