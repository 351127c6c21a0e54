"""Queue mail in the caller's transaction, deliver it after commit, never twice."""

from __future__ import annotations

import logging
import smtplib
import ssl
import sys
import threading
from email.message import EmailMessage
from email.utils import formatdate

from flask import current_app, has_request_context, render_template, url_for
from sqlalchemy import select, update

from grants import clock
from grants.extensions import db
from grants.notifications.models import OutboxMessage, OutboxStatus

log = logging.getLogger(__name__)

MAX_ATTEMPTS = 5


def absolute_url(endpoint: str, **values) -> str:
    """A link for an e-mail, also when called outside a request (commands, demo data)."""
    base = current_app.config["GRANTS_BASE_URL"].rstrip("/")
    if has_request_context():
        return base + url_for(endpoint, **values)
    with current_app.test_request_context():
        return base + url_for(endpoint, **values)


def queue_mail(
    recipient: str,
    subject: str,
    template: str,
    *,
    user=None,
    dedupe_key: str | None = None,
    **context,
) -> OutboxMessage:
    """Render a text template into an outbox row in the current transaction."""
    if dedupe_key:
        existing = db.session.scalar(
            select(OutboxMessage).where(OutboxMessage.dedupe_key == dedupe_key)
        )
        if existing is not None:
            return existing
    body = render_template(template, **context)
    message = OutboxMessage(
        recipient=recipient,
        subject=subject,
        body_text=body,
        user_id=getattr(user, "id", None),
        dedupe_key=dedupe_key,
    )
    db.session.add(message)
    return message


def deliver_pending(ids: list[int] | None = None) -> int:
    """Send pending messages (all, or the given ids); return how many left the outbox."""
    stmt = select(OutboxMessage.id).where(
        OutboxMessage.status.in_([OutboxStatus.PENDING, OutboxStatus.FAILED]),
        OutboxMessage.attempts < MAX_ATTEMPTS,
    )
    if ids is not None:
        stmt = stmt.where(OutboxMessage.id.in_(ids))
    sent = 0
    for message_id in list(db.session.scalars(stmt.order_by(OutboxMessage.id))):
        if _deliver_one(message_id):
            sent += 1
    return sent


def deliver_soon(ids: list[int]) -> threading.Thread | None:
    """Send many messages without holding the request: from a background thread with its
    own app context (or at once when GRANTS_MAIL_BULK_IN_BACKGROUND is off). The outbox
    keeps them safe: what the thread does not send (the process stops, the server is down)
    stays pending for `flask mail deliver`."""
    if not ids:
        return None
    app = current_app._get_current_object()
    if not app.config.get("GRANTS_MAIL_BULK_IN_BACKGROUND", True):
        deliver_pending(ids)
        return None

    def run() -> None:
        with app.app_context():
            try:
                sent = deliver_pending(ids)
                log.info("background delivery: %s of %s messages sent", sent, len(ids))
            except Exception:  # the rows stay pending; nothing else can be done here
                log.exception("background delivery stopped")
            finally:
                db.session.remove()

    thread = threading.Thread(target=run, name="mail-delivery", daemon=True)
    thread.start()
    return thread


def _deliver_one(message_id: int) -> bool:
    # Claim the row atomically: a second worker or a retry finds it no longer pending.
    claimed = db.session.execute(
        update(OutboxMessage)
        .where(
            OutboxMessage.id == message_id,
            OutboxMessage.status.in_([OutboxStatus.PENDING, OutboxStatus.FAILED]),
        )
        .values(status=OutboxStatus.SENDING, attempts=OutboxMessage.attempts + 1)
    ).rowcount
    db.session.commit()
    if not claimed:
        return False
    message = db.session.get(OutboxMessage, message_id)
    try:
        _transport(_as_email(message))
    except (OSError, smtplib.SMTPException) as exc:
        log.warning("mail %s to %s failed: %s", message.message_id, message.recipient, exc)
        message.status = OutboxStatus.FAILED
        message.last_error = str(exc)[:1000]
        db.session.commit()
        return False
    message.status = OutboxStatus.SENT
    message.sent_at = clock.now()
    message.last_error = ""
    db.session.commit()
    return True


def _as_email(message: OutboxMessage) -> EmailMessage:
    email = EmailMessage()
    email["From"] = current_app.config["GRANTS_MAIL_SENDER"]
    email["To"] = message.recipient
    email["Subject"] = message.subject
    email["Message-ID"] = message.message_id
    email["Date"] = formatdate(message.created_at.timestamp(), usegmt=True)
    email.set_content(message.body_text)
    return email


def _transport(email: EmailMessage) -> None:
    config = current_app.config
    backend = config["GRANTS_MAIL_BACKEND"]
    if backend == "console":
        print(f"----- mail -----\n{email}\n----------------", file=sys.stderr, flush=True)
        return
    if backend != "smtp":
        raise smtplib.SMTPException(f"unknown mail backend {backend!r}")
    host, port = config["GRANTS_SMTP_HOST"], config["GRANTS_SMTP_PORT"]
    context = ssl.create_default_context()
    if config["GRANTS_SMTP_SSL"]:
        smtp = smtplib.SMTP_SSL(host, port, timeout=20, context=context)
    else:
        smtp = smtplib.SMTP(host, port, timeout=20)
    with smtp:
        if config["GRANTS_SMTP_STARTTLS"]:
            smtp.starttls(context=context)
        if config["GRANTS_SMTP_USER"]:
            smtp.login(config["GRANTS_SMTP_USER"], config["GRANTS_SMTP_PASSWORD"])
        smtp.send_message(email)
