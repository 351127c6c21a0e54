"""The daily digest: one e-mail per user listing the notices they chose to hear of daily."""

from __future__ import annotations

from datetime import datetime

from apscheduler.triggers.cron import CronTrigger
from sqlalchemy import select

from grants import clock
from grants.accounts.models import User
from grants.extensions import db
from grants.formatting import count_of
from grants.jobs.registry import scheduled
from grants.notifications.models import Channel, Notification
from grants.notifications.services import absolute_url, queue_mail


def pending_digests() -> dict[int, list[Notification]]:
    rows = db.session.scalars(
        select(Notification)
        .where(Notification.channel == Channel.DIGEST, Notification.digested_at.is_(None))
        .order_by(Notification.user_id, Notification.created_at, Notification.id)
    )
    by_user: dict[int, list[Notification]] = {}
    for row in rows:
        by_user.setdefault(row.user_id, []).append(row)
    return by_user


@scheduled(
    "notifications.digest",
    CronTrigger(hour=7, minute=0, timezone="Europe/Brussels"),
    "Daily digest e-mails of notices (07:00 Brussels time)",
)
def send_digests(fire_time: datetime) -> dict:
    """One message per user with pending digest notices; the notices are marked in the same
    transaction (and the message keyed by the last of them), so a second run sends nothing."""
    base = absolute_url("main.index").rstrip("/")
    sent = 0
    for user_id, notices in pending_digests().items():
        user = db.session.get(User, user_id)
        if user is None or not user.is_active_account:
            continue
        queue_mail(
            user.email,
            f"Your daily summary: {count_of(len(notices), 'notice')} from the THB Programme",
            "mail/digest.txt",
            user=user,
            dedupe_key=f"digest:{user.id}:{notices[-1].id}",
            name=user.full_name,
            notices=notices,
            base=base,
            centre=absolute_url("notifications.index"),
            preferences=absolute_url("notifications.preferences"),
        )
        now = clock.now()
        for notice in notices:
            notice.digested_at = now
        sent += 1
    return {"summary": f"{count_of(sent, 'digest')} queued"}
