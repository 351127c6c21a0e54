"""Benchmark of portfolio/: the review map's data, each breakdown, the PDF and an import.

Run from the repository root: `python -m benchmarks.bench_portfolio [--projects N]`.
Builds a portfolio of N projects (default 10 000) with three partners each (30 000 partner
rows) and ten indicator values each (100 000) by direct inserts into a throw-away SQLite file
(not timed), then times each aggregate beside its floor: the same rows from a bare SQLAlchemy
Core query without the filter machinery, labels or Python rows; reported as a ratio. Writes
the figures into benchmarks/RESULTS.md (section "## portfolio") and prints them.
"""

from __future__ import annotations

import argparse
import csv
import io
import os
import platform
import random
import re
import shutil
import sys
import tempfile
import time
from decimal import Decimal
from pathlib import Path

from sqlalchemy import func, insert, select

RESULTS = Path(__file__).resolve().parent / "RESULTS.md"
COUNTRIES = (
    ("AT", "BE", "BG", "CY", "CZ", "DE", "DK", "EE", "ES", "FI", "FR", "GR", "HR", "HU")
    + ("IE", "IT", "LT", "LU", "LV", "MT", "NL", "PL", "PT", "RO", "SE", "SI", "SK")
    + ("AL", "BA", "ME", "MK", "RS", "XK", "UA", "MD", "NG", "MA", "VN", "BR")
)
TYPES = ("ngo", "public_authority", "law_enforcement", "research", "international_organisation")
FUNDS = ("ISEC", "DAPHNE", "AMIF-2014", "ISF-POLICE", "AMIF", "ISF", "H2020", "JUST")
PRIORITIES = (
    "A2",
    "A3",
    "A4",
    "A4.1",
    "A5",
    "A6",
    "shelters",
    "child",
    "gender",
    "labour",
    "online",
    "training",
    "early-identification",
    "cooperation",
    "data",
)
FORMS = ("sexual", "labour", "begging", "criminal-activities", "forced-marriage")
GROUPS = ("women", "girls", "children", "roma", "law-enforcement", "labour-inspectors")
PTYPES = (
    "victim-assistance",
    "identification-referral",
    "training",
    "awareness-prevention",
    "law-enforcement",
    "research-data",
    "policy-coordination",
)
BEST_OF = 5


def best(fn, runs=BEST_OF):
    times = []
    result = None
    for _ in range(runs):
        from grants.extensions import db

        db.session.remove()
        start = time.perf_counter()
        result = fn()
        times.append(time.perf_counter() - start)
    return min(times), result


