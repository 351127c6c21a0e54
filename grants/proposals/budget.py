"""A proposal's budget maths: totals by category and partner, the 7 % limit on indirect
costs and the EU contribution."""

from __future__ import annotations

from collections import Counter
from dataclasses import dataclass, field
from decimal import ROUND_DOWN, Decimal

from grants.proposals.models import BudgetCategory, Proposal

INDIRECT_RATE = Decimal("0.07")
CENT = Decimal("0.01")


@dataclass
class BudgetSummary:
    by_category: dict[str, Decimal]
    by_partner: list[tuple[str, Decimal]]
    direct: Decimal
    indirect: Decimal
    indirect_limit: Decimal
    total: Decimal
    eligible: Decimal
    funding_rate: Decimal
    eu_contribution: Decimal
    lines: int = 0
    priority_share: dict[str, Decimal] = field(default_factory=dict)

    @property
    def indirect_share(self) -> Decimal:
        return (self.indirect * 100 / self.direct).quantize(CENT) if self.direct else Decimal(0)

    @property
    def indirect_over(self) -> bool:
        return self.indirect > self.indirect_limit


def budget_summary(proposal: Proposal) -> BudgetSummary:
    """Totals by category and partner, the 7 % indirect limit and the EU contribution.

    The EU contribution is the funding rate applied to the eligible costs (indirect costs
    counted up to the limit), rounded down to the cent so it never exceeds the rate.
    """
    by_category = {c.value: Decimal("0.00") for c in BudgetCategory}
    by_partner: dict[int, Decimal] = {p.id: Decimal("0.00") for p in proposal.partners}
    priority_share: Counter = Counter()
    for line in proposal.budget_lines:
        amount = line.amount or Decimal(0)
        by_category[BudgetCategory(line.category).value] += amount
        by_partner[line.partner_id] = by_partner.get(line.partner_id, Decimal(0)) + amount
        for code in line.priorities or []:
            priority_share[code] += amount
    indirect = by_category[BudgetCategory.INDIRECT.value]
    direct = sum(by_category.values(), Decimal(0)) - indirect
    limit = (direct * INDIRECT_RATE).quantize(CENT, rounding=ROUND_DOWN)
    eligible = direct + min(indirect, limit)
    rate = Decimal(proposal.call.funding_rate)
    contribution = (eligible * rate / 100).quantize(CENT, rounding=ROUND_DOWN)
    names = {p.id: p.name or "(unnamed partner)" for p in proposal.partners}
    return BudgetSummary(
        by_category=by_category,
        by_partner=[(names.get(pid, "?"), amount) for pid, amount in by_partner.items()],
        direct=direct,
        indirect=indirect,
        indirect_limit=limit,
        total=direct + indirect,
        eligible=eligible,
        funding_rate=rate,
        eu_contribution=contribution,
        lines=len(proposal.budget_lines),
        priority_share=dict(priority_share),
    )
