"""What the portfolio achieved and what it lacks, over the same filtered set as the
breakdowns (queries.py): indicator totals, outcomes by their tags, the digest of
recommendations, the gaps and EUR per registered victim."""

from __future__ import annotations

from collections import defaultdict
from dataclasses import dataclass, field
from decimal import Decimal
from statistics import median

from sqlalchemy import Select, distinct, func, select

from grants.extensions import db
from grants.portfolio import geo
from grants.portfolio.filters import PortfolioFilter
from grants.portfolio.models import (
    Addressee,
    PortfolioIndicatorValue,
    PortfolioOutcome,
    PortfolioOutcomeTag,
    PortfolioRecommendation,
    TagKind,
    VictimFigure,
)
from grants.portfolio.queries import P, Row, labels, scope

GAP_SHARE = Decimal("0.25")  # "little funding": below a quarter of the median of the others

# Outcomes ------------------------------------------------------------------------------------


@dataclass
class IndicatorTotal:
    code: str
    label: str
    unit: str
    total: Decimal
    projects: int
    # breakdown code -> list of (category code, title, sum, projects reporting it)
    breakdowns: dict[str, list[tuple[str, str, Decimal, int]]] = field(default_factory=dict)


def _outcome_scope(f: PortfolioFilter) -> Select:
    ids = scope(f)
    if f.public:
        ids = ids.where(P.outcomes_public.is_(True))
    return ids


def indicator_totals(f: PortfolioFilter) -> list[IndicatorTotal]:
    V = PortfolioIndicatorValue
    stmt = select(
        V.indicator_code,
        V.unit,
        V.label,
        V.breakdown_code,
        V.category_code,
        func.sum(V.value),
        func.count(distinct(V.project_id)),
    )
    ids = _outcome_scope(f)
    if ids.whereclause is not None:
        stmt = stmt.where(V.project_id.in_(ids))
    rows = db.session.execute(
        stmt.group_by(V.indicator_code, V.unit, V.label, V.breakdown_code, V.category_code)
    ).all()
    by_key: dict[tuple, dict] = defaultdict(dict)
    for code, unit, label, breakdown_code, category, total, n in rows:
        by_key[(code, unit, label)][(breakdown_code, category)] = (Decimal(total or 0), n)
    result = []
    for definition in labels().indicators:
        keys = sorted(k for k in by_key if k[0] == definition.code)
        for key in keys:
            values = by_key[key]
            total, n = values.get(("", ""), (Decimal(0), 0))
            item = IndicatorTotal(
                code=definition.code,
                label=definition.label + (f": {key[2]}" if key[2] else ""),
                unit=key[1],
                total=total,
                projects=n,
            )
            for breakdown in definition.breakdowns:
                categories = [
                    (c.code, c.title, *values[(breakdown.code, c.code)])
                    for c in breakdown.categories
                    if (breakdown.code, c.code) in values
                ]
                if categories:
                    item.breakdowns[breakdown.title] = categories
            result.append(item)
    return result


# Outcomes by their tags ----------------------------------------------------------------------

# The dimensions an outcome is tagged by: (tag kind, dimension of the labels, heading)
OUTCOME_TAG_KINDS = (
    (TagKind.PRIORITY, "priority", "By priority (2021-2025 strategy)"),
    (TagKind.EXPLOITATION, "exploitation", "By form of exploitation"),
    (TagKind.TARGET_GROUP, "target_group", "By target group"),
)


@dataclass
class OutcomeTagCount:
    code: str
    label: str
    outcomes: int  # outcomes tagged with the code
    projects: int  # projects with at least one of them


@dataclass
class OutcomeBreakdown:
    outcomes: int  # every outcome in the filtered set
    tagged: int  # those with at least one tag
    by_kind: list[tuple[str, str, list[OutcomeTagCount]]]  # (dimension, heading, rows)


def _within(ids: Select):
    """Restrict a statement to the projects of `ids` (nothing to add when it has no filter)."""

    def restrict(stmt: Select, column) -> Select:
        return stmt.where(column.in_(ids)) if ids.whereclause is not None else stmt

    return restrict


