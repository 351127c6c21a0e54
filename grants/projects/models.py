"""A grant (the funded project), its reports as immutable versions, its payments, its
amendments and the files that deliver its deliverables."""

from __future__ import annotations

import enum
from datetime import date, datetime
from decimal import Decimal

from sqlalchemy import (
    JSON,
    CheckConstraint,
    Date,
    ForeignKey,
    Index,
    Integer,
    String,
    Text,
    UniqueConstraint,
)
from sqlalchemy.orm import Mapped, mapped_column, relationship

from grants import clock
from grants.extensions import db
from grants.types import Money, UTCDateTime, str_enum


class GrantStatus(enum.StrEnum):
    PREPARED = "prepared"  # drafted by a manager, waiting for the coordinator
    CONFIRMED = "confirmed"  # confirmed by the coordinator, waiting for signature
    RUNNING = "running"  # signed: the funded project exists
    CLOSED = "closed"  # final report accepted, balance computed
    WITHDRAWN = "withdrawn"  # the coordinator withdrew before signature: a reserve may replace it

    @property
    def label(self) -> str:
        return {
            "prepared": "In preparation",
            "confirmed": "Confirmed by the coordinator",
            "running": "Running",
            "closed": "Closed",
            "withdrawn": "Withdrawn before signature",
        }[self.value]


