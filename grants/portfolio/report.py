"""One view of the portfolio, gathered once for the page and the PDF: every figure, table and
chart specification for a filter. `render_portfolio_pdf(filters)` is the whole PDF report,
callable from a request or from a background worker (it needs an app context only)."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, field

from flask import current_app, render_template

from grants import clock
from grants.portfolio import charts, findings, listing, queries
from grants.portfolio.filters import PortfolioFilter
from grants.portfolio.queries import DIMENSIONS

ANNEX_LIMIT = 300  # projects listed in the PDF's annex (the exports hold all of them)


@dataclass
class View:
    filters: PortfolioFilter
    summary: queries.Summary
    countries: list[queries.Row]
    breakdowns: dict[str, list[queries.Row]]
    crosstabs: list[tuple[str, str, queries.Crosstab]]
    indicators: list[findings.IndicatorTotal]
    outcome_tags: findings.OutcomeBreakdown
    recommendations: list[findings.RecommendationGroup]
    gaps: list[findings.Gap]
    per_victim: list[findings.PerVictim]
    charts: dict[str, dict] = field(default_factory=dict)


def gather(f: PortfolioFilter) -> View:
    by_country = queries.countries(f)
    breakdowns = {d: queries.breakdown(d, f) for d in queries.dimensions_for(f)}
    crosstabs = [
        (a, b, queries.crosstab(a, b, f))
        for a, b in queries.CROSSTABS
        if DIMENSIONS[a].public and DIMENSIONS[b].public or not f.public
    ]
    return View(
        filters=f,
        summary=queries.summary(f),
        countries=by_country,
        breakdowns=breakdowns,
        crosstabs=crosstabs,
        indicators=findings.indicator_totals(f),
        outcome_tags=findings.outcome_breakdown(f),
        recommendations=findings.recommendation_digest(f),
        gaps=findings.gaps(f, breakdowns, by_country),
        per_victim=findings.eur_per_victim(f, by_country),
    )


def chart_specs(
    view: View, map_view: str, boundaries_url: str | None, width: int | str = "container"
) -> dict[str, dict]:
    """Every chart of a view by name: "map", one per breakdown, crosstabs, outcomes."""
    specs = {
        "map": charts.map_spec(
            view.countries,
            map_view,
            boundaries_url,
            width=width,
            height=520 if width == "container" else 430,
        )
    }
    for name, rows in view.breakdowns.items():
        shown = [r for r in rows if r.projects] if name != "priority" else rows
        if shown:
            specs[name] = charts.bar_spec(shown, DIMENSIONS[name].title, width=width)
    for a, b, table in view.crosstabs:
        if table.rows and table.columns:
            title = f"{DIMENSIONS[a].title} by {DIMENSIONS[b].title.lower()}"
            specs[f"{a}-{b}"] = charts.heatmap_spec(table, title, width=width)
    if view.indicators:
        specs["outcomes"] = charts.indicator_spec(view.indicators, width=width)
    return specs


def method_note(f: PortfolioFilter) -> list[str]:
    """What is counted and how, in the words the page and the PDF both use."""
    mode = {
        "coordinator": "Countries are counted by the coordinator's country: the whole EU "
        "contribution of a project goes to that country.",
        "partner": "Countries are counted by partner country (every country of the "
        "consortium, coordinator included): a project counts once in each of its countries, "
        "and its EU contribution is split equally between them (to the cent), so the "
        "countries add up to the portfolio's total.",
        "implementation": "Countries are counted by country of implementation: a project "
        "counts once in each, and its EU contribution is split equally between them.",
    }[f.mode.value]
    return [
        mode,
        "A project counts once in every priority, form of exploitation, target group and "
        "project type it addresses, with its whole EU contribution: these groups overlap and "
        "add up to more than the portfolio.",
        "Projects of the 2012-2016 strategy are counted under the 2021-2025 priorities their "
        "priorities map onto; a key action also counts under its area.",
        "A project whose EU contribution is not known counts as a project, not as EUR 0.",
        "Years are the years projects started. Indicator values are added up across the "
        "projects that report them; the number of projects reporting each is given beside it.",
        "Gaps: priorities, forms of exploitation and EU countries with no project, no known "
        "funding, or less than a quarter of the median funding of those that have some.",
    ]


FILTER_LABELS = {
    # filter -> (label, dimension whose names it shows, or None for the value as it is)
    "fund": ("Fund", "fund"),
    "programme": ("Programme", None),
    "call": ("Call", None),
    "year_from": ("From", None),
    "year_to": ("Until", None),
    "priority": ("Priority", "priority"),
    "exploitation": ("Form of exploitation", "exploitation"),
    "country": ("Country", "country"),
    "region": ("Region", "region"),
    "actor_type": ("Actor type", "actor_type"),
    "project_type": ("Project type", "project_type"),
    "status": ("Status", "status"),
    "source": ("Source", "source"),
}


def describe_filters(f: PortfolioFilter) -> list[tuple[str, str]]:
    """(label, value in words) of every active filter, in the filter's order."""
    names = queries.labels()
    described = []
    for name in f.active:
        label, dimension = FILTER_LABELS[name]
        value = getattr(f, name)
        if dimension == "region":
            text = names.regions.get(value, (value,))[0]
        elif dimension:
            text = names.of(dimension, value)
        else:
            text = str(value)
        described.append((label, text))
    return described


def render_portfolio_pdf(
    filters: PortfolioFilter, map_view: str = "europe", progress: Callable | None = None
) -> bytes:
    """The review as a PDF: title page, method note, map and charts (SVG rendered on the
    server from the page's specifications), tables, recommendations, project annex.
    `progress(done, total, message)` is told of each step (the worker's progress bar)."""
    from weasyprint import HTML

    from grants.portfolio import print_charts

    step = progress or (lambda done, total, message: None)
    step(0, 4, "Adding up the portfolio")
    view = gather(filters)
    projects, total = listing.project_rows(filters, per_page=ANNEX_LIMIT, order="year")
    step(1, 4, "Drawing the map and the charts")
    specs = chart_specs(view, map_view, None, width=620)
    svgs = {name: print_charts.svg_of(spec) for name, spec in specs.items()}
    step(2, 4, "Laying out the pages")
    html = render_template(
        "portfolio/report_pdf.html",
        view=view,
        charts=set(svgs),
        projects=projects,
        projects_total=total,
        annex_limit=ANNEX_LIMIT,
        method=method_note(filters),
        described=describe_filters(filters),
        dimensions=DIMENSIONS,
        names=queries.labels(),
        generated_at=clock.now(),
        base_url=current_app.config.get("GRANTS_BASE_URL", ""),
    )
    fetcher = print_charts.ChartFetcher(current_app.static_folder, svgs)
    document = HTML(string=html, url_fetcher=fetcher, base_url="static:/").render()
    step(3, 4, f"Writing {len(document.pages)} pages")
    return document.write_pdf()
