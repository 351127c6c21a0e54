"""CSV, XLSX and GeoJSON of the review map's tables. Text cells that a spreadsheet would run as
a formula (starting with =, +, -, @, a tab or a carriage return) are neutralised with a
leading apostrophe; numbers stay numbers."""

from __future__ import annotations

import csv
import io
from decimal import Decimal

from grants.portfolio import findings, geo, listing, queries
from grants.portfolio.filters import PortfolioFilter

FORMULA_STARTS = ("=", "+", "-", "@", "\t", "\r")


def safe_cell(value):
    if isinstance(value, str) and value.startswith(FORMULA_STARTS):
        return "'" + value
    if isinstance(value, Decimal):
        return value
    return value


def to_csv(header: list[str], rows: list[list]) -> bytes:
    out = io.StringIO()
    writer = csv.writer(out)
    writer.writerow([safe_cell(h) for h in header])
    for row in rows:
        writer.writerow(["" if v is None else safe_cell(v) for v in row])
    return ("\ufeff" + out.getvalue()).encode()  # the BOM makes Excel read UTF-8


def to_xlsx(sheets: list[tuple[str, list[str], list[list]]]) -> bytes:
    from openpyxl import Workbook

    workbook = Workbook(write_only=True)
    for title, header, rows in sheets:
        sheet = workbook.create_sheet(title=title[:31])
        sheet.append([safe_cell(h) for h in header])
        for row in rows:
            sheet.append([_xlsx_value(v) for v in row])
    out = io.BytesIO()
    workbook.save(out)
    return out.getvalue()


def _xlsx_value(value):
    if isinstance(value, Decimal):
        return float(value)  # openpyxl writes numbers; the exact text is in the CSV
    return safe_cell(value)


# The tables ---------------------------------------------------------------------------------

PROJECT_COLUMNS = (
    # (header, key, public)
    ("Key", "key", False),
    ("Source", "source", False),
    ("Reference", "reference", False),
    ("Acronym", "acronym", True),
    ("Title", "title", True),
    ("Fund", "fund_code", True),
    ("Programme", "programme", False),
    ("Call", "call_reference", True),
    ("Start", "start", True),
    ("End", "end", True),
    ("Status", "status", False),
    ("EU contribution (EUR)", "eu_contribution", True),
    ("Total cost (EUR)", "total_cost", False),
    ("Coordinator", "coordinator_name", True),
    ("Actor type", "coordinator_type", True),
    ("Coordinator country", "coordinator_country", True),
    ("Partner countries", "partner_countries", True),
    ("Countries of implementation", "implementation_countries", True),
    ("Priorities", "priorities", True),
)


PAGE_ROWS = 1000  # projects read per statement by the background export (its progress step)


def project_table(f: PortfolioFilter) -> tuple[list[str], list[list]]:
    rows, _ = listing.project_rows(f, per_page=None, order="year")
    return project_header(f), [_project_cells(r, f) for r in rows]


def project_pages(f: PortfolioFilter, per_page: int | None = None):
    """The project table a page at a time: (projects read so far, total, rows)."""
    page, done, per_page = 1, 0, per_page or PAGE_ROWS
    while True:
        rows, total = listing.project_rows(f, page=page, per_page=per_page, order="year")
        done += len(rows)
        yield done, total, [_project_cells(r, f) for r in rows]
        if not rows or done >= total:
            return
        page += 1


def project_header(f: PortfolioFilter) -> list[str]:
    return [header for header, _, public in PROJECT_COLUMNS if public or not f.public]


def _project_cells(r: dict, f: PortfolioFilter) -> list:
    values = dict(r)
    values["source"] = queries.labels().of("source", queries._code(r.get("source")))
    values["status"] = queries._code(r.get("status"))
    values["start"] = listing.date_text(r["start_year"], r["start_month"], r["start_day"])
    values["end"] = listing.date_text(r["end_year"], r["end_month"], r["end_day"])
    values["partner_countries"] = "; ".join(r["countries"]["partner"])
    values["implementation_countries"] = "; ".join(r["countries"]["implementation"])
    values["priorities"] = "; ".join(r["priorities"])
    return [values.get(key) for _, key, public in PROJECT_COLUMNS if public or not f.public]


def breakdown_table(dimension: str, f: PortfolioFilter) -> tuple[list[str], list[list]]:
    rows = queries.breakdown(dimension, f)
    header = ["Code", queries.DIMENSIONS[dimension].title, "Projects", "EU contribution (EUR)",
              "Projects with a known contribution"]  # fmt: skip
    return header, [
        [r.code, r.label, r.projects, r.amount if r.with_amount else None, r.with_amount]
        for r in rows
    ]


OUTCOME_TAG_COLUMNS = (
    ("Priorities", "priority"),
    ("Forms of exploitation", "exploitation"),
    ("Target groups", "target_group"),
)


def outcome_table(f: PortfolioFilter) -> tuple[list[str], list[list]]:
    """One row per outcome with its project and the codes it is tagged with."""
    header = (["Key"] if not f.public else []) + ["Acronym", "Title", "Outcome"]
    header += [title for title, _ in OUTCOME_TAG_COLUMNS]
    rows = []
    for r in findings.outcome_rows(f):
        cells = ([r["key"]] if not f.public else []) + [r["acronym"], r["title"], r["text"]]
        rows.append(cells + ["; ".join(r[key]) for _, key in OUTCOME_TAG_COLUMNS])
    return header, rows


def outcome_tag_table(f: PortfolioFilter) -> tuple[list[str], list[list]]:
    """The outcomes counted by each code they are tagged with."""
    found = findings.outcome_breakdown(f)
    header = ["Dimension", "Code", "Label", "Outcomes", "Projects"]
    return header, [
        [heading, r.code, r.label, r.outcomes, r.projects]
        for _, heading, rows in found.by_kind
        for r in rows
    ]


def countries_geojson(f: PortfolioFilter) -> dict:
    """A FeatureCollection: each country of the current mode with its figures and outline."""
    geometries = geo.country_geometries()
    features = []
    for r in queries.countries(f):
        features.append(
            {
                "type": "Feature",
                "id": r.code,
                "properties": {
                    "code": r.code,
                    "name": r.label,
                    "mode": f.mode.value,
                    "projects": r.projects,
                    "eu_contribution": str(r.amount) if r.with_amount else None,
                    "projects_with_amount": r.with_amount,
                },
                "geometry": geometries.get(r.code),
            }
        )
    return {"type": "FeatureCollection", "features": features}
