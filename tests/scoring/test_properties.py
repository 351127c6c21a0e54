"""Properties (hypothesis): determinism, order independence, bounds, monotonicity, budgets."""

from __future__ import annotations

from dataclasses import replace
from decimal import Decimal

from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from scoring import (
    Activity,
    Aligner,
    AlignmentInput,
    BudgetLine,
    Indicator,
    PriorityClaim,
    calibration_report,
    rank,
    score_proposals,
    select,
)
from tests.scoring.helpers import (
    BUDGET_CATEGORIES,
    SMALL_RULES,
    TARGET_GROUPS,
    D,
    candidates,
    descriptors,
    evaluations,
)

FAST = settings(max_examples=60, deadline=None, suppress_health_check=[HealthCheck.too_slow])


def permuted(items, data):
    return data.draw(st.permutations(list(items)))


# --- consensus -----------------------------------------------------------------------------------


@FAST
@given(evaluations(), st.data())
def test_aggregation_is_deterministic_bounded_and_order_free(evals, data):
    first = score_proposals(SMALL_RULES, evals)
    again = score_proposals(SMALL_RULES, permuted(evals, data))
    assert first == again
    for score in first.values():
        for result in score.criteria:
            maximum = SMALL_RULES.criterion(result.criterion).max_points
            assert 0 <= result.final <= maximum
            assert 0 <= result.mean <= maximum and 0 <= result.median <= maximum
            assert result.spread >= 0 and result.stdev >= 0
        assert 0 <= score.total <= SMALL_RULES.max_total


@FAST
@given(evaluations(proposals=5, evaluators=5), st.data())
def test_calibration_is_order_free_and_bounded(evals, data):
    first = calibration_report(SMALL_RULES, evals, min_comparisons=1)
    assert first == calibration_report(SMALL_RULES, permuted(evals, data), min_comparisons=1)
    for entry in first.evaluators:
        assert -1 <= entry.mean_deviation <= 1
    assert not set(first.lenient) & set(first.severe)


# --- ranking -------------------------------------------------------------------------------------


@FAST
@given(candidates(), st.data())
def test_ranking_is_deterministic_and_independent_of_input_order(cands, data):
    first = rank(SMALL_RULES, cands)
    assert first == rank(SMALL_RULES, permuted(cands, data))
    for topic in first.topics:
        assert [r.rank for r in topic.ranked] == list(range(1, len(topic.ranked) + 1))
        for entry in topic.ranked:
            assert SMALL_RULES.overall_threshold <= entry.total <= SMALL_RULES.max_total
        for entry in topic.below_threshold:
            assert entry.reasons
    listed = [e.proposal_id for t in first.topics for e in (*t.ranked, *t.below_threshold)]
    assert sorted(listed) == sorted(c.proposal_id for c in cands)


def _position(ranking, pid):
    entry = ranking.entry(pid)
    return getattr(entry, "rank", None) or float("inf")


@FAST
@given(candidates(min_size=2), st.data())
def test_raising_one_criterion_score_never_lowers_that_proposals_rank(cands, data):
    index = data.draw(st.integers(0, len(cands) - 1))
    chosen = cands[index]
    criterion = data.draw(st.sampled_from(SMALL_RULES.criteria))
    current = chosen.scores[criterion.code]
    steps = int((criterion.max_points - current) / criterion.step)
    raised = current + criterion.step * data.draw(st.integers(0, steps))
    better = replace(chosen, scores={**chosen.scores, criterion.code: raised})
    before = _position(rank(SMALL_RULES, cands), chosen.proposal_id)
    after_cands = [better if c is chosen else c for c in cands]
    after = _position(rank(SMALL_RULES, after_cands), chosen.proposal_id)
    assert after <= before


# --- selection -----------------------------------------------------------------------------------


@FAST
@given(
    candidates(),
    st.integers(0, 200),
    st.sampled_from(["stop", "skip"]),
    st.integers(0, 4),
    st.data(),
)
def test_selection_stays_within_budget_and_above_thresholds(cands, kilo, policy, reserve, data):
    ranking = rank(SMALL_RULES, cands)
    budgets = {t.topic: D(kilo) * 1000 for t in ranking.topics} or {"": D(0)}
    selection = select(ranking, budgets, policy=policy, reserve_size=reserve)
    below = {b.proposal_id for t in ranking.topics for b in t.below_threshold}
    contribution = {c.proposal_id: Decimal(c.eu_contribution) for c in cands}
    for topic in selection.topics:
        spent = sum((contribution[d.proposal_id] for d in topic.selected), Decimal(0))
        assert spent == topic.committed <= topic.budget
        assert topic.leftover == topic.budget - topic.committed >= 0
        assert len(topic.reserve) <= reserve
        assert all(d.proposal_id not in below for d in (*topic.selected, *topic.reserve))
    assert not below & set(selection.selected_ids)
    # the same for any input order
    reordered = rank(SMALL_RULES, permuted(cands, data))
    assert select(reordered, budgets, policy=policy, reserve_size=reserve) == selection


