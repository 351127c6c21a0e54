"""Worked examples of priority alignment: components, evidence with offsets, flags, weights."""

import pytest

from scoring import (
    Activity,
    Aligner,
    AlignmentInput,
    AlignmentSettings,
    BudgetLine,
    Indicator,
    PriorityClaim,
    align,
    align_many,
    normalise_weights,
)
from scoring.descriptors import parse_descriptors
from tests.scoring.helpers import D, descriptors

SMALL = parse_descriptors(
    {
        "gender": {
            "label": "Gender",
            "phrases": [
                {"phrase": "gender dimension", "weight": 2.0},
                {"phrase": "women and girls", "variants": ["girls and women"]},
                "gender-sensitive",
            ],
            "target_groups": ["women", "girls"],
            "indicator_hints": ["women"],
            "disaggregations": ["sex"],
        },
        "shelters": {
            "label": "Shelters",
            "phrases": ["specialised shelter", "safe accommodation"],
            "target_groups": ["victims"],
            "indicator_hints": ["shelter places"],
            "budget_hints": ["accommodation"],
        },
        "data": {"label": "Data", "phrases": ["data collection"]},
        "online": {"phrases": ["online"]},
    }
)
WEIGHTS = {"gender": 3, "shelters": 1, "data": 1}
JUSTIFICATION = "Our action is gender-sensitive: it addresses women and girls in particular."
TEXT = (
    "Intro. The gender dimension matters for Women and Girls.\n\n"
    "We run two specialised shelters offering safe accommodation. "
    "Girls-and-women first. Specialised Shelter network."
)


def proposal(**changes) -> AlignmentInput:
    fields = dict(
        proposal_id="P1",
        text=TEXT,
        claims=(
            PriorityClaim("gender", JUSTIFICATION),
            PriorityClaim("data", ""),
            PriorityClaim("online", "We also work online."),
        ),
        budget=(
            BudgetLine("staff", D(60_000), ("gender",)),
            BudgetLine("other", D(30_000), ("shelters",), "accommodation costs (rent)"),
            BudgetLine("travel", D(10_000)),
        ),
        activities=(
            Activity("WP1", ("gender", "shelters")),
            Activity("WP2", ("shelters",)),
            Activity("WP3"),
            Activity("WP4"),
        ),
        target_groups=("women", "victims"),
        indicators=(
            Indicator("Number of women assisted"),
            Indicator("Victims referred", ("Sex",)),
            Indicator("Shelter places available"),
        ),
    )
    fields.update(changes)
    return AlignmentInput(**fields)


def test_worked_example_components_and_scores():
    result = align(proposal(), SMALL, WEIGHTS)
    gender = result.priority("gender")
    # claim: claimed 0.4 + justification of 40+ characters 0.3 + mentions a descriptor 0.3
    # share: budget 60 % (>= 25 %) -> 1, activities 1/4 (>= 25 %) -> 1: 0.5 + 0.5 = 1
    # fit: target groups 1 of min(2, 2) = 0.5; indicators 2 of 2 = 1 -> (0.5 + 1) / 2 = 0.75
    # text: 'gender dimension' (2.0) + 'women and girls' (1.0) = 3.0 of 3.0 -> 1
    assert (gender.components.claim, gender.components.share) == (1.0, 1.0)
    assert (gender.components.fit, gender.components.text) == (0.75, 1.0)
    # 0.20 * 1 + 0.30 * 1 + 0.25 * 0.75 + 0.25 * 1 = 0.9375
    assert gender.score == 0.9375
    assert gender.evidence_strength == 0.9219  # (0.30 + 0.1875 + 0.25) / 0.80
    assert gender.weight == 0.6 and gender.claimed and not gender.claimed_not_evidenced

    shelters = result.priority("shelters")
    # share: budget 30 % -> 1, activities 2/4 -> 1; fit: victims 1/1, indicators 1/2,
    # budget hints 1/1 -> 2.5/3; text: two distinct phrases of weight 1 -> 2/3
    assert shelters.components.claim == 0.0 and shelters.components.share == 1.0
    assert shelters.components.fit == 0.8333 and shelters.components.text == 0.6667
    assert shelters.score == 0.675  # 0.30 + 0.25 * 5/6 + 0.25 * 2/3
    assert not shelters.claimed_not_evidenced  # not claimed at all

    data = result.priority("data")
    # claimed without justification: claim 0.4; no fit rules, so the weights are
    # claim 0.20, share 0.30, text 0.25: 0.2 * 0.4 / 0.75 = 0.1067
    assert data.components == data.components.__class__(0.4, 0.0, None, 0.0)
    assert data.score == 0.1067 and data.evidence_strength == 0.0
    assert data.claimed_not_evidenced
    assert "claimed but not evidenced" in data.explanation

    # 100 * (0.6 * 0.9375 + 0.2 * 0.675 + 0.2 * 0.1067) = 71.884
    assert result.total == 71.88
    assert result.claimed_not_evidenced == ("data",)
    assert result.unweighted_claims == ("online",)
    assert [p.priority for p in result.priorities] == ["data", "gender", "shelters"]


