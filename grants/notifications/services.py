"""One call per event (notify) fans out to the notification centre, mail by each user's
preference and, when asked, the audit log. Mail is queued in the caller's transaction (an
outbox row and its delivery job) and leaves from the worker, never from the request."""

from __future__ import annotations

import email.utils
import html
import logging
import re
import unicodedata
from urllib.parse import urlsplit

from flask import current_app, has_request_context, render_template, url_for
from jinja2 import TemplateNotFound
from markupsafe import Markup
from sqlalchemy import func, select, update

from grants import clock
from grants.extensions import db
from grants.jobs import services as jobs
from grants.jobs.models import Job
from grants.notifications.delivery import MAIL_KIND
from grants.notifications.events import EVENTS
from grants.notifications.models import (
    Channel,
    Notification,
    NotificationPreference,
    OutboxMessage,
    OutboxStatus,
)

log = logging.getLogger(__name__)


def absolute_url(endpoint: str, **values) -> str:
    """A link for an e-mail, also when called outside a request (commands, demo data)."""
    base = current_app.config["GRANTS_BASE_URL"].rstrip("/")
    if has_request_context():
        return base + url_for(endpoint, **values)
    with current_app.test_request_context():
        return base + url_for(endpoint, **values)


_BREAKS = re.compile(r"\s+")


def single_line(value: str, limit: int = 300) -> str:
    """A value safe for a mail header: control characters (CR, LF, the Unicode line and
    paragraph separators ...) become spaces, runs of space one."""
    cleaned = "".join(
        " " if unicodedata.category(ch) in ("Cc", "Zl", "Zp") else ch for ch in str(value)
    )
    return _BREAKS.sub(" ", cleaned).strip()[:limit]


# Queueing -------------------------------------------------------------------------------------


def queue_mail(
    recipient: str,
    subject: str,
    template: str,
    *,
    user=None,
    dedupe_key: str | None = None,
    parent: Job | None = None,
    **context,
) -> OutboxMessage:
    """Render a text template (and its .html sibling, or the HTML layout around the text)
    into an outbox row and the job that delivers it, in the current transaction."""
    if dedupe_key:
        existing = db.session.scalar(
            select(OutboxMessage).where(OutboxMessage.dedupe_key == dedupe_key)
        )
        if existing is not None:
            return existing
    subject = single_line(subject)
    body = render_template(template, **context)
    message = OutboxMessage(
        message_id=email.utils.make_msgid(domain="thb-programme"),
        recipient=single_line(recipient, 254),
        subject=subject,
        body_text=body,
        body_html=_html(template, body, subject, context),
        user_id=getattr(user, "id", None),
        dedupe_key=dedupe_key,
    )
    db.session.add(message)
    _delivery_job(message.message_id, parent)
    return message


def _delivery_job(message_id: str, parent: Job | None = None) -> Job:
    return jobs.enqueue(
        MAIL_KIND, {"message_id": message_id}, key=f"mail:{message_id}", parent=parent
    )


_URL = re.compile(r"https?://[^\s<>\"]+")


def text_to_html(text: str) -> Markup:
    """Paragraphs of escaped text with their links made clickable."""
    paragraphs = []
    for block in re.split(r"\n\s*\n", text.strip()):
        escaped = html.escape(block)
        linked = _URL.sub(lambda m: f'<a href="{m.group(0)}">{m.group(0)}</a>', escaped)
        paragraphs.append("<p>" + linked.replace("\n", "<br>\n") + "</p>")
    return Markup("\n".join(paragraphs))


def _html(template: str, text: str, subject: str, context: dict) -> str:
    sibling = template.rsplit(".", 1)[0] + ".html"
    try:
        return render_template(sibling, subject=subject, **context)
    except TemplateNotFound:
        return render_template("mail/layout.html", subject=subject, body=text_to_html(text))


