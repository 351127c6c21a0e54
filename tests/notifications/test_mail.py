"""The outbox: one message per queued mail, however often delivery is retried."""

from __future__ import annotations

import threading

from sqlalchemy import select

from grants.extensions import db as _db
from grants.notifications.models import OutboxMessage, OutboxStatus
from grants.notifications.services import deliver_pending, deliver_soon, queue_mail


def _queue(**kwargs):
    message = queue_mail(
        "victim.support@example.org",
        "Hello",
        "mail/confirm.txt",
        name="Ana",
        link="http://x/confirm/abc",
        **kwargs,
    )
    _db.session.commit()
    return message


def test_message_is_sent_over_smtp_once_even_when_delivery_runs_again(db, mailbox):
    message = _queue()
    assert deliver_pending() == 1
    assert deliver_pending() == 0
    assert deliver_pending([message.id]) == 0
    received = mailbox.to("victim.support@example.org")
    assert len(received) == 1
    assert received[0]["Message-ID"] == message.message_id
    assert "http://x/confirm/abc" in mailbox.body(received[0])
    db.session.refresh(message)
    assert message.status == OutboxStatus.SENT and message.attempts == 1


def test_a_failed_delivery_stays_in_the_outbox_and_is_retried(app, db, mailbox):
    message = _queue()
    port = app.config["GRANTS_SMTP_PORT"]
    app.config["GRANTS_SMTP_PORT"] = 1  # nothing listens there
    try:
        assert deliver_pending() == 0
    finally:
        app.config["GRANTS_SMTP_PORT"] = port
    db.session.refresh(message)
    assert message.status == OutboxStatus.FAILED and message.last_error
    assert mailbox.messages == []
    assert deliver_pending() == 1
    assert len(mailbox.messages) == 1


def test_concurrent_deliveries_send_once(app, db, mailbox):
    _queue()
    results = []

    def worker():
        with app.app_context():
            results.append(deliver_pending())
            _db.session.remove()

    threads = [threading.Thread(target=worker) for _ in range(4)]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    assert sum(results) == 1
    assert len(mailbox.messages) == 1


def test_dedupe_key_queues_one_message(db):
    first = _queue(dedupe_key="receipt:42")
    second = _queue(dedupe_key="receipt:42")
    assert first.id == second.id
    assert len(db.session.scalars(select(OutboxMessage)).all()) == 1


def test_console_backend_prints(app, db, capsys):
    _queue()
    app.config["GRANTS_MAIL_BACKEND"] = "console"
    try:
        assert deliver_pending() == 1
    finally:
        app.config["GRANTS_MAIL_BACKEND"] = "smtp"
    assert "victim.support@example.org" in capsys.readouterr().err


def test_bulk_mail_leaves_from_a_background_thread(app, db, mailbox):
    messages = [
        queue_mail(f"applicant{i}@example.org", "Result", "mail/confirm.txt", name="A", link="x")
        for i in range(3)
    ]
    _db.session.commit()
    ids = [m.id for m in messages]
    app.config["GRANTS_MAIL_BULK_IN_BACKGROUND"] = True
    try:
        thread = deliver_soon(ids)
        assert thread is not None
        thread.join(timeout=30)
    finally:
        app.config["GRANTS_MAIL_BULK_IN_BACKGROUND"] = False
    assert sorted(m["To"] for m in mailbox.messages) == [
        f"applicant{i}@example.org" for i in range(3)
    ]
    statuses = _db.session.scalars(select(OutboxMessage.status).where(OutboxMessage.id.in_(ids)))
    assert set(statuses) == {OutboxStatus.SENT}
    assert deliver_soon([]) is None
