"""The charts of the PDF report: each Vega-Lite specification rendered to SVG on the server
(vl-convert) once, made lean for print, and handed to WeasyPrint as an image by name.

Why lean: vl-convert writes the map's outlines at the full 1:50m detail with three decimals,
hundreds of points closer together than a printed dot; WeasyPrint parses and draws each one
in Python, which made the map alone take over a second. Points closer than half a pixel to
the last one kept are left out and coordinates are kept to a tenth of a pixel (at the PDF's
620 px across 178 mm, a pixel is 0.29 mm): the picture is the same at print resolution.

Why images: an inline <svg> is parsed by the HTML parser, given computed CSS styles node by
node and then serialised again for the SVG renderer; as <img src="chart:NAME"> it goes to
the SVG renderer once.
"""

from __future__ import annotations

import hashlib
import json
import re
from collections import OrderedDict

from weasyprint.urls import URLFetcherResponse

from grants.pdf import StaticOnlyFetcher
from grants.portfolio import charts

CHART_PREFIX = "chart:"
TOLERANCE = 0.5  # px: points nearer than this to the previous point kept are left out
CACHE_SIZE = 32

_PATH = re.compile(r' d="([^"]*)"')
_ABSOLUTE_LINES = re.compile(r"[MLZ0-9.,\-]+")
_COMMAND = re.compile(r"([ML])(-?[\d.]+),(-?[\d.]+)|Z")
_DECIMALS = re.compile(r"(-?\d+\.\d)\d+")
_cache: OrderedDict[str, str] = OrderedDict()


def _simplified(d: str) -> str:
    """An outline of absolute moves and lines without the points under the tolerance."""
    out: list[str] = []
    last: tuple[float, float] | None = None
    for match in _COMMAND.finditer(d):
        command = match.group(1)
        if command is None:  # Z: the ring closes
            out.append("Z")
            last = None
            continue
        x, y = float(match.group(2)), float(match.group(3))
        if (
            command == "L"
            and last is not None
            and abs(x - last[0]) < TOLERANCE
            and abs(y - last[1]) < TOLERANCE
        ):
            continue
        last = (x, y)
        out.append(f"{command}{x:.1f},{y:.1f}")
    return "".join(out)


def _lean_path(match: re.Match) -> str:
    d = match.group(1)
    if _ABSOLUTE_LINES.fullmatch(d):
        return f' d="{_simplified(d)}"'
    return ' d="' + _DECIMALS.sub(r"\1", d) + '"'


def lean(svg: str) -> str:
    """The SVG with its path data reduced to what print shows (see the module's note)."""
    return _PATH.sub(_lean_path, svg)


def svg_of(spec: dict) -> str:
    """A specification rendered to lean SVG, remembered by its content (a view asked for
    again, by the page's readers or the nightly refresh, renders nothing twice)."""
    key = hashlib.sha256(json.dumps(spec, sort_keys=True, default=str).encode()).hexdigest()
    found = _cache.get(key)
    if found is None:
        found = lean(charts.to_svg(spec))
        _cache[key] = found
        while len(_cache) > CACHE_SIZE:
            _cache.popitem(last=False)
    else:
        _cache.move_to_end(key)
    return found


def clear_cache() -> None:
    _cache.clear()


class ChartFetcher(StaticOnlyFetcher):
    """The static files, plus `chart:<name>` from the report's SVGs; nothing else."""

    def __init__(self, static_folder: str, svgs: dict[str, str]):
        super().__init__(static_folder)
        self.svgs = svgs

    def fetch(self, url, headers=None):
        if url.startswith(CHART_PREFIX) and url[len(CHART_PREFIX) :] in self.svgs:
            body = self.svgs[url[len(CHART_PREFIX) :]].encode()
            return URLFetcherResponse(url, body, {"Content-Type": "image/svg+xml"})
        return super().fetch(url, headers)
