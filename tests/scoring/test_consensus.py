"""Worked examples: criteria validation, aggregation, consensus, disagreement and calibration."""

from decimal import Decimal

import pytest

from scoring import CallRules, Consensus, Criterion, Evaluation, calibration_report, score_proposal
from scoring.consensus import score_proposals
from tests.scoring.helpers import D, eu_rules, evaluation


def three_evaluations():
    return [
        evaluation("P1", "E1", relevance=20, quality=14, partnership=8, cost=10, impact=20),
        evaluation("P1", "E2", relevance=26, quality=15, partnership=7, cost=11, impact=21),
        evaluation("P1", "E3", relevance=29.5, quality=16, partnership=9, cost=9.5, impact=15),
    ]


def test_mean_median_spread_and_total():
    score = score_proposal(eu_rules(), three_evaluations())
    rel = score.criterion("relevance")
    assert rel.mean == D("25.17")  # (20 + 26 + 29.5) / 3 = 25.1666...
    assert rel.median == D("26")
    assert rel.spread == D("9.5")
    # population stdev of 20, 26, 29.5: mean 25.1667, variance 15.3889, sd 3.9229
    assert rel.stdev == D("3.92")
    assert rel.final == rel.aggregate == D("25.17")
    assert rel.individual == (("E1", D(20)), ("E2", D(26)), ("E3", D("29.5")))
    impact = score.criterion("impact")
    assert impact.mean == D("18.67") and impact.median == D(20) and impact.spread == D(6)
    # 25.17 + 15.00 + 8.00 + 10.17 + 18.67
    assert score.total == D("77.01")


def test_median_aggregation_when_the_call_says_so():
    score = score_proposal(eu_rules(aggregation="median"), three_evaluations())
    assert score.criterion("relevance").final == D(26)
    assert score.criterion("cost").final == D(10)
    assert score.total == D(26) + D(15) + D(8) + D(10) + D(20)


def test_even_number_of_scores_median_is_the_mid_point():
    evals = [
        evaluation("P1", "E1", relevance=20, quality=10, partnership=5, cost=10, impact=20),
        evaluation("P1", "E2", relevance=23, quality=11, partnership=6, cost=10, impact=20),
    ]
    rel = score_proposal(eu_rules(aggregation="median"), evals).criterion("relevance")
    assert rel.median == D("21.5") and rel.mean == D("21.5")


def test_disagreement_flag_uses_more_than_the_gap():
    # gap is 30 % of the maximum: 9 points on relevance (max 30), 7.5 on impact (max 25)
    score = score_proposal(eu_rules(), three_evaluations())
    assert score.criterion("relevance").disagreement  # spread 9.5 > 9
    assert not score.criterion("impact").disagreement  # spread 6 <= 7.5
    assert score.disagreements == ("relevance",)
    assert score.flagged_for_discussion
    assert "exceeds 30.00 % of the maximum (9.00)" in score.criterion("relevance").explanation
    # exactly at the gap is not flagged
    evals = [
        evaluation("P2", "E1", relevance=20, quality=10, partnership=5, cost=10, impact=20),
        evaluation("P2", "E2", relevance=29, quality=10, partnership=5, cost=10, impact=20),
    ]
    assert not score_proposal(eu_rules(), evals).criterion("relevance").disagreement


def test_consensus_counts_where_it_exists():
    consensus = Consensus("P1", {"relevance": D(24)}, "agreed at the panel")
    score = score_proposal(eu_rules(), three_evaluations(), consensus)
    rel = score.criterion("relevance")
    assert rel.final == D(24) and rel.consensus == D(24) and rel.aggregate == D("25.17")
    assert rel.disagreement  # the individual spread is still shown
    assert "consensus 24.00 counts" in rel.explanation
    assert score.criterion("quality").final == D(15)  # no consensus: the mean
    assert score.total == D("77.01") - D("25.17") + D(24)


def test_consensus_alone_is_enough():
    consensus = Consensus(
        "P9", {"relevance": 20, "quality": 10, "partnership": 5, "cost": 10, "impact": 20}
    )
    score = score_proposal(eu_rules(), [], consensus)
    assert score.total == D(65) and score.criterion("impact").mean is None


@pytest.mark.parametrize(
    ("scores", "message"),
    [
        ({"relevance": D(31)}, "outside 0..30"),
        ({"relevance": D(-1)}, "outside"),
        ({"relevance": D("20.25")}, "not a multiple of 0.5"),
        ({"novelty": D(3)}, "unknown criteria"),
    ],
)
def test_invalid_scores_are_refused(scores, message):
    with pytest.raises(ValueError, match=message):
        score_proposal(eu_rules(), [evaluation("P1", "E1", **scores)])


def test_missing_criterion_without_consensus_is_an_error():
    with pytest.raises(ValueError, match="no score and no consensus for criterion 'quality'"):
        score_proposal(eu_rules(), [evaluation("P1", "E1", relevance=20)])