class Grant(db.Model):
    __tablename__ = "project_grant"
    __table_args__ = (
        CheckConstraint("max_contribution >= 0", name="grant_positive_max"),
        CheckConstraint("funding_rate > 0 AND funding_rate <= 100", name="grant_rate"),
        CheckConstraint("prefinancing_share >= 0 AND prefinancing_share <= 90", name="grant_pf"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    submission_id: Mapped[int] = mapped_column(ForeignKey("submission.id"), unique=True)
    call_id: Mapped[int] = mapped_column(ForeignKey("call.id"), index=True)
    organisation_id: Mapped[int] = mapped_column(ForeignKey("organisation.id"), index=True)
    status: Mapped[GrantStatus] = mapped_column(
        str_enum(GrantStatus), default=GrantStatus.PREPARED, index=True
    )
    agreement_number: Mapped[str] = mapped_column(String(60), unique=True)
    acronym: Mapped[str] = mapped_column(String(30), default="")
    title: Mapped[str] = mapped_column(String(300), default="")
    max_contribution: Mapped[Decimal] = mapped_column(Money())
    funding_rate: Mapped[Decimal] = mapped_column(Money())
    prefinancing_share: Mapped[Decimal] = mapped_column(Money())
    start_date: Mapped[date] = mapped_column(Date)
    duration_months: Mapped[int] = mapped_column(Integer)
    period_months: Mapped[int] = mapped_column(Integer, default=12)
    # the description of the action, copied from the submission and edited with a reason
    work_plan: Mapped[dict] = mapped_column(JSON, default=dict)
    prepared_by_id: Mapped[int | None] = mapped_column(ForeignKey("user.id", ondelete="SET NULL"))
    created_at: Mapped[datetime] = mapped_column(UTCDateTime(), default=clock.now)
    confirmed_at: Mapped[datetime | None] = mapped_column(UTCDateTime())
    signed_at: Mapped[datetime | None] = mapped_column(UTCDateTime())
    closed_at: Mapped[datetime | None] = mapped_column(UTCDateTime())

    submission = relationship("Submission")
    call = relationship("Call")
    organisation = relationship("Organisation")
    reports: Mapped[list[Report]] = relationship(
        back_populates="grant", order_by="Report.id", cascade="all, delete-orphan"
    )
    payments: Mapped[list[Payment]] = relationship(
        back_populates="grant", order_by="Payment.id", cascade="all, delete-orphan"
    )
    amendments: Mapped[list[Amendment]] = relationship(
        back_populates="grant", order_by="Amendment.number", cascade="all, delete-orphan"
    )


class ReportKind(enum.StrEnum):
    PERIODIC = "periodic"
    FINAL = "final"


class ReportState(enum.StrEnum):
    SUBMITTED = "submitted"
    CHANGES_REQUESTED = "changes_requested"
    ACCEPTED = "accepted"


class Report(db.Model):
    """One submitted version of a report; a version once accepted never changes, and a report
    returned for changes is answered by a new version of the same period."""

    __tablename__ = "project_report"
    __table_args__ = (UniqueConstraint("grant_id", "period", "version"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    grant_id: Mapped[int] = mapped_column(
        ForeignKey("project_grant.id", ondelete="CASCADE"), index=True
    )
    kind: Mapped[ReportKind] = mapped_column(str_enum(ReportKind))
    period: Mapped[int] = mapped_column(Integer)
    version: Mapped[int] = mapped_column(Integer, default=1)
    state: Mapped[ReportState] = mapped_column(str_enum(ReportState), default=ReportState.SUBMITTED)
    content: Mapped[dict] = mapped_column(JSON)  # narratives, indicator values, costs, outcomes
    costs: Mapped[Decimal] = mapped_column(Money(), default=Decimal(0))  # eligible costs claimed
    comment: Mapped[str] = mapped_column(Text, default="")  # the manager's, when returned
    submitted_by_id: Mapped[int | None] = mapped_column(ForeignKey("user.id", ondelete="SET NULL"))
    submitted_at: Mapped[datetime] = mapped_column(UTCDateTime(), default=clock.now)
    decided_at: Mapped[datetime | None] = mapped_column(UTCDateTime())

    grant: Mapped[Grant] = relationship(back_populates="reports")


class Payment(db.Model):
    __tablename__ = "project_payment"
    __table_args__ = (UniqueConstraint("grant_id", "kind", "report_id"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    grant_id: Mapped[int] = mapped_column(
        ForeignKey("project_grant.id", ondelete="CASCADE"), index=True
    )
    kind: Mapped[str] = mapped_column(String(20))  # prefinancing, interim, balance
    amount: Mapped[Decimal] = mapped_column(Money())
    report_id: Mapped[int | None] = mapped_column(ForeignKey("project_report.id"), index=True)
    at: Mapped[datetime] = mapped_column(UTCDateTime(), default=clock.now)

    grant: Mapped[Grant] = relationship(back_populates="payments")


class AmendmentKind(enum.StrEnum):
    END_DATE = "end_date"
    BUDGET_TRANSFER = "budget_transfer"
    CONSORTIUM = "consortium"
    WORK_PLAN = "work_plan"

    @property
    def label(self) -> str:
        return {
            "end_date": "Change of the end date",
            "budget_transfer": "Budget transfer between categories",
            "consortium": "Change of the consortium",
            "work_plan": "Change of the work plan",
        }[self.value]


class AmendmentState(enum.StrEnum):
    REQUESTED = "requested"
    APPROVED = "approved"
    REFUSED = "refused"


class Amendment(db.Model):
    """A change to a running grant asked by its coordinator and decided by a manager. It keeps
    the part of the grant it changes as it was (`before`) and as asked (`after`), and the
    diff shown to people; approved, `after` becomes the grant's current version."""

    __tablename__ = "project_amendment"
    __table_args__ = (UniqueConstraint("grant_id", "number"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    grant_id: Mapped[int] = mapped_column(
        ForeignKey("project_grant.id", ondelete="CASCADE"), index=True
    )
    number: Mapped[int] = mapped_column(Integer)  # 1, 2, ... per grant
    kind: Mapped[AmendmentKind] = mapped_column(str_enum(AmendmentKind))
    state: Mapped[AmendmentState] = mapped_column(
        str_enum(AmendmentState), default=AmendmentState.REQUESTED, index=True
    )
    reason: Mapped[str] = mapped_column(Text)
    before: Mapped[dict] = mapped_column(JSON)
    after: Mapped[dict] = mapped_column(JSON)
    changes: Mapped[list] = mapped_column(JSON)  # [{"what", "before", "after"}] in words
    comment: Mapped[str] = mapped_column(Text, default="")  # the manager's, with the decision
    requested_by_id: Mapped[int | None] = mapped_column(
        ForeignKey("user.id", ondelete="SET NULL"), index=True
    )
    requested_at: Mapped[datetime] = mapped_column(UTCDateTime(), default=clock.now)
    decided_by_id: Mapped[int | None] = mapped_column(
        ForeignKey("user.id", ondelete="SET NULL"), index=True
    )
    decided_at: Mapped[datetime | None] = mapped_column(UTCDateTime())

    grant: Mapped[Grant] = relationship(back_populates="amendments")


class DeliverableFile(db.Model):
    """A file delivering one deliverable of a grant (`deliverable`: its position in the work
    plan), a PDF checked by content and stored outside the web root under a random name. A
    report names the files of the deliverables it ticks done; a file is never removed, so an
    accepted report's files stay as they were."""

    __tablename__ = "project_deliverable_file"
    __table_args__ = (
        Index("ix_project_deliverable_file_grant", "grant_id", "deliverable"),
        CheckConstraint("size > 0", name="not_empty"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    grant_id: Mapped[int] = mapped_column(ForeignKey("project_grant.id", ondelete="CASCADE"))
    deliverable: Mapped[int] = mapped_column(Integer)
    filename: Mapped[str] = mapped_column(String(255))
    stored_name: Mapped[str] = mapped_column(String(80), unique=True)
    size: Mapped[int] = mapped_column(Integer)
    sha256: Mapped[str] = mapped_column(String(64))
    uploaded_at: Mapped[datetime] = mapped_column(UTCDateTime(), default=clock.now)
    uploaded_by_id: Mapped[int | None] = mapped_column(ForeignKey("user.id", ondelete="SET NULL"))

    grant: Mapped[Grant] = relationship()
