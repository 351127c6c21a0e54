"""The outbox and its delivery jobs: one message per queued mail however often delivery
runs, failures retried with backoff without blocking the others, claims that time out
retried, headers that no value can break, text and HTML, and the console backend."""

from __future__ import annotations

import threading
from datetime import timedelta
from pathlib import Path

from sqlalchemy import select

from grants import clock
from grants.extensions import db as _db
from grants.jobs import services as jobs
from grants.jobs.models import Job, JobState
from grants.jobs.worker import run_jobs
from grants.notifications.models import OutboxMessage, OutboxStatus
from grants.notifications.services import deliver_now, deliver_pending, queue_mail


def _queue(recipient="victim.support@example.org", subject="Hello", **kwargs):
    message = queue_mail(
        recipient,
        subject,
        "mail/confirm.txt",
        name="Ana",
        link="http://x/confirm/abc?token=a=b&next=%2Fdashboard",
        **kwargs,
    )
    _db.session.commit()
    return message


def _job_of(message) -> Job:
    return _db.session.scalar(select(Job).where(Job.dedupe_key == f"mail:{message.message_id}"))


def test_queueing_writes_the_message_and_its_job_in_the_callers_transaction(db):
    message = queue_mail("a@example.org", "Hi", "mail/confirm.txt", name="A", link="x")
    db.session.rollback()  # the caller's change failed: neither the mail nor its job remains
    assert db.session.scalars(select(OutboxMessage)).all() == []
    assert db.session.scalars(select(Job)).all() == []
    message = _queue()
    job = _job_of(message)
    assert job.kind == "mail.send" and job.state == JobState.QUEUED


def test_message_is_sent_over_smtp_once_even_when_delivery_runs_again(db, mailbox):
    message = _queue()
    assert deliver_now() == 1
    assert deliver_now() == 0
    assert deliver_pending([message.id]) == 0  # eager mode: nothing left to send
    received = mailbox.to("victim.support@example.org")
    assert len(received) == 1
    assert received[0]["Message-ID"] == message.message_id
    assert "http://x/confirm/abc?token=a=b&next=%2Fdashboard" in mailbox.body(received[0])
    html = received[0].get_body(preferencelist=("html",)).get_content()
    assert '<a href="http://x/confirm/abc?token=a=b&amp;next=%2Fdashboard">' in html
    db.session.refresh(message)
    assert message.status == OutboxStatus.SENT and message.attempts == 1
    assert _job_of(message).state == JobState.DONE


def test_a_failed_delivery_is_marked_failed_with_its_reason_and_retried_with_backoff(
    app, db, mailbox, smtp_connects
):
    message = _queue()
    others = [_queue(f"applicant{i}@example.org") for i in range(4)]
    port = app.config["GRANTS_SMTP_PORT"]
    app.config["GRANTS_SMTP_PORT"] = 1  # nothing listens there
    try:
        assert deliver_now() == 0
    finally:
        app.config["GRANTS_SMTP_PORT"] = port
    assert len(smtp_connects) == 1  # a server that is down costs one attempt per batch
    for each in [message, *others]:
        db.session.refresh(each)
        job = _job_of(each)
        assert each.status == OutboxStatus.FAILED and "Connection refused" in each.last_error
        assert each.attempts == 1
        assert job.state == JobState.QUEUED and job.attempts == 1 and job.last_error
        assert job.run_after >= clock.now() + timedelta(seconds=29)  # backoff: not at once
    assert deliver_now() == 0 and mailbox.messages == []  # not due yet
    clock.travel(timedelta(seconds=31))
    assert deliver_now() == 5
    assert len(mailbox.messages) == 5
    db.session.refresh(message)
    assert message.status == OutboxStatus.SENT and message.last_error == ""


def test_backoff_doubles_and_ends_in_the_dead_letter(app, db, mailbox):
    message = _queue()
    port = app.config["GRANTS_SMTP_PORT"]
    app.config["GRANTS_SMTP_PORT"] = 1
    clock.freeze(clock.now())  # a slow refused connection must not shave a second off a delay
    delays = []
    try:
        for _ in range(8):
            run_jobs(kinds=["mail.send"])
            job = _job_of(message)
            db.session.refresh(job)
            if job.state == JobState.FAILED:
                break
            delays.append(round((job.run_after - clock.now()).total_seconds()))
            clock.travel(job.run_after - clock.now() + timedelta(seconds=1))
    finally:
        app.config["GRANTS_SMTP_PORT"] = port
    assert delays == [30, 60, 120, 240, 480, 960, 1920]
    assert job.state == JobState.FAILED and job.attempts == job.max_attempts == 8
    assert jobs.failed_jobs() == [job]
    # A programme manager retries it from the failed-jobs page: it goes out once.
    jobs.retry(job, None)
    db.session.refresh(message)
    assert message.status == OutboxStatus.PENDING
    assert deliver_now() == 1 and len(mailbox.messages) == 1