def deliver_pending(ids: list[int] | None = None) -> int:
    """After the caller's commit: make sure each pending message (these ids, or all) has its
    delivery job, and wake the worker. With GRANTS_JOBS_EAGER (tests) the messages are sent
    here and now; returns how many were sent then (0 when the worker sends them)."""
    stmt = select(OutboxMessage.message_id).where(
        OutboxMessage.status.in_([OutboxStatus.PENDING, OutboxStatus.FAILED])
    )
    if ids is not None:
        if not ids:
            return 0
        stmt = stmt.where(OutboxMessage.id.in_(ids))
    message_ids = list(db.session.scalars(stmt))
    keys = [f"mail:{m}" for m in message_ids]
    known = set(db.session.scalars(select(Job.dedupe_key).where(Job.dedupe_key.in_(keys))))
    for message_id, key in zip(message_ids, keys, strict=True):
        if key not in known:  # queued before the outbox had jobs
            _delivery_job(message_id)
    db.session.commit()
    if not jobs.eager():
        return 0
    return deliver_now(message_ids)


def deliver_now(message_ids: list[str] | None = None) -> int:
    """Run the delivery jobs of these messages (all due ones when None) in this process;
    returns how many messages left. `flask mail deliver` and eager mode use it."""
    from grants.jobs.worker import run_jobs

    ids = None
    if message_ids is not None:
        keys = [f"mail:{m}" for m in message_ids]
        ids = list(db.session.scalars(select(Job.id).where(Job.dedupe_key.in_(keys))))
        if not ids:
            return 0
    before = _sent_count()
    run_jobs(ids=ids, kinds=[MAIL_KIND])
    return _sent_count() - before


def _sent_count() -> int:
    return db.session.scalar(select(func.count()).where(OutboxMessage.status == OutboxStatus.SENT))


# Notify: one call per event -----------------------------------------------------------------


def _object_ref(obj) -> tuple[str, str]:
    if obj is None:
        return "", ""
    return getattr(obj, "__tablename__", type(obj).__name__.lower()), str(obj.id)


def _path(link: str) -> str:
    if not link:
        return ""
    parts = urlsplit(link)
    return parts.path + (f"?{parts.query}" if parts.query else "")


def channel_for(user, code: str, preferences: dict[int, Channel] | None = None) -> Channel:
    event = EVENTS[code]
    if event.mandatory:
        return Channel.EMAIL
    if preferences is None:
        preferences = _preferences(code, [user.id])
    return preferences.get(user.id, event.default)


def _preferences(code: str, user_ids: list[int]) -> dict[int, Channel]:
    return dict(
        db.session.execute(
            select(NotificationPreference.user_id, NotificationPreference.channel).where(
                NotificationPreference.event == code,
                NotificationPreference.user_id.in_(user_ids),
            )
        ).all()
    )


def notify(
    code: str,
    recipients,
    obj=None,
    *,
    subject: str,
    template: str = "mail/notice.txt",
    link: str = "",
    key: str = "",
    audit: bool = False,
    actor=None,
    parent: Job | None = None,
    **context,
) -> list[OutboxMessage]:
    """Tell `recipients` (users) of event `code` about `obj`: a notice in each one's
    notification centre and, by their preference (always, for mandatory events), an e-mail
    from `template` now or in the daily digest. Idempotent per (event, recipient, object,
    key): notifying twice adds nothing. Adds to the current transaction; returns the queued
    messages (pass their ids to deliver_pending after the commit)."""
    event = EVENTS[code]
    people = list({u.id: u for u in recipients if u is not None}.values())
    if not people:
        return []
    object_type, object_id = _object_ref(obj)
    keys = {
        u.id: ":".join(p for p in (code, str(u.id), object_type, object_id, key) if p)[:250]
        for u in people
    }
    known = set(
        db.session.scalars(
            select(Notification.dedupe_key).where(Notification.dedupe_key.in_(keys.values()))
        )
    )
    preferences = {} if event.mandatory else _preferences(code, [u.id for u in people])
    messages = []
    subject = single_line(subject)
    for user in people:
        if keys[user.id] in known:
            continue
        channel = channel_for(user, code, preferences)
        db.session.add(
            Notification(
                user_id=user.id,
                event=code,
                subject=subject,
                link=_path(link)[:500],
                object_type=object_type,
                object_id=object_id,
                dedupe_key=keys[user.id],
                channel=channel,
            )
        )
        if channel == Channel.EMAIL:
            messages.append(
                queue_mail(
                    user.email,
                    subject,
                    template,
                    user=user,
                    dedupe_key=keys[user.id],
                    parent=parent,
                    **{"name": user.full_name, "link": link, **context},
                )
            )
    if audit and len(known) < len(people):
        from grants.audit import services as audit_log

        audit_log.record(
            object_type or "notification",
            object_id,
            "notify",
            f"{event.label}: {subject} ({len(people) - len(known)} recipient(s))",
            {"event": code},
            actor=actor,
        )
    return messages


