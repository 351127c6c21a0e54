"""The batch form of mail delivery: statements that do not grow with the batch, a worker
stopping mid-batch hands the rest back pending, and what a batch sent stays sent when its
claim ran out meanwhile."""

from __future__ import annotations

import threading
from datetime import timedelta

from sqlalchemy import event, func, select

from grants import clock
from grants.extensions import db as _db
from grants.jobs import services as jobs
from grants.jobs.models import Job, JobState
from grants.jobs.worker import Worker
from grants.notifications import delivery
from grants.notifications.models import OutboxMessage, OutboxStatus
from grants.notifications.services import deliver_now, queue_mail


def _queue(n: int, tag: str = "a") -> None:
    for i in range(n):
        queue_mail(f"{tag}{i}@example.org", "Result", "mail/confirm.txt", name="A", link="x")
    _db.session.commit()


def _main_thread_statements(n: int) -> tuple[int, int]:
    """Statements run by the delivering thread itself, and commits by the marker thread."""
    counts = {"main": 0, "marker": 0}
    delivering = threading.current_thread()

    def statement(*_args):
        if threading.current_thread() is delivering:
            counts["main"] += 1

    def commit(_conn):
        if threading.current_thread() is not delivering:
            counts["marker"] += 1

    _queue(n, tag=f"n{n}-")
    event.listen(_db.engine, "before_cursor_execute", statement)
    event.listen(_db.engine, "commit", commit)
    try:
        assert deliver_now() == n
    finally:
        event.remove(_db.engine, "before_cursor_execute", statement)
        event.remove(_db.engine, "commit", commit)
    return counts["main"], counts["marker"]


def test_a_batch_runs_the_same_statements_for_10_and_40_messages(db, mailbox):
    small, small_marks = _main_thread_statements(10)
    large, large_marks = _main_thread_statements(40)
    assert small == large  # no statement per message in the sending thread
    assert 1 <= small_marks <= 10 and 1 <= large_marks <= 40  # the marks, grouped
    assert len(mailbox.messages) == 50
    assert set(db.session.scalars(select(OutboxMessage.status))) == {OutboxStatus.SENT}
    done = db.session.scalars(select(Job.result).where(Job.kind == "mail.send")).all()
    assert {"summary": "Sent to n40-0@example.org."} in done and len(done) == 50


def test_a_worker_stopping_mid_batch_hands_the_unsent_messages_back(app, db, mailbox, monkeypatch):
    _queue(5)
    worker = Worker(app, name="stopping")
    sent = []
    real = delivery._Smtp.send

    def send_then_stop(self, sender, recipient, data):
        real(self, sender, recipient, data)
        sent.append(recipient)
        if len(sent) == 2:
            worker.stop()  # SIGTERM arrives while the second message leaves

    monkeypatch.setattr(delivery._Smtp, "send", send_then_stop)
    assert worker.run_batch() == 5
    db.session.expire_all()
    rows = db.session.scalars(select(OutboxMessage).order_by(OutboxMessage.id)).all()
    assert [(m.status, m.attempts) for m in rows] == [(OutboxStatus.SENT, 1)] * 2 + [
        (OutboxStatus.PENDING, 0)
    ] * 3
    states = db.session.scalars(select(Job.state).where(Job.kind == "mail.send").order_by(Job.id))
    assert list(states) == [JobState.DONE] * 2 + [JobState.QUEUED] * 3
    assert sorted(m["To"] for m in mailbox.messages) == sent
    monkeypatch.setattr(delivery._Smtp, "send", real)
    assert deliver_now() == 3
    assert len({m["To"] for m in mailbox.messages}) == len(mailbox.messages) == 5


def test_what_a_batch_sent_stays_sent_when_its_claim_ran_out_meanwhile(db, mailbox):
    _queue(2)
    claimed = jobs.claim("slow worker")
    for job in claimed:
        db.session.expunge(job)  # the slow worker's view: its claim token
    clock.travel(timedelta(seconds=121))
    jobs.reap()  # another worker's loop released the claims: the jobs are queued again
    with delivery._Transport() as transport:
        delivery.send_batch(claimed, transport, threading.Event())
    # The slow worker's messages did leave: they are marked sent, its jobs are not done
    # by it, and the worker that picks them up next sends nothing again.
    assert set(db.session.scalars(select(OutboxMessage.status))) == {OutboxStatus.SENT}
    assert deliver_now() == 0
    assert len(mailbox.messages) == 2
    done = db.session.scalar(
        select(func.count()).where(Job.kind == "mail.send", Job.state == JobState.DONE)
    )
    assert done == 2
    results = db.session.scalars(select(Job.result).where(Job.kind == "mail.send")).all()
    assert all(r["summary"].startswith("Already sent") for r in results)


def test_non_ascii_subjects_and_texts_arrive_as_written(db, mailbox):
    queue_mail(
        "ana@example.org",
        "Résultat de « ŽENA » : sélectionné — Ωmega",
        "mail/confirm.txt",
        name="Ana Šimić",
        link="http://x/",
    )
    db.session.commit()
    assert deliver_now() == 1
    received = mailbox.last_to("ana@example.org")
    assert received["Subject"] == "Résultat de « ŽENA » : sélectionné — Ωmega"
    assert "Ana Šimić" in mailbox.body(received)
    html = received.get_body(preferencelist=("html",)).get_content()
    assert "Ana Šimić" in html
