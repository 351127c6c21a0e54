"""Aggregate queries of the review map over the portfolio read model.

Every figure on the page, in the exports, the PDF and the API comes from here, through one
`PortfolioFilter`. How things are counted (the method note of the page and the PDF says the
same):
- a project counts once in each group it belongs to: once per priority, form of
  exploitation, target group or type it addresses, so those groups' counts and amounts add
  up to more than the portfolio (a project addressing two priorities counts fully in both);
- a project with no known EU contribution counts as a project, never as EUR 0;
- on the map, in coordinator mode a project's whole contribution goes to the coordinator's
  country; in partner mode (every country of the consortium) and implementation mode it is
  split equally between the mode's distinct countries, so the countries add up to the total,
  while the project counts once in each of them;
- years are the years projects started.
The number of statements of each function does not grow with the number of projects.
"""

from __future__ import annotations

from collections import defaultdict
from dataclasses import dataclass, field
from decimal import Decimal
from statistics import median

from flask import g, has_request_context
from sqlalchemy import Select, and_, case, distinct, func, select

from grants.accounts.models import ORGANISATION_TYPE_LABELS, OrganisationType
from grants.extensions import db
from grants.portfolio import geo
from grants.portfolio.filters import Choices, PortfolioFilter
from grants.portfolio.models import (
    Addressee,
    CountryRole,
    PortfolioCountry,
    PortfolioIndicatorValue,
    PortfolioProject,
    PortfolioRecommendation,
    PortfolioTag,
    ProjectSource,
    ProjectStatus,
    TagKind,
    VictimFigure,
)
from grants.portfolio.permissions import public_sources
from grants.taxonomy.models import (
    ExploitationForm,
    Fund,
    IndicatorDefinition,
    Priority,
    ProjectType,
    Region,
    Strategy,
    TargetGroup,
    region_country,
)

P = PortfolioProject
NOT_KNOWN = "Not known"
GAP_SHARE = Decimal("0.25")  # "little funding": below a quarter of the median of the others


# Labels --------------------------------------------------------------------------------------


@dataclass
class Labels:
    """Titles of every code the map shows, read once per request."""

    priorities: dict[str, tuple[str, str]]  # 2021 code -> (title, kind)
    priorities_2012: dict[str, str]
    exploitation: dict[str, str]
    target_groups: dict[str, str]
    project_types: dict[str, str]
    funds: dict[str, str]
    regions: dict[str, tuple[str, set[str]]]  # code -> (title, countries)
    eu27: list[str]
    indicators: list[IndicatorDefinition]

    def of(self, dimension: str, code) -> str:
        if code in (None, ""):
            return NOT_KNOWN
        if dimension == "priority":
            return self.priorities.get(code, (code, ""))[0]
        table = {
            "exploitation": self.exploitation,
            "target_group": self.target_groups,
            "project_type": self.project_types,
            "fund": self.funds,
        }.get(dimension)
        if table is not None:
            return table.get(code, code)
        if dimension == "actor_type":
            try:
                return ORGANISATION_TYPE_LABELS[OrganisationType(code)]
            except ValueError:
                return code
        if dimension == "status":
            return ProjectStatus(code).label
        if dimension == "source":
            return ProjectSource(code).label
        if dimension == "country":
            return geo.country_label(code)
        return str(code)


