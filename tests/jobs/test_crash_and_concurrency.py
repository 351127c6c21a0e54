"""A worker killed mid-batch loses and duplicates nothing; two workers and two schedulers on
one PostgreSQL database send nothing twice."""

from __future__ import annotations

import asyncio
import os
import signal
import socket
import subprocess
import sys
import threading
import time
from datetime import timedelta
from pathlib import Path

import pytest
from sqlalchemy import func, select

from grants import clock
from grants.extensions import db as _db
from grants.jobs.models import Job, JobState
from grants.jobs.scheduler import ElectedScheduler, tick
from grants.jobs.worker import Worker, run_jobs
from grants.notifications.models import OutboxMessage, OutboxStatus
from grants.notifications.services import queue_mail
from grants.review.models import AssignmentState
from tests.conftest import Mailbox

ROOT = Path(__file__).resolve().parents[2]


class HoldingMailbox(Mailbox):
    """Accepts messages, but holds the `hold`-th one at RCPT until released: its worker is
    then certainly in the middle of the batch, with nothing of that message delivered."""

    def __init__(self, hold: int):
        super().__init__()
        self.hold, self.seen = hold, 0
        self.holding, self.release = threading.Event(), threading.Event()

    async def handle_RCPT(self, server, session, envelope, address, rcpt_options):  # noqa: N802
        self.seen += 1
        if self.seen == self.hold:
            self.holding.set()
            while not self.release.is_set():
                await asyncio.sleep(0.05)
            return "451 4.3.0 Try again later"
        envelope.rcpt_tos.append(address)
        return "250 OK"


def _free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return probe.getsockname()[1]


def _sent() -> int:
    _db.session.rollback()  # a fresh snapshot of what the worker committed
    return _db.session.scalar(select(func.count()).where(OutboxMessage.status == OutboxStatus.SENT))


def test_a_worker_killed_mid_batch_loses_and_duplicates_nothing(
    app, db, database_url, mailbox, tmp_path
):
    from aiosmtpd.controller import Controller

    app.config["GRANTS_JOBS_EAGER"] = False
    holding = HoldingMailbox(hold=3)
    port = _free_port()
    controller = Controller(holding, hostname="127.0.0.1", port=port)
    controller.start()
    addresses = [f"applicant{i}@example.org" for i in range(6)]
    for address in addresses:
        queue_mail(address, "Result", "mail/confirm.txt", name="A", link="http://x/")
    db.session.commit()
    env = {
        **os.environ,
        "FLASK_APP": "wsgi",
        "DATABASE_URL": database_url,
        "GRANTS_MAIL_BACKEND": "smtp",
        "GRANTS_SMTP_HOST": "127.0.0.1",
        "GRANTS_SMTP_PORT": str(port),
        "GRANTS_JOBS_POLL_SECONDS": "0.2",
    }
    worker = subprocess.Popen(
        [sys.executable, "-m", "flask", "jobs", "run", "--no-scheduler"],
        cwd=ROOT,
        env=env,
        stdout=subprocess.DEVNULL,
        stderr=open(tmp_path / "worker.log", "w"),  # noqa: SIM115
    )
    try:
        assert holding.holding.wait(90), (tmp_path / "worker.log").read_text()[-3000:]
        # The two messages accepted before are marked sent by the worker's marker thread
        # while the third one leaves; kill the worker once their marks are in (a kill
        # within that commit would send them again: the window of at-least-once).
        deadline = time.monotonic() + 30
        while _sent() < 2 and time.monotonic() < deadline:
            time.sleep(0.05)
        worker.send_signal(signal.SIGKILL)
        worker.wait(10)
    finally:
        if worker.poll() is None:
            worker.kill()
        holding.release.set()
        controller.stop()
    db.session.expire_all()
    states = dict(
        db.session.execute(
            select(OutboxMessage.status, func.count()).group_by(OutboxMessage.status)
        ).all()
    )
    # The batch was marked sending in one commit: the other four are sending, none lost.
    assert states == {OutboxStatus.SENT: 2, OutboxStatus.SENDING: 4}
    assert sorted(m["To"] for m in holding.messages) == addresses[:2]
    # The dead worker's claim holds the rest until it times out; then another worker sends
    # them, each once.
    assert run_jobs() == 0
    clock.travel(timedelta(seconds=121))
    run_jobs()
    assert sorted(m["To"] for m in mailbox.messages) == addresses[2:]
    every = holding.messages + mailbox.messages
    assert len({m["Message-ID"] for m in every}) == len(every) == 6
    assert set(db.session.scalars(select(OutboxMessage.status))) == {OutboxStatus.SENT}
    app.config["GRANTS_JOBS_EAGER"] = True


