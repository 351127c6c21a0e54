"""The ranking row's cells rendered once per computed row (grants.review.views.ranking_cells)
are those the template wrote: each criterion's final points, marked below its threshold, the
total, the alignment to one place, the EU contribution, the decision with its amounts kept on
one line; and the alignment total read back from its stored form exactly as before."""

from __future__ import annotations

from decimal import Decimal
from types import SimpleNamespace

from hypothesis import given
from hypothesis import strategies as st

from grants.review.alignment import as_total
from grants.review.views.ranking_cells import score_cells


class Score:
    total = Decimal("47.50")

    def final_scores(self):
        return {"relevance": Decimal("30.00"), "impact": Decimal("17.50")}


def test_a_rows_cells_mark_what_is_below_a_threshold_and_are_made_once():
    row = SimpleNamespace(
        cells=None,
        score=Score(),
        alignment=Decimal("62.25"),
        decision=SimpleNamespace(
            eu_contribution=Decimal("661500"),
            explanation="Selected: EUR 661\u202f500.00 of the budget <left>.",
        ),
    )
    criteria = [
        SimpleNamespace(code="relevance", threshold=Decimal("15")),
        SimpleNamespace(code="impact", threshold=Decimal("20")),
    ]
    scores, decision = score_cells(row, criteria)
    assert str(scores) == (
        '<td class="num">30</td><td class="num text-danger fw-bold">17.5</td>'
        '<td class="num"><strong>47.5</strong></td><td class="num">62.2</td>'
        '<td class="num">EUR 661\u202f500.00</td>'
    )
    assert str(decision) == (
        '<td class="small decision">Selected: <span class="text-nowrap">EUR 661\u202f500.00'
        "</span> of the budget &lt;left&gt;.</td>"
    )
    row.score = None  # made once: the second showing reads what the first made
    assert score_cells(row, criteria) == (scores, decision)


@given(st.integers(min_value=0, max_value=999_999))
def test_a_stored_total_reads_back_as_the_float_path_gave_it(hundredths):
    stored = Decimal(hundredths).scaleb(-2)
    expected = Decimal(str(round(float(stored), 2)))
    assert str(as_total(stored)) == str(expected)
    assert str(as_total(float(stored))) == str(expected)
    assert str(as_total(as_total(stored))) == str(expected)  # the same again in that form
