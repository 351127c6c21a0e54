"""Shared builders and hypothesis strategies for the scoring tests (no conftest: no Flask)."""

from __future__ import annotations

from decimal import Decimal
from functools import cache

from hypothesis import strategies as st

from scoring import CallRules, Candidate, Criterion, DescriptorSet, Evaluation, load_descriptors

D = Decimal

PRIORITY_CODES = (
    "gender",
    "child",
    "shelters",
    "early-identification",
    "referral",
    "reintegration",
    "sexual",
    "labour",
    "online",
    "non-eu-victims",
    "vulnerable-groups",
    "training",
    "awareness",
    "data",
    "cooperation",
)
AREA_CODES = ("A2", "A3", "A4", "A4.1", "A4.2", "A4.3", "A5", "A6")
TARGET_GROUPS = [
    "women",
    "girls",
    "men",
    "boys",
    "children",
    "children-in-migration",
    "unaccompanied-minors",
    "roma",
    "lgbtiq",
    "persons-with-disabilities",
    "third-country-nationals",
    "eu-citizens",
    "asylum-seekers",
    "victims",
    "frontline-professionals",
    "law-enforcement",
    "judiciary",
    "labour-inspectors",
    "social-workers",
    "health-professionals",
    "border-guards",
    "employers",
    "online-platforms",
    "general-public",
    "users-of-services",
]
BUDGET_CATEGORIES = ("staff", "travel", "equipment", "subcontracting", "other", "indirect")


@cache
def descriptors() -> DescriptorSet:
    """The real seed/descriptors.toml, loaded once per test session."""
    return load_descriptors()


def eu_rules(**overrides) -> CallRules:
    """Five criteria in the EU style, 100 points in all, overall threshold 70."""
    criteria = (
        Criterion("relevance", "Relevance", D(30), D(15)),
        Criterion("quality", "Quality of design and implementation", D(20), D(10)),
        Criterion("partnership", "Partnership and cooperation", D(10), D(5)),
        Criterion("cost", "Cost-effectiveness", D(15), D(7.5)),
        Criterion("impact", "Impact and sustainability", D(25), D(12.5)),
    )
    params = {"criteria": criteria, "overall_threshold": D(70)}
    params.update(overrides)
    return CallRules(**params)


def evaluation(pid: str, evaluator: str, **scores) -> Evaluation:
    return Evaluation(pid, evaluator, {k: D(str(v)) for k, v in scores.items()})


def candidate(
    pid: str, eu: str | int, topic: str = "", alignment: str = "0", **scores
) -> Candidate:
    """A candidate for eu_rules(); unspecified criteria get a comfortable passing score."""
    base = {"relevance": 24, "quality": 16, "partnership": 8, "cost": 12, "impact": 20}
    base.update(scores)
    return Candidate(pid, D(str(eu)), {k: D(str(v)) for k, v in base.items()}, D(alignment), topic)


# --- hypothesis strategies ---------------------------------------------------------------------

SMALL_RULES = CallRules(
    criteria=(
        Criterion("relevance", "Relevance", D(10), D(5), D("0.5")),
        Criterion("quality", "Quality", D(10), D(4), D("0.5")),
        Criterion("impact", "Impact", D(5), D(2), D(1)),
    ),
    overall_threshold=D(14),
)


def points(maximum: Decimal, step: Decimal):
    """Scores on the criterion's grid: 0, step, 2*step ... maximum."""
    return st.integers(0, int(maximum / step)).map(lambda n: step * n)


def score_maps(rules: CallRules = SMALL_RULES):
    return st.fixed_dictionaries({c.code: points(c.max_points, c.step) for c in rules.criteria})


@st.composite
def candidates(draw, rules: CallRules = SMALL_RULES, min_size: int = 1, max_size: int = 25):
    n = draw(st.integers(min_size, max_size))
    topics = draw(st.sampled_from([("",), ("T1", "T2")]))
    result = []
    for i in range(n):
        result.append(
            Candidate(
                proposal_id=f"P{i:03d}",
                eu_contribution=D(draw(st.integers(0, 40))) * 1000,
                scores=draw(score_maps(rules)),
                alignment=D(draw(st.integers(0, 10000))) / 100,
                topic=draw(st.sampled_from(topics)),
            )
        )
    return result


@st.composite
def evaluations(draw, rules: CallRules = SMALL_RULES, proposals: int = 4, evaluators: int = 4):
    """Every proposal scored by 1..evaluators distinct evaluators on every criterion."""
    result = []
    for p in range(draw(st.integers(1, proposals))):
        chosen = draw(
            st.lists(st.integers(0, evaluators - 1), min_size=1, max_size=evaluators, unique=True)
        )
        for e in chosen:
            result.append(Evaluation(f"P{p}", f"E{e}", draw(score_maps(rules))))
    return result
