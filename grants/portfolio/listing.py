"""The review map's project lists (a page, or all of them for the exports and the PDF's
annex) and one project's countries, tags and indicators, over the filtered set of
queries.py."""

from __future__ import annotations

from decimal import Decimal

from sqlalchemy import func, select

from grants.extensions import db
from grants.portfolio.filters import PortfolioFilter
from grants.portfolio.models import (
    CountryRole,
    PortfolioCountry,
    PortfolioIndicatorValue,
    PortfolioOutcomeTag,
    PortfolioTag,
    TagKind,
)
from grants.portfolio.queries import TAG_KINDS, P, _code, labels, scope

# Projects ------------------------------------------------------------------------------------

ORDERS = {
    "year": (P.start_year.desc(), P.id),
    "amount": (P.eu_contribution.desc(), P.id),
    "title": (P.title, P.id),
}


def project_rows(f: PortfolioFilter, page: int = 1, per_page: int = 50, order: str = "year"):
    """(rows as dicts of the list's columns, total): one page, or all when per_page is None."""
    ids = scope(f)
    total = db.session.scalar(select(func.count()).select_from(ids.subquery()))
    columns = [
        P.id,
        P.key,
        P.source,
        P.reference,
        P.acronym,
        P.title,
        P.fund_code,
        P.programme,
        P.call_reference,
        P.start_year,
        P.start_month,
        P.start_day,
        P.end_year,
        P.end_month,
        P.end_day,
        P.status,
        P.eu_contribution,
        P.total_cost,
        P.coordinator_name,
        P.coordinator_type,
        P.coordinator_country,
    ]
    stmt = select(*columns).where(P.id.in_(ids)).order_by(*ORDERS.get(order, ORDERS["year"]))
    if per_page:
        stmt = stmt.limit(per_page).offset((max(page, 1) - 1) * per_page)
    rows = [dict(r._mapping) for r in db.session.execute(stmt)]
    _attach_lists(rows, f)
    return rows, total or 0


def _attach_lists(rows: list[dict], f: PortfolioFilter) -> None:
    """Countries per mode and priority codes of the listed projects, in two statements."""
    ids = [r["id"] for r in rows]
    for r in rows:
        r["countries"] = {role.value: [] for role in CountryRole}
        r["priorities"] = []
        if f.public:
            for private in ("programme", "status", "total_cost", "reference", "key"):
                r.pop(private, None)
    if not ids:
        return
    by_id = {r["id"]: r for r in rows}
    for pid, role, country in db.session.execute(
        select(PortfolioCountry.project_id, PortfolioCountry.role, PortfolioCountry.country)
        .where(PortfolioCountry.project_id.in_(ids))
        .order_by(PortfolioCountry.project_id, PortfolioCountry.country)
    ):
        by_id[pid]["countries"][_code(role)].append(country)
    names = labels()
    for pid, code in db.session.execute(
        select(PortfolioTag.project_id, PortfolioTag.code)
        .where(PortfolioTag.project_id.in_(ids), PortfolioTag.kind == TagKind.PRIORITY)
        .order_by(PortfolioTag.project_id, PortfolioTag.code)
    ):
        if names.priorities.get(code, ("", ""))[1] in ("area", "dimension"):
            by_id[pid]["priorities"].append(code)


def date_text(year, month, day) -> str:
    if not year:
        return ""
    if day:
        return f"{year:04d}-{month:02d}-{day:02d}"
    if month:
        return f"{year:04d}-{month:02d}"
    return f"{year:04d}"


# One project -------------------------------------------------------------------------------


def project_countries(project_id: int) -> dict[str, list[tuple[str, Decimal | None]]]:
    found: dict[str, list] = {role.value: [] for role in CountryRole}
    for role, country, amount in db.session.execute(
        select(PortfolioCountry.role, PortfolioCountry.country, PortfolioCountry.amount)
        .where(PortfolioCountry.project_id == project_id)
        .order_by(PortfolioCountry.country)
    ):
        found[_code(role)].append((country, amount))
    return found


def project_tags(project_id: int) -> dict[str, list[tuple[str, str, str]]]:
    """kind -> [(code, label, via)] of one project."""
    names = labels()
    dimension = {v: k for k, v in TAG_KINDS.items()}
    found: dict[str, list] = {kind.value: [] for kind in TagKind}
    for kind, code, via in db.session.execute(
        select(PortfolioTag.kind, PortfolioTag.code, PortfolioTag.via)
        .where(PortfolioTag.project_id == project_id)
        .order_by(PortfolioTag.kind, PortfolioTag.code)
    ):
        kind = TagKind(kind)
        if kind == TagKind.PRIORITY and names.priorities.get(code, ("", ""))[1] == "key_action":
            continue
        found[kind.value].append((code, names.of(dimension[kind], code), via))
    return found


def project_indicators(project_id: int) -> list[dict]:
    V = PortfolioIndicatorValue
    definitions = {d.code: d for d in labels().indicators}
    categories = {
        (b.code, c.code): c.title
        for d in definitions.values()
        for b in d.breakdowns
        for c in b.categories
    }
    items: dict[tuple, dict] = {}
    for code, breakdown, category, value, unit, label in db.session.execute(
        select(V.indicator_code, V.breakdown_code, V.category_code, V.value, V.unit, V.label)
        .where(V.project_id == project_id)
        .order_by(V.id)
    ):
        item = items.setdefault(
            (code, unit, label),
            {
                "label": definitions[code].label + (f": {label}" if label else ""),
                "unit": unit,
                "total": None,
                "parts": [],
            },
        )
        if breakdown:
            item["parts"].append((categories.get((breakdown, category), category), value))
        else:
            item["total"] = value
    return list(items.values())


def project_outcome_tags(project_id: int) -> dict[int, list[str]]:
    """Outcome position -> the names of the codes it is tagged with (parents left out)."""
    from grants.portfolio.findings import OUTCOME_TAG_KINDS

    T = PortfolioOutcomeTag
    names = labels()
    dimensions = {kind: dimension for kind, dimension, _ in OUTCOME_TAG_KINDS}
    found: dict[int, list[str]] = {}
    for position, kind, code in db.session.execute(
        select(T.position, T.kind, T.code)
        .where(T.project_id == project_id, T.via != "parent")
        .order_by(T.position, T.kind, T.code)
    ):
        found.setdefault(position, []).append(names.of(dimensions[TagKind(kind)], code))
    return found
