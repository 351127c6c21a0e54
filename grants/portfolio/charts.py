"""Vega-Lite specifications (built with Altair) of the review map and its charts.

The page hands them to the vendored vega-embed; the PDF renders the very same specifications
to SVG with vl-convert, so both show the same picture. Only the map's boundaries differ in
how they arrive: a URL of this app for the page, the data inline for the server.
"""

from __future__ import annotations

from decimal import Decimal

import altair as alt

from grants.portfolio import geo
from grants.portfolio.findings import IndicatorTotal
from grants.portfolio.queries import Crosstab, Row

BLUE = "#1d4f91"
FONT = "DejaVu Sans, Liberation Sans, Arial, sans-serif"
# Europe, with the Western Balkans, the Neighbourhood and the Mediterranean in view.
EUROPE = {"type": "azimuthalEqualArea", "rotate": [-14, -51, 0], "scale": 780}
WORLD = {"type": "equalEarth"}

# Altair checks every object against the Vega-Lite schema as it is made (its debug mode):
# about a quarter of a call-wide page's chart time, for specifications this code builds the
# same way every time. The tests check them (`alt.Chart.from_dict(spec, validate=True)`).
alt.utils.schemapi.disable_debug_mode()


def _config(chart: alt.Chart) -> alt.Chart:
    return (
        chart.configure(font=FONT)
        .configure_view(stroke=None)
        .configure_axis(labelFontSize=11, titleFontSize=12, labelLimit=260)
    )


def _number(value: Decimal | None) -> float | None:
    return float(value) if value is not None else None


def map_spec(
    rows: list[Row],
    view: str = "europe",
    boundaries_url: str | None = None,
    width: int | str = "container",
    height: int = 520,
    title: str = "",
) -> dict:
    """A choropleth of projects per country; countries without projects stay grey."""
    values = [
        {
            "code": r.code,
            "country": r.label,
            "projects": r.projects,
            "eur": _number(r.amount) if r.with_amount else None,
        }
        for r in rows
    ]
    # Built with a URL (validating the inline boundaries would take seconds); for the
    # server the boundaries are put inline afterwards.
    shapes = alt.Data(
        url=boundaries_url or "boundaries.json",
        format=alt.DataFormat(type="topojson", feature="countries"),
    )
    shown = sorted(geo.EUROPE_VIEW) if view == "europe" else None
    projection = dict(EUROPE if view == "europe" else WORLD)
    if view == "europe" and isinstance(width, int):
        projection["translate"] = [width / 2, height / 2]
    base = (
        alt.Chart(shapes)
        .mark_geoshape(stroke="#ffffff", strokeWidth=0.5, clip=True)
        .transform_lookup(
            lookup="id",
            from_=alt.LookupData(
                alt.InlineData(values=values), key="code", fields=["country", "projects", "eur"]
            ),
        )
        .transform_filter(
            f"indexof({sorted(shown)!r}, datum.id) >= 0" if shown else "datum.id != 'AQ'"
        )
        .transform_calculate(
            projects="datum.projects || 0",
            label="datum.country || datum.properties.name",
            description="(datum.country || datum.properties.name) + ': ' + "
            "(datum.projects || 0) + ' projects'",
        )
        .encode(
            color=alt.condition(
                "datum.projects > 0",
                alt.Color(
                    "projects:Q",
                    title="Projects",
                    scale=alt.Scale(scheme="blues", domainMin=0, type="sqrt"),
                    legend=alt.Legend(orient="bottom", direction="horizontal", gradientLength=200),
                ),
                alt.value("#e6e6e6"),
            ),
            description=alt.Description("description:N"),
            tooltip=[
                alt.Tooltip("label:N", title="Country"),
                alt.Tooltip("projects:Q", title="Projects"),
                alt.Tooltip("eur:Q", title="EU contribution (EUR)", format=",.0f"),
            ],
        )
        .properties(width=width, height=height, projection=projection)
    )
    if title:
        base = base.properties(title=title)
    spec = _config(base).to_dict(validate=False)
    if not boundaries_url:
        spec["data"] = {"values": geo.world_topology(), "format": spec["data"]["format"]}
    spec["usermeta"] = {"clickable": "country"}
    return spec


def bar_spec(rows: list[Row], title: str, width: int | str = "container") -> dict:
    """Projects per group as horizontal bars, in the table's order."""
    values = [
        {
            "label": r.label,
            "projects": r.projects,
            "eur": _number(r.amount) if r.with_amount else None,
        }
        for r in rows
    ]
    order = [r.label for r in rows]
    chart = (
        alt.Chart(alt.InlineData(values=values))
        .mark_bar(color=BLUE)
        .encode(
            y=alt.Y("label:N", title=None, sort=order),
            x=alt.X("projects:Q", title="Projects", axis=alt.Axis(tickMinStep=1, format="d")),
            tooltip=[
                alt.Tooltip("label:N", title=title),
                alt.Tooltip("projects:Q", title="Projects"),
                alt.Tooltip("eur:Q", title="EU contribution (EUR)", format=",.0f"),
            ],
        )
        .properties(width=width, height=max(60, 22 * len(rows)))
    )
    return _config(chart).to_dict(validate=False)


def heatmap_spec(table: Crosstab, title: str, width: int | str = "container") -> dict:
    values = [
        {"row": r_label, "column": c_label, "projects": table.cells.get((r_code, c_code), 0)}
        for r_code, r_label in table.rows
        for c_code, c_label in table.columns
    ]
    chart = (
        alt.Chart(alt.InlineData(values=values))
        .mark_rect()
        .encode(
            y=alt.Y("row:N", title=None, sort=[label for _, label in table.rows]),
            x=alt.X(
                "column:N",
                title=None,
                sort=[label for _, label in table.columns],
                axis=alt.Axis(labelAngle=-40, labelLimit=160),
            ),
            color=alt.Color("projects:Q", title="Projects", scale=alt.Scale(scheme="blues")),
            tooltip=["row:N", "column:N", "projects:Q"],
        )
        .properties(width=width, height=max(80, 20 * len(table.rows)))
    )
    return _config(chart).to_dict(validate=False)


def indicator_spec(totals: list[IndicatorTotal], width: int | str = "container") -> dict:
    values = [
        {"label": f"{t.label} ({t.unit})", "total": float(t.total), "projects": t.projects}
        for t in totals
    ]
    chart = (
        alt.Chart(alt.InlineData(values=values))
        .mark_bar(color=BLUE)
        .encode(
            y=alt.Y("label:N", title=None, sort=[v["label"] for v in values]),
            x=alt.X("total:Q", title="Sum across projects"),
            tooltip=["label:N", "total:Q", alt.Tooltip("projects:Q", title="Projects reporting")],
        )
        .properties(width=width, height=max(60, 26 * len(values)))
    )
    return _config(chart).to_dict(validate=False)


def to_svg(spec: dict) -> str:
    """The specification rendered on the server (for the PDF), without any network access."""
    import vl_convert as vlc

    return vlc.vegalite_to_svg(spec, vl_version="6.4")
