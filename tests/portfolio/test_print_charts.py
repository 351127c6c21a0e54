"""The PDF's charts: valid Vega-Lite (the app builds them without Altair's validation), made
lean for print without moving what shows, rendered once per specification."""

from __future__ import annotations

import re

import altair as alt
import pytest

from grants.portfolio import charts, print_charts, report
from grants.portfolio.filters import PortfolioFilter
from grants.portfolio.models import CountryRole


def test_every_chart_of_a_view_is_valid_vega_lite(app, db, some):
    view = report.gather(PortfolioFilter(mode=CountryRole.PARTNER))
    specs = report.chart_specs(view, "europe", "/portfolio/boundaries.json", width=620)
    assert {"map", "priority", "country-priority", "outcomes"} <= set(specs)
    for name, spec in specs.items():
        alt.Chart.from_dict(spec, validate=True)  # raises on a spec Vega-Lite would refuse
        assert spec["$schema"].startswith("https://vega.github.io/schema/vega-lite/"), name


def _points(d: str) -> list[tuple[float, float]]:
    return [(float(x), float(y)) for x, y in re.findall(r"[ML](-?[\d.]+),(-?[\d.]+)", d)]


def test_lean_leaves_out_points_under_half_a_pixel_and_keeps_the_rest():
    d = "M10.123,10.456L10.2,10.5L10.3,10.1L15.987,10.444L16.1,10.6L20.04,20.06ZM1,1L1.1,1.1Z"
    out = print_charts.lean(f'<svg><path d="{d}" fill="#ccc"/></svg>')
    kept = _points(re.search(r' d="([^"]*)"', out).group(1))
    assert kept == [(10.1, 10.5), (16.0, 10.4), (20.0, 20.1), (1.0, 1.0)]
    assert out.count("Z") == 2  # both rings still closed
    for x, y in _points(d):  # every point left out is within the tolerance of one kept
        assert any(abs(x - a) < 0.5 + 0.06 and abs(y - b) < 0.5 + 0.06 for a, b in kept)


def test_lean_only_rounds_paths_that_are_not_plain_outlines():
    rect = '<path d="M41.333333333333336,0h41.333333333333336v20h-41.3333Z"/>'
    assert print_charts.lean(rect) == '<path d="M41.3,0h41.3v20h-41.3Z"/>'


@pytest.mark.parametrize("view", ["europe", "world"])
def test_the_lean_map_is_much_smaller_and_still_draws_every_country(app, db, some, view):
    rows = report.gather(PortfolioFilter(mode=CountryRole.PARTNER)).countries
    svg = charts.to_svg(charts.map_spec(rows, view, None, width=620, height=430))
    lean = print_charts.lean(svg)
    assert len(lean) < 0.8 * len(svg)
    assert lean.count("<path") == svg.count("<path")
    assert "Romania: 2 projects" in lean and "Kosovo: 1 projects" in lean


def test_a_specification_is_rendered_once(app, db, some, monkeypatch):
    print_charts.clear_cache()
    calls = []
    real = charts.to_svg
    monkeypatch.setattr(charts, "to_svg", lambda spec: calls.append(1) or real(spec))
    spec = charts.bar_spec(report.gather(PortfolioFilter()).breakdowns["fund"], "Fund", width=620)
    first = print_charts.svg_of(spec)
    assert print_charts.svg_of(dict(spec)) == first and len(calls) == 1
    spec["height"] = 300  # another picture: rendered again
    print_charts.svg_of(spec)
    assert len(calls) == 2