def test_one_refused_message_fails_alone_and_the_batch_goes_on(db, refusing_mailbox):
    mailbox = refusing_mailbox
    good = [_queue(f"applicant{i}@example.org") for i in range(3)]
    bad = _queue("refused@example.org")
    last = _queue("applicant9@example.org")
    assert deliver_now() == 4
    assert sorted(m["To"] for m in mailbox.messages) == sorted(
        [m.recipient for m in good] + ["applicant9@example.org"]
    )
    db.session.refresh(bad)
    assert bad.status == OutboxStatus.FAILED and "No such mailbox" in bad.last_error
    assert _job_of(bad).state == JobState.QUEUED  # retried later, with backoff
    db.session.refresh(last)
    assert last.status == OutboxStatus.SENT


def test_one_smtp_connection_for_a_batch(db, mailbox, smtp_connects):
    for i in range(12):
        _queue(f"applicant{i}@example.org")
    assert deliver_now() == 12
    assert len(smtp_connects) == 1


def test_concurrent_deliveries_send_once(app, db, mailbox):
    for i in range(6):
        _queue(f"applicant{i}@example.org")
    results = []

    def worker():
        with app.app_context():
            results.append(deliver_now())
            _db.session.remove()

    threads = [threading.Thread(target=worker) for _ in range(4)]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    assert len(mailbox.messages) == 6
    assert len({m["Message-ID"] for m in mailbox.messages}) == 6


def test_a_message_stuck_in_sending_past_its_claim_is_retried(db, mailbox):
    message = _queue()
    job = _job_of(message)
    claimed = jobs.claim("a worker that dies")
    assert [j.id for j in claimed] == [job.id]
    message.status = OutboxStatus.SENDING  # as the dead worker left it
    db.session.commit()
    assert deliver_now() == 0  # its claim still holds
    clock.travel(timedelta(seconds=121))  # the mail kind's claim lasts 120 s
    assert deliver_now() == 1
    assert len(mailbox.messages) == 1
    db.session.refresh(job)
    assert job.state == JobState.DONE and job.attempts == 2


def test_dedupe_key_queues_one_message(db):
    first = _queue(dedupe_key="receipt:42")
    second = _queue(dedupe_key="receipt:42")
    assert first.id == second.id
    assert len(db.session.scalars(select(OutboxMessage)).all()) == 1
    assert len(db.session.scalars(select(Job)).all()) == 1


def test_headers_are_built_from_sanitised_values(db, mailbox):
    message = _queue(subject="Receipt: SAFE\r\nBcc: attacker@example.org\r\n\r\nHEAD\u2028ER")
    assert deliver_now() == 1
    received = mailbox.last_to("victim.support@example.org")
    assert received["Subject"] == "Receipt: SAFE Bcc: attacker@example.org HEAD ER"
    assert received["Bcc"] is None
    assert "\n" not in message.subject and "\r" not in message.subject


def test_console_backend_prints_the_decoded_text_and_keeps_an_eml_file(app, db, capsys):
    long_link = "http://127.0.0.1:5000/password/reset/" + "a=b" * 40
    queue_mail(
        "victim.support@example.org",
        "Reset",
        "mail/reset.txt",
        name="Ana",
        link=long_link,
        minutes=60,
    )
    _db.session.commit()
    app.config["GRANTS_MAIL_BACKEND"] = "console"
    app.config["GRANTS_MAIL_CONSOLE"] = "full"
    try:
        assert deliver_now() == 1
        printed = capsys.readouterr().err
        assert "To: victim.support@example.org" in printed
        assert long_link in printed  # not quoted-printable: a copied link works
        # By default one line per message, its link still there to copy.
        app.config["GRANTS_MAIL_CONSOLE"] = "summary"
        queue_mail(
            "victim.support@example.org",
            "Reset",
            "mail/reset.txt",
            name="Ana",
            link=long_link,
            minutes=60,
        )
        _db.session.commit()
        assert deliver_now() == 1
        printed = capsys.readouterr().err
        assert printed.count("\n") == 1 and printed.startswith("mail to victim.support@")
        assert long_link in printed
    finally:
        app.config["GRANTS_MAIL_BACKEND"] = "smtp"
        app.config.pop("GRANTS_MAIL_CONSOLE", None)
    files = list((Path(app.instance_path) / "mail").glob("*.eml"))
    assert files and any(b"victim.support@example.org" in f.read_bytes() for f in files)
    for f in files:
        f.unlink()


def test_a_line_break_in_an_acronym_no_longer_breaks_the_receipt(
    db, create_proposal, submit_proposal, mailbox
):
    proposal = create_proposal(acronym="SAFE\r\nBcc: x@example.org")  # 30 characters at most
    submission = submit_proposal(proposal)
    receipt = mailbox.last_to(proposal.organisation.memberships[0].user.email)
    assert receipt["Subject"].startswith("Receipt: SAFE Bcc: x@example.org submitted")
    assert receipt["Bcc"] is None
    assert submission.reference in mailbox.body(receipt)
    assert set(db.session.scalars(select(OutboxMessage.status))) == {OutboxStatus.SENT}
