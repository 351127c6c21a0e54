"""Indicator values of a report as the coordinator enters them: one row per indicator of the
grant's work plan, with the programme's definition it counts towards (seed/indicators.toml)
and the breakdowns that definition has (sex and age, form of exploitation, profession, or
any a programme adds: the categories come from the reference data). Read from the posted
form (`ind-<row>-<breakdown>-<category>`); every problem is returned per row, so the page
shows it at the field."""

from __future__ import annotations

from dataclasses import dataclass, field
from decimal import Decimal, InvalidOperation

from sqlalchemy import select

from grants.extensions import db
from grants.formatting import quantity
from grants.taxonomy.models import IndicatorBreakdown, IndicatorDefinition

CEILING = Decimal("1e11")

# Words that suggest the definition a work-plan indicator counts towards (preselected only).
GUESSES = (
    ("victims-identified", ("identif",)),
    ("victims-assisted", ("assist", "support", "victim")),
    ("professionals-trained", ("train",)),
    ("shelter-places", ("shelter",)),
    ("referrals", ("referr",)),
    ("people-reached", ("reach", "aware", "campaign")),
)


@dataclass
class Row:
    index: int
    name: str
    unit: str
    target: str | None
    code: str = ""
    value: str = ""
    # breakdown code -> category code -> the text typed
    breakdowns: dict[str, dict[str, str]] = field(default_factory=dict)
    errors: list[str] = field(default_factory=list)


def definitions() -> list[IndicatorDefinition]:
    return list(
        db.session.scalars(select(IndicatorDefinition).order_by(IndicatorDefinition.position))
    )


def breakdowns() -> list[IndicatorBreakdown]:
    """Every breakdown a definition may have, with its categories, in the programme's order."""
    return list(
        db.session.scalars(select(IndicatorBreakdown).order_by(IndicatorBreakdown.position))
    )


def guess(name: str, codes: set[str]) -> str:
    lowered = name.lower()
    for code, words in GUESSES:
        if code in codes and any(w in lowered for w in words):
            return code
    return "other" if "other" in codes else ""


def _number(raw: str) -> Decimal | None:
    raw = raw.strip().replace(",", "").replace(" ", "")
    if not raw:
        return None
    try:
        value = Decimal(raw)
    except InvalidOperation:
        raise ValueError from None
    if not value.is_finite() or value < 0 or value > CEILING:
        raise ValueError
    return value


def rows(grant, form: dict | None = None) -> list[Row]:
    """The rows to show, filled from the posted `form` when there is one."""
    codes = {d.code for d in definitions()}
    kinds = breakdowns() if form is not None else []
    out = []
    for n, indicator in enumerate((grant.work_plan or {}).get("indicators") or []):
        row = Row(n, indicator.get("name", ""), indicator.get("unit", ""), indicator.get("target"))
        if form is None:
            row.code = guess(row.name, codes)
        else:
            row.code = form.get(f"ind-{n}-code", "")
            row.value = form.get(f"ind-{n}-value", "")[:40]
            row.breakdowns = {
                b.code: {
                    c.code: form.get(f"ind-{n}-{b.code}-{c.code}", "")[:40] for c in b.categories
                }
                for b in kinds
            }
        out.append(row)
    return out


def _parts(row: Row) -> dict[str, dict[str, Decimal]]:
    """The breakdowns given (numbers only, empty ones left out); ValueError on a bad number."""
    found = {}
    for code, typed in row.breakdowns.items():
        numbers = {c: _number(v) for c, v in typed.items()}
        numbers = {c: v for c, v in numbers.items() if v is not None}
        if numbers:
            found[code] = numbers
    return found


def _check(row: Row, definition, value, parts) -> str:
    """The problem with a row's breakdowns, or an empty string."""
    titles = {b.code: b.title for b in breakdowns()}
    allowed = {b.code for b in definition.breakdowns}
    for code, numbers in parts.items():
        if code not in allowed:
            return f"“{definition.label}” is not broken down by {titles[code].lower()}."
        total = sum(numbers.values(), Decimal(0))
        if total != value:
            return f"{titles[code]}: the parts add up to {quantity(total)}, not {quantity(value)}."
    return ""


def read(grant, form: dict) -> tuple[list[Row], list[dict]]:
    """(rows with their errors, the content rows of the report)."""
    known = {d.code: d for d in definitions()}
    shown, content = rows(grant, form), []
    for row in shown:
        try:
            value = _number(row.value)
            parts = _parts(row)
        except ValueError:
            row.errors.append("Enter numbers of 0 or more (digits only).")
            continue
        if value is None and not parts:
            continue  # nothing reported for this indicator in the period
        definition = known.get(row.code)
        if definition is None:
            row.errors.append("Choose the programme indicator this counts towards.")
            continue
        if value is None:  # the value is the sum of a breakdown when only that is given
            value = sum(next(iter(parts.values())).values(), Decimal(0))
        problem = _check(row, definition, value, parts)
        if problem:
            row.errors.append(problem)
            continue
        entry = {"code": definition.code, "value": f"{value:f}", "name": row.name}
        if parts:
            entry["breakdowns"] = {
                code: {c: f"{v:f}" for c, v in numbers.items()} for code, numbers in parts.items()
            }
        if definition.free_unit:
            entry["unit"] = row.unit or "units"
        content.append(entry)
    return shown, content


def reported(content: dict) -> list[dict]:
    """The indicator values of a report as its review page shows them: the work plan's name,
    the programme indicator it counts towards, the value with its unit, and each breakdown's
    parts by their titles."""
    known = {d.code: d for d in definitions()}
    kinds = {b.code: b for b in breakdowns()}
    shown = []
    for entry in content.get("indicators") or []:
        definition = known.get(entry.get("code", ""))
        parts = []
        for code, numbers in (entry.get("breakdowns") or {}).items():
            kind = kinds.get(code)
            titles = {c.code: c.title for c in kind.categories} if kind else {}
            for category, number in numbers.items():
                title = f"{kind.title if kind else code}: {titles.get(category, category)}"
                parts.append((title, number))
        shown.append(
            {
                "name": entry.get("name", ""),
                "counts_towards": definition.label if definition else entry.get("code", ""),
                "value": entry.get("value"),
                "unit": entry.get("unit") or (definition.unit if definition else ""),
                "parts": parts,
            }
        )
    return shown