@pytest.mark.postgres
def test_two_workers_and_two_schedulers_send_nothing_twice(
    app, db, closed_call, create_evaluator, create_assignment, mailbox
):
    if _db.engine.dialect.name != "postgresql":
        pytest.skip("several workers share a database on PostgreSQL (SQLite runs one)")
    app.config["GRANTS_JOBS_EAGER"] = False
    call, submissions = closed_call(n=2)
    evaluators = [create_evaluator() for _ in range(6)]
    for person in evaluators:
        for s in submissions:
            create_assignment(s, person, AssignmentState.ACTIVE)
    for i in range(120):
        queue_mail(f"applicant{i}@example.org", "Receipt", "mail/confirm.txt", name="A", link="x")
    db.session.commit()
    emails = [person.email for person in evaluators]
    mailbox.clear()
    due = clock.now() + timedelta(days=21)
    clock.freeze(due - timedelta(days=8))
    tick()  # the schedules are known; the reminders fire at the next 08:00 Brussels
    db.session.remove()
    clock.travel(timedelta(days=1, hours=1))

    workers = [Worker(app, name=f"worker-{n}", poll=0.05) for n in range(2)]
    schedulers = [ElectedScheduler(app, tick_seconds=0.2, retry_seconds=0.1) for _ in range(2)]
    threads = [threading.Thread(target=w.run_forever) for w in workers]
    threads += [threading.Thread(target=s.run) for s in schedulers]
    rogue_ticks = []  # two more "schedulers" that ignore the lock: the keys still hold

    def rogue():
        with app.app_context():
            for _ in range(5):
                rogue_ticks.extend(tick())
                time.sleep(0.05)
            _db.session.remove()

    threads += [threading.Thread(target=rogue) for _ in range(2)]
    for t in threads:
        t.start()
    try:
        deadline = time.monotonic() + 90
        while time.monotonic() < deadline:
            time.sleep(0.5)
            with app.app_context():
                busy = _db.session.scalar(
                    select(func.count()).where(
                        Job.state.in_([JobState.QUEUED, JobState.RUNNING, JobState.WAITING])
                    )
                )
                reminders = _db.session.scalar(
                    select(func.count()).where(OutboxMessage.subject.startswith("Reminder"))
                )
                _db.session.remove()
            if busy == 0 and reminders and sum(s.leading.is_set() for s in schedulers) == 1:
                break
    finally:
        for w in workers:
            w.stop()
        for s in schedulers:
            s.stop()
        for t in threads:
            t.join(30)
        app.config["GRANTS_JOBS_EAGER"] = True
    assert busy == 0
    sent = [m["To"] for m in mailbox.messages]
    assert len(set(m["Message-ID"] for m in mailbox.messages)) == len(sent)
    for address in emails + [f"applicant{i}@example.org" for i in range(120)]:
        assert sent.count(address) == 1, address
    with app.app_context():
        outbox = _db.session.scalars(select(OutboxMessage.status)).all()
        assert len(outbox) == len(sent) and set(outbox) == {OutboxStatus.SENT}
        names = [
            j.payload["name"]
            for j in _db.session.scalars(select(Job).where(Job.kind == "schedule"))
        ]
        attempts = set(_db.session.scalars(select(Job.attempts).where(Job.kind == "mail.send")))
        _db.session.remove()
    assert names.count("review.reminders") == 1
    assert attempts == {1}  # no job was claimed by both workers
