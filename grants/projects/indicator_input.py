"""Indicator values of a report as the coordinator enters them: one row per indicator of the
grant's work plan, with the programme's definition it counts towards (seed/indicators.toml)
and, where the definition has it, the breakdown by sex and age. Read from the posted form;
every problem is returned per row, so the page shows it at the field."""

from __future__ import annotations

from dataclasses import dataclass, field
from decimal import Decimal, InvalidOperation

from sqlalchemy import select

from grants.extensions import db
from grants.taxonomy.models import IndicatorDefinition

SEX_AGE = ("women", "men", "girls", "boys")
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
    breakdown: dict[str, str] = field(default_factory=dict)
    errors: list[str] = field(default_factory=list)


def definitions() -> list[IndicatorDefinition]:
    return list(
        db.session.scalars(select(IndicatorDefinition).order_by(IndicatorDefinition.position))
    )


def has_sex_age(definition: IndicatorDefinition) -> bool:
    return any(b.code == "sex-age" for b in definition.breakdowns)


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
    out = []
    for n, indicator in enumerate((grant.work_plan or {}).get("indicators") or []):
        row = Row(n, indicator.get("name", ""), indicator.get("unit", ""), indicator.get("target"))
        if form is None:
            row.code = guess(row.name, codes)
        else:
            row.code = form.get(f"ind-{n}-code", "")
            row.value = form.get(f"ind-{n}-value", "")[:40]
            row.breakdown = {c: form.get(f"ind-{n}-{c}", "")[:40] for c in SEX_AGE}
        out.append(row)
    return out


def read(grant, form: dict) -> tuple[list[Row], list[dict]]:
    """(rows with their errors, the content rows of the report)."""
    known = {d.code: d for d in definitions()}
    shown, content = rows(grant, form), []
    for row in shown:
        try:
            value = _number(row.value)
            parts = {c: _number(v) for c, v in row.breakdown.items()}
        except ValueError:
            row.errors.append("Enter numbers of 0 or more (digits only).")
            continue
        parts = {c: v for c, v in parts.items() if v is not None}
        if value is None and not parts:
            continue  # nothing reported for this indicator in the period
        definition = known.get(row.code)
        if definition is None:
            row.errors.append("Choose the programme indicator this counts towards.")
            continue
        if parts and not has_sex_age(definition):
            row.errors.append(f"“{definition.label}” is not broken down by sex and age.")
            continue
        if value is None:
            value = sum(parts.values(), Decimal(0))
        if parts and sum(parts.values(), Decimal(0)) != value:
            row.errors.append(
                f"Women, men, girls and boys add up to {sum(parts.values(), Decimal(0)):f}, "
                f"not {value:f}."
            )
            continue
        entry = {"code": definition.code, "value": f"{value:f}", "name": row.name}
        if parts:
            entry["breakdowns"] = {"sex-age": {c: f"{v:f}" for c, v in parts.items()}}
        if definition.free_unit:
            entry["unit"] = row.unit or "units"
        content.append(entry)
    return shown, content