def generate(n: int) -> None:
    """N projects with their child rows, written with Core inserts (not timed)."""
    from grants.extensions import db
    from grants.portfolio.models import (
        CountryRole,
        PortfolioCountry,
        PortfolioIndicatorValue,
        PortfolioPartner,
        PortfolioProject,
        PortfolioRecommendation,
        PortfolioTag,
        TagKind,
    )
    from grants.portfolio.sync import split

    rng = random.Random(2012)
    projects, partners, countries, tags, values, recommendations = [], [], [], [], [], []
    for pid in range(1, n + 1):
        eu = None if pid % 9 == 0 else Decimal(rng.randrange(100, 3000) * 1000)
        coordinator = rng.choice(COUNTRIES)
        projects.append(
            {
                "id": pid,
                "key": f"imported:B{pid}",
                "source": "imported" if pid % 3 else "funded",
                "title": f"Project {pid}",
                "acronym": f"P{pid}",
                "fund_code": rng.choice(FUNDS),
                "programme": "",
                "call_reference": f"CALL-{pid % 40}",
                "start_year": rng.randint(2004, 2025),
                "status": rng.choice(("running", "closed")),
                "eu_contribution": eu,
                "coordinator_name": f"Coordinator {pid}",
                "coordinator_type": rng.choice(TYPES),
                "coordinator_country": coordinator,
                "is_public": True,
                "outcomes_public": pid % 2 == 0,
            }
        )
        consortium = [coordinator]
        for position in range(3):
            country = rng.choice(COUNTRIES)
            partners.append(
                {
                    "project_id": pid,
                    "name": f"Partner {pid}-{position}",
                    "type": rng.choice(TYPES),
                    "country": country,
                    "position": position,
                }
            )
            consortium.append(country)
        modes = {
            CountryRole.COORDINATOR: [coordinator],
            CountryRole.PARTNER: list(dict.fromkeys(consortium)),
            CountryRole.IMPLEMENTATION: list(dict.fromkeys(consortium[:2])),
        }
        for role, codes in modes.items():
            for code, amount in zip(codes, split(eu, len(codes)), strict=True):
                countries.append(
                    {"project_id": pid, "role": role, "country": code, "amount": amount}
                )
        for kind, pool, k in (
            (TagKind.PRIORITY, PRIORITIES, 3),
            (TagKind.EXPLOITATION, FORMS, 1),
            (TagKind.TARGET_GROUP, GROUPS, 2),
            (TagKind.PROJECT_TYPE, PTYPES, 1),
        ):
            for code in rng.sample(pool, k):
                tags.append({"project_id": pid, "kind": kind, "code": code, "via": ""})
        assisted = rng.randint(5, 200)
        women = assisted // 2
        for code, breakdown, category, value, unit in (
            ("victims-assisted", "", "", assisted, "persons"),
            ("victims-assisted", "sex-age", "women", women, "persons"),
            ("victims-assisted", "sex-age", "men", assisted - women, "persons"),
            ("victims-assisted", "exploitation", "sexual", assisted, "persons"),
            ("professionals-trained", "", "", 40, "persons"),
            ("professionals-trained", "profession", "police", 25, "persons"),
            ("professionals-trained", "profession", "social-workers", 15, "persons"),
            ("shelter-places", "", "", 6, "places"),
            ("referrals", "", "", 12, "referrals"),
            ("people-reached", "", "", 1500, "persons"),
        ):
            values.append(
                {
                    "project_id": pid,
                    "indicator_code": code,
                    "breakdown_code": breakdown,
                    "category_code": category,
                    "value": Decimal(value),
                    "unit": unit,
                    "label": "",
                }
            )
        recommendations.append(
            {
                "project_id": pid,
                "text": f"Recommendation of {pid}",
                "addressee": rng.choice(("eu", "member_states", "civil_society")),
                "priority_code": rng.choice(PRIORITIES),
                "position": 0,
            }
        )
    for model, rows in (
        (PortfolioProject, projects),
        (PortfolioPartner, partners),
        (PortfolioCountry, countries),
        (PortfolioTag, tags),
        (PortfolioIndicatorValue, values),
        (PortfolioRecommendation, recommendations),
    ):
        for start in range(0, len(rows), 5000):
            db.session.execute(insert(model), rows[start : start + 5000])
    db.session.commit()
    return len(projects), len(partners), len(values)


def floors():
    """The same rows from bare Core queries: no filter building, labels or row objects."""
    from grants.extensions import db
    from grants.portfolio.models import PortfolioCountry, PortfolioProject, PortfolioTag

    P = PortfolioProject

    def countries():
        return db.session.execute(
            select(
                PortfolioCountry.country,
                func.count(),
                func.sum(PortfolioCountry.amount),
                func.count(PortfolioCountry.amount),
            )
            .where(PortfolioCountry.role == "partner")
            .group_by(PortfolioCountry.country)
        ).all()

    def tag(kind):
        return lambda: db.session.execute(
            select(
                PortfolioTag.code,
                func.count(),
                func.sum(P.eu_contribution),
                func.count(P.eu_contribution),
            )
            .join(P, P.id == PortfolioTag.project_id)
            .where(PortfolioTag.kind == kind)
            .group_by(PortfolioTag.code)
        ).all()

    def column(col):
        return lambda: db.session.execute(
            select(
                col, func.count(P.id), func.sum(P.eu_contribution), func.count(P.eu_contribution)
            ).group_by(col)
        ).all()

    return {
        "country": countries,
        "priority": tag("priority"),
        "exploitation": tag("exploitation"),
        "target_group": tag("target_group"),
        "project_type": tag("project_type"),
        "actor_type": column(P.coordinator_type),
        "fund": column(P.fund_code),
        "year": column(P.start_year),
        "status": column(P.status),
        "source": column(P.source),
    }