def test_text_evidence_comes_with_offsets():
    result = align(proposal(), SMALL, WEIGHTS)
    matches = result.priority("gender").text_matches
    assert [(m.phrase, m.start, m.end, m.matched) for m in matches] == [
        ("gender dimension", 11, 27, "gender dimension"),
        ("women and girls", TEXT.index("Women"), TEXT.index("Women") + 15, "Women and Girls"),
        ("women and girls", TEXT.index("Girls-"), TEXT.index("Girls-") + 15, "Girls-and-women"),
    ]
    shelters = result.priority("shelters").text_matches
    assert [m.matched for m in shelters] == [
        "specialised shelters",
        "safe accommodation",
        "Specialised Shelter",
    ]
    for m in shelters:
        assert TEXT[m.start : m.end] == m.matched
    text_evidence = [e for e in result.priority("gender").evidence if e.kind == "text"]
    assert text_evidence[0].detail == "text mentions 'gender dimension' 1x, first at 11"
    women = TEXT.index("Women")
    assert text_evidence[1].detail == f"text mentions 'women and girls' 2x, first at {women}"
    assert (text_evidence[0].start, text_evidence[0].end) == (11, 27)
    justification = [e for e in result.priority("gender").evidence if e.kind == "justification"]
    first, second = JUSTIFICATION.index("gender-"), JUSTIFICATION.index("women")
    assert [(e.start, e.end) for e in justification] == [(first, first + 16), (second, second + 15)]
    assert first == 14


def test_every_kind_of_evidence_is_listed():
    kinds = {e.kind for e in align(proposal(), SMALL, WEIGHTS).priority("shelters").evidence}
    assert kinds == {"budget", "activity", "target-group", "indicator", "budget-hint", "text"}
    gender = align(proposal(), SMALL, WEIGHTS).priority("gender")
    details = [e.detail for e in gender.evidence]
    assert "the applicant claims gender" in details
    assert "staff EUR 60\u202f000.00 tagged" in details
    assert "indicator 'Victims referred': disaggregated by sex" in details
    assert "indicator 'Number of women assisted': name fits 'women'" in details


def test_claim_with_thin_evidence_is_flagged_and_more_evidence_clears_it():
    bare = proposal(text="", budget=(), activities=(), target_groups=(), indicators=())
    result = align(bare, SMALL, WEIGHTS)
    assert result.claimed_not_evidenced == ("data", "gender")
    # one fitting target group of two: fit (0.5 + 0) / 2, strength 0.25 * 0.25 / 0.8 = 0.078
    one = proposal(text="", budget=(), activities=(), target_groups=("girls",), indicators=())
    assert align(one, SMALL, WEIGHTS).claimed_not_evidenced == ("data", "gender")
    # both: fit (1 + 0) / 2, strength 0.25 * 0.5 / 0.8 = 0.15625 >= 0.10
    both = proposal(
        text="", budget=(), activities=(), target_groups=("girls", "women"), indicators=()
    )
    result = align(both, SMALL, WEIGHTS)
    assert result.claimed_not_evidenced == ("data",)
    assert result.priority("gender").evidence_strength == 0.1562


def test_unclaimed_priority_can_still_score_from_evidence():
    result = align(proposal(claims=()), SMALL, WEIGHTS)
    assert result.priority("shelters").score == 0.675
    assert result.priority("gender").score == 0.7375  # 0.30 + 0.25 * 0.75 + 0.25
    assert result.priority("gender").components.claim == 0.0
    assert result.claimed_not_evidenced == ()


def test_weights_are_normalised_and_zero_weights_dropped():
    assert normalise_weights({"b": 1, "a": 3, "c": 0}) == {"a": 0.75, "b": 0.25}
    with pytest.raises(ValueError, match="positive weight"):
        normalise_weights({"a": 0})
    with pytest.raises(ValueError, match="negative"):
        normalise_weights({"a": -1, "b": 2})
    with pytest.raises(KeyError, match="no descriptors"):
        Aligner(SMALL, {"nowhere": 1})


def test_settings_change_the_formula():
    strict = AlignmentSettings(min_evidence=0.95)
    result = align(proposal(), SMALL, WEIGHTS, strict)
    assert result.claimed_not_evidenced == ("data", "gender")
    with pytest.raises(ValueError):
        AlignmentSettings(full_text_weight=0)


def test_with_the_real_descriptors():
    text = (
        "Our shelter for child victims offers child-friendly, safe accommodation; unaccompanied "
        "minors are referred through the national referral mechanism."
    )
    p = AlignmentInput(
        "R1",
        text,
        claims=(PriorityClaim("child", "Child-sensitive care and appointment of guardians."),),
        target_groups=("unaccompanied-minors", "children"),
        indicators=(Indicator("Children accommodated", ("age",)),),
        budget=(BudgetLine("other", D(5000), ("shelters",), "Accommodation costs"),),
    )
    result = align_many([p], descriptors(), {"child": 2, "shelters": 1, "referral": 1})
    child = result["R1"].priority("child")
    assert {m.phrase for m in child.text_matches} >= {"child victims", "child-friendly", "minors"}
    # groups 2 of min(2, 5) = 1, indicators 1 of 2 = 0.5, budget hints 0 of 1 = 0
    assert child.components.fit == 0.5
    referral = result["R1"].priority("referral")
    assert [m.matched for m in referral.text_matches] == ["national referral mechanism"]
    assert 0 < result["R1"].total <= 100


def test_negative_budget_is_refused():
    with pytest.raises(ValueError, match="negative"):
        align(proposal(budget=(BudgetLine("staff", D(-1)),)), SMALL, WEIGHTS)
