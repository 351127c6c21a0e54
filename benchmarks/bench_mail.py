"""Mail delivery through the worker, against a local aiosmtpd sink, beside a floor.

N messages (outbox rows and their jobs, as publishing results queues them) are delivered by
the worker's code path twice: per message (the handler's single-job form: a session read,
a commit before and one after each message, as the worker ran it before the batch form)
and by the batch form (claim 50, mark them sending in one commit, send over one connection,
mark them sent from the marker thread while the next ones leave). The floor sends the same
messages, built beforehand, with bare smtplib over one connection. Commits and SQL
statements are counted on the engine. `python -m benchmarks.bench_mail [--postgres URL]`
(a temporary SQLite file; with --postgres or GRANTS_BENCH_POSTGRES also a database of its
own on that PostgreSQL server, dropped at the end); N from the environment (default 500).
Writes the figures into benchmarks/RESULTS.md (section "## mail") unless --no-write."""

from __future__ import annotations

import argparse
import dataclasses
import os
import platform
import re
import smtplib
import socket
import tempfile
import time
from pathlib import Path

from aiosmtpd.controller import Controller
from sqlalchemy import create_engine, event, text
from sqlalchemy.engine import make_url

RESULTS = Path(__file__).resolve().parent / "RESULTS.md"


class _Sink:
    received = 0

    async def handle_DATA(self, server, session, envelope):  # noqa: N802 (aiosmtpd API)
        _Sink.received += 1
        return "250 OK"


class _Counter:
    def __init__(self, engine):
        self.commits = self.statements = 0
        event.listen(engine, "commit", self._commit)
        event.listen(engine, "before_cursor_execute", self._statement)

    def _commit(self, _conn):
        self.commits += 1

    def _statement(self, *_args):
        self.statements += 1


def _free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return probe.getsockname()[1]


def _load() -> str:
    return ", ".join(f"{x:.2f}" for x in os.getloadavg())


def _queue(n: int, tag: str) -> None:
    from grants.extensions import db
    from grants.notifications.services import queue_mail

    for i in range(n):
        queue_mail(
            f"applicant{i}.{tag}@example.org",
            f"Result of P{i} under THB-2026: selected",
            "mail/confirm.txt",
            name="Ana Novak",
            link=f"http://127.0.0.1:5000/results/{i}",
        )
    db.session.commit()


def _deliver(counter: _Counter, per_message: bool) -> tuple[int, float, int, int]:
    from grants.jobs import registry
    from grants.notifications.delivery import MAIL_KIND
    from grants.notifications.services import deliver_now

    registry.load()
    batch_form = registry.HANDLERS[MAIL_KIND]
    if per_message:
        registry.HANDLERS[MAIL_KIND] = dataclasses.replace(batch_form, run_batch=None)
    try:
        commits, statements = counter.commits, counter.statements
        start = time.perf_counter()
        sent = deliver_now()
        elapsed = time.perf_counter() - start
    finally:
        registry.HANDLERS[MAIL_KIND] = batch_form
    return sent, elapsed, counter.commits - commits, counter.statements - statements


def _floor(port: int, n: int) -> tuple[float, float]:
    from flask import current_app

    from grants.extensions import db
    from grants.notifications.delivery import wire
    from grants.notifications.models import OutboxMessage

    sender = current_app.config["GRANTS_MAIL_SENDER"]
    built = [
        (m.recipient, wire(m, sender))
        for m in db.session.query(OutboxMessage).order_by(OutboxMessage.id).limit(n)
    ]
    start = time.perf_counter()
    with smtplib.SMTP("127.0.0.1", port) as smtp:
        for recipient, data in built:
            smtp.sendmail("noreply@example.org", [recipient], data)
    return time.perf_counter() - start, sum(len(d) for _, d in built) / len(built)


def run(url: str, n: int, port: int) -> dict:
    from grants import create_app
    from grants.extensions import db

    app = create_app(
        {
            "SQLALCHEMY_DATABASE_URI": url,
            "GRANTS_MAIL_BACKEND": "smtp",
            "GRANTS_SMTP_HOST": "127.0.0.1",
            "GRANTS_SMTP_PORT": port,
        }
    )
    out = {}
    with app.app_context():
        db.create_all()
        counter = _Counter(db.engine)
        out["dialect"] = db.engine.dialect.name
        for label, per_message in (("per message", True), ("batch", False)):
            start = time.perf_counter()
            _queue(n, label.replace(" ", "-"))
            queued = time.perf_counter() - start
            before = _Sink.received
            sent, elapsed, commits, statements = _deliver(counter, per_message)
            assert sent == n == _Sink.received - before, (sent, n, _Sink.received - before)
            out[label] = {
                "queued": queued,
                "elapsed": elapsed,
                "rate": sent / elapsed,
                "commits": commits,
                "statements": statements,
            }
        out["floor"], out["size"] = _floor(port, n)
        db.session.remove()
        db.drop_all()
    return out


