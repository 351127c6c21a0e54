"""The work-plan edit page of a grant in preparation, described once per part: the columns
of each row, how each is read and checked. Rows are read from the posted form
(`<part>-<row>-<column>`); a row left without its first column is dropped, one more empty
row adds a line; every problem is kept at its cell, so the page shows it at the field."""

from __future__ import annotations

from dataclasses import dataclass, field
from decimal import Decimal, InvalidOperation

from grants.formatting import quantity

CEILING = Decimal("1e11")


@dataclass(frozen=True)
class Column:
    key: str
    label: str
    kind: str  # "text", "int", "amount" (EUR), "quantity" (an indicator's target)
    width: int = 3  # of 12 at full width


ITEM = (
    Column("title", "Title", "text", 6),
    Column("work_package", "Work package", "int", 3),
    Column("month", "Due in month", "int", 3),
)
PARTS = {
    "deliverables": ("Deliverables", ITEM),
    "milestones": ("Milestones", ITEM),
    "indicators": (
        "Indicators",
        (
            Column("name", "Indicator", "text", 6),
            Column("unit", "Unit", "text", 3),
            Column("target", "Target", "quantity", 3),
        ),
    ),
    "budget": (
        "Budget by category",
        (Column("category", "Category", "text", 6), Column("amount", "Amount (EUR)", "amount", 6)),
    ),
}


@dataclass
class Row:
    index: int
    typed: dict[str, str]
    errors: dict[str, str] = field(default_factory=dict)


def current(grant, part: str) -> list[dict[str, str]]:
    """The part as rows of text, as the page shows them."""
    plan = grant.work_plan or {}
    if part == "budget":
        return [{"category": c, "amount": a} for c, a in (plan.get("budget") or {}).items()]
    columns = PARTS[part][1]
    return [{c.key: _shown(c, r.get(c.key)) for c in columns} for r in plan.get(part) or []]


def _shown(column: Column, value) -> str:
    """A stored value as the input shows it again: a target without its stored decimals
    (400.00 -> 400), ungrouped so that it reads back as typed."""
    if value is None:
        return ""
    return quantity(value, grouped=False) if column.kind == "quantity" else str(value)


def blank_rows(grant, part: str) -> list[Row]:
    rows = [Row(n, typed) for n, typed in enumerate(current(grant, part))]
    return [*rows, Row(len(rows), {c.key: "" for c in PARTS[part][1]})]


def _value(column: Column, raw: str, grant):
    if column.kind == "text":
        if len(raw) > 300:
            raise ValueError("300 characters at most.")
        return raw
    if column.kind == "int":
        if not (raw.isascii() and raw.isdigit()) or not 1 <= int(raw) <= grant.duration_months:
            raise ValueError(f"A whole number from 1 to {grant.duration_months}.")
        return int(raw)
    try:
        amount = Decimal(raw.replace(",", "").replace(" ", ""))
    except InvalidOperation:
        raise ValueError("A number of 0 or more.") from None
    if not amount.is_finite() or not 0 <= amount < CEILING:
        raise ValueError("A number of 0 or more.")
    if amount != amount.quantize(Decimal("0.01")):
        raise ValueError(
            "Two decimals at most." if column.kind == "quantity" else "Euros and cents at most."
        )
    return f"{amount:.2f}"


def read(grant, part: str, form) -> tuple[list[Row], list[dict] | dict | None]:
    """(the rows as typed, with their errors; the part's new value, or None if any is wrong)."""
    columns = PARTS[part][1]
    count = len(current(grant, part)) + 1
    rows, clean, wrong = [], [], False
    for n in range(count):
        typed = {c.key: (form.get(f"{part}-{n}-{c.key}") or "").strip()[:400] for c in columns}
        row = Row(n, typed)
        rows.append(row)
        if not typed[columns[0].key]:
            continue  # dropped, or the empty line left empty
        value = {}
        for c in columns:
            if not typed[c.key] and c.kind != "text":
                row.errors[c.key] = "Required."
                continue
            try:
                value[c.key] = _value(c, typed[c.key], grant)
            except ValueError as error:
                row.errors[c.key] = str(error)
        wrong = wrong or bool(row.errors)
        clean.append(value)
    if part == "budget" and not wrong:
        names = [r["category"] for r in clean]
        for row in rows:
            if row.typed["category"] and names.count(row.typed["category"]) > 1:
                row.errors["category"] = "Each category once."
                wrong = True
        return rows, None if wrong else {r["category"]: r["amount"] for r in clean}
    if part in ("deliverables", "milestones"):
        done = {
            r.get("title"): r.get("done", False) for r in (grant.work_plan or {}).get(part) or []
        }
        clean = [{**r, "done": done.get(r["title"], False)} for r in clean]
    return rows, None if wrong else clean