@FAST
@given(candidates(), st.integers(0, 100))
def test_skip_never_selects_less_money_than_stop(cands, kilo):
    ranking = rank(SMALL_RULES, cands)
    budgets = {t.topic: D(kilo) * 1000 for t in ranking.topics} or {"": D(0)}
    stop = select(ranking, budgets, policy="stop")
    skip = select(ranking, budgets, policy="skip")
    assert set(stop.selected_ids) <= set(skip.selected_ids)
    assert skip.committed >= stop.committed


# --- priority alignment --------------------------------------------------------------------------

CODE_SETS = (
    ("gender", "child", "shelters"),
    ("labour", "online", "training", "A4.3", "cooperation"),
    ("gender", "child", "shelters", "early-identification", "reintegration", "A5", "data"),
)


def _fragments():
    d = descriptors()
    words = set()
    for code in {c for codes in CODE_SETS for c in codes}:
        for phrase in d[code].phrases:
            words.update(form.replace("*", "ware") for form in phrase.forms)
        words.update(d[code].indicator_hints)
        words.update(h.replace("*", "s") for h in d[code].budget_hints)
    return sorted(words) + ["the project", "and", "work package", "Women", "CHILDREN", "-"]


FRAGMENTS = st.sampled_from(_fragments())
SNIPPETS = st.lists(FRAGMENTS, max_size=8).map(" ".join)
DISAGGREGATIONS = st.lists(st.sampled_from(["sex", "age", "nationality"]), max_size=2, unique=True)


@st.composite
def alignment_cases(draw):
    codes = draw(st.sampled_from(CODE_SETS))
    weights = {c: draw(st.integers(0, 5)) for c in codes}
    weights[codes[0]] += 1
    tags = st.lists(st.sampled_from(codes), max_size=2, unique=True).map(tuple)
    proposal = AlignmentInput(
        proposal_id="P",
        text=draw(st.lists(SNIPPETS, max_size=4).map("\n".join)),
        claims=tuple(
            PriorityClaim(code, draw(SNIPPETS))
            for code in draw(st.lists(st.sampled_from(codes), max_size=3, unique=True))
        ),
        budget=tuple(
            BudgetLine(
                draw(st.sampled_from(BUDGET_CATEGORIES)),
                D(draw(st.integers(0, 50_000))),
                draw(tags),
                draw(SNIPPETS),
            )
            for _ in range(draw(st.integers(0, 4)))
        ),
        activities=tuple(Activity(f"WP{i}", draw(tags)) for i in range(draw(st.integers(0, 4)))),
        target_groups=tuple(
            draw(st.lists(st.sampled_from(TARGET_GROUPS), max_size=4, unique=True))
        ),
        indicators=tuple(
            Indicator(draw(SNIPPETS), tuple(draw(DISAGGREGATIONS)))
            for _ in range(draw(st.integers(0, 3)))
        ),
    )
    return codes, weights, proposal


def _summary(result):
    return (
        result.total,
        result.claimed_not_evidenced,
        result.unweighted_claims,
        tuple(
            (
                p.priority,
                p.score,
                p.components,
                p.evidence_strength,
                p.text_matches,
                sorted((e.kind, e.detail, e.start, e.end) for e in p.evidence),
            )
            for p in result.priorities
        ),
    )


@FAST
@given(alignment_cases(), st.data())
def test_alignment_is_bounded_deterministic_and_order_free(case, data):
    _, weights, proposal = case
    aligner = Aligner(descriptors(), weights)
    result = aligner.align(proposal)
    assert 0 <= result.total <= 100
    for p in result.priorities:
        assert 0 <= p.score <= 1 and 0 <= p.evidence_strength <= 1
        parts = [p.components.claim, p.components.share, p.components.text]
        parts += [] if p.components.fit is None else [p.components.fit]
        assert all(0 <= x <= 1 for x in parts)
        for m in p.text_matches:
            assert proposal.text[m.start : m.end] == m.matched
    assert abs(sum(p.weight for p in result.priorities) - 1) < 1e-5
    assert _summary(aligner.align(proposal)) == _summary(result)
    shuffled = replace(
        proposal,
        claims=tuple(permuted(proposal.claims, data)),
        budget=tuple(permuted(proposal.budget, data)),
        activities=tuple(permuted(proposal.activities, data)),
        target_groups=tuple(permuted(proposal.target_groups, data)),
        indicators=tuple(permuted(proposal.indicators, data)),
    )
    assert _summary(aligner.align(shuffled)) == _summary(result)
    # weights are normalised: scaling them all changes nothing
    scaled = Aligner(descriptors(), {c: w * 7 for c, w in weights.items()})
    assert _summary(scaled.align(proposal)) == _summary(result)