def labels() -> Labels:
    if has_request_context() and "portfolio_labels" in g:
        return g.portfolio_labels
    rows = db.session.execute(
        select(Priority.code, Priority.title, Priority.kind, Strategy.code)
        .join(Strategy)
        .order_by(Priority.position)
    ).all()
    members: dict[str, set[str]] = defaultdict(set)
    for region_id, country in db.session.execute(select(region_country)).all():
        members[region_id].add(country)
    regions = {}
    for region in db.session.scalars(select(Region).order_by(Region.position)):
        countries = members[region.id] | geo.EXTRA_REGION_MEMBERS.get(region.code, set())
        regions[region.code] = (region.title, countries)
    from grants.taxonomy.models import Country
    from grants.taxonomy.services import STRATEGY_2012

    result = Labels(
        priorities={c: (t, k) for c, t, k, s in rows if s != STRATEGY_2012},
        priorities_2012={c: t for c, t, k, s in rows if s == STRATEGY_2012},
        exploitation=_titles(ExploitationForm),
        target_groups=_titles(TargetGroup),
        project_types=_titles(ProjectType),
        funds=dict(db.session.execute(select(Fund.code, Fund.name).order_by(Fund.code)).all()),
        regions=regions,
        eu27=list(
            db.session.scalars(
                select(Country.code).where(Country.eu_member.is_(True)).order_by(Country.code)
            )
        ),
        indicators=list(
            db.session.scalars(select(IndicatorDefinition).order_by(IndicatorDefinition.position))
        ),
    )
    if has_request_context():
        g.portfolio_labels = result
    return result


def _titles(model) -> dict[str, str]:
    return dict(db.session.execute(select(model.code, model.title).order_by(model.position)).all())


def choices() -> Choices:
    """Allowed filter values: reference data plus the programmes and calls in the portfolio."""
    names = labels()
    programmes = db.session.scalars(
        select(P.programme).distinct().where(P.programme != "").order_by(P.programme)
    ).all()
    calls = db.session.scalars(
        select(P.call_reference).distinct().where(P.call_reference != "").order_by(P.call_reference)
    ).all()
    return Choices(
        funds=names.funds,
        programmes=list(programmes),
        calls=list(calls),
        priorities={**{c: t for c, (t, _) in names.priorities.items()}},
        exploitation=names.exploitation,
        regions={c: t for c, (t, _) in names.regions.items()},
        project_types=names.project_types,
    )


# The filtered set of projects -------------------------------------------------------------------


def scope(f: PortfolioFilter) -> Select:
    """`select(project.id)` of the projects the filter and the audience let through."""
    stmt = select(P.id)
    conditions = []
    if f.public:
        allowed = sorted(public_sources())
        conditions += [P.is_public.is_(True), P.source.in_(allowed or ["-"])]
    if f.fund:
        conditions.append(P.fund_code == f.fund)
    if f.programme:
        conditions.append(P.programme == f.programme)
    if f.call:
        conditions.append(P.call_reference == f.call)
    if f.year_from:
        conditions.append(P.start_year >= f.year_from)
    if f.year_to:
        conditions.append(P.start_year <= f.year_to)
    if f.actor_type:
        conditions.append(P.coordinator_type == f.actor_type)
    if f.status:
        conditions.append(P.status == ProjectStatus(f.status))
    if f.source:
        conditions.append(P.source == ProjectSource(f.source))
    for kind, code in (
        (TagKind.PRIORITY, f.priority),
        (TagKind.EXPLOITATION, f.exploitation),
        (TagKind.PROJECT_TYPE, f.project_type),
    ):
        if code:
            conditions.append(
                P.id.in_(
                    select(PortfolioTag.project_id).where(
                        PortfolioTag.kind == kind, PortfolioTag.code == code
                    )
                )
            )
    countries = []
    if f.country:
        countries = [f.country]
    if f.region:
        region_countries = sorted(labels().regions.get(f.region, ("", set()))[1])
        countries = (
            sorted(set(countries) & set(region_countries)) if f.country else region_countries
        )
    if f.country or f.region:
        conditions.append(
            P.id.in_(
                select(PortfolioCountry.project_id).where(
                    PortfolioCountry.role == f.mode,
                    PortfolioCountry.country.in_(countries or ["-"]),
                )
            )
        )
    return stmt.where(and_(*conditions)) if conditions else stmt


