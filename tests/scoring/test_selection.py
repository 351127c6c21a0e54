"""Worked examples: stop and skip policies, reserve list, leftover budget, what-if budgets."""

import pytest

from scoring import rank, select, what_if
from tests.scoring.helpers import D, candidate, eu_rules


def ranking_of_five():
    # ranked A..E by impact; contributions in kEUR: 400, 300, 500, 200, 100; F below threshold
    return rank(
        eu_rules(),
        [
            candidate("A", 400_000, impact=25),
            candidate("B", 300_000, impact=24),
            candidate("C", 500_000, impact=23),
            candidate("D", 200_000, impact=22),
            candidate("E", 100_000, impact=21),
            candidate("F", 10_000, relevance=5),
        ],
    )


def test_stop_policy_ends_at_the_first_that_does_not_fit():
    selection = select(ranking_of_five(), D(1_000_000), policy="stop", reserve_size=2)
    topic = selection.topic("")
    assert [d.proposal_id for d in topic.selected] == ["A", "B"]
    assert topic.committed == D(700_000) and topic.leftover == D(300_000)
    assert [d.proposal_id for d in topic.reserve] == ["C", "D"]
    assert [d.reserve_position for d in topic.reserve] == [1, 2]
    assert [d.proposal_id for d in topic.not_selected] == ["E"]
    c = selection.decision("C")
    assert c.status == "reserve"
    assert (
        "needs EUR 500\u202f000.00, EUR 300\u202f000.00 left; the call's selection stops"
        in c.explanation
    )
    assert "selection stopped at rank 3" in selection.decision("E").explanation
    assert "the reserve list is full" in selection.decision("E").explanation


def test_skip_policy_takes_the_next_that_fits():
    selection = select(ranking_of_five(), D(1_000_000), policy="skip", reserve_size=1)
    topic = selection.topic("")
    assert [d.proposal_id for d in topic.selected] == ["A", "B", "D", "E"]
    assert topic.committed == D(1_000_000) and topic.leftover == D(0)
    assert [d.proposal_id for d in topic.reserve] == ["C"]
    assert "passed over for the next proposal that fits" in selection.decision("C").explanation
    assert selection.decision("D").explanation == (
        "selected at rank 4: EUR 200\u202f000.00 fits; "
        "EUR 100\u202f000.00 of EUR 1\u202f000\u202f000.00 left after it"
    )


def test_below_threshold_is_never_selected_even_when_money_is_left():
    selection = select(ranking_of_five(), D(10_000_000), policy="skip", reserve_size=5)
    assert "F" not in selection.selected_ids and "F" not in selection.reserve_ids
    f = selection.decision("F")
    assert f.status == "below threshold" and f.rank is None
    assert f.explanation == (
        "never selected: Relevance scored 5.00, below its threshold of 15.00; "
        "total 61.00 is below the call's overall threshold of 70.00"
    )
    assert selection.leftover == D(10_000_000) - D(1_500_000)


def test_reserve_is_the_next_n_above_threshold():
    selection = select(ranking_of_five(), D(400_000), reserve_size=3)
    assert selection.selected_ids == ("A",)
    assert selection.reserve_ids == ("B", "C", "D")
    assert [d.rank for d in selection.topic("").reserve] == [2, 3, 4]


def test_zero_budget_selects_nothing():
    selection = select(ranking_of_five(), D(0), reserve_size=0)
    assert selection.selected_ids == () and selection.leftover == D(0)
    assert len(selection.topic("").not_selected) == 5


def test_budget_per_topic():
    ranking = rank(
        eu_rules(),
        [
            candidate("X1", 50, topic="X", impact=25),
            candidate("X2", 60, topic="X", impact=24),
            candidate("Y1", 70, topic="Y", impact=25),
        ],
    )
    selection = select(ranking, {"X": D(100), "Y": D(100), "Z": D(5)})
    assert selection.topic("X").leftover == D(50)
    assert selection.topic("Y").leftover == D(30)
    assert selection.topic("Z").leftover == D(5)  # a topic without proposals keeps its budget
    assert selection.budget == D(205) and selection.committed == D(120)
    assert selection.leftover == D(85)
    with pytest.raises(ValueError, match="no budget for topic"):
        select(ranking, {"X": D(100)})
    with pytest.raises(ValueError, match="budget per topic"):
        select(ranking, D(100))


def test_what_if_returns_the_selection_for_another_budget():
    ranking = ranking_of_five()
    base = select(ranking, D(1_000_000), policy="stop", reserve_size=1)
    more = what_if(ranking, base, D(1_500_000))
    assert more.selection.selected_ids == ("A", "B", "C", "D", "E")
    assert more.newly_selected == ("C", "D", "E")
    assert more.no_longer_selected == ()
    assert more.budget_change == D(500_000)
    assert more.selection.policy == "stop" and more.selection.reserve_size == 1
    assert "newly selected: C, D, E" in more.explanation
    less = what_if(ranking, base, D(500_000))
    assert less.selection.selected_ids == ("A",)
    assert less.no_longer_selected == ("B",)
    assert less.selection.leftover == D(100_000)
    assert base.selected_ids == ("A", "B")  # the base selection is unchanged


def test_what_if_with_a_partial_budget_map():
    ranking = rank(
        eu_rules(),
        [candidate("X1", 50, topic="X"), candidate("Y1", 70, topic="Y")],
    )
    base = select(ranking, {"X": D(40), "Y": D(100)})
    assert base.selected_ids == ("Y1",)
    alt = what_if(ranking, base, {"X": D(50)})
    assert alt.selection.selected_ids == ("X1", "Y1")
    assert alt.selection.topic("Y").budget == D(100)


def test_invalid_policy():
    with pytest.raises(ValueError, match="policy"):
        select(ranking_of_five(), D(1), policy="greedy")