def job_finished(job: Job) -> None:
    """Tell whoever started a long job that it has finished (the caller commits)."""
    if job.user_id is None:
        return
    from grants.accounts.models import User

    user = db.session.get(User, job.user_id)
    result = job.result or {}
    failed = result.get("failed", 0)
    outcome = f"{failed} failed" if failed else "done"
    notify(
        "job.finished",
        [user],
        job,
        subject=f"{job.title or 'Background work'}: {outcome}",
        link=absolute_url("jobs.status", job_id=job.id),
    )


# The notification centre ----------------------------------------------------------------------


def unread_count(user) -> int:
    return db.session.scalar(
        select(func.count()).where(Notification.user_id == user.id, Notification.read_at.is_(None))
    )


def notifications_of(user):
    return (
        select(Notification)
        .where(Notification.user_id == user.id)
        .order_by(Notification.created_at.desc(), Notification.id.desc())
    )


def notification_of(user, notification_id: int) -> Notification | None:
    if not 0 < notification_id < 2**63:
        return None
    found = db.session.get(Notification, notification_id)
    return found if found is not None and found.user_id == user.id else None


def mark_read(notification: Notification) -> None:
    if notification.read_at is None:
        notification.read_at = clock.now()
        db.session.commit()


def mark_all_read(user) -> int:
    count = db.session.execute(
        update(Notification)
        .where(Notification.user_id == user.id, Notification.read_at.is_(None))
        .values(read_at=clock.now())
        .execution_options(synchronize_session=False)
    ).rowcount
    db.session.commit()
    return count


def preferences_of(user) -> dict[str, Channel]:
    stored = dict(
        db.session.execute(
            select(NotificationPreference.event, NotificationPreference.channel).where(
                NotificationPreference.user_id == user.id
            )
        ).all()
    )
    return {code: stored.get(code, e.default) for code, e in EVENTS.items() if not e.mandatory}


def save_preferences(user, choices: dict[str, str]) -> int:
    """Store the user's channel per event (unknown events and values are refused by the
    form before this); returns how many changed."""
    from grants.audit import services as audit_log

    current = preferences_of(user)
    rows = {
        p.event: p
        for p in db.session.scalars(
            select(NotificationPreference).where(NotificationPreference.user_id == user.id)
        )
    }
    changes = {}
    for code, value in choices.items():
        channel = Channel(value)
        if code not in current or EVENTS[code].mandatory or current[code] == channel:
            continue
        changes[code] = [current[code].value, channel.value]
        if code in rows:
            rows[code].channel = channel
        else:
            db.session.add(NotificationPreference(user_id=user.id, event=code, channel=channel))
    if changes:
        audit_log.record(
            "user",
            user.id,
            "notification-preferences",
            "Notification preferences changed",
            changes,
            actor=user,
        )
    db.session.commit()
    return len(changes)
