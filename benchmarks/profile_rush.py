"""Where one applicant's time goes in the deadline rush: the app in-process on PostgreSQL (the
test client, no server, no other applicant), each request of benchmarks/rush.py timed in CPU
seconds (time.process_time: what a quiet core would need) and wall seconds, then profiled.

`python -m benchmarks.profile_rush` prints the table and writes it to benchmarks/RESULTS.md
(WRITE=0: print only); QUERIES=1 adds the statements of each request; PROFILE=1 the cProfile
lines of each request of the last applicant (PROFILE_SORT=tottime to sort by own time).
"""

from __future__ import annotations

import cProfile
import io
import os
import pstats
import secrets
import statistics
import sys
import time
from datetime import timedelta
from pathlib import Path

from benchmarks import rush

STEPS = ("login", "save", "submit page", "submit", "receipt")


def _requests(client, applicant: rush.Applicant):
    """The requests of rush.one_applicant, as (step, callable) pairs, in order."""
    state = {}
    pid = applicant.proposal_id

    def login():
        page = client.get("/login").get_data(as_text=True)
        response = client.post(
            "/login",
            data={
                "csrf_token": rush._first(rush._CSRF, page),
                "email": applicant.email,
                "password": rush.PASSWORD,
            },
        )
        assert response.status_code == 302, response.status_code

    def save():
        url = f"/proposals/{pid}/edit/summary"
        data = rush.form_fields(client.get(url).get_data(as_text=True), "version")
        data["title"] = f"Last-minute edit of {applicant.acronym}"
        data["save"] = "Save draft"
        assert client.post(url, data=data).status_code in (302, 303)

    def submit_page():
        page = client.get(f"/proposals/{pid}/submit").get_data(as_text=True)
        state["form"] = rush.form_fields(page, "token")
        assert state["form"], rush._alert(page)

    def submit():
        response = client.post(f"/proposals/{pid}/submit", data=state["form"])
        assert response.status_code in (302, 303), response.status_code
        state["receipt"] = response.headers["Location"]

    def receipt():
        page = client.get(state["receipt"]).get_data(as_text=True)
        assert rush._first(rush._SHA, page)

    return list(zip(STEPS, (login, save, submit_page, submit, receipt), strict=True))


def _postgres_cpu(database: str) -> float:
    """CPU seconds used so far by the PostgreSQL backends serving `database` (same machine)."""
    total = 0
    for entry in os.scandir("/proc"):
        if not entry.name.isdigit():
            continue
        try:
            with open(f"/proc/{entry.name}/cmdline", "rb") as handle:
                if f" {database} ".encode() not in handle.read().replace(b"\0", b" ") + b" ":
                    continue
            with open(f"/proc/{entry.name}/stat") as handle:
                fields = handle.read().rsplit(")", 1)[1].split()
            total += int(fields[11]) + int(fields[12])  # utime, stime
        except OSError:
            continue
    return total / os.sysconf("SC_CLK_TCK")


def measure(app, applicants, profile: bool = False) -> dict:
    """CPU and wall seconds per step over `applicants` (a fresh client each)."""
    cpu = {step: [] for step in STEPS}
    pg_cpu = {step: [] for step in STEPS}
    wall = {step: [] for step in STEPS}
    profiles = {}
    queries = {step: [] for step in STEPS}
    current = {"step": None}
    from sqlalchemy import event

    from grants.extensions import db

    with app.app_context():
        engine = db.engine
    database = engine.url.database

    def note(conn, cursor, statement, *args):
        if current["step"]:
            queries[current["step"]].append(statement)

    event.listen(engine, "before_cursor_execute", note)
    for index, applicant in enumerate(applicants):
        client = app.test_client()
        for step, do in _requests(client, applicant):
            profiler = (
                cProfile.Profile(time.process_time)
                if profile and index == len(applicants) - 1
                else None
            )
            started_pg = _postgres_cpu(database)
            started_cpu, started = time.process_time(), time.perf_counter()
            current["step"] = step if index == len(applicants) - 1 else None
            if profiler:
                profiler.enable()
            do()
            if profiler:
                profiler.disable()
                profiles[step] = profiler
            cpu[step].append(time.process_time() - started_cpu)
            pg_cpu[step].append(_postgres_cpu(database) - started_pg)
            wall[step].append(time.perf_counter() - started)
    event.remove(engine, "before_cursor_execute", note)
    return {"cpu": cpu, "wall": wall, "profiles": profiles, "queries": queries, "pg": pg_cpu}