def _within(stmt: Select, project_id, f: PortfolioFilter) -> Select:
    """`stmt` restricted to the filter's projects (no restriction when nothing is filtered)."""
    ids = scope(f)
    if ids.whereclause is None:
        return stmt
    return stmt.where(project_id.in_(ids))


@dataclass
class Summary:
    projects: int
    funded: int
    imported: int
    amount: Decimal
    with_amount: int
    without_country: int  # projects with no country in the current mode

    @property
    def without_amount(self) -> int:
        return self.projects - self.with_amount


def summary(f: PortfolioFilter) -> Summary:
    row = db.session.execute(
        select(
            func.count(P.id),
            func.sum(case((P.source == ProjectSource.FUNDED, 1), else_=0)),
            func.sum(P.eu_contribution),
            func.count(P.eu_contribution),
            func.sum(
                case(
                    (
                        P.id.in_(
                            select(PortfolioCountry.project_id).where(
                                PortfolioCountry.role == f.mode
                            )
                        ),
                        0,
                    ),
                    else_=1,
                )
            ),
        ).where(P.id.in_(scope(f)) if scope(f).whereclause is not None else True)
    ).one()
    projects, funded, amount, with_amount, without_country = row
    return Summary(
        projects=projects or 0,
        funded=funded or 0,
        imported=(projects or 0) - (funded or 0),
        amount=_money(amount),
        with_amount=with_amount or 0,
        without_country=without_country or 0,
    )


def _money(value) -> Decimal:
    return Decimal(value or 0).quantize(Decimal("0.01"))


# Breakdowns ----------------------------------------------------------------------------------


@dataclass
class Row:
    code: str
    label: str
    projects: int
    amount: Decimal
    with_amount: int

    def as_dict(self) -> dict:
        return {
            "code": self.code,
            "label": self.label,
            "projects": self.projects,
            "eu_contribution": str(self.amount),
            "projects_with_amount": self.with_amount,
        }


@dataclass(frozen=True)
class Dimension:
    name: str
    title: str
    public: bool  # open to the public (built on public fields only)


DIMENSIONS = {
    d.name: d
    for d in (
        Dimension("priority", "Priority (2021-2025 strategy)", True),
        Dimension("exploitation", "Form of exploitation", False),
        Dimension("target_group", "Target group", False),
        Dimension("actor_type", "Actor type (the coordinator's organisation)", True),
        Dimension("project_type", "Project type", False),
        Dimension("fund", "Fund or programme", True),
        Dimension("year", "Year the project started", True),
        Dimension("status", "Status", False),
        Dimension("source", "Source", False),
        Dimension("country", "Country", True),
    )
}
BREAKDOWNS = [n for n in DIMENSIONS if n != "country"]
TAG_KINDS = {
    "priority": TagKind.PRIORITY,
    "exploitation": TagKind.EXPLOITATION,
    "target_group": TagKind.TARGET_GROUP,
    "project_type": TagKind.PROJECT_TYPE,
}
COLUMNS = {
    "actor_type": P.coordinator_type,
    "fund": P.fund_code,
    "year": P.start_year,
    "status": P.status,
    "source": P.source,
}


def dimensions_for(f: PortfolioFilter) -> list[str]:
    return [n for n in BREAKDOWNS if DIMENSIONS[n].public or not f.public]


def _source(dimension: str, f: PortfolioFilter):
    """(project_id, code, amount) rows of a dimension, as a subquery."""
    if dimension in TAG_KINDS:
        stmt = (
            select(PortfolioTag.project_id, PortfolioTag.code, P.eu_contribution.label("amount"))
            .join(P, P.id == PortfolioTag.project_id)
            .where(PortfolioTag.kind == TAG_KINDS[dimension])
        )
    elif dimension == "country":
        stmt = select(
            PortfolioCountry.project_id,
            PortfolioCountry.country.label("code"),
            PortfolioCountry.amount,
        ).where(PortfolioCountry.role == f.mode)
    else:
        stmt = select(
            P.id.label("project_id"),
            COLUMNS[dimension].label("code"),
            P.eu_contribution.label("amount"),
        )
    return stmt.subquery()


