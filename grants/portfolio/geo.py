"""Countries for the review map: reading country names as files write them, labels, regions,
and the world boundaries (world-atlas countries-50m, kept in the repository) keyed by
ISO 3166-1 alpha-2.

Kosovo is not in ISO 3166-1; like the EU institutions we use the user-assigned code XK. The
boundary file has no numeric id for Kosovo, Northern Cyprus, Somaliland, the Indian Ocean
Territories and the Siachen Glacier; they are keyed by name below (Northern Cyprus to CY and
Somaliland to SO, as the EU recognises them; the glacier to no country).
"""

from __future__ import annotations

import difflib
import json
import re
import unicodedata
from functools import lru_cache
from pathlib import Path

import pycountry

KOSOVO = "XK"
KOSOVO_NAME = "Kosovo"
# Kosovo belongs to the Western Balkans although regions.toml leaves XK out (not ISO).
EXTRA_REGION_MEMBERS = {"western-balkans": {KOSOVO}}

# Countries drawn on the map of Europe (the EU, its neighbours and the Mediterranean); the
# world view draws every country but Antarctica.
EUROPE_VIEW = frozenset(
    [
        "AL",
        "AD",
        "AM",
        "AT",
        "AZ",
        "BA",
        "BE",
        "BG",
        "BY",
        "CH",
        "CY",
        "CZ",
        "DE",
        "DK",
        "DZ",
        "EE",
        "EG",
        "ES",
        "FI",
        "FO",
        "FR",
        "GB",
        "GE",
        "GR",
        "HR",
        "HU",
        "IE",
        "IL",
        "IQ",
        "IS",
        "IT",
        "JO",
        "KZ",
        "LB",
        "LI",
        "LT",
        "LU",
        "LV",
        "LY",
        "MA",
        "MC",
        "MD",
        "ME",
        "MK",
        "MT",
        "NL",
        "NO",
        "PL",
        "PS",
        "PT",
        "RO",
        "RS",
        "RU",
        "SA",
        "SE",
        "SI",
        "SK",
        "SM",
        "SY",
        "TN",
        "TR",
        "UA",
        "VA",
        "XK",
        "IR",
    ]
)

BOUNDARIES = (
    Path(__file__).resolve().parent.parent
    / "static"
    / "vendor"
    / "world-atlas-2.0.2"
    / "countries-50m.json"
)
UNNUMBERED = {
    "Kosovo": KOSOVO,
    "N. Cyprus": "CY",
    "Somaliland": "SO",
    "Indian Ocean Ter.": "AU",
    "Siachen Glacier": None,
}

# Names that files use and ISO does not (lower case, accents removed).
VARIANTS = {
    "uk": "GB",
    "u.k.": "GB",
    "great britain": "GB",
    "britain": "GB",
    "england": "GB",
    "scotland": "GB",
    "wales": "GB",
    "northern ireland": "GB",
    "el": "GR",  # the EU's own code for Greece
    "czech republic": "CZ",
    "the czech republic": "CZ",
    "holland": "NL",
    "the netherlands": "NL",
    "macedonia": "MK",
    "fyrom": "MK",
    "fyr macedonia": "MK",
    "former yugoslav republic of macedonia": "MK",
    "the former yugoslav republic of macedonia": "MK",
    "republic of north macedonia": "MK",
    "kosovo": KOSOVO,
    "kosova": KOSOVO,
    "xk": KOSOVO,
    "bosnia": "BA",
    "bosnia-herzegovina": "BA",
    "bosnia & herzegovina": "BA",
    "moldova": "MD",
    "republic of moldova": "MD",
    "russia": "RU",
    "turkey": "TR",
    "turkiye": "TR",
    "ivory coast": "CI",
    "cote d'ivoire": "CI",
    "cape verde": "CV",
    "swaziland": "SZ",
    "burma": "MM",
    "vietnam": "VN",
    "laos": "LA",
    "syria": "SY",
    "iran": "IR",
    "south korea": "KR",
    "north korea": "KP",
    "tanzania": "TZ",
    "bolivia": "BO",
    "venezuela": "VE",
    "palestine": "PS",
    "usa": "US",
    "u.s.a.": "US",
    "united states of america": "US",
    "congo-kinshasa": "CD",
    "drc": "CD",
    "democratic republic of congo": "CD",
    "congo-brazzaville": "CG",
}


def _plain(text: str) -> str:
    text = unicodedata.normalize("NFKD", text).encode("ascii", "ignore").decode()
    return re.sub(r"\s+", " ", text.strip().lower())


