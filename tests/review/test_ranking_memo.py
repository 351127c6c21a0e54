"""The ranking's computation (scores, ranks, selection, decisions, digest) is kept per process
and found again only for equal inputs (issue 16): a second view of an unchanged ranking
computes nothing, and a changed score, budget, label or policy gives what a cold computation
gives."""

from __future__ import annotations

from decimal import Decimal

import pytest

import scoring
from grants.calls.models import SelectionPolicy
from grants.review import consensus, ranking
from tests.review import test_ranking as base

manager, ranked = base.manager, base.ranked  # the fixtures of the ranking's tests


@pytest.fixture
def computations(monkeypatch):
    """How many times the ranking was computed, from a cold cache."""
    ranking.forget_computed()
    made = []
    real = scoring.rank

    def counting(*args, **kwargs):
        made.append(1)
        return real(*args, **kwargs)

    monkeypatch.setattr(scoring, "rank", counting)
    yield made
    ranking.forget_computed()


def outcome(view) -> tuple:
    """What a ranking shows and records, as plain values."""
    rows = [
        (r.submission.id, r.label, r.decision.status, r.decision.rank, r.score.total, r.alignment)
        for t in view.topics
        for group in (t.selected, t.reserve, t.not_selected, t.below_threshold)
        for r in group
    ]
    topics = [(t.code, t.title, t.budget, t.committed, t.leftover) for t in view.topics]
    return view.digest, rows, topics


def cold(call):
    ranking.forget_computed()
    return outcome(ranking.build(call))


def test_an_unchanged_ranking_is_computed_once(db, ranked, computations):
    setup, _ = ranked
    first = outcome(ranking.build(setup.call))
    again = outcome(ranking.build(setup.call, {"T1": Decimal("2000000")}))  # a what-if too
    assert computations == [1] and again == first


def test_every_change_of_an_input_is_computed_afresh(
    db,
    ranked,
    computations,
    approve_consensus,
    manager,
):
    setup, p = ranked
    before = outcome(ranking.build(setup.call))

    def changed():
        seen = outcome(ranking.build(setup.call))
        assert seen != before
        assert seen == cold(setup.call)  # what the cache gives is what a computation gives
        return seen

    report = consensus.report_of(p["D"])
    consensus.return_to_rapporteur(report, "The team score is too low.", manager)
    approve_consensus(p["D"], base.points("A") | {"relevance": "29"}, manager=manager)
    before = changed()
    setup.call.topics[0].budget = Decimal("2000000")
    db.session.commit()
    before = changed()
    setup.call.topics[0].title = "Assistance to child victims"
    db.session.commit()
    before = changed()
    p["C"].acronym = "RENAMED"
    db.session.commit()
    before = changed()
    p["B"].eu_contribution = Decimal("900000")
    setup.call.selection_policy = SelectionPolicy.SKIP
    db.session.commit()
    changed()


def test_the_charts_of_a_computed_ranking_are_made_once_and_follow_a_change(
    db, ranked, computations, approve_consensus, manager
):
    from grants.review import charts

    setup, p = ranked
    first = charts.ranking_charts(ranking.build(setup.call))
    assert charts.ranking_charts(ranking.build(setup.call)) is first
    report = consensus.report_of(p["D"])
    consensus.return_to_rapporteur(report, "The team score is too low.", manager)
    approve_consensus(p["D"], base.points("A") | {"relevance": "29"}, manager=manager)
    view = ranking.build(setup.call)
    again = charts.ranking_charts(view)
    assert again is not first
    ranking.forget_computed()
    assert again == charts._ranking_charts(ranking.build(setup.call))  # as made afresh