def import_file(rows: int) -> bytes:
    rng = random.Random(5)
    out = io.StringIO()
    writer = csv.writer(out)
    writer.writerow(
        [
            "Reference",
            "Title",
            "Programme",
            "Start date",
            "End date",
            "EU grant",
            "Coordinator",
            "Organisation type",
            "Country",
            "Partners",
            "Countries of implementation",
            "Themes",
            "Victims assisted",
            "Victims assisted: women",
            "Recommendations",
        ]
    )
    names = ["Czech Republic", "UK", "Germany", "Romania", "Bulgaria", "Italy", "Kosovo", "EL"]
    for i in range(rows):
        writer.writerow(
            [
                f"IMP-{i}",
                f"Imported project {i}",
                rng.choice(["ISEC", "Daphne III", "AMIF"]),
                f"{rng.randint(2005, 2020)}-0{rng.randint(1, 9)}",
                "",
                rng.choice(["EUR 500,000", "€3.2 million", "450 000", ""]),
                f"Org {i}",
                "NGO",
                rng.choice(names),
                f"A (Italy); B ({rng.choice(names)})",
                "Italy; Greece",
                "shelters; sexual exploitation; women",
                "40",
                "30",
                "Member States: Fund shelters [shelters]",
            ]
        )
    return out.getvalue().encode()


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--projects", type=int, default=10000)
    parser.add_argument("--import-rows", type=int, default=5000)
    options = parser.parse_args()
    workdir = Path(tempfile.mkdtemp(prefix="bench-portfolio-"))
    os.environ["DATABASE_URL"] = f"sqlite:///{workdir / 'bench.sqlite'}"
    from grants import create_app
    from grants.extensions import db

    app = create_app({"SQLALCHEMY_DATABASE_URI": os.environ["DATABASE_URL"], "TESTING": True})
    lines = []
    with app.app_context():
        db.create_all()
        from grants.taxonomy.services import load_reference_data

        load_reference_data(app.config["GRANTS_SEED_DIR"])
        started = time.perf_counter()
        n_projects, n_partners, n_values = generate(options.projects)
        generation = time.perf_counter() - started
        from grants.portfolio import queries, report
        from grants.portfolio.filters import PortfolioFilter
        from grants.portfolio.models import CountryRole

        f = PortfolioFilter(mode=CountryRole.PARTNER)
        floor = floors()
        rows = []

        def measure(name, ours, floor_fn, target):
            with app.test_request_context():
                t, _ = best(ours)
            t_floor, _ = best(floor_fn)
            rows.append((name, t, t_floor, target))

        measure(
            "Map data (per country, partner mode)",
            lambda: queries.countries(f),
            floor["country"],
            0.1,
        )
        for dimension in queries.BREAKDOWNS:
            measure(
                f"Breakdown by {dimension}",
                lambda d=dimension: queries.breakdown(d, f),
                floor[dimension],
                0.1,
            )
        with app.test_request_context():
            t_page, _ = best(lambda: report.gather(f), runs=3)
            pdf_runs, pdf = _pdf_runs(f)
        content = import_file(options.import_rows)
        from grants.portfolio import importer

        def do_import():
            upload = importer.store_upload("bench.csv", content)
            importer.apply(upload)
            db.session.commit()
            return {"created": upload.created, "updated": upload.updated}

        with app.test_request_context():
            start = time.perf_counter()
            first = do_import()
            t_import = time.perf_counter() - start
            start = time.perf_counter()
            second = do_import()
            t_reimport = time.perf_counter() - start
        # The import's floor: the same projects written as bare Core inserts of parsed rows.
        t_import_floor = _import_floor(content)
    lines.append(
        f"Measured {time.strftime('%Y-%m-%d')} by `python -m benchmarks.bench_portfolio` on "
        f"{os.cpu_count()} cores, Python {platform.python_version()}, {platform.system()}, "
        f"SQLite; load average {os.getloadavg()[0]:.2f} when it started (the machine is shared)."
    )
    lines.append("")
    lines.append(
        f"Input: {n_projects:,} projects with {n_partners:,} partner rows and {n_values:,} "
        f"indicator values, 7 tags and one recommendation each (written in {generation:.1f} s, "
        f"not timed). Each figure is the best of {BEST_OF} runs with an empty session; the floor "
        "is the same rows from a bare SQLAlchemy Core query (no filter building, labels or row "
        "objects), and the ratio ours / floor."
    )
    lines.append("")
    lines.append("| Measure | Result | Floor | Ratio | Target |")
    lines.append("| --- | --- | --- | --- | --- |")
    for name, t, t_floor, target in rows:
        verdict = "met" if t < target else "MISSED"
        lines.append(
            f"| {name} | {t * 1000:.1f} ms | {t_floor * 1000:.1f} ms | {t / t_floor:.2f} | "
            f"< {target * 1000:.0f} ms: {verdict} |"
        )
    lines.append(
        f"| Everything the page and the PDF gather (`report.gather`) | {t_page:.3f} s |  |  |  |"
    )
    (wall, cpu), (wall_again, cpu_again) = pdf_runs
    verdict = "met" if wall < 10 else "MISSED"
    lines.append(
        f"| **PDF report** ({len(pdf) // 1024} KB, {_pages(pdf)} pages, {report.ANNEX_LIMIT} "
        f"projects in the annex), charts rendered afresh | **{wall:.2f} s** wall, {cpu:.2f} s CPU "
        f"| | | < 10 s: {verdict} |"
    )
    lines.append(
        f"| PDF report again (another reader, charts remembered) | {wall_again:.2f} s wall, "
        f"{cpu_again:.2f} s CPU | | | |"
    )
    lines.append(
        f"| **Import of {options.import_rows:,} rows** (read, preview report, upsert, "
        f"{first['created']:,} new) | **{t_import:.2f} s** | {t_import_floor:.2f} s | "
        f"{t_import / t_import_floor:.1f} | < 30 s: {'met' if t_import < 30 else 'MISSED'} |"
    )
    lines.append(
        f"| Same file again ({second['updated']:,} updated, none new) | {t_reimport:.2f} s | | | |"
    )
    lines.append("")
    lines.append(
        "The import's floor: the same projects, already parsed, written by bare Core inserts "
        "(project and partner rows only), so the ratio shows what reading messy values, the "
        "per-row report and the full read model cost."
    )
    text = "\n".join(lines)
    print(text)
    _write(text)
    shutil.rmtree(workdir, ignore_errors=True)