def read_country(text: str) -> tuple[str | None, bool]:
    """(ISO code or None, guessed): exact codes and names first, then a fuzzy guess."""
    raw = (text or "").strip()
    if not raw:
        return None, False
    plain = _plain(raw)
    if plain in VARIANTS:
        return VARIANTS[plain], False
    try:
        return pycountry.countries.lookup(raw).alpha_2, False
    except LookupError:
        pass
    if len(plain) > 3:
        try:
            found = pycountry.countries.search_fuzzy(raw)
        except LookupError:
            found = []
        if len(found) == 1 or (found and _plain(found[0].name).startswith(plain)):
            return found[0].alpha_2, True
        close = difflib.get_close_matches(plain, _names(), n=1, cutoff=0.8)
        if close:
            return _names()[close[0]], True
    return None, False


@lru_cache(maxsize=1)
def _names() -> dict[str, str]:
    names = {}
    for entry in pycountry.countries:
        for attr in ("name", "common_name", "official_name"):
            if hasattr(entry, attr):
                names[_plain(getattr(entry, attr))] = entry.alpha_2
    return names | {k: v for k, v in VARIANTS.items() if len(k) > 3}


def is_country(code: str) -> bool:
    return code == KOSOVO or (
        len(code or "") == 2 and pycountry.countries.get(alpha_2=code.upper()) is not None
    )


def country_label(code: str) -> str:
    if not code:
        return "Not known"
    if code == KOSOVO:
        return KOSOVO_NAME
    entry = pycountry.countries.get(alpha_2=code.upper())
    return getattr(entry, "common_name", None) or getattr(entry, "name", code)


# Boundaries ----------------------------------------------------------------------------------


@lru_cache(maxsize=1)
def world_topology() -> dict:
    """countries-50m as TopoJSON with every geometry's id an ISO alpha-2 code (or absent)."""
    topology = json.loads(BOUNDARIES.read_text())
    for geometry in topology["objects"]["countries"]["geometries"]:
        name = geometry.get("properties", {}).get("name", "")
        code = None
        if "id" in geometry:
            entry = pycountry.countries.get(numeric=geometry["id"])
            code = entry.alpha_2 if entry else None
        elif name in UNNUMBERED:
            code = UNNUMBERED[name]
        if code:
            geometry["id"] = code
            geometry["properties"] = {"name": country_label(code)}
        else:
            geometry.pop("id", None)
    del topology["objects"]["land"]  # the map draws countries only
    return topology


@lru_cache(maxsize=1)
def world_topology_json() -> bytes:
    return json.dumps(world_topology(), separators=(",", ":")).encode()


def _decode_arcs(topology: dict) -> list[list[tuple[float, float]]]:
    """Absolute coordinates of every arc (TopoJSON quantised, delta-encoded arcs)."""
    scale_x, scale_y = topology["transform"]["scale"]
    move_x, move_y = topology["transform"]["translate"]
    arcs = []
    for arc in topology["arcs"]:
        x = y = 0
        points = []
        for dx, dy in arc:
            x += dx
            y += dy
            points.append((round(x * scale_x + move_x, 6), round(y * scale_y + move_y, 6)))
        arcs.append(points)
    return arcs


def _ring(arcs: list, indexes: list[int]) -> list[list[float]]:
    ring: list[list[float]] = []
    for index in indexes:
        points = arcs[index] if index >= 0 else arcs[~index][::-1]
        # Consecutive arcs share their end and start point.
        ring.extend([list(p) for p in (points[1:] if ring else points)])
    return ring


@lru_cache(maxsize=1)
def country_geometries() -> dict[str, dict]:
    """GeoJSON geometry per ISO code (a MultiPolygon joining every piece of the country)."""
    topology = world_topology()
    arcs = _decode_arcs(topology)
    polygons: dict[str, list] = {}
    for geometry in topology["objects"]["countries"]["geometries"]:
        code = geometry.get("id")
        if not code:
            continue
        if geometry["type"] == "Polygon":
            parts = [geometry["arcs"]]
        elif geometry["type"] == "MultiPolygon":
            parts = geometry["arcs"]
        else:
            continue
        for polygon in parts:
            polygons.setdefault(code, []).append([_ring(arcs, ring) for ring in polygon])
    return {
        code: {"type": "MultiPolygon", "coordinates": parts} for code, parts in polygons.items()
    }