def _postgres_database(server_url: str) -> tuple[str, callable]:
    """A fresh database on that server for the benchmark, and how to drop it."""
    name = f"bench_mail_{os.getpid()}"
    admin = create_engine(server_url, isolation_level="AUTOCOMMIT")
    with admin.connect() as conn:
        conn.execute(text(f'CREATE DATABASE "{name}"'))

    def drop():
        with admin.connect() as conn:
            conn.execute(text(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)'))
        admin.dispose()

    return make_url(server_url).set(database=name).render_as_string(hide_password=False), drop


def _table(n: int, results: list[dict]) -> str:
    lines = [
        "| Database | Form | Messages/s | Time | Commits | SQL statements | Floor ratio |",
        "| --- | --- | --- | --- | --- | --- | --- |",
    ]
    for r in results:
        floor = r["floor"]
        for label in ("per message", "batch"):
            f = r[label]
            lines.append(
                f"| {r['dialect']} | {label} | **{f['rate']:.0f}** | {f['elapsed']:.2f} s "
                f"| {f['commits']:,} | {f['statements']:,} | {f['elapsed'] / floor:.1f}x |"
            )
        lines.append(
            f"| {r['dialect']} | floor (bare smtplib, one connection) | {n / floor:.0f} "
            f"| {floor:.2f} s |  |  | 1.0x |"
        )
    return "\n".join(lines)


def write(section: str) -> None:
    current = RESULTS.read_text() if RESULTS.exists() else "# Benchmark results\n"
    pattern = re.compile(r"## mail\n.*?(?=\n## |\Z)", flags=re.S)
    if pattern.search(current):
        current = pattern.sub(lambda _: section.rstrip("\n") + "\n", current)
    else:
        current = current.rstrip("\n") + "\n\n" + section
    RESULTS.write_text(current.rstrip("\n") + "\n")


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument(
        "--postgres",
        default=os.environ.get("GRANTS_BENCH_POSTGRES"),
        help="a PostgreSQL server URL, a database is created there (GRANTS_BENCH_POSTGRES)",
    )
    parser.add_argument("--no-write", action="store_true")
    args = parser.parse_args()
    n = int(os.environ.get("N", "500"))
    load_before = _load()
    port = _free_port()
    controller = Controller(_Sink(), hostname="127.0.0.1", port=port)
    controller.start()
    results = []
    try:
        folder = tempfile.mkdtemp(prefix="bench-mail-")
        results.append(run(f"sqlite:///{folder}/bench.sqlite", n, port))
        if args.postgres:
            url, drop = _postgres_database(args.postgres)
            try:
                results.append(run(url, n, port))
            finally:
                drop()
    finally:
        controller.stop()
    section = (
        f"## mail\n\nMeasured {time.strftime('%Y-%m-%d')} by `python -m benchmarks.bench_mail` "
        f"on {os.cpu_count()} cores, Python {platform.python_version()}, {platform.system()}; "
        f"load average (1, 5, 15 min) {load_before} when it started and {_load()} when it "
        "ended (the cores are shared).\n\n"
        f"Input: {n} messages per form (the confirmation template, text and HTML, "
        f"{results[0]['size'] / 1024:.1f} KB each on the wire), queued as publishing results "
        "queues them, delivered by `deliver_now()` (the "
        "worker's loop, in process) to an aiosmtpd server on 127.0.0.1 that accepts "
        "everything. *Per message* is the handler's single-job form, as the worker ran it "
        "before the batch form; *batch* is what the worker runs now. Commits and statements "
        "are counted on the engine (both threads). The floor sends the same messages, built "
        "beforehand, over one connection with bare smtplib.\n\n"
        f"{_table(n, results)}\n"
    )
    print(section)
    if not args.no_write:
        write(section)
        print(f"written to {RESULTS}")


if __name__ == "__main__":
    main()