def outcome_breakdown(f: PortfolioFilter) -> OutcomeBreakdown:
    """The outcomes of the filtered set counted by the priorities, forms of exploitation and
    target groups they are tagged with (most outcomes first)."""
    T, OC = PortfolioOutcomeTag, PortfolioOutcome
    within = _within(_outcome_scope(f))
    counted = within(
        select(T.kind, T.code, func.count(), func.count(distinct(T.project_id))), T.project_id
    )
    total = within(select(func.count()).select_from(OC), OC.project_id)
    tagged = select(func.count()).select_from(
        within(select(T.project_id, T.position), T.project_id)
        .group_by(T.project_id, T.position)
        .subquery()
    )
    rows = db.session.execute(counted.group_by(T.kind, T.code)).all()
    names = labels()
    by_kind = []
    for kind, dimension, heading in OUTCOME_TAG_KINDS:
        found = [
            OutcomeTagCount(code, names.of(dimension, code), n, projects)
            for k, code, n, projects in rows
            if TagKind(k) == kind
        ]
        found.sort(key=lambda r: (-r.outcomes, r.label))
        by_kind.append((dimension, heading, found))
    return OutcomeBreakdown(
        outcomes=db.session.scalar(total) or 0,
        tagged=db.session.scalar(tagged) or 0,
        by_kind=by_kind,
    )


def outcome_rows(f: PortfolioFilter) -> list[dict]:
    """Every outcome of the filtered set with its project and its tags, by project."""
    T, OC = PortfolioOutcomeTag, PortfolioOutcome
    within = _within(_outcome_scope(f))
    stmt = within(
        select(OC.project_id, OC.position, OC.text, P.key, P.acronym, P.title).join(
            P, P.id == OC.project_id
        ),
        OC.project_id,
    )
    tags = within(
        select(T.project_id, T.position, T.kind, T.code).where(T.via != "parent"), T.project_id
    )
    by_outcome: dict[tuple, dict[str, list[str]]] = defaultdict(lambda: defaultdict(list))
    for project_id, position, kind, code in db.session.execute(
        tags.order_by(T.project_id, T.position, T.code)
    ):
        by_outcome[(project_id, position)][TagKind(kind).value].append(code)
    found = []
    for project_id, position, text, key, acronym, title in db.session.execute(
        stmt.order_by(OC.project_id, OC.position)
    ):
        item = by_outcome.get((project_id, position), {})
        found.append(
            {
                "key": key,
                "acronym": acronym,
                "title": title,
                "text": text,
                **{dimension: item.get(kind.value, []) for kind, dimension, _ in OUTCOME_TAG_KINDS},
            }
        )
    return found


# Recommendations -----------------------------------------------------------------------------


@dataclass
class RecommendationGroup:
    priority: str  # 2021 code or ""
    priority_label: str
    addressee: Addressee
    count: int
    items: list[dict] = field(default_factory=list)  # the first ones, with their project


DIGEST_ITEMS = 5