def main(n: int = 20) -> int:
    from grants import create_app
    from grants.extensions import db
    from grants.taxonomy.services import load_reference_data
    from tests.conftest import create_postgres_database, drop_postgres_database

    server = rush.postgres_server()
    url = create_postgres_database(server)
    uploads = Path(f"/tmp/rush-profile-{secrets.token_hex(4)}")
    try:
        # As in production: the jobs (receipt PDF, mail) are left to the worker.
        app = create_app(
            {
                "SQLALCHEMY_DATABASE_URI": url,
                "GRANTS_UPLOAD_DIR": str(uploads),
                "SECRET_KEY": secrets.token_urlsafe(48),
                "GRANTS_JOBS_EAGER": False,
                "GRANTS_JSON_LOGS": True,
            }
        )
        import logging

        logging.getLogger("grants.request").disabled = True  # the lines, not their cost
        with app.app_context():
            db.create_all()
            load_reference_data(app.config["GRANTS_SEED_DIR"])
            db.session.commit()
            applicants, call_id = rush.build(app, n)
            from grants import clock
            from grants.calls.models import Call

            db.session.get(Call, call_id).deadline_at = clock.now() + timedelta(hours=1)
            db.session.commit()
            db.session.remove()
        figures = measure(app, applicants, profile=os.environ.get("PROFILE") == "1")
        with app.app_context():
            db.session.remove()
            db.engine.dispose()
    finally:
        drop_postgres_database(server, url)
        os.system(f"rm -rf {uploads}")  # noqa: S605
    title = "## deadline rush: one applicant's requests in CPU time"
    lines = [
        f"\n{title}\n",
        f"Measured {time.strftime('%Y-%m-%d %H:%M UTC', time.gmtime())} by `python -m "
        f"benchmarks.profile_rush`: {n} applicants one after another, the app in-process on "
        f"PostgreSQL (the test client, the jobs left to the worker as in production), load "
        f"average {rush._uptime()}. App CPU is this process's time (`time.process_time`): on a "
        f"loaded machine an upper bound of what the request costs a quiet core; PostgreSQL CPU "
        f"is the mean of its backends' utime+stime (/proc, 10 ms ticks, so only the mean means "
        f"something); wall time includes the waits on the loaded machine. Statements: the SQL "
        f"the request sends.\n",
        "| Request | app CPU median | app CPU max | PostgreSQL CPU mean | wall median "
        "| statements |",
        "| --- | --- | --- | --- | --- | --- |",
    ]
    cost = {}
    for step in STEPS:
        cpu, wall, pg = figures["cpu"][step], figures["wall"][step], figures["pg"][step]
        cost[step] = statistics.median(cpu) + statistics.mean(pg)
        lines.append(
            f"| {step} | {statistics.median(cpu) * 1000:.1f} ms | {max(cpu) * 1000:.1f} ms "
            f"| {statistics.mean(pg) * 1000:.1f} ms | {statistics.median(wall) * 1000:.1f} ms "
            f"| {len(figures['queries'][step])} |"
        )
    rush_cost = sum(cost[step] for step in STEPS if step != "login")
    submit_cost = cost["submit"] + cost["receipt"]
    lines.append(
        f"\nOn 2 quiet cores, with nothing else running (the load client neither), this CPU "
        f"allows about {2 / rush_cost:.0f} applicants saving and submitting per second "
        f"({rush_cost * 1000:.0f} ms of CPU each: edit page and save, submit page, submit, "
        f"receipt page), or {2 / submit_cost:.0f} submits per second if only the submit and its "
        f"receipt page were requested ({submit_cost * 1000:.0f} ms)."
    )
    report = "\n".join(lines) + "\n"
    print(report)
    if os.environ.get("WRITE", "1") == "1":
        rush.write_section(title, report)
    if os.environ.get("QUERIES") == "1":
        for step in STEPS:
            print(f"\n### statements of {step}")
            for statement in figures["queries"][step]:
                print("  " + " ".join(statement.split())[:220])
    for step, profiler in figures["profiles"].items():
        out = io.StringIO()
        order = os.environ.get("PROFILE_SORT", "cumulative")
        pstats.Stats(profiler, stream=out).sort_stats(order).print_stats(
            int(os.environ.get("PROFILE_LINES", "35"))
        )
        print(f"\n### {step}\n" + out.getvalue())
    return 0


if __name__ == "__main__":
    sys.exit(main(int(os.environ.get("RUSH_APPLICANTS", "20"))))
