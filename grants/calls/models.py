"""A call for proposals and what it is made of: topics, award criteria, weighted priorities.

Stored status is what a programme manager decided (draft, published, closed, under
evaluation, results published); whether a published call is upcoming, open or closed is
computed from the clock (`Call.phase`), so nothing is ever late.
"""

from __future__ import annotations

import enum
from datetime import datetime
from decimal import Decimal

from sqlalchemy import (
    JSON,
    CheckConstraint,
    ForeignKey,
    Integer,
    Numeric,
    String,
    Text,
    UniqueConstraint,
)
from sqlalchemy.orm import Mapped, mapped_column, relationship

from grants import clock
from grants.extensions import db
from grants.taxonomy.models import Fund, Priority
from grants.types import Money, UTCDateTime, str_enum


class CallStatus(enum.StrEnum):
    DRAFT = "draft"
    PUBLISHED = "published"
    CLOSED = "closed"  # closed by hand before or after the deadline
    UNDER_EVALUATION = "under_evaluation"
    RESULTS_PUBLISHED = "results_published"


class CallPhase(enum.StrEnum):
    """What users see: the stored status combined with the clock."""

    DRAFT = "draft"
    UPCOMING = "upcoming"  # published, not open yet
    OPEN = "open"
    CLOSED = "closed"
    UNDER_EVALUATION = "under_evaluation"
    RESULTS_PUBLISHED = "results_published"

    @property
    def label(self) -> str:
        return self.value.replace("_", " ").capitalize()


class Aggregation(enum.StrEnum):
    MEAN = "mean"
    MEDIAN = "median"


class AlignmentUse(enum.StrEnum):
    INFORMATION = "information"  # shown to evaluators, not part of any score
    RELEVANCE = "relevance"  # informs the relevance criterion
    TIE_BREAKER = "tie_breaker"


class SelectionPolicy(enum.StrEnum):
    STOP = "stop"  # stop at the first proposal that does not fit the budget left
    SKIP = "skip"  # skip it and take the next one that fits


# Text sections of a proposal with their default maximum length in characters; a call may
# change the limits or add and remove sections (Call.section_limits).
DEFAULT_SECTION_LIMITS = {
    "summary": 2000,
    "relevance": 15000,
    "design": 20000,
    "team": 10000,
    "impact": 15000,
}

DEFAULT_REQUIRED_ANNEXES = [
    {"code": "budget", "title": "Detailed budget table"},
    {"code": "partner-declarations", "title": "Declarations of honour of all applicants"},
]

DEFAULT_TIE_BREAK_RULES = [
    "criterion:relevance",
    "criterion:impact",
    "alignment",
    "eu_contribution_asc",
]


