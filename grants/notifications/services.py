"""One call per event (notify) fans out to the notification centre, mail by each user's
preference and, when asked, the audit log. Mail is queued in the caller's transaction (an
outbox row and its delivery job) and leaves from the worker, never from the request."""

from __future__ import annotations

import email.utils
import html
import logging
import re
import unicodedata
from collections.abc import Iterable
from dataclasses import dataclass, field
from urllib.parse import urlsplit

from flask import current_app, has_request_context, render_template, url_for
from jinja2 import TemplateNotFound
from markupsafe import Markup
from sqlalchemy import func, select, update

from grants import clock
from grants.extensions import db
from grants.formatting import count_of
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
    return queue_each([Mail(recipient, subject, template, user, dedupe_key, context)], parent)[0]


@dataclass
class Mail:
    """One message for queue_each: what queue_mail takes."""

    recipient: str
    subject: str
    template: str
    user: object = None
    dedupe_key: str | None = None
    context: dict = field(default_factory=dict)


def queue_each(
    mails: list[Mail], parent: Job | None = None, *, fresh: bool = False
) -> list[OutboxMessage]:
    """queue_mail() for many messages in a query per thousand instead of two per message;
    a message whose dedupe key is queued already is that one (`fresh`: the keys name a row
    inserted in this transaction, so none is queued yet and they are not looked up)."""
    keys = [] if fresh else [m.dedupe_key for m in mails if m.dedupe_key]
    found = {}
    for start in range(0, len(keys), jobs.IN_CHUNK):
        chunk = keys[start : start + jobs.IN_CHUNK]
        found.update(
            (m.dedupe_key, m)
            for m in db.session.scalars(
                select(OutboxMessage).where(OutboxMessage.dedupe_key.in_(chunk))
            )
        )
    out, new = [], []
    for mail in mails:
        if mail.dedupe_key in found:
            out.append(found[mail.dedupe_key])
            continue
        subject = single_line(mail.subject)
        body = render_template(mail.template, **mail.context)
        message = OutboxMessage(
            message_id=email.utils.make_msgid(domain="thb-programme"),
            recipient=single_line(mail.recipient, 254),
            subject=subject,
            body_text=body,
            body_html=_html(mail.template, body, subject, mail.context),
            user_id=getattr(mail.user, "id", None),
            dedupe_key=mail.dedupe_key,
        )
        db.session.add(message)
        if mail.dedupe_key:
            found[mail.dedupe_key] = message
        out.append(message)
        new.append(message.message_id)
    # Each message id was made just now: its delivery job cannot exist, so none is looked up.
    for message_id in new:
        jobs.enqueue(
            MAIL_KIND,
            {"message_id": message_id},
            key=f"mail:{message_id}",
            parent=parent,
            fresh=True,
        )
    return out


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
    fresh: bool = False,
    **context,
) -> list[OutboxMessage]:
    """Tell `recipients` (users) of event `code` about `obj`: a notice in each one's
    notification centre and, by their preference (always, for mandatory events), an e-mail
    from `template` now or in the daily digest. Idempotent per (event, recipient, object,
    key): notifying twice adds nothing. Adds to the current transaction; returns the queued
    messages (pass their ids to deliver_pending after the commit). `fresh`: `obj` was inserted
    in this transaction, so nothing was sent of it yet and the keys are not looked up."""
    notice = Notice(recipients, obj, subject, link, key, context)
    return notify_each(
        code, [notice], template=template, audit=audit, actor=actor, parent=parent, fresh=fresh
    )


@dataclass
class Notice:
    """One object's notice for notify_each: who hears of it, with what subject and link."""

    recipients: Iterable
    obj: object = None
    subject: str = ""
    link: str = ""
    key: str = ""
    context: dict = field(default_factory=dict)


def notify_each(
    code: str,
    notices: list[Notice],
    *,
    template: str = "mail/notice.txt",
    audit: bool = False,
    actor=None,
    parent: Job | None = None,
    fresh: bool = False,
) -> list[OutboxMessage]:
    """notify() for many objects at once (a call's results: one notice per proposal) in a
    few queries per thousand recipients, whatever the number of objects."""
    event = EVENTS[code]
    rows = []
    for notice in notices:
        object_type, object_id = _object_ref(notice.obj)
        people = {u.id: u for u in notice.recipients if u is not None}
        for user in people.values():
            parts = (code, str(user.id), object_type, object_id, notice.key)
            rows.append((notice, user, ":".join(p for p in parts if p)[:250]))
    if not rows:
        return []
    known = set() if fresh else _known_notifications([key for _, _, key in rows])
    users = list({user.id for _, user, _ in rows})
    preferences = {} if event.mandatory else _preferences(code, users)
    mails, told = [], {}
    for notice, user, key in rows:
        if key in known:
            continue
        known.add(key)
        channel = channel_for(user, code, preferences)
        object_type, object_id = _object_ref(notice.obj)
        subject = single_line(notice.subject)
        db.session.add(
            Notification(
                user_id=user.id,
                event=code,
                subject=subject,
                link=_path(notice.link)[:500],
                object_type=object_type,
                object_id=object_id,
                dedupe_key=key,
                channel=channel,
            )
        )
        _written()
        told[id(notice)] = told.get(id(notice), 0) + 1
        if channel == Channel.EMAIL:
            context = {"name": user.full_name, "link": notice.link, **notice.context}
            mails.append(Mail(user.email, subject, template, user, key, context))
    if audit:
        _audit_notices(event, notices, told, actor)
    return queue_each(mails, parent, fresh=fresh)


def _known_notifications(keys: list[str]) -> set[str]:
    known = set()
    for start in range(0, len(keys), jobs.IN_CHUNK):
        chunk = keys[start : start + jobs.IN_CHUNK]
        known.update(
            db.session.scalars(
                select(Notification.dedupe_key).where(Notification.dedupe_key.in_(chunk))
            )
        )
    return known


def _audit_notices(event, notices: list[Notice], told: dict[int, int], actor) -> None:
    from grants.audit import services as audit_log

    for notice in notices:
        if told.get(id(notice)):
            object_type, object_id = _object_ref(notice.obj)
            audit_log.record(
                object_type or "notification",
                object_id,
                "notify",
                f"{event.label}: {single_line(notice.subject)} "
                f"({count_of(told[id(notice)], 'recipient')})",
                {"event": event.code},
                actor=actor,
            )


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


UNREAD = "unread_notifications"  # its name among what the session check reads along
_WRITTEN = "notifications_written"  # in the unit of work's info: a notice added or read


def unread_of(user_id):
    """The number of `user_id`'s unread notices, as a scalar subquery."""
    return (
        select(func.count())
        .where(Notification.user_id == user_id, Notification.read_at.is_(None))
        .scalar_subquery()
    )


def unread_count(user) -> int:
    """The bell's figure: as read with the session at the start of the request (every page
    shows it; grants.accounts.sessions.read_along), unless this request has added or read a
    notice since, or the user was not loaded by the session check."""
    counted = user.read_along.get(UNREAD)
    if counted is not None and not db.session.info.get(_WRITTEN):
        return counted
    return db.session.scalar(select(unread_of(user.id)))


def _written() -> None:
    db.session.info[_WRITTEN] = True


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
        _written()
        db.session.commit()


def mark_all_read(user) -> int:
    count = db.session.execute(
        update(Notification)
        .where(Notification.user_id == user.id, Notification.read_at.is_(None))
        .values(read_at=clock.now())
        .execution_options(synchronize_session=False)
    ).rowcount
    _written()
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
