"""Worked examples: thresholds with reasons, each tie-break rule, per-topic ranking."""

import pytest

from scoring import Candidate, Criterion, rank, score_proposal
from tests.scoring.helpers import D, candidate, eu_rules, evaluation


def ids(topic_ranking):
    return [r.proposal_id for r in topic_ranking.ranked]


def test_below_threshold_is_listed_with_every_reason():
    rules = eu_rules()
    ranking = rank(
        rules,
        [
            candidate("OK", 100_000),
            candidate("LOW-REL", 100_000, relevance=14.5),  # threshold 15
            candidate("LOW-ALL", 100_000, relevance=10, impact=10),  # total 56 < 70 too
            candidate("EDGE", 100_000, relevance=15, quality=10, impact=12.5, cost=12),
        ],
    )
    topic = ranking.topic("")
    assert ids(topic) == ["OK"]
    below = {b.proposal_id: b for b in topic.below_threshold}
    assert below["LOW-REL"].reasons == ("Relevance scored 14.50, below its threshold of 15.00",)
    assert below["LOW-ALL"].reasons == (
        "Relevance scored 10.00, below its threshold of 15.00",
        "Impact and sustainability scored 10.00, below its threshold of 12.50",
        "total 56.00 is below the call's overall threshold of 70.00",
    )
    # EDGE meets every criterion threshold exactly but its total 57.5 misses the overall one
    assert below["EDGE"].reasons == ("total 57.50 is below the call's overall threshold of 70.00",)
    # listed best total first
    assert [b.proposal_id for b in topic.below_threshold] == ["LOW-REL", "EDGE", "LOW-ALL"]
    assert below["LOW-REL"].explanation.startswith("not ranked in the call: Relevance")


def test_exactly_at_threshold_passes():
    ranking = rank(
        eu_rules(), [candidate("P", 1, relevance=15, quality=10, partnership=10, impact=23)]
    )
    # 15 + 10 + 10 + 12 + 23 = 70: every threshold met exactly
    assert ids(ranking.topic("")) == ["P"]


def test_total_score_decides_first():
    ranking = rank(eu_rules(), [candidate("A", 1, impact=20), candidate("B", 1, impact=21)])
    assert ids(ranking.topic("")) == ["B", "A"]
    assert ranking.topic("").ranked[0].rank == 1
    assert ranking.topic("").ranked[0].total == D(81)


def test_tie_break_relevance_first():
    # same total 80, A has more relevance, B has more impact: relevance decides
    a = candidate("A", 1, relevance=25, impact=19)
    b = candidate("B", 1, relevance=24, impact=20)
    ranked = rank(eu_rules(), [b, a]).topic("").ranked
    assert [r.proposal_id for r in ranked] == ["A", "B"]
    assert "placed ahead by criterion relevance (25.00 for this proposal)" in ranked[0].explanation
    behind = "tied on total with rank 1, placed behind by criterion relevance"
    assert behind in ranked[1].explanation


def test_tie_break_impact_second():
    # same total and relevance; impact decides over quality
    a = candidate("A", 1, quality=17, impact=19)
    b = candidate("B", 1, quality=16, impact=20)
    assert ids(rank(eu_rules(), [a, b]).topic("")) == ["B", "A"]


def test_tie_break_alignment_third():
    a = candidate("A", 1, alignment="40.5")
    b = candidate("B", 1, alignment="62.25")
    ranked = rank(eu_rules(), [a, b]).topic("").ranked
    assert [r.proposal_id for r in ranked] == ["B", "A"]
    assert "priority alignment (62.25 for this proposal)" in ranked[0].explanation


def test_tie_break_smaller_eu_contribution_fourth():
    a = candidate("A", "250000.00")
    b = candidate("B", "249999.99")
    ranked = rank(eu_rules(), [a, b]).topic("").ranked
    assert [r.proposal_id for r in ranked] == ["B", "A"]
    assert (
        "smaller EU contribution (EUR 249\u202f999.99 for this proposal)" in ranked[0].explanation
    )


