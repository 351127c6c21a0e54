"""Aggregate queries of the review map over the portfolio read model.

Every figure on the page, in the exports, the PDF and the API comes from here (the filtered
set, the summary, breakdowns and cross-tabulations), from findings.py (outcomes,
recommendations, gaps) or listing.py (project lists), through one `PortfolioFilter`. How
things are counted (the method note of the page and the PDF says the same):
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
from dataclasses import dataclass
from decimal import Decimal

from flask import g, has_request_context
from sqlalchemy import Select, and_, case, func, select

from grants.accounts.models import ORGANISATION_TYPE_LABELS, OrganisationType
from grants.extensions import db
from grants.portfolio import geo
from grants.portfolio.filters import Choices, PortfolioFilter
from grants.portfolio.models import (
    PortfolioCountry,
    PortfolioProject,
    PortfolioTag,
    ProjectSource,
    ProjectStatus,
    TagKind,
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
