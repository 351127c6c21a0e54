"""Registered-victim figures per country and year, uploaded as CSV for the gaps section."""

from __future__ import annotations

import csv
import io

from sqlalchemy import select

from grants import clock
from grants.audit import services as audit
from grants.extensions import db
from grants.portfolio import geo
from grants.portfolio.models import VictimFigure


class VictimFileError(ValueError):
    pass


def replace_figures(content: bytes, default_source: str, user=None) -> int:
    """Store every row (country, year, victims[, source]); any bad row refuses the whole file
    with the row numbers, so the stored figures never mix two partial uploads."""
    try:
        text = content.decode("utf-8-sig")
    except UnicodeDecodeError as exc:
        raise VictimFileError("The file is not UTF-8 text (save it as CSV UTF-8).") from exc
    reader = csv.DictReader(io.StringIO(text))
    header = {(h or "").strip().lower() for h in reader.fieldnames or []}
    missing = {"country", "year", "victims"} - header
    if missing:
        raise VictimFileError(f"Columns missing: {', '.join(sorted(missing))}.")
    parsed, problems = {}, []
    for number, row in enumerate(reader, start=2):
        row = {(k or "").strip().lower(): (v or "").strip() for k, v in row.items()}
        code, _ = geo.read_country(row["country"])
        year, victims = row["year"], row["victims"].replace(" ", "").replace(",", "")
        if code is None:
            problems.append(f"row {number}: unknown country {row['country'][:40]!r}")
        elif not (year.isdigit() and 1990 <= int(year) <= 2100):
            problems.append(f"row {number}: the year {year[:10]!r} is not a year")
        elif not victims.isdigit():
            problems.append(f"row {number}: {row['victims'][:20]!r} is not a number of victims")
        else:
            source = (row.get("source") or default_source).strip()[:500]
            parsed[(code, int(year))] = (int(victims), source)
    if problems:
        raise VictimFileError("Nothing was saved. " + "; ".join(problems[:10]))
    if not parsed:
        raise VictimFileError("The file has no figures.")
    for (code, year), (victims, source) in parsed.items():
        row = db.session.scalar(
            select(VictimFigure).where(VictimFigure.country == code, VictimFigure.year == year)
        )
        if row is None:
            row = VictimFigure(country=code, year=year)
            db.session.add(row)
        row.victims, row.source = victims, source
        row.uploaded_at = clock.now()
        row.uploaded_by_id = getattr(user, "id", None)
    audit.record("portfolio_victims", "", "uploaded", f"{len(parsed)} figures", actor=user)
    return len(parsed)
