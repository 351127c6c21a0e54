"""Formatters shared by the domains and the templates."""

from __future__ import annotations

from decimal import Decimal


def eur(amount: Decimal | None) -> str:
    if amount is None:
        return ""
    return f"EUR {amount:,.2f}".replace(",", "\u202f")
