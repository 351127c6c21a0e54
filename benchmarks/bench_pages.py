"""Benchmark of the key pages at programme scale, each beside its floor (issue 16, point 4).

Run from the repository root: `python -m benchmarks.bench_pages [--proposals 5000] [--big 1000]
[--calls 20] [--requests 20] [--postgres URL]`.

Builds a programme with the generator of bench_review (the app's own snapshot builder, direct
inserts, not timed): one call of `--big` proposals, one of a fifth of that, and the rest of
`--proposals` spread over the other calls, each proposal with three submitted evaluations of
four criteria and an approved consensus; funded projects for a share of them. Then each key
page is requested through the Flask test client as its user gets it (the web process's
garbage-collector tuning on), interleaved request by request with its floor: a bare Flask app
whose endpoint reads the same rows with SQLAlchemy Core into a small Jinja table. Reported:
median and 95th percentile of each, their ratio, and the SQL statements of each page for the
big and the small call. Writes the section "## pages" of benchmarks/RESULTS.md and exits
non-zero when a target is missed (p95 under 100 ms on SQLite, 150 ms on PostgreSQL; within 2x
of the floor; SQL count the same at both sizes).
"""

from __future__ import annotations

import argparse
import os
import platform
import re
import statistics
import sys
import tempfile
import time
import uuid
from datetime import date
from decimal import Decimal
from pathlib import Path

from flask import Flask
from sqlalchemy import create_engine, insert, select, text, update

from benchmarks.bench_review import PASSWORD, RESULTS, Statements, generate, say
from benchmarks.floors import floor_app

TARGET_P95 = {"sqlite": 0.100, "postgresql": 0.150}
TARGET_RATIO = 2.0


# The programme -------------------------------------------------------------------------------


