"""Formatters shared by the domains and the templates: one of each."""

from __future__ import annotations

from decimal import Decimal, InvalidOperation

from scoring.criteria import count_of
from scoring.criteria import eur as _scoring_eur

__all__ = ["count_of", "eur", "points", "quantity"]


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


def quantity(value: Decimal | int | str | None, grouped: bool = True) -> str:
    """An indicator's target or value as people write it: 400.00 -> '400', 12.50 -> '12.5',
    12345 -> '12 345' (thousands separated by a narrow no-break space, as in `eur`; not with
    `grouped=False`, for a form's input); '' for None. A stored text that is not a number is
    shown as it is."""
    if value is None or value == "":
        return ""
    try:
        number = Decimal(str(value).strip())
    except InvalidOperation:
        return str(value)
    if not number.is_finite():
        return str(value)
    whole, _, fraction = (f"{number:,f}" if grouped else f"{number:f}").partition(".")
    fraction = fraction.rstrip("0")
    return whole.replace(",", "\u202f") + (f".{fraction}" if fraction else "")
