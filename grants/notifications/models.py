"""The outbox (every message the system sends, recorded before it leaves), the in-app
notification centre and each user's choice of channel per kind of event."""

from __future__ import annotations

import enum
import uuid
from datetime import datetime

from sqlalchemy import ForeignKey, Index, Integer, String, Text, UniqueConstraint
from sqlalchemy.orm import Mapped, mapped_column

from grants import clock
from grants.extensions import db
from grants.types import UTCDateTime, str_enum


class OutboxStatus(enum.StrEnum):
    PENDING = "pending"
    SENDING = "sending"
    SENT = "sent"
    FAILED = "failed"


class OutboxMessage(db.Model):
    __tablename__ = "outbox_message"

    id: Mapped[int] = mapped_column(primary_key=True)
    # The Message-ID header and the idempotency key of the message.
    message_id: Mapped[str] = mapped_column(
        String(120), unique=True, default=lambda: f"<{uuid.uuid4().hex}@thb-programme>"
    )
    # Optional caller-chosen key: queueing the same key twice gives one message.
    dedupe_key: Mapped[str | None] = mapped_column(String(200), unique=True)
    recipient: Mapped[str] = mapped_column(String(254), index=True)
    subject: Mapped[str] = mapped_column(String(300))
    body_text: Mapped[str] = mapped_column(Text)
    body_html: Mapped[str | None] = mapped_column(Text)
    user_id: Mapped[int | None] = mapped_column(
        ForeignKey("user.id", ondelete="SET NULL"), index=True
    )
    status: Mapped[OutboxStatus] = mapped_column(
        str_enum(OutboxStatus, 20),
        default=OutboxStatus.PENDING,
        index=True,
    )
    attempts: Mapped[int] = mapped_column(Integer, default=0)
    last_error: Mapped[str] = mapped_column(Text, default="")
    created_at: Mapped[datetime] = mapped_column(UTCDateTime(), default=clock.now)
    sent_at: Mapped[datetime | None] = mapped_column(UTCDateTime())


class Channel(enum.StrEnum):
    """How a user wants to hear of one kind of event (the in-app notice is always there)."""

    EMAIL = "email"  # an e-mail at once
    DIGEST = "digest"  # in the daily digest e-mail
    APP = "app"  # in the app only

    @property
    def label(self) -> str:
        return {
            "email": "E-mail at once",
            "digest": "Daily digest",
            "app": "In the app only",
        }[self.value]


class Notification(db.Model):
    """A notice in a user's notification centre, with a link to what it is about."""

    __tablename__ = "notification"
    __table_args__ = (Index("ix_notification_unread", "user_id", "read_at"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    user_id: Mapped[int] = mapped_column(ForeignKey("user.id", ondelete="CASCADE"))
    event: Mapped[str] = mapped_column(String(60))
    subject: Mapped[str] = mapped_column(String(300))
    link: Mapped[str] = mapped_column(String(500), default="")  # a path inside the app
    object_type: Mapped[str] = mapped_column(String(40), default="")
    object_id: Mapped[str] = mapped_column(String(40), default="")
    # (event, recipient, object[, occasion]): notifying twice gives one notice, one e-mail.
    dedupe_key: Mapped[str] = mapped_column(String(250), unique=True)
    channel: Mapped[Channel] = mapped_column(str_enum(Channel, 10))
    created_at: Mapped[datetime] = mapped_column(UTCDateTime(), default=clock.now)
    read_at: Mapped[datetime | None] = mapped_column(UTCDateTime())
    # Set when a digest e-mail has listed it (only notices whose channel is the digest).
    digested_at: Mapped[datetime | None] = mapped_column(UTCDateTime())

    @property
    def is_read(self) -> bool:
        return self.read_at is not None


class NotificationPreference(db.Model):
    __tablename__ = "notification_preference"
    __table_args__ = (UniqueConstraint("user_id", "event"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    user_id: Mapped[int] = mapped_column(ForeignKey("user.id", ondelete="CASCADE"), index=True)
    event: Mapped[str] = mapped_column(String(60))
    channel: Mapped[Channel] = mapped_column(str_enum(Channel, 10))
