"""Payments of a grant computed from the grant and its accepted reports, never typed in.

Pure rules (no Flask, no database) in Decimal EUR, rounded down to the cent so that no
rounding can push a payment over a cap:

- pre-financing on signature: the grant's pre-financing share of the maximum grant;
- an interim payment after each accepted periodic report: the funding rate times the
  eligible costs it accepts, capped so that pre-financing plus interim payments never exceed
  90 % of the maximum grant;
- the balance after the final report: what brings the total to the lesser of the maximum
  grant and the funding rate times all accepted eligible costs (negative: a recovery).
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from decimal import ROUND_DOWN, Decimal

CENT = Decimal("0.01")
INTERIM_CEILING = Decimal("0.90")  # pre-financing plus interim payments, share of the maximum


def cents(amount: Decimal) -> Decimal:
    return amount.quantize(CENT, rounding=ROUND_DOWN)


@dataclass(frozen=True)
class Terms:
    max_grant: Decimal  # the maximum EU contribution
    funding_rate: Decimal  # a percentage, 0 < rate <= 100
    prefinancing_share: Decimal  # a percentage of the maximum grant, 0 <= share <= 90

    def __post_init__(self):
        if self.max_grant < 0:
            raise ValueError("the maximum grant is negative")
        if not Decimal(0) < self.funding_rate <= Decimal(100):
            raise ValueError("the funding rate is a percentage above 0 and up to 100")
        if not Decimal(0) <= self.prefinancing_share <= INTERIM_CEILING * 100:
            raise ValueError("the pre-financing share is a percentage from 0 to 90")

    @property
    def rate(self) -> Decimal:
        return self.funding_rate / 100


def prefinancing(terms: Terms) -> Decimal:
    return cents(terms.max_grant * terms.prefinancing_share / 100)


def interim(terms: Terms, paid: Decimal, accepted_costs: Decimal) -> Decimal:
    """The interim payment for a periodic report accepting `accepted_costs` of eligible costs,
    when `paid` (pre-financing and earlier interim payments) has already been paid."""
    if accepted_costs < 0:
        raise ValueError("accepted costs are negative")
    room = cents(terms.max_grant * INTERIM_CEILING) - paid
    return max(Decimal(0), min(cents(accepted_costs * terms.rate), room))


def balance(terms: Terms, paid: Decimal, total_accepted_costs: Decimal) -> Decimal:
    """The final payment (negative: an amount to recover) so that the total paid is the lesser
    of the maximum grant and the funding rate times every accepted eligible cost."""
    if total_accepted_costs < 0:
        raise ValueError("accepted costs are negative")
    due = min(terms.max_grant, cents(total_accepted_costs * terms.rate))
    return due - paid


@dataclass(frozen=True)
class Payment:
    kind: str  # "prefinancing", "interim", "balance"
    amount: Decimal
    report: int | None = None  # index of the report that triggered it


def schedule(
    terms: Terms, periodic_costs: Sequence[Decimal], final_costs: Decimal | None
) -> list[Payment]:
    """Every payment of a grant whose periodic reports accepted `periodic_costs` (in order)
    and whose final report, when accepted, added `final_costs`."""
    payments = [Payment("prefinancing", prefinancing(terms))]
    paid = payments[0].amount
    for index, costs in enumerate(periodic_costs):
        amount = interim(terms, paid, costs)
        payments.append(Payment("interim", amount, index))
        paid += amount
    if final_costs is not None:
        total = sum(periodic_costs, Decimal(0)) + final_costs
        payments.append(Payment("balance", balance(terms, paid, total), len(periodic_costs)))
    return payments
