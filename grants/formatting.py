"""Formatters shared by the domains and the templates: one of each."""

from __future__ import annotations

from decimal import Decimal

from scoring.criteria import eur as _scoring_eur


def eur(amount: Decimal | None) -> str:
    """EUR 1 234 567.89 (thousands separated by a narrow no-break space); '' for None. The
    figures in scoring's explanations use the same format (scoring/ stays pure, so grants
    calls its formatter rather than the other way round)."""
    if amount is None:
        return ""
    return _scoring_eur(amount)


def points(value: Decimal | None) -> str:
    """Points without trailing zeros: 30.00 -> '30', 12.50 -> '12.5'; '' for None."""
    if value is None:
        return ""
    return f"{value.normalize():f}" if value == value.to_integral() else f"{value:f}".rstrip("0")
