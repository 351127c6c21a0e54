"""Delivering the outbox: the worker's `mail.send` jobs, a batch at a time.

A batch of claimed messages is marked sending in one commit and sent over one SMTP
connection; while each next message leaves, a thread of its own commits the ones the server
has accepted (sent, and their jobs done) in as few commits as the sending allows, so a worker
killed mid-batch resends at most the message or two accepted since that thread's last commit
(anything not yet marked is sent again once the claim times out; nothing is lost). A message
refused, or a connection that fails, fails alone: its reason is kept and its job retried
with backoff, and the rest of the batch goes on. A worker told to stop (SIGTERM, Ctrl-C)
finishes the message at hand, commits what left and hands the rest back."""

from __future__ import annotations

import email.policy
import logging
import queue
import re
import smtplib
import ssl
import sys
import threading
from email.charset import QP, Charset
from email.header import Header
from email.message import EmailMessage
from email.mime.multipart import MIMEMultipart
from email.mime.text import MIMEText
from email.utils import formatdate, parseaddr
from pathlib import Path

from flask import current_app
from sqlalchemy import select, update

from grants import clock
from grants.extensions import db
from grants.jobs import services as jobs
from grants.jobs.models import Job
from grants.jobs.registry import handler
from grants.notifications.models import OutboxMessage, OutboxStatus

log = logging.getLogger(__name__)

MAIL_KIND = "mail.send"
MAIL_BATCH = 50  # messages claimed together and sent over one SMTP connection
MAIL_TIMEOUT = 120  # seconds a claim lasts; extended while the batch makes progress

_WIRE = email.policy.compat32.clone(linesep="\r\n")  # smtplib sends bytes as they are
_UTF8 = Charset("utf-8")
_UTF8.header_encoding = QP
_UTF8.body_encoding = QP


def _header(value: str):
    return value if value.isascii() else Header(value, _UTF8)


def wire(message: OutboxMessage, sender: str) -> bytes:
    """The message as it goes over SMTP: text and, when there is one, HTML alternatives.
    Built with the classic MIME classes (a tenth of the cost of EmailMessage's header
    registry); every header value is a single line already (services.single_line)."""
    from grants.notifications.services import single_line

    text = MIMEText(message.body_text, "plain", _UTF8)
    if message.body_html:
        mime = MIMEMultipart("alternative")
        mime.attach(text)
        mime.attach(MIMEText(message.body_html, "html", _UTF8))
    else:
        mime = text
    mime["From"] = _header(single_line(sender))
    mime["To"] = single_line(message.recipient, 254)
    mime["Subject"] = _header(single_line(message.subject))
    mime["Message-ID"] = single_line(message.message_id, 120)
    mime["Date"] = formatdate(message.created_at.timestamp(), usegmt=True)
    return mime.as_bytes(policy=_WIRE)


def as_email(message: OutboxMessage) -> EmailMessage:
    """The message as a reader sees it (the console backend, the benchmark)."""
    sender = current_app.config["GRANTS_MAIL_SENDER"]
    return email.message_from_bytes(wire(message, sender), policy=email.policy.default)


# Transports ----------------------------------------------------------------------------------


class _Console:
    """Development: keep each message as an .eml file and print one line for it (to, subject,
    the file, its first link) or, with GRANTS_MAIL_CONSOLE=full, its headers and decoded text."""

    def __init__(self, folder: Path, full: bool = False):
        self.folder = folder
        self.full = full

    def send(self, sender: str, recipient: str, data: bytes) -> None:
        message = email.message_from_bytes(data, policy=email.policy.default)
        headers = "\n".join(f"{k}: {message[k]}" for k in ("From", "To", "Subject", "Date"))
        text = message.get_body(preferencelist=("plain",)).get_content()
        self.folder.mkdir(parents=True, exist_ok=True)
        stamp = clock.now().strftime("%Y%m%d-%H%M%S")
        name = re.sub(r"[^A-Za-z0-9]+", "", message["Message-ID"])[:40]
        path = self.folder / f"{stamp}-{name}.eml"
        path.write_bytes(data)
        if self.full:
            line = f"----- mail -----\n{headers}\nSaved as: {path}\n\n{text}\n----------------"
        else:
            link = re.search(r"https?://\S+", text)
            line = f"mail to {message['To']}: {message['Subject']} ({path.name})" + (
                f" {link.group(0)}" if link else ""
            )
        print(line, file=sys.stderr, flush=True)

    def close(self) -> None:
        pass