def build(args) -> dict:
    """The calls, their proposals and evaluations, the grants, and the users who log in."""
    from grants.accounts.models import Membership, User
    from grants.calls.models import Call
    from grants.extensions import db
    from grants.projects.models import Grant, GrantStatus
    from grants.proposals.models import Proposal, Submission
    from grants.review import standing
    from grants.review.models import Assignment

    small = max(10, args.big // 5)
    rest = max(0, args.proposals - args.big - small)
    others = max(1, args.calls - 2)
    sizes = [args.big, small] + [
        rest // others + (1 if k < rest % others else 0) for k in range(others)
    ]
    sizes = [n for n in sizes if n]
    calls, manager = [], None
    for k, n in enumerate(sizes):
        say(f"call {k + 1} of {len(sizes)}: {n} proposals")
        data = generate(n, 2021 + k, reference=f"ISF-2026-THB-{k + 1:02d}", manager=manager)
        manager = manager or db.session.get(User, data["manager_id"])
        calls.append(data["call_id"])
        db.session.expire_all()
    # The generator inserts evaluations in bulk, past the listeners that keep each submission's
    # standing (grants.review.standing): written here as submitting them would have.
    for call_id in calls:
        standing.refresh_call(db.session.get(Call, call_id))
    db.session.commit()

    # Funded projects: the first proposals of every call but the two measured ones (the list
    # is programme-wide), up to --projects; so the applicants of both measured calls have the
    # same kind of dashboard (one with a project reads its reports: a statement more, whatever
    # the size).
    S = Submission
    submissions = db.session.execute(
        select(S.id, S.call_id, S.eu_contribution, S.proposal_id)
        .where(S.call_id.in_(calls[2:] or calls[1:]))
        .order_by(S.id)
        .limit(args.projects)
    ).all()
    organisation = dict(db.session.execute(select(Proposal.id, Proposal.organisation_id)).all())
    grants = [
        {
            "submission_id": sid,
            "call_id": call_id,
            "organisation_id": organisation[pid],
            "status": GrantStatus.RUNNING,
            "agreement_number": f"101{sid:06d}",
            "acronym": f"G{sid}",
            "title": f"Funded project {sid}",
            "max_contribution": amount,
            "funding_rate": Decimal("90"),
            "prefinancing_share": Decimal("40"),
            "start_date": date(2025, 1, 1),
            "duration_months": 24,
            "period_months": 12,
            "work_plan": {},
        }
        for sid, call_id, amount, pid in submissions
    ]
    if grants:
        db.session.execute(insert(Grant.__table__), grants)

    # Who logs in: the manager, and an applicant and an evaluator of the big and the small call.
    def first(query):
        return db.session.scalar(query.limit(1))

    people = {"manager": manager.id}
    for label, call_id in (("big", calls[0]), ("small", calls[1])):
        people[f"applicant_{label}"] = first(
            select(Membership.user_id)
            .join(Proposal, Proposal.organisation_id == Membership.organisation_id)
            .where(Proposal.call_id == call_id)
            .order_by(Membership.user_id)
        )
        people[f"evaluator_{label}"] = first(
            select(Assignment.evaluator_id)
            .where(Assignment.call_id == call_id)
            .order_by(Assignment.evaluator_id)
        )
        people[f"submission_{label}"] = first(
            select(Submission.id).where(Submission.call_id == call_id).order_by(Submission.id)
        )
    probe = User(email="probe@bench.example.org", full_name="x")
    probe.set_password(PASSWORD)
    db.session.execute(
        update(User)
        .where(User.id.in_([people[k] for k in people if not k.startswith("submission")]))
        .values(password_hash=probe.password_hash)
    )
    # The planner's statistics, as the hourly "database.statistics" job keeps them on a live
    # database (a database loaded in bulk a moment ago has none yet).
    from grants.jobs.schedules import refresh_statistics

    refresh_statistics()
    db.session.commit()
    return {"calls": calls, "sizes": sizes, "people": people, "grants": len(grants)}


# The floors ------------------------------------------------------------------------------------


# Measuring ------------------------------------------------------------------------------------


def pages(people: dict, calls: list[int]) -> list[tuple[str, str, str, str, str]]:
    """(page, who, its URL for the big call, for the small call, the floor's URL)."""
    big, small = calls[0], calls[1]
    applicant, evaluator = people["applicant_big"], people["evaluator_big"]
    one, other = people["submission_big"], people["submission_small"]
    manage = "/manage/calls/{}/"
    return [
        ("applicant dashboard", "applicant", "/dashboard", "/dashboard", f"/applicant/{applicant}"),
        ("my proposals", "applicant", "/proposals", "/proposals", f"/applicant/{applicant}"),
        ("review queue", "evaluator", "/review", "/review", f"/queue/{evaluator}"),
        (
            "submissions list",
            "manager",
            f"/calls/{big}/submissions",
            f"/calls/{small}/submissions",
            f"/submissions/{big}",
        ),
        (
            "evaluation dashboard",
            "manager",
            manage.format(big) + "evaluation",
            manage.format(small) + "evaluation",
            f"/evaluation/{big}",
        ),
        (
            "ranking page",
            "manager",
            manage.format(big) + "ranking",
            manage.format(small) + "ranking",
            f"/ranking/{big}",
        ),
        (
            "one proposal's manager page",
            "manager",
            f"/manage/submissions/{one}/review",
            f"/manage/submissions/{other}/review",
            f"/proposal/{one}",
        ),
        ("project list", "manager", "/projects/", "/projects/", "/projects"),
    ]


def login(app, user_id: int):
    from grants.accounts.models import User
    from grants.extensions import db

    client = app.test_client()
    with app.app_context():
        email = db.session.get(User, user_id).email
    response = client.post("/login", data={"email": email, "password": PASSWORD})
    assert response.status_code == 302, (email, response.status_code)
    return client


def measure(app, floor: Flask, built: dict, requests: int) -> list[dict]:
    from grants.extensions import db

    people = built["people"]
    clients = {
        "manager": (login(app, people["manager"]), login(app, people["manager"])),
        "applicant": (login(app, people["applicant_big"]), login(app, people["applicant_small"])),
        "evaluator": (login(app, people["evaluator_big"]), login(app, people["evaluator_small"])),
    }
    floor_client = floor.test_client()
    with app.app_context():
        statements = Statements(db.engine)
    out = []
    for name, who, url, small_url, floor_url in pages(people, built["calls"]):
        big_client, small_client = clients[who]
        say(f"{name}: {url}")
        counts = []
        for client, target in ((big_client, url), (small_client, small_url)):
            before = statements.count
            response = client.get(target)  # also the warm-up
            assert response.status_code == 200, (target, response.status_code)
            counts.append(statements.count - before)
        floor_client.get(floor_url)
        page_times, floor_times, page_cpu, floor_cpu = [], [], [], []
        for _ in range(requests):
            for client, target, times, cpu in (
                (big_client, url, page_times, page_cpu),
                (floor_client, floor_url, floor_times, floor_cpu),
            ):
                start, start_cpu = time.perf_counter(), time.process_time()
                response = client.get(target)
                times.append(time.perf_counter() - start)
                cpu.append(time.process_time() - start_cpu)
                assert response.status_code == 200, (target, response.status_code)
        out.append(
            {
                "page": name,
                "median": statistics.median(page_times),
                "p95": percentile(page_times, 95),
                "floor_median": statistics.median(floor_times),
                "floor_p95": percentile(floor_times, 95),
                "cpu": statistics.median(page_cpu),
                "floor_cpu": statistics.median(floor_cpu),
                "sql_big": counts[0],
                "sql_small": counts[1],
            }
        )
    return out


def percentile(values: list[float], q: int) -> float:
    ordered = sorted(values)
    return ordered[min(len(ordered) - 1, round(q / 100 * (len(ordered) - 1)))]


def first_ranking(app, manager_client, call_id: int) -> float:
    """The first ranking page of the big call (stores every proposal's alignment)."""
    start = time.perf_counter()
    response = manager_client.get(f"/manage/calls/{call_id}/ranking")
    assert response.status_code == 200
    return time.perf_counter() - start


# Running ---------------------------------------------------------------------------------------


def run(args, url: str, tmp: Path) -> dict:
    from grants import create_app, gctuning
    from grants.extensions import db
    from grants.taxonomy.services import load_reference_data

    app = create_app(
        {
            "SECRET_KEY": "bench-secret",
            "SQLALCHEMY_DATABASE_URI": url,
            "GRANTS_MAIL_BACKEND": "console",
            "GRANTS_BASE_URL": "http://localhost",
            "GRANTS_UPLOAD_DIR": str(tmp / "uploads"),
            "WTF_CSRF_ENABLED": False,
            "SERVER_NAME": None,
        }
    )
    app.instance_path = str(tmp / "instance")
    with app.app_context():
        db.create_all()
        load_reference_data(app.config["GRANTS_SEED_DIR"])
        db.session.remove()
        started = time.perf_counter()
        built = build(args)
        built["generation"] = time.perf_counter() - started
        db.session.remove()
    say("first ranking builds (alignment stored for every proposal, not timed below)")
    manager = login(app, built["people"]["manager"])
    built["first_ranking"] = first_ranking(app, manager, built["calls"][0])
    first_ranking(app, manager, built["calls"][1])
    gctuning.tune(app)  # as wsgi.py does for the web process
    try:
        built["pages"] = measure(app, floor_app(url), built, args.requests)
    finally:
        gctuning.untune()
        with app.app_context():
            db.session.remove()
            db.engine.dispose()
    return built


def postgres_database(server: str):
    """A fresh database on the server at `server`; returns its URL and a function dropping it."""
    name = f"bench_pages_{uuid.uuid4().hex[:8]}"
    admin = create_engine(server, isolation_level="AUTOCOMMIT")
    with admin.connect() as connection:
        connection.execute(text(f'CREATE DATABASE "{name}"'))
    url = server.rsplit("/", 1)[0] + "/" + name

    def drop():
        with admin.connect() as connection:
            connection.execute(text(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)'))
        admin.dispose()

    return url, drop


def report(args, runs: dict, load: tuple[float, float]) -> tuple[str, list[str]]:
    missed = []
    lines = [
        "## pages",
        "",
        f"Measured {time.strftime('%Y-%m-%d')} by `python -m benchmarks.bench_pages` on "
        f"{os.cpu_count()} cores, Python {platform.python_version()}, {platform.system()}; "
        f"load average {load[0]:.2f} when it started and {load[1]:.2f} at the end (the machine "
        "is shared: under load the times are pessimistic, the ratios less so).",
        "",
    ]
    for dialect, built in runs.items():
        sizes = built["sizes"]
        lines += [
            f"### {dialect}",
            "",
            f"Programme: {len(sizes)} calls, {sum(sizes)} proposals ({sizes[0]} in the big call, "
            f"{sizes[1]} in the small one), {3 * sum(sizes)} evaluations and {sum(sizes)} "
            f"approved consensus reports, {built['grants']} funded projects; generated in "
            f"{built['generation']:.1f} s (not timed below). The first ranking page of the big "
            f"call, which stores every proposal's alignment, took {built['first_ranking']:.1f} s.",
            f"Each page {args.requests} times through the Flask test client, interleaved with its "
            "floor (a bare Flask endpoint, Core queries, a small Jinja table); CPU is the "
            "process time of the request (what a quiet machine would give).",
            "",
            "| Page (big call) | median | p95 | CPU | floor median | floor p95 | floor CPU "
            f"| ratio (median) | ratio (CPU) | SQL ({sizes[0]} -> {sizes[1]} proposals) |",
            "|---|---|---|---|---|---|---|---|---|---|",
        ]

        def ms(seconds: float) -> str:
            return f"{seconds * 1000:.1f} ms"

        for row in built["pages"]:
            ratio = row["median"] / row["floor_median"]
            lines.append(
                f"| {row['page']} | {ms(row['median'])} | {ms(row['p95'])} | {ms(row['cpu'])} "
                f"| {ms(row['floor_median'])} | {ms(row['floor_p95'])} | {ms(row['floor_cpu'])} "
                f"| {ratio:.1f}x | {row['cpu'] / row['floor_cpu']:.1f}x "
                f"| {row['sql_big']} -> {row['sql_small']} |"
            )
            if row["p95"] >= TARGET_P95[dialect]:
                missed.append(f"{dialect} {row['page']}: p95 {row['p95'] * 1000:.0f} ms")
            if ratio > TARGET_RATIO:
                missed.append(f"{dialect} {row['page']}: {ratio:.1f}x its floor")
            if row["sql_big"] != row["sql_small"]:
                missed.append(
                    f"{dialect} {row['page']}: SQL {row['sql_big']} vs {row['sql_small']}"
                )
        lines.append("")
    p95 = ", ".join(f"{d} {t * 1000:.0f} ms" for d, t in TARGET_P95.items())
    lines.append(
        f"Targets: p95 under {p95}; within {TARGET_RATIO:.0f}x of the floor; the same SQL count "
        f"at both sizes. Missed: {'; '.join(missed) if missed else 'none'}."
    )
    return "\n".join(lines) + "\n", missed


def write_results(section: str) -> None:
    previous = RESULTS.read_text() if RESULTS.exists() else "# Benchmark results\n"
    pattern = re.compile(r"^## pages\n.*?(?=^## |\Z)", re.S | re.M)
    if pattern.search(previous):
        updated = pattern.sub(lambda _: section + "\n", previous)
    else:
        updated = previous.rstrip("\n") + "\n\n" + section
    RESULTS.write_text(updated.rstrip("\n") + "\n")


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--proposals", type=int, default=5000, help="in the database")
    parser.add_argument("--big", type=int, default=1000, help="in the measured call")
    parser.add_argument("--calls", type=int, default=20)
    parser.add_argument("--projects", type=int, default=1500)
    parser.add_argument("--requests", type=int, default=20, help="timed requests per page")
    parser.add_argument(
        "--postgres",
        default=os.environ.get("GRANTS_BENCH_POSTGRES", ""),
        help="a PostgreSQL server URL to run on as well (a throw-away database is made there)",
    )
    parser.add_argument("--no-write", action="store_true", help="print only")
    args = parser.parse_args(argv)
    load_before = os.getloadavg()[0]
    runs = {}
    with tempfile.TemporaryDirectory(prefix="bench-pages-") as tmp:
        runs["sqlite"] = run(args, f"sqlite:///{Path(tmp) / 'bench.sqlite'}", Path(tmp))
        if args.postgres:
            url, drop = postgres_database(args.postgres)
            try:
                runs["postgresql"] = run(args, url, Path(tmp))
            finally:
                drop()
    section, missed = report(args, runs, (load_before, os.getloadavg()[0]))
    print(section)
    if not args.no_write:
        write_results(section)
        print(f"written to {RESULTS}")
    if missed:
        print("targets missed: " + "; ".join(missed), file=sys.stderr)
        return 1
    return 0


if __name__ == "__main__":
    sys.exit(main())
