"""The rows the call-wide pages read (grants/review/rows.py) say what the objects say: a
submission's label, topic as submitted, admissibility and eligibility after a manager's
review; a proposal's scores; the stored alignment totals the ranking reads."""

from __future__ import annotations

from decimal import Decimal

import pytest

import scoring
from grants.proposals import programme
from grants.review import alignment as stored_alignment
from grants.review import consensus, ranking, rows
from grants.review.services import current_submissions


@pytest.fixture
def manager(create_user):
    return create_user(roles=("programme_manager",))


def test_submission_rows_are_the_submissions_as_the_objects_read_them(db, evaluated_call, manager):
    setup = evaluated_call(
        n=3, ineligible=2, topics=[("T1", "One", Decimal("1400000")), ("T2", "Two", Decimal(5))]
    )
    first, second, *_ = setup.submissions
    programme.decide_checks(first, manager, "overridden", "Late annex.", False, True)
    outside = setup.ineligible[0]
    programme.decide_checks(outside, manager, "overridden", "Seat is EU.", True, True)
    programme.decide_checks(second, manager, "confirmed", "Checked.")
    db.session.expire_all()
    expected = [
        (
            s.id,
            s.reference,
            s.proposal_id,
            s.label,
            s.head.topic.code if s.head.topic else "",
            s.eu_contribution,
            s.final_admissible,
            s.final_eligible,
        )
        for s in current_submissions(setup.call)
    ]
    found = [
        (
            r.id,
            r.reference,
            r.proposal_id,
            r.label,
            r.topic,
            r.eu_contribution,
            r.final_admissible,
            r.final_eligible,
        )
        for r in rows.submission_rows(setup.call)
    ]
    assert found == expected
    assert [r.evaluable for r in rows.submission_rows(setup.call)] == [
        False, True, True, True, False
    ]  # fmt: skip
    assert {r.topic for r in rows.submission_rows(setup.call)} == {"T1"}


def test_scores_and_alignment_from_rows_are_those_of_one_proposal(
    db, evaluated_call, approve_consensus, manager
):
    points = {0: [{"relevance": "10"}, {"relevance": "28"}, {}]}
    setup = evaluated_call(n=3, points=points)
    approve_consensus(setup.submissions[0], manager=manager)
    call = setup.call
    found = rows.submission_rows(call)
    reports = rows.report_rows(call)
    references = {r.id: r.reference for r in found}
    for with_consensus in (False, True):
        agreed = (
            {
                sid: scoring.Consensus(*parts)
                for sid, parts in rows.approved_consensus(call, reports, references).items()
            }
            if with_consensus
            else None
        )
        scores = rows.proposal_scores(
            consensus.rules_of(call), found, rows.scoring_evaluations(call), agreed
        )
        for s in setup.submissions:
            assert scores[s.id] == consensus.proposal_score(s, with_consensus=with_consensus)
    totals = stored_alignment.alignment_totals(call, found)  # computed and stored on first reading
    db.session.commit()
    assert totals == {s.id: ranking.alignment_total(s) for s in setup.submissions}
    # read back from the stored rows
    assert stored_alignment.alignment_totals(call, found) == totals
