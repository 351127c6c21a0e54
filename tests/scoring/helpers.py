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


# --- the fast path against the reference implementation -------------------------------------
# Random calls, evaluations, consensus and candidates, each given to scoring/ and to the
# implementation it replaced (tests/scoring/reference), which must agree to the letter:
# results, Decimal representations, explanations and errors.

STEPS = ("0.5", "1", "0.25", "0.1", "0.01", "2.5", "0.05", "0.3")
GAP_SHARES = ("0", "0.1", "0.3", "0.333", "0.5", "1")
BAD_POINTS = (
    True,
    None,
    "twenty",
    [1],
    D("NaN"),
    D("sNaN"),
    D("Infinity"),
    D("-1"),
    D("1E+6"),
    2.75e-3,
)


def representations(value: Decimal) -> list:
    """The forms the same points can come in: as computed, as a Numeric(6, 2) column gives
    them, with more zeros, as int, str or float where that is exact."""
    forms: list = [value, D(str(value)), value.normalize()]
    for places in ("0.01", "0.001"):
        quantized = value.quantize(D(places))
        if quantized == value:
            forms.append(quantized)
    if value == int(value):
        forms.append(int(value))
    forms.append(str(value))
    if D(repr(float(value))) == value:
        forms.append(float(value))
    return forms


@st.composite
def call_parameters(draw) -> dict:
    """CallRules parameters, as plain data for either implementation."""
    count = draw(st.integers(1, 4))
    criteria = []
    for i in range(count):
        step = D(draw(st.sampled_from(STEPS)))
        maximum = step * draw(st.integers(1, 40))
        if draw(st.booleans()):
            maximum += D(draw(st.integers(0, 99))) / 100  # a maximum off the grid
        threshold = min(maximum, D(draw(st.integers(0, int(maximum * 4)))) / 4)
        criteria.append((f"c{i}", f"Criterion {i}", maximum, threshold, step))
    max_total = sum(c[2] for c in criteria)
    rules = []
    for code, *_ in criteria:
        rules.append(f"criterion:{code}")
    rules += ["alignment", draw(st.sampled_from(["eu_contribution_asc", "eu_contribution_desc"]))]
    tie_breaks = draw(st.permutations(rules))[: draw(st.integers(0, len(rules)))]
    return {
        "criteria": criteria,
        "overall_threshold": min(max_total, D(draw(st.integers(0, int(max_total)))) * D("0.8")),
        "aggregation": draw(st.sampled_from(["mean", "median"])),
        "disagreement_gap": D(draw(st.sampled_from(GAP_SHARES))),
        "tie_breaks": tuple(tie_breaks),
    }


def build_rules(module, parameters: dict):
    """CallRules of `module` (scoring.criteria or its reference copy) from call_parameters."""
    criteria = tuple(module.Criterion(*c) for c in parameters["criteria"])
    return module.CallRules(criteria, **{k: v for k, v in parameters.items() if k != "criteria"})


def _grid_points(draw, criterion: tuple) -> list:
    _, _, maximum, _, step = criterion
    value = step * draw(st.integers(0, int(maximum / step)))
    return draw(st.sampled_from(representations(value)))


