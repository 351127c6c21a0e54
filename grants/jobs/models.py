"""The job table: work recorded in the same transaction as the change that asks for it, and
the scheduler's memory of when each scheduled job last fired."""

from __future__ import annotations

import enum
from datetime import datetime

from sqlalchemy import JSON, ForeignKey, Index, Integer, String, Text
from sqlalchemy.orm import Mapped, mapped_column, relationship

from grants import clock
from grants.extensions import db
from grants.types import UTCDateTime, str_enum


class JobState(enum.StrEnum):
    QUEUED = "queued"  # waiting for a worker (first try or a retry after run_after)
    RUNNING = "running"  # claimed by a worker until lease_until
    WAITING = "waiting"  # a group: done when every job in it has finished
    DONE = "done"
    FAILED = "failed"  # the dead letter: out of attempts, kept with its error for a retry

    @property
    def label(self) -> str:
        return {
            "queued": "Waiting",
            "running": "In progress",
            "waiting": "In progress",
            "done": "Done",
            "failed": "Failed",
        }[self.value]

    @property
    def finished(self) -> bool:
        return self in (JobState.DONE, JobState.FAILED)


class Job(db.Model):
    __tablename__ = "job"
    __table_args__ = (Index("ix_job_due", "state", "priority", "run_after"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    kind: Mapped[str] = mapped_column(String(80), index=True)
    payload: Mapped[dict] = mapped_column(JSON, default=dict)
    # Unique per (event, recipient, object): enqueueing the same key twice gives one job.
    dedupe_key: Mapped[str | None] = mapped_column(String(250), unique=True)
    title: Mapped[str] = mapped_column(String(300), default="")
    # Who asked for it: sees its page and is told in the notification centre when it ends.
    user_id: Mapped[int | None] = mapped_column(
        ForeignKey("user.id", ondelete="SET NULL"), index=True
    )
    parent_id: Mapped[int | None] = mapped_column(
        ForeignKey("job.id", ondelete="SET NULL"), index=True
    )
    state: Mapped[JobState] = mapped_column(str_enum(JobState, 20), default=JobState.QUEUED)
    priority: Mapped[int] = mapped_column(Integer, default=5)  # lower runs first
    attempts: Mapped[int] = mapped_column(Integer, default=0)
    max_attempts: Mapped[int] = mapped_column(Integer, default=5)
    run_after: Mapped[datetime] = mapped_column(UTCDateTime(), default=clock.now)
    claimed_at: Mapped[datetime | None] = mapped_column(UTCDateTime())
    claimed_by: Mapped[str] = mapped_column(String(120), default="")
    claim_token: Mapped[str | None] = mapped_column(String(40), index=True)
    lease_until: Mapped[datetime | None] = mapped_column(UTCDateTime())
    last_error: Mapped[str] = mapped_column(Text, default="")
    progress_done: Mapped[int] = mapped_column(Integer, default=0)
    progress_total: Mapped[int] = mapped_column(Integer, default=0)
    progress_message: Mapped[str] = mapped_column(String(300), default="")
    result: Mapped[dict | None] = mapped_column(JSON)
    created_at: Mapped[datetime] = mapped_column(UTCDateTime(), default=clock.now)
    finished_at: Mapped[datetime | None] = mapped_column(UTCDateTime())

    parent: Mapped[Job | None] = relationship(remote_side=[id])

    @property
    def percent(self) -> int:
        if not self.progress_total:
            return 100 if self.state == JobState.DONE else 0
        return min(100, round(100 * self.progress_done / self.progress_total))


class ScheduledRun(db.Model):
    """One row per scheduled job: the fire time it last enqueued and the next one due."""

    __tablename__ = "scheduled_run"

    name: Mapped[str] = mapped_column(String(80), primary_key=True)
    last_fire_at: Mapped[datetime | None] = mapped_column(UTCDateTime())
    next_fire_at: Mapped[datetime | None] = mapped_column(UTCDateTime())
    last_job_id: Mapped[int | None] = mapped_column(ForeignKey("job.id", ondelete="SET NULL"))