class Call(db.Model):
    __tablename__ = "call"
    __table_args__ = (
        CheckConstraint("deadline_at > opens_at", name="deadline_after_opening"),
        CheckConstraint("funding_rate > 0 AND funding_rate <= 100", name="funding_rate_range"),
        CheckConstraint("min_contribution <= max_contribution", name="contribution_range"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    reference: Mapped[str] = mapped_column(String(60), unique=True)
    title: Mapped[str] = mapped_column(String(300))
    fund_id: Mapped[int] = mapped_column(ForeignKey("fund.id"), index=True)
    description: Mapped[str] = mapped_column(Text, default="")  # Markdown, rendered safely
    status: Mapped[CallStatus] = mapped_column(str_enum(CallStatus), default=CallStatus.DRAFT)

    opens_at: Mapped[datetime] = mapped_column(UTCDateTime())
    deadline_at: Mapped[datetime] = mapped_column(UTCDateTime())

    total_budget: Mapped[Decimal] = mapped_column(Money())
    min_contribution: Mapped[Decimal] = mapped_column(Money())
    max_contribution: Mapped[Decimal] = mapped_column(Money())
    funding_rate: Mapped[Decimal] = mapped_column(Numeric(5, 2))  # percent, e.g. 90.00
    max_duration_months: Mapped[int] = mapped_column(Integer)

    # Eligibility: organisation type values, ISO alpha-2 country codes.
    eligible_org_types: Mapped[list] = mapped_column(JSON, default=list)
    coordinator_countries: Mapped[list] = mapped_column(JSON, default=list)
    partner_countries: Mapped[list] = mapped_column(JSON, default=list)
    min_applicants: Mapped[int] = mapped_column(Integer, default=1)
    min_countries: Mapped[int] = mapped_column(Integer, default=1)

    # {"abstract": 2000, "relevance": 15000, ...} maximum characters per text section.
    section_limits: Mapped[dict] = mapped_column(JSON, default=dict)
    # [{"code": "budget-detail", "title": "Detailed budget table"}, ...]
    required_annexes: Mapped[list] = mapped_column(JSON, default=list)

    overall_threshold: Mapped[Decimal] = mapped_column(Numeric(6, 2), default=Decimal("70"))
    aggregation: Mapped[Aggregation] = mapped_column(
        str_enum(Aggregation), default=Aggregation.MEAN
    )
    disagreement_gap: Mapped[Decimal] = mapped_column(Numeric(5, 2), default=Decimal("30"))
    tie_break_rules: Mapped[list] = mapped_column(
        JSON, default=lambda: list(DEFAULT_TIE_BREAK_RULES)
    )
    alignment_use: Mapped[AlignmentUse] = mapped_column(
        str_enum(AlignmentUse), default=AlignmentUse.INFORMATION
    )
    selection_policy: Mapped[SelectionPolicy] = mapped_column(
        str_enum(SelectionPolicy), default=SelectionPolicy.STOP
    )
    reserve_size: Mapped[int] = mapped_column(Integer, default=3)
    evaluators_per_proposal: Mapped[int] = mapped_column(Integer, default=3)

    created_by_id: Mapped[int | None] = mapped_column(ForeignKey("user.id", ondelete="SET NULL"))
    created_at: Mapped[datetime] = mapped_column(UTCDateTime(), default=clock.now)
    updated_at: Mapped[datetime] = mapped_column(
        UTCDateTime(), default=clock.now, onupdate=clock.now
    )
    published_at: Mapped[datetime | None] = mapped_column(UTCDateTime())
    version: Mapped[int] = mapped_column(Integer, default=1)

    fund: Mapped[Fund] = relationship(lazy="joined")
    topics: Mapped[list[Topic]] = relationship(
        back_populates="call", cascade="all, delete-orphan", order_by="Topic.position"
    )
    criteria: Mapped[list[Criterion]] = relationship(
        back_populates="call", cascade="all, delete-orphan", order_by="Criterion.position"
    )
    priorities: Mapped[list[CallPriority]] = relationship(
        back_populates="call", cascade="all, delete-orphan", order_by="CallPriority.position"
    )

    __mapper_args__ = {"version_id_col": version}

    def phase_at(self, moment: datetime) -> CallPhase:
        if self.status == CallStatus.DRAFT:
            return CallPhase.DRAFT
        if self.status == CallStatus.PUBLISHED:
            if moment < self.opens_at:
                return CallPhase.UPCOMING
            if moment < self.deadline_at:
                return CallPhase.OPEN
            return CallPhase.CLOSED
        return CallPhase(self.status.value)

    @property
    def phase(self) -> CallPhase:
        return self.phase_at(clock.now())

    @property
    def is_open(self) -> bool:
        """Open for submissions right now, to the second, by the server clock."""
        return self.phase == CallPhase.OPEN

    @property
    def max_points(self) -> Decimal:
        return sum((c.max_points for c in self.criteria), Decimal(0))


class Topic(db.Model):
    __tablename__ = "topic"
    __table_args__ = (UniqueConstraint("call_id", "code"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    call_id: Mapped[int] = mapped_column(ForeignKey("call.id", ondelete="CASCADE"), index=True)
    code: Mapped[str] = mapped_column(String(40))
    title: Mapped[str] = mapped_column(String(300))
    description: Mapped[str] = mapped_column(Text, default="")
    budget: Mapped[Decimal] = mapped_column(Money())
    position: Mapped[int] = mapped_column(Integer, default=0)

    call: Mapped[Call] = relationship(back_populates="topics")


class Criterion(db.Model):
    """An award criterion of a call: points out of a maximum, a threshold, an allowed step."""

    __tablename__ = "criterion"
    __table_args__ = (
        UniqueConstraint("call_id", "code"),
        CheckConstraint("threshold >= 0 AND threshold <= max_points", name="threshold_range"),
        CheckConstraint("step > 0", name="positive_step"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    call_id: Mapped[int] = mapped_column(ForeignKey("call.id", ondelete="CASCADE"), index=True)
    code: Mapped[str] = mapped_column(String(40))
    label: Mapped[str] = mapped_column(String(200))
    description: Mapped[str] = mapped_column(Text, default="")
    max_points: Mapped[Decimal] = mapped_column(Numeric(6, 2))
    threshold: Mapped[Decimal] = mapped_column(Numeric(6, 2), default=Decimal(0))
    step: Mapped[Decimal] = mapped_column(Numeric(4, 2), default=Decimal("0.5"))
    min_comment_length: Mapped[int] = mapped_column(Integer, default=200)
    position: Mapped[int] = mapped_column(Integer, default=0)

    call: Mapped[Call] = relationship(back_populates="criteria")


class CallPriority(db.Model):
    """A strategy priority the call targets, with its weight in the alignment score."""

    __tablename__ = "call_priority"
    __table_args__ = (
        UniqueConstraint("call_id", "priority_code"),
        CheckConstraint("weight > 0", name="positive_weight"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    call_id: Mapped[int] = mapped_column(ForeignKey("call.id", ondelete="CASCADE"), index=True)
    priority_code: Mapped[str] = mapped_column(ForeignKey("priority.code"), index=True)
    weight: Mapped[Decimal] = mapped_column(Numeric(6, 2), default=Decimal(1))
    position: Mapped[int] = mapped_column(Integer, default=0)

    call: Mapped[Call] = relationship(back_populates="priorities")
    priority: Mapped[Priority] = relationship(lazy="joined")


# The default award criteria, modelled on EU action grants (points out of 100).
DEFAULT_CRITERIA = [
    {
        "code": "relevance",
        "label": "Relevance",
        "max_points": 30,
        "threshold": 15,
        "description": "Match with the objectives and priorities of the call and of the EU "
        "Strategy on Combatting Trafficking in Human Beings 2021-2025.",
    },
    {
        "code": "quality",
        "label": "Quality of project design and implementation",
        "max_points": 30,
        "threshold": 15,
        "description": "Clarity and coherence of the work plan, methodology, risks, budget and "
        "monitoring.",
    },
    {
        "code": "team",
        "label": "Quality of project team and cooperation arrangements",
        "max_points": 20,
        "threshold": 10,
        "description": "Expertise of the team and of the consortium, and how the partners work "
        "together.",
    },
    {
        "code": "impact",
        "label": "Impact",
        "max_points": 20,
        "threshold": 10,
        "description": "Expected results for victims and professionals, sustainability and "
        "dissemination.",
    },
]