@st.composite
def scoring_inputs(draw, parameters: dict, invalid: bool = True):
    """Evaluations and consensus records as plain data: [(proposal, evaluator, {code: points})]
    and [(proposal, {code: points})], with missing scores, many evaluators now and then, and
    (when `invalid`) sometimes one bad value, unknown criterion or repeated evaluator."""
    criteria = parameters["criteria"]
    evaluations, consensus = [], []
    for p in range(draw(st.integers(1, 6))):
        pid = f"P{p}"
        crowd = draw(st.sampled_from([3, 3, 5, 12]))
        for e in draw(st.lists(st.integers(0, crowd), max_size=crowd, unique=True)):
            chosen = (
                criteria
                if draw(st.integers(0, 4))
                else draw(st.lists(st.sampled_from(criteria), unique=True))
            )
            scores = {c[0]: _grid_points(draw, c) for c in chosen}
            evaluations.append((pid, f"E{e}", scores))
        if draw(st.integers(0, 2)) == 0:
            chosen = draw(st.lists(st.sampled_from(criteria), unique=True))
            consensus.append((pid, {c[0]: _grid_points(draw, c) for c in chosen}))
    if invalid and evaluations and draw(st.integers(0, 7)) == 0:
        index = draw(st.integers(0, len(evaluations) - 1))
        pid, evaluator, scores = evaluations[index]
        kind = draw(st.sampled_from(["value", "off-grid", "unknown", "twice"]))
        code = draw(st.sampled_from(criteria))[0]
        if kind == "value":
            scores = {**scores, code: draw(st.sampled_from(BAD_POINTS))}
        elif kind == "off-grid":
            criterion = next(c for c in criteria if c[0] == code)
            scores = {**scores, code: min(criterion[2], criterion[4] / 3)}
        elif kind == "unknown":
            scores = {**scores, "novelty": D(1)}
        else:
            evaluations.append((pid, evaluator, dict(scores)))
        evaluations[index] = (pid, evaluator, scores)
    return evaluations, consensus


@st.composite
def ranking_extras(draw, parameters: dict, proposals: list[str]):
    """What ranking adds per scored proposal (EU contribution, alignment, topic) with many
    ties, and hand-made candidates whose values come in other forms (or are wrong)."""
    topics = draw(st.sampled_from([("",), ("T1", "T2"), ("T1", "T2", "T3")]))
    money = st.tuples(st.integers(0, 6), st.sampled_from([0, 0, 1])).map(
        lambda pair: D(pair[0]) * 50_000 + pair[1]
    )
    alignment = st.sampled_from([D(0), D(50), D("62.25"), D("100"), D("40.5")])
    extras = {
        pid: (draw(money), draw(alignment), draw(st.sampled_from(topics))) for pid in proposals
    }
    made = []
    for i in range(draw(st.integers(0, 4))):
        scores = {
            c[0]: draw(
                st.sampled_from(representations(min(c[2], D(draw(st.integers(0, 3000))) / 100)))
            )
            for c in parameters["criteria"]
        }
        eu = draw(st.sampled_from(representations(D(draw(st.integers(0, 6))) * 50_000)))
        align = draw(st.sampled_from(representations(D(draw(st.integers(0, 10_000))) / 100)))
        made.append((f"H{i}", eu, scores, align, draw(st.sampled_from(topics))))
    if made and draw(st.integers(0, 5)) == 0:
        pid, eu, scores, align, topic = made[-1]
        kind = draw(st.sampled_from(["missing", "unknown", "range", "eu", "alignment", "twice"]))
        code = parameters["criteria"][0][0]
        if kind == "missing":
            scores = {k: v for k, v in scores.items() if k != code}
        elif kind == "unknown":
            scores = {**scores, "novelty": D(1)}
        elif kind == "range":
            scores = {**scores, code: parameters["criteria"][0][2] + 1}
        elif kind == "eu":
            eu = draw(st.sampled_from([D(-1), D("NaN"), "lots", D("Infinity")]))
        elif kind == "alignment":
            align = draw(st.sampled_from([D("100.01"), D("NaN"), -1]))
        else:
            pid = made[0][0]
        made[-1] = (pid, eu, scores, align, topic)
    return topics, extras, made


@st.composite
def budget_maps(draw, topics: tuple[str, ...]):
    """Budgets per topic (sometimes one amount, a missing topic or a topic without proposals)."""
    amount = (
        st.integers(0, 12)
        .map(lambda k: D(k) * 50_000)
        .flatmap(lambda v: st.sampled_from(representations(v)))
    )
    budgets = {t: draw(amount) for t in topics}
    shape = draw(st.integers(0, 9))
    if shape == 0 and len(topics) == 1:
        return budgets[topics[0]]
    if shape == 1:
        budgets.pop(topics[-1])  # a topic without a budget: an error
    if shape == 2:
        budgets["T9"] = draw(amount)
    return budgets