def test_same_evaluator_twice_is_an_error():
    evals = three_evaluations() + [three_evaluations()[0]]
    with pytest.raises(ValueError, match="twice"):
        score_proposal(eu_rules(), evals)


def test_rules_validation():
    with pytest.raises(ValueError, match="unique"):
        CallRules((Criterion("a", "A", 10), Criterion("a", "A", 10)), tie_breaks=())
    with pytest.raises(ValueError, match="no criterion 'relevance'"):
        CallRules((Criterion("a", "A", 10),))  # the default tie-breaks name relevance
    with pytest.raises(ValueError, match="unknown tie-break"):
        eu_rules(tie_breaks=("luck",))
    with pytest.raises(ValueError, match="aggregation"):
        eu_rules(aggregation="mode")
    with pytest.raises(ValueError, match="threshold"):
        Criterion("a", "A", 10, 11)
    assert Criterion("a", "A", 10, "2.5", 0.5).threshold == Decimal("2.5")


def test_score_proposals_groups_by_proposal():
    evals = three_evaluations() + [
        evaluation("P0", "E1", relevance=10, quality=10, partnership=5, cost=5, impact=10)
    ]
    scores = score_proposals(eu_rules(), evals)
    assert list(scores) == ["P0", "P1"]
    assert scores["P0"].total == D(40)


def test_calibration_flags_lenient_and_severe():
    rules = CallRules((Criterion("q", "Quality", 10),), tie_breaks=())
    evals = []
    # E1 is always 2 points (20 % of the maximum) above the others, E3 always 2 below
    for p, base in enumerate([4, 5, 6]):
        evals += [
            evaluation(f"P{p}", "E1", q=base + 2),
            evaluation(f"P{p}", "E2", q=base),
            evaluation(f"P{p}", "E3", q=base - 2),
        ]
    report = calibration_report(rules, evals, tolerance=D("0.10"), min_comparisons=3)
    e1, e2, e3 = report.evaluators
    # E1 vs mean(E2, E3) = base - 1: +3 points = +0.30 of the maximum
    assert (e1.evaluator_id, e1.mean_deviation, e1.mean_deviation_points) == ("E1", D("0.3"), D(3))
    assert e2.mean_deviation == D(0) and e2.verdict == "in line"
    assert e3.mean_deviation == D("-0.3") and e3.verdict == "severe"
    assert e1.comparisons == 3 and e1.verdict == "lenient"
    assert report.lenient == ("E1",) and report.severe == ("E3",)
    assert "30.00 % of the maximum above co-evaluators" in e1.explanation


def test_calibration_normalises_by_the_criterion_maximum_and_needs_comparisons():
    rules = CallRules((Criterion("a", "A", 10), Criterion("b", "B", 40)), tie_breaks=())
    evals = [
        evaluation("P1", "E1", a=6, b=24),
        evaluation("P1", "E2", a=5, b=20),
        evaluation("P2", "E1", a=5),  # alone on P2: no comparison
    ]
    report = calibration_report(rules, evals, min_comparisons=3)
    e1 = report.evaluator("E1")
    # (+1/10 + 4/40) / 2 = 0.10 share; (1 + 4) / 2 = 2.5 points
    assert e1.comparisons == 2
    assert e1.mean_deviation == D("0.1") and e1.mean_deviation_points == D("2.5")
    assert e1.verdict == "too few comparisons"
    lenient = calibration_report(rules, evals, tolerance=D("0.05"), min_comparisons=2)
    assert lenient.lenient == ("E1",) and lenient.severe == ("E2",)


def test_points_keep_their_form_and_statistics_are_built_when_read():
    evals = [
        evaluation("P1", "E1", relevance="20.00", quality=14, partnership=8, cost=10, impact=20),
        Evaluation(
            "P1",
            "E2",
            {"relevance": 26, "quality": "15", "partnership": D("7.0"), "cost": 11.0}
            | {"impact": D(21)},
        ),
    ]
    consensus = Consensus("P1", {"impact": 22})
    score = score_proposal(eu_rules(), evals, consensus)
    assert "criteria" not in vars(score)  # nothing built yet
    final = score.final_scores()
    assert [str(v) for v in final.values()] == ["23.00", "14.50", "7.50", "10.50", "22"]
    assert str(score.total) == "77.50"
    rel = score.criterion("relevance")
    assert [str(v) for _, v in rel.individual] == ["20.00", "26"]  # as given, as Decimal
    assert str(rel.spread) == "6.00" and str(rel.stdev) == "3.00"
    assert [str(v) for _, v in score.criterion("cost").individual] == ["10", "11.0"]
    assert "criteria" in vars(score) and score.criteria[0] is rel
    with pytest.raises(KeyError):
        score.criterion("novelty")