class _Smtp:
    """One SMTP connection for a batch, opened at the first message and once more after the
    server dropped it. A connection that cannot be opened fails the rest of the batch with
    the same reason at once (a server that is down costs one timeout, not fifty)."""

    def __init__(self, config):
        self.config = config
        self.smtp = None
        self.broken: BaseException | None = None

    def _connect(self):
        config = self.config
        host, port = config["GRANTS_SMTP_HOST"], config["GRANTS_SMTP_PORT"]
        tls = config["GRANTS_SMTP_SSL"] or config["GRANTS_SMTP_STARTTLS"]
        context = ssl.create_default_context() if tls else None  # loading CAs takes 0.1 s
        if config["GRANTS_SMTP_SSL"]:
            smtp = smtplib.SMTP_SSL(host, port, timeout=20, context=context)
        else:
            smtp = smtplib.SMTP(host, port, timeout=20)
        if config["GRANTS_SMTP_STARTTLS"]:
            smtp.starttls(context=context)
        if config["GRANTS_SMTP_USER"]:
            smtp.login(config["GRANTS_SMTP_USER"], config["GRANTS_SMTP_PASSWORD"])
        return smtp

    def send(self, sender: str, recipient: str, data: bytes) -> None:
        if self.broken is not None:
            raise self.broken
        if self.smtp is None:
            try:
                self.smtp = self._connect()
            except (smtplib.SMTPException, OSError) as exc:
                self.broken = exc
                raise
        try:
            self.smtp.sendmail(sender, [recipient], data)
        except (smtplib.SMTPServerDisconnected, OSError):
            self.close()
            raise

    def close(self) -> None:
        if self.smtp is not None:
            try:
                self.smtp.quit()
            except (smtplib.SMTPException, OSError):
                self.smtp.close()
            self.smtp = None


class _Transport:
    def __enter__(self):
        config = current_app.config
        backend = config["GRANTS_MAIL_BACKEND"]
        if backend == "console":
            self.transport = _Console(
                Path(current_app.instance_path) / "mail",
                full=config.get("GRANTS_MAIL_CONSOLE") == "full",
            )
        elif backend == "smtp":
            self.transport = _Smtp(config)
        else:
            raise smtplib.SMTPException(f"unknown mail backend {backend!r}")
        return self.transport

    def __exit__(self, *exc):
        self.transport.close()
        return False


# Marking what left ------------------------------------------------------------------------------


class _Marker:
    """A thread that commits accepted messages as sent (and their jobs done) while the next
    ones leave: each commit takes every message accepted since the previous one."""

    def __init__(self, app, token: str):
        self.app = app
        self.token = token
        self.accepted: queue.Queue = queue.Queue()
        self.error: BaseException | None = None
        self.thread = threading.Thread(target=self._run, name="mail-marker", daemon=True)
        self.thread.start()

    def sent(self, job_id: int, outbox_id: int, recipient: str) -> None:
        self.accepted.put((job_id, outbox_id, recipient))

    def close(self) -> None:
        self.accepted.put(None)
        self.thread.join()
        if self.error is not None:
            raise self.error

    def _run(self) -> None:
        with self.app.app_context():
            try:
                closing = False
                while not closing:
                    items = [self.accepted.get()]
                    while not self.accepted.empty():
                        items.append(self.accepted.get_nowait())
                    closing = items[-1] is None
                    items = [i for i in items if i is not None]
                    if items:
                        self._commit(items)
            except BaseException as exc:  # the batch's caller re-raises it
                self.error = exc
                db.session.rollback()
            finally:
                db.session.remove()

    def _commit(self, items: list[tuple[int, int, str]]) -> None:
        now = clock.now()
        outbox_ids = [outbox_id for _, outbox_id, _ in items]

        def mark_sent() -> None:
            # Sent is true of every message here, also one whose claim ran out meanwhile:
            # the worker that took it over finds it sent and sends nothing.
            db.session.execute(
                update(OutboxMessage)
                .where(OutboxMessage.id.in_(outbox_ids))
                .values(status=OutboxStatus.SENT, sent_at=now, last_error="")
                .execution_options(synchronize_session=False)
            )

        jobs.complete_batch(
            self.token,
            {job_id: {"summary": f"Sent to {recipient}."} for job_id, _, recipient in items},
            writes=mark_sent,
            lease_seconds=MAIL_TIMEOUT,
        )


# The job kind ---------------------------------------------------------------------------------