def recommendation_digest(f: PortfolioFilter, per_group: int = DIGEST_ITEMS):
    R = PortfolioRecommendation
    ids = _outcome_scope(f)
    counts = db.session.execute(
        select(R.priority_code, R.addressee, func.count(R.id))
        .where(R.project_id.in_(ids))
        .group_by(R.priority_code, R.addressee)
    ).all()
    number = (
        func.row_number()
        .over(partition_by=(R.priority_code, R.addressee), order_by=(R.project_id, R.position))
        .label("n")
    )
    ranked = (
        select(R.id, R.priority_code, R.addressee, R.text, R.project_id, number)
        .where(R.project_id.in_(ids))
        .subquery()
    )
    items = db.session.execute(
        select(
            ranked.c.priority_code,
            ranked.c.addressee,
            ranked.c.text,
            ranked.c.project_id,
            P.acronym,
            P.title,
        )
        .join(P, P.id == ranked.c.project_id)
        .where(ranked.c.n <= per_group)
        .order_by(ranked.c.project_id)
    ).all()
    names = labels()
    groups: dict[tuple, RecommendationGroup] = {}
    for priority, addressee, n in counts:
        groups[(priority or "", Addressee(addressee))] = RecommendationGroup(
            priority=priority or "",
            priority_label=names.priorities.get(priority, ("No priority given", ""))[0]
            if priority
            else "No priority given",
            addressee=Addressee(addressee),
            count=n,
        )
    for priority, addressee, text, project_id, acronym, title in items:
        groups[(priority or "", Addressee(addressee))].items.append(
            {"text": text, "project_id": project_id, "project": acronym or title}
        )
    order = {c: i for i, c in enumerate(names.priorities)}
    addressees = list(Addressee)
    return sorted(
        groups.values(),
        key=lambda grp: (
            grp.priority == "",
            order.get(grp.priority, 0),
            addressees.index(grp.addressee),
        ),
    )


# Gaps ----------------------------------------------------------------------------------------


@dataclass
class Gap:
    dimension: str
    code: str
    label: str
    projects: int
    amount: Decimal
    reason: str


def gaps(f: PortfolioFilter, breakdowns: dict[str, list[Row]], by_country: list[Row]):
    """Priorities, forms of exploitation and EU countries with no or little funding: none at
    all, or less than a quarter of the median of those that have some."""
    found = []
    eu27 = labels().eu27
    present = {r.code: r for r in by_country}
    country_rows = [present.get(c) or Row(c, geo.country_label(c), 0, Decimal(0), 0) for c in eu27]
    groups = [(d, breakdowns.get(d, [])) for d in ("priority", "exploitation")]
    groups.append(("country", country_rows))
    for dimension, rows in groups:
        funded = [r.amount for r in rows if r.amount > 0]
        floor = (Decimal(median(funded)) * GAP_SHARE).quantize(Decimal("0.01")) if funded else None
        for r in rows:
            if r.projects == 0:
                reason = "no project"
            elif r.amount == 0:
                reason = "no known EU funding"
            elif floor is not None and r.amount < floor:
                reason = f"less than a quarter of the median (EUR {floor:,.0f})"
            else:
                continue
            found.append(Gap(dimension, r.code, r.label, r.projects, r.amount, reason))
    return found


@dataclass
class PerVictim:
    country: str
    label: str
    amount: Decimal
    victims: int
    years: str
    per_victim: Decimal | None
    sources: str


def eur_per_victim(f: PortfolioFilter, by_country: list[Row]) -> list[PerVictim]:
    """EUR per registered victim per country, for the years of the filter (all uploaded years
    when the filter has none), with the figures' sources."""
    stmt = select(
        VictimFigure.country,
        func.sum(VictimFigure.victims),
        func.min(VictimFigure.year),
        func.max(VictimFigure.year),
    ).group_by(VictimFigure.country)
    if f.year_from:
        stmt = stmt.where(VictimFigure.year >= f.year_from)
    if f.year_to:
        stmt = stmt.where(VictimFigure.year <= f.year_to)
    figures = db.session.execute(stmt).all()
    sources: dict[str, set[str]] = defaultdict(set)
    source_stmt = select(VictimFigure.country, VictimFigure.source).distinct()
    for country, source in db.session.execute(source_stmt).all():
        sources[country].add(source)
    amounts = {r.code: r.amount for r in by_country}
    result = []
    for country, victims, first, last in figures:
        amount = amounts.get(country, Decimal(0))
        result.append(
            PerVictim(
                country=country,
                label=geo.country_label(country),
                amount=amount,
                victims=victims or 0,
                years=f"{first}" if first == last else f"{first}-{last}",
                per_victim=(amount / victims).quantize(Decimal("0.01")) if victims else None,
                sources="; ".join(sorted(sources[country])),
            )
        )
    result.sort(key=lambda v: (v.per_victim is None, v.per_victim or 0, v.label))
    return result