def _add_evidence(proposal, codes, kind, data):
    code = data.draw(st.sampled_from(codes))
    if kind == "claim":
        return replace(
            proposal, claims=(*proposal.claims, PriorityClaim(code, data.draw(SNIPPETS)))
        )
    if kind == "justification" and proposal.claims:
        i = data.draw(st.integers(0, len(proposal.claims) - 1))
        claim = proposal.claims[i]
        longer = replace(claim, justification=claim.justification + "\n\n" + data.draw(SNIPPETS))
        claims = proposal.claims[:i] + (longer,) + proposal.claims[i + 1 :]
        return replace(proposal, claims=claims)
    if kind == "tag-budget" and proposal.budget:
        i = data.draw(st.integers(0, len(proposal.budget) - 1))
        line = proposal.budget[i]
        tagged = replace(line, priorities=tuple(sorted({*line.priorities, code})))
        return replace(proposal, budget=proposal.budget[:i] + (tagged,) + proposal.budget[i + 1 :])
    if kind == "budget-hint" and proposal.budget:
        i = data.draw(st.integers(0, len(proposal.budget) - 1))
        line = proposal.budget[i]
        hinted = replace(line, description=line.description + "; " + data.draw(SNIPPETS))
        return replace(proposal, budget=proposal.budget[:i] + (hinted,) + proposal.budget[i + 1 :])
    if kind == "tag-activity" and proposal.activities:
        i = data.draw(st.integers(0, len(proposal.activities) - 1))
        act = proposal.activities[i]
        tagged = replace(act, priorities=tuple(sorted({*act.priorities, code})))
        return replace(
            proposal, activities=proposal.activities[:i] + (tagged,) + proposal.activities[i + 1 :]
        )
    if kind == "target-group":
        group = data.draw(st.sampled_from(TARGET_GROUPS))
        return replace(proposal, target_groups=tuple(sorted({*proposal.target_groups, group})))
    if kind == "indicator":
        indicator = Indicator(data.draw(SNIPPETS), (data.draw(st.sampled_from(["sex", "age"])),))
        return replace(proposal, indicators=(*proposal.indicators, indicator))
    # a new passage of text
    return replace(proposal, text=proposal.text + "\n\n" + data.draw(SNIPPETS))


EVIDENCE_KINDS = [
    "claim",
    "justification",
    "tag-budget",
    "budget-hint",
    "tag-activity",
    "target-group",
    "indicator",
    "text",
]


@FAST
@given(
    alignment_cases(), st.lists(st.sampled_from(EVIDENCE_KINDS), min_size=1, max_size=3), st.data()
)
def test_adding_evidence_never_lowers_a_priority_score(case, kinds, data):
    codes, weights, proposal = case
    aligner = Aligner(descriptors(), weights)
    before = aligner.align(proposal)
    richer = proposal
    for kind in kinds:
        richer = _add_evidence(richer, codes, kind, data)
    after = aligner.align(richer)
    for old, new in zip(before.priorities, after.priorities, strict=True):
        assert new.score >= old.score, (old.explanation, new.explanation)
        assert new.evidence_strength >= old.evidence_strength
        assert not (new.claimed_not_evidenced and old.claimed and not old.claimed_not_evidenced)
    assert after.total >= before.total


@FAST
@given(alignment_cases(), st.data())
def test_a_new_supported_line_or_activity_tagged_to_a_priority_never_lowers_it(case, data):
    codes, weights, proposal = case
    code = data.draw(st.sampled_from([c for c in codes if weights[c] > 0]))
    aligner = Aligner(descriptors(), weights)
    before = aligner.align(proposal).priority(code).score
    amount = D(data.draw(st.integers(0, 50_000)))
    # a line or activity whose own text supports the priority (a tag alone is not evidence)
    own = descriptors()[code].phrases[0].text.replace("*", "")
    richer = replace(
        proposal,
        budget=(*proposal.budget, BudgetLine("staff", amount, (code,), f"Work on {own}")),
        activities=(*proposal.activities, Activity("new", (code,), f"Work on {own}")),
    )
    assert aligner.align(richer).priority(code).score >= before