def _message(payload: dict) -> OutboxMessage | None:
    return db.session.scalar(
        select(OutboxMessage).where(OutboxMessage.message_id == payload["message_id"])
    )


def _mail_failed(payload: dict, error: str, final: bool) -> None:
    message = _message(payload)
    if message is not None and message.status != OutboxStatus.SENT:
        message.status = OutboxStatus.FAILED
        message.last_error = error[:1000]


def _mail_retry(payload: dict) -> None:
    message = _message(payload)
    if message is not None and message.status == OutboxStatus.FAILED:
        message.status = OutboxStatus.PENDING


def _send_one(payload: dict, transport, _context) -> dict:
    """One message on its own (the handler's single-job form; the worker uses the batch)."""
    message = _message(payload)
    if message is None:
        return {"summary": "The message is no longer in the outbox."}
    if message.status == OutboxStatus.SENT:
        return {"summary": f"Already sent to {message.recipient}."}
    message.status = OutboxStatus.SENDING
    message.attempts += 1
    db.session.commit()
    sender = current_app.config["GRANTS_MAIL_SENDER"]
    transport.send(parseaddr(sender)[1] or sender, message.recipient, wire(message, sender))
    message.status = OutboxStatus.SENT
    message.sent_at = clock.now()
    message.last_error = ""
    return {"summary": f"Sent to {message.recipient}."}


def _prepare(batch: list[Job]) -> tuple[list[tuple], dict[int, dict]]:
    """The batch's messages still to send, built and marked sending in one commit; and the
    results of the jobs with nothing to send."""
    by_id = {job.payload["message_id"]: job for job in batch}
    found = {
        m.message_id: m
        for m in db.session.scalars(
            select(OutboxMessage).where(OutboxMessage.message_id.in_(by_id))
        )
    }
    sender = current_app.config["GRANTS_MAIL_SENDER"]
    envelope_from = parseaddr(sender)[1] or sender
    outgoing, nothing = [], {}
    for message_id, job in by_id.items():
        message = found.get(message_id)
        if message is None:
            nothing[job.id] = {"summary": "The message is no longer in the outbox."}
        elif message.status == OutboxStatus.SENT:
            nothing[job.id] = {"summary": f"Already sent to {message.recipient}."}
        else:
            data = wire(message, sender)
            outgoing.append((job.id, message.id, message.recipient, envelope_from, data))
    if outgoing:
        db.session.execute(
            update(OutboxMessage)
            .where(OutboxMessage.id.in_([o[1] for o in outgoing]))
            .values(status=OutboxStatus.SENDING, attempts=OutboxMessage.attempts + 1)
            .execution_options(synchronize_session=False)
        )
    db.session.commit()
    return outgoing, nothing


def _hand_back(token: str, rest: list[tuple]) -> None:
    """A worker stopping mid-batch: the messages it did not send are pending again."""
    db.session.execute(
        update(OutboxMessage)
        .where(OutboxMessage.id.in_([o[1] for o in rest]))
        .values(status=OutboxStatus.PENDING, attempts=OutboxMessage.attempts - 1)
        .execution_options(synchronize_session=False)
    )
    jobs.release([(o[0], token) for o in rest])


def send_batch(batch: list[Job], transport, stopping: threading.Event) -> None:
    """The worker's batch form of `mail.send`: see the module's docstring."""
    token = batch[0].claim_token
    outgoing, nothing = _prepare(batch)
    if nothing:
        jobs.complete_batch(token, nothing)
    marker = _Marker(current_app._get_current_object(), token)
    failures = []
    try:
        for n, (job_id, outbox_id, recipient, envelope_from, data) in enumerate(outgoing):
            if stopping.is_set():
                marker.close()
                _hand_back(token, outgoing[n:])
                break
            try:
                transport.send(envelope_from, recipient, data)
            except Exception as exc:  # refused, or the connection failed: this one alone
                failures.append((job_id, exc))
                continue
            marker.sent(job_id, outbox_id, recipient)
    finally:
        if marker.thread.is_alive():
            marker.close()
    for job_id, exc in failures:
        jobs.fail(job_id, token, exc)


handler(
    MAIL_KIND,
    "E-mail",
    batch=MAIL_BATCH,
    resource=_Transport,
    timeout=MAIL_TIMEOUT,
    max_attempts=8,
    priority=0,
    on_fail=_mail_failed,
    on_retry=_mail_retry,
    run_batch=send_batch,
)(_send_one)