def _all_codes(dimension: str, names: Labels) -> list[str]:
    """Codes listed even with no project (so that gaps show), in the taxonomy's order."""
    if dimension == "priority":
        return [c for c, (_, kind) in names.priorities.items() if kind in ("area", "dimension")]
    if dimension == "exploitation":
        return list(names.exploitation)
    if dimension == "target_group":
        return list(names.target_groups)
    if dimension == "project_type":
        return list(names.project_types)
    if dimension == "actor_type":
        return [t.value for t in OrganisationType]
    return []


def breakdown(dimension: str, f: PortfolioFilter) -> list[Row]:
    if dimension not in DIMENSIONS:
        raise KeyError(dimension)
    src = _source(dimension, f)
    # Each source has one row per project and code (primary keys), so count(*) counts projects.
    stmt = select(src.c.code, func.count(), func.sum(src.c.amount), func.count(src.c.amount))
    rows = db.session.execute(_within(stmt, src.c.project_id, f).group_by(src.c.code)).all()
    names = labels()
    found = {_code(code): (n, amount, k) for code, n, amount, k in rows}
    ordered = _all_codes(dimension, names)
    if dimension == "priority":
        # Key actions are stored for filtering; the breakdown shows areas and dimensions.
        found = {c: v for c, v in found.items() if c in set(ordered)}
    codes = ordered + sorted((c for c in found if c not in set(ordered)), key=_sort_key)
    result = [
        Row(
            code=c,
            label=names.of(dimension, c),
            projects=found.get(c, (0, None, 0))[0],
            amount=_money(found.get(c, (0, None, 0))[1]),
            with_amount=found.get(c, (0, None, 0))[2],
        )
        for c in codes
    ]
    if dimension == "country":
        result.sort(key=lambda r: (-r.projects, r.label))
    return result


def _code(value) -> str:
    if value is None:
        return ""
    return value.value if hasattr(value, "value") else str(value)


def _sort_key(code: str):
    return (code == "", code)


def countries(f: PortfolioFilter) -> list[Row]:
    """The map's figures: one row per country in the current mode."""
    return breakdown("country", f)


# Cross-tabulations ---------------------------------------------------------------------------


@dataclass
class Crosstab:
    rows: list[tuple[str, str]]  # (code, label)
    columns: list[tuple[str, str]]
    cells: dict[tuple[str, str], int]  # projects


CROSSTABS = (("priority", "actor_type"), ("country", "priority"))


def crosstab(row_dim: str, column_dim: str, f: PortfolioFilter) -> Crosstab:
    a = _source(row_dim, f)
    b = _source(column_dim, f)
    stmt = select(a.c.code, b.c.code, func.count()).join(b, b.c.project_id == a.c.project_id)
    found = db.session.execute(_within(stmt, a.c.project_id, f).group_by(a.c.code, b.c.code)).all()
    names = labels()
    cells = {(_code(x), _code(y)): n for x, y, n in found}

    def axis(dimension: str, index: int) -> list[tuple[str, str]]:
        present = {key[index] for key in cells}
        codes = [c for c in _all_codes(dimension, names) if c in present]
        codes += sorted((c for c in present if c not in set(codes)), key=_sort_key)
        if dimension == "priority":
            allowed = set(_all_codes("priority", names))
            codes = [c for c in codes if c in allowed]
        if dimension == "country":
            totals = defaultdict(int)
            for key, n in cells.items():
                totals[key[index]] += n
            codes.sort(key=lambda c: (-totals[c], geo.country_label(c)))
        return [(c, names.of(dimension, c)) for c in codes]

    return Crosstab(rows=axis(row_dim, 0), columns=axis(column_dim, 1), cells=cells)


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
