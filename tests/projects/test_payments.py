"""The payment caps as properties: no sequence of accepted reports breaks a cap."""

from decimal import Decimal

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from grants.projects.payments import Terms, balance, interim, prefinancing, schedule

money = st.decimals(min_value=0, max_value=10_000_000, places=2, allow_nan=False)
rates = st.decimals(min_value=Decimal("0.01"), max_value=100, places=2)
shares = st.decimals(min_value=0, max_value=90, places=2)
terms_st = st.builds(Terms, money, rates, shares)
# generation slows under the shared machine's load; the properties, not the speed, are tested
relaxed = settings(suppress_health_check=[HealthCheck.too_slow], deadline=None)


@relaxed
@given(terms_st, st.lists(money, max_size=8), st.one_of(st.none(), money))
def test_no_sequence_of_reports_breaks_a_cap(terms, periodic, final):
    payments = schedule(terms, periodic, final)
    running = Decimal(0)
    for p in payments:
        assert p.amount == p.amount.quantize(Decimal("0.01"))
        running += p.amount
        if p.kind != "balance":
            assert p.amount >= 0
            assert running <= terms.max_grant * Decimal("0.9")
    assert running <= terms.max_grant
    if final is not None:
        costs = sum(periodic, Decimal(0)) + final
        assert running <= terms.rate * costs
        assert running == min(
            terms.max_grant, (terms.rate * costs).quantize(Decimal("0.01"), "ROUND_DOWN")
        )


@relaxed
@given(terms_st, money, money)
def test_interim_never_exceeds_the_rate_times_the_costs(terms, paid, costs):
    assert interim(terms, paid, costs) <= terms.rate * costs


def test_worked_example():
    terms = Terms(Decimal("500000"), Decimal("90"), Decimal("40"))
    assert prefinancing(terms) == Decimal("200000.00")
    assert interim(terms, Decimal("200000"), Decimal("300000")) == Decimal("250000.00")
    assert interim(terms, Decimal("450000"), Decimal("100000")) == Decimal("0")
    assert balance(terms, Decimal("450000"), Decimal("600000")) == Decimal("50000")
    assert balance(terms, Decimal("450000"), Decimal("400000")) == Decimal("-90000.00")


@pytest.mark.parametrize(
    "args", [("-1", "90", "40"), ("100", "0", "40"), ("100", "101", "40"), ("100", "90", "95")]
)
def test_terms_refuse_absurd_values(args):
    with pytest.raises(ValueError):
        Terms(*map(Decimal, args))