def test_proposal_id_makes_the_order_total():
    ranked = rank(eu_rules(), [candidate("B", 5), candidate("A", 5)]).topic("").ranked
    assert [r.proposal_id for r in ranked] == ["A", "B"]
    assert "every tie-break rule, placed ahead by proposal id" in ranked[0].explanation


def test_call_specific_tie_break_order():
    rules = eu_rules(tie_breaks=("eu_contribution_desc", "criterion:quality"))
    a = candidate("A", 100, relevance=25, impact=19)
    b = candidate("B", 200, relevance=24, impact=20)
    c = candidate("C", 200, relevance=23, quality=17, impact=20)
    # all total 80; larger contribution first, then quality
    assert ids(rank(rules, [a, b, c]).topic("")) == ["C", "B", "A"]


def test_each_topic_is_ranked_separately():
    ranking = rank(
        eu_rules(),
        [
            candidate("T1-low", 1, topic="T1", impact=15),
            candidate("T2-top", 1, topic="T2", impact=25),
            candidate("T1-top", 1, topic="T1", impact=24),
            candidate("T2-low", 1, topic="T2", impact=13),
            candidate("T2-out", 1, topic="T2", impact=12),
        ],
    )
    assert [t.topic for t in ranking.topics] == ["T1", "T2"]
    assert ids(ranking.topic("T1")) == ["T1-top", "T1-low"]
    assert ids(ranking.topic("T2")) == ["T2-top", "T2-low"]
    assert [r.rank for r in ranking.topic("T2").ranked] == [1, 2]
    assert [b.proposal_id for b in ranking.topic("T2").below_threshold] == ["T2-out"]
    assert ranking.entry("T1-low").rank == 2
    assert "rank 2 of 2 in topic T1" in ranking.entry("T1-low").explanation


def test_candidate_from_a_proposal_score():
    evals = [
        evaluation("P1", "E1", relevance=20, quality=14, partnership=8, cost=10, impact=20),
        evaluation("P1", "E2", relevance=26, quality=15, partnership=7, cost=11, impact=21),
    ]
    c = Candidate.from_score(score_proposal(eu_rules(), evals), D(1000), topic="T")
    assert c.scores["relevance"] == D(23) and c.topic == "T"
    assert rank(eu_rules(), [c]).topic("T").ranked[0].total == D(
        "76.00"
    )  # 23 + 14.5 + 7.5 + 10.5 + 20.5


@pytest.mark.parametrize(
    ("bad", "message"),
    [
        (Candidate("X", D(1), {"relevance": D(1)}), "no score for criterion 'quality'"),
        (candidate("X", -1), "cannot be negative"),
        (candidate("X", 1, relevance=31), "outside"),
        (candidate("X", 1, alignment="100.01"), "alignment"),
    ],
)
def test_invalid_candidates(bad, message):
    with pytest.raises(ValueError, match=message):
        rank(eu_rules(), [bad])


def test_duplicate_ids_are_refused():
    with pytest.raises(ValueError, match="twice"):
        rank(eu_rules(), [candidate("A", 1), candidate("A", 2)])


def test_scores_checked_when_scored_are_not_checked_again_and_cannot_change():
    evals = [
        evaluation("P1", "E1", relevance=20, quality=14, partnership=8, cost=10, impact=20),
        evaluation("P1", "E2", relevance=26, quality=15, partnership=7, cost=11, impact=21),
    ]
    score = score_proposal(eu_rules(), evals)
    made = Candidate.from_score(score, D(1000), topic="T")
    with pytest.raises(TypeError):
        made.scores["relevance"] = D(30)  # a read-only view of the checked scores
    # the same scores typed in by hand, as ints and strings, rank the same
    by_hand = Candidate("P1", 1000, {k: str(v) for k, v in made.scores.items()}, 0, "T")
    fast, checked = rank(eu_rules(), [made]), rank(eu_rules(), [by_hand])
    assert fast == checked
    assert fast.entry("P1").explanation == checked.entry("P1").explanation
    # scored under other rules, the scores are checked against these
    strict = eu_rules(criteria=(*eu_rules().criteria[:4], Criterion("impact", "I", D(20))))
    with pytest.raises(ValueError, match="impact score 20.50 is outside"):
        rank(strict, [made])