def _pdf_runs(f):
    """Best of 2 with every chart rendered afresh, then one with the charts remembered; wall
    and CPU time (the process's, vl-convert's thread included: on a shared machine the wall
    time counts the other processes too)."""
    from grants.extensions import db
    from grants.portfolio import print_charts, report

    def run(clear: bool):
        db.session.remove()
        if clear:
            print_charts.clear_cache()
        wall, cpu = time.perf_counter(), time.process_time()
        data = report.render_portfolio_pdf(f)
        return (time.perf_counter() - wall, time.process_time() - cpu), data

    cold = [run(True) for _ in range(2)]
    (wall, cpu), data = min(cold, key=lambda r: r[0][0])
    again, _ = run(False)
    return ((wall, cpu), again), data


def _pages(pdf: bytes) -> int:
    from pypdf import PdfReader

    return len(PdfReader(io.BytesIO(pdf)).pages)


def _import_floor(content: bytes) -> float:
    from grants.extensions import db
    from grants.portfolio.models import PortfolioPartner, PortfolioProject

    reader = list(csv.DictReader(io.StringIO(content.decode())))
    start = time.perf_counter()
    projects = [
        {
            "key": f"floor:{i}",
            "source": "imported",
            "title": r["Title"],
            "coordinator_name": r["Coordinator"],
            "status": "unknown",
            "is_public": True,
            "outcomes_public": True,
        }
        for i, r in enumerate(reader)
    ]
    db.session.execute(insert(PortfolioProject), projects)
    ids = db.session.scalars(
        select(PortfolioProject.id).where(PortfolioProject.key.like("floor:%"))
    ).all()
    db.session.execute(
        insert(PortfolioPartner), [{"project_id": i, "name": "A", "country": "IT"} for i in ids]
    )
    db.session.commit()
    return time.perf_counter() - start


def _write(text: str) -> None:
    current = RESULTS.read_text() if RESULTS.exists() else "# Benchmark results\n"
    section = f"## portfolio\n\n{text}\n"
    if "## portfolio" in current:
        current = re.sub(
            r"## portfolio\n.*?(?=\n## |\Z)", section.rstrip("\n") + "\n", current, flags=re.S
        )
    else:
        current = current.rstrip("\n") + "\n\n" + section
    RESULTS.write_text(current)


if __name__ == "__main__":
    sys.exit(main())
