"""Proposals and what they are made of: consortium, work plan, indicators, budget, annexes,
and the immutable submitted versions with their checks and the programme's review of them."""

from __future__ import annotations

import enum
from datetime import datetime
from decimal import Decimal
from functools import cached_property

from sqlalchemy import (
    JSON,
    Boolean,
    CheckConstraint,
    ForeignKey,
    Index,
    Integer,
    Numeric,
    String,
    Text,
    UniqueConstraint,
    text,
)
from sqlalchemy.orm import Mapped, defer, mapped_column, relationship
from sqlalchemy.orm.attributes import flag_modified

from grants import clock
from grants.accounts.models import Organisation, OrganisationType, User
from grants.calls.models import Call, Topic
from grants.extensions import db
from grants.proposals.snapshot import Head, Snapshot, read_head, read_snapshot
from grants.types import Money, UTCDateTime, str_enum

EMPTY_LIST = text("'[]'")


class ProposalStatus(enum.StrEnum):
    DRAFT = "draft"
    SUBMITTED = "submitted"
    WITHDRAWN = "withdrawn"

    @property
    def label(self) -> str:
        return self.value.capitalize()


class PartnerRole(enum.StrEnum):
    COORDINATOR = "coordinator"
    PARTNER = "partner"  # a co-applicant (beneficiary)
    ASSOCIATED = "associated"  # takes part without receiving funding

    @property
    def label(self) -> str:
        return {"coordinator": "Coordinator", "partner": "Partner", "associated": "Associated"}[
            self.value
        ]


class ItemKind(enum.StrEnum):
    ACTIVITY = "activity"
    DELIVERABLE = "deliverable"
    MILESTONE = "milestone"

    @property
    def label(self) -> str:
        return self.value.capitalize()


class BudgetCategory(enum.StrEnum):
    STAFF = "staff"
    TRAVEL = "travel"
    EQUIPMENT = "equipment"
    SUBCONTRACTING = "subcontracting"
    OTHER = "other"
    INDIRECT = "indirect"

    @property
    def label(self) -> str:
        return BUDGET_CATEGORY_LABELS[self]


BUDGET_CATEGORY_LABELS = {
    BudgetCategory.STAFF: "Staff",
    BudgetCategory.TRAVEL: "Travel and subsistence",
    BudgetCategory.EQUIPMENT: "Equipment",
    BudgetCategory.SUBCONTRACTING: "Subcontracting",
    BudgetCategory.OTHER: "Other direct costs",
    BudgetCategory.INDIRECT: "Indirect costs (at most 7 % of direct costs)",
}


class ChecksVerdict(enum.StrEnum):
    CONFIRMED = "confirmed"
    OVERRIDDEN = "overridden"


class Proposal(db.Model):
    """A proposal under a call, owned by the coordinator's organisation.

    Every change of the proposal or of one of its rows bumps `version` (optimistic locking):
    a form carries the version it was built from, and a save from an older one is refused.
    """

    __tablename__ = "proposal"
    __table_args__ = (
        CheckConstraint(
            "duration_months IS NULL OR (duration_months >= 1 AND duration_months <= 120)",
            name="duration_range",
        ),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    call_id: Mapped[int] = mapped_column(ForeignKey("call.id"), index=True)
    topic_id: Mapped[int | None] = mapped_column(
        ForeignKey("topic.id", ondelete="SET NULL"), index=True
    )
    organisation_id: Mapped[int] = mapped_column(ForeignKey("organisation.id"), index=True)
    created_by_id: Mapped[int | None] = mapped_column(ForeignKey("user.id", ondelete="SET NULL"))
    status: Mapped[ProposalStatus] = mapped_column(
        str_enum(ProposalStatus), default=ProposalStatus.DRAFT, index=True
    )

    acronym: Mapped[str] = mapped_column(String(30), default="")
    title: Mapped[str] = mapped_column(String(300), default="")
    abstract: Mapped[str] = mapped_column(Text, default="")
    relevance: Mapped[str] = mapped_column(Text, default="")
    objectives: Mapped[str] = mapped_column(Text, default="")
    methodology: Mapped[str] = mapped_column(Text, default="")
    team: Mapped[str] = mapped_column(Text, default="")
    impact: Mapped[str] = mapped_column(Text, default="")
    duration_months: Mapped[int | None] = mapped_column(Integer)

    target_groups: Mapped[list] = mapped_column(JSON, default=list)  # TargetGroup codes
    exploitation_forms: Mapped[list] = mapped_column(JSON, default=list)  # ExploitationForm codes
    countries: Mapped[list] = mapped_column(JSON, default=list)  # ISO alpha-2

    created_at: Mapped[datetime] = mapped_column(UTCDateTime(), default=clock.now)
    updated_at: Mapped[datetime] = mapped_column(UTCDateTime(), default=clock.now)
    withdrawn_at: Mapped[datetime | None] = mapped_column(UTCDateTime())
    version: Mapped[int] = mapped_column(Integer, default=1)

    call: Mapped[Call] = relationship(lazy="joined")
    topic: Mapped[Topic | None] = relationship(lazy="joined")
    organisation: Mapped[Organisation] = relationship(lazy="joined")
    created_by: Mapped[User | None] = relationship()
    partners: Mapped[list[Partner]] = relationship(
        back_populates="proposal", cascade="all, delete-orphan", order_by="Partner.position"
    )
    claims: Mapped[list[PriorityClaim]] = relationship(
        back_populates="proposal", cascade="all, delete-orphan", order_by="PriorityClaim.id"
    )
    work_packages: Mapped[list[WorkPackage]] = relationship(
        back_populates="proposal", cascade="all, delete-orphan", order_by="WorkPackage.number"
    )
    indicators: Mapped[list[Indicator]] = relationship(
        back_populates="proposal", cascade="all, delete-orphan", order_by="Indicator.position"
    )
    budget_lines: Mapped[list[BudgetLine]] = relationship(
        back_populates="proposal", cascade="all, delete-orphan", order_by="BudgetLine.position"
    )
    annexes: Mapped[list[Annex]] = relationship(
        back_populates="proposal", cascade="all, delete-orphan", order_by="Annex.id"
    )
    submissions: Mapped[list[Submission]] = relationship(
        back_populates="proposal", cascade="all, delete-orphan", order_by="Submission.version"
    )

    __mapper_args__ = {"version_id_col": version}

    def touch(self) -> None:
        """Record a change of the proposal or of one of its rows: `updated_at` is now, and the
        row is written even at the same instant, so the version moves (the version a form was
        built from and the one recorded with a submission are compared with it)."""
        self.updated_at = clock.now()
        flag_modified(self, "updated_at")

    @property
    def label(self) -> str:
        return self.acronym or self.title or f"Proposal {self.id}"

    @property
    def coordinator(self) -> Partner | None:
        return next((p for p in self.partners if p.role == PartnerRole.COORDINATOR), None)

    @property
    def current_annexes(self) -> list[Annex]:
        return [a for a in self.annexes if a.removed_at is None]

    @property
    def submitted_versions(self) -> list[Submission]:
        """The submissions, oldest first. A draft has none, known without a query: a submission
        is made only by submitting, which moves the proposal out of draft in the same
        transaction, and nothing moves a proposal back to draft."""
        if self.status == ProposalStatus.DRAFT and "submissions" not in self.__dict__:
            return []
        return self.submissions

    @property
    def current_submission(self) -> Submission | None:
        return next((s for s in self.submitted_versions if s.is_current), None)


class Partner(db.Model):
    """A member of the consortium; the coordinator row mirrors the owning organisation."""

    __tablename__ = "proposal_partner"

    id: Mapped[int] = mapped_column(primary_key=True)
    proposal_id: Mapped[int] = mapped_column(
        ForeignKey("proposal.id", ondelete="CASCADE"), index=True
    )
    organisation_id: Mapped[int | None] = mapped_column(
        ForeignKey("organisation.id", ondelete="SET NULL"), index=True
    )
    name: Mapped[str] = mapped_column(String(300), default="")
    country: Mapped[str] = mapped_column(String(2), default="")
    type: Mapped[str] = mapped_column(String(40), default="")  # OrganisationType value
    role: Mapped[PartnerRole] = mapped_column(str_enum(PartnerRole), default=PartnerRole.PARTNER)
    position: Mapped[int] = mapped_column(Integer, default=0)

    proposal: Mapped[Proposal] = relationship(back_populates="partners")

    @property
    def type_label(self) -> str:
        try:
            return OrganisationType(self.type).label
        except ValueError:
            return ""


class PriorityClaim(db.Model):
    """The applicant says the proposal serves a strategy priority, and why."""

    __tablename__ = "priority_claim"
    __table_args__ = (UniqueConstraint("proposal_id", "priority_code"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    proposal_id: Mapped[int] = mapped_column(
        ForeignKey("proposal.id", ondelete="CASCADE"), index=True
    )
    priority_code: Mapped[str] = mapped_column(ForeignKey("priority.code"), index=True)
    justification: Mapped[str] = mapped_column(Text, default="")

    proposal: Mapped[Proposal] = relationship(back_populates="claims")


class WorkPackage(db.Model):
    __tablename__ = "work_package"
    __table_args__ = (
        UniqueConstraint("proposal_id", "number"),
        CheckConstraint("number >= 1", name="positive_number"),
        CheckConstraint(
            "start_month IS NULL OR end_month IS NULL OR end_month >= start_month",
            name="end_after_start",
        ),
        CheckConstraint("start_month IS NULL OR start_month >= 1", name="start_from_month_1"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    proposal_id: Mapped[int] = mapped_column(
        ForeignKey("proposal.id", ondelete="CASCADE"), index=True
    )
    number: Mapped[int] = mapped_column(Integer)
    title: Mapped[str] = mapped_column(String(300), default="")
    description: Mapped[str] = mapped_column(Text, default="")
    lead_partner_id: Mapped[int | None] = mapped_column(
        ForeignKey("proposal_partner.id", ondelete="SET NULL"), index=True
    )
    start_month: Mapped[int | None] = mapped_column(Integer)
    end_month: Mapped[int | None] = mapped_column(Integer)
    priorities: Mapped[list] = mapped_column(JSON, default=list)

    proposal: Mapped[Proposal] = relationship(back_populates="work_packages")
    lead_partner: Mapped[Partner | None] = relationship()
    items: Mapped[list[WorkPackageItem]] = relationship(
        back_populates="work_package",
        cascade="all, delete-orphan",
        order_by="(WorkPackageItem.month, WorkPackageItem.id)",
    )


class WorkPackageItem(db.Model):
    """An activity, deliverable or milestone of a work package."""

    __tablename__ = "work_package_item"
    __table_args__ = (CheckConstraint("month IS NULL OR month >= 1", name="month_from_1"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    work_package_id: Mapped[int] = mapped_column(
        ForeignKey("work_package.id", ondelete="CASCADE"), index=True
    )
    kind: Mapped[ItemKind] = mapped_column(str_enum(ItemKind), default=ItemKind.ACTIVITY)
    title: Mapped[str] = mapped_column(String(300), default="")
    description: Mapped[str] = mapped_column(Text, default="")
    month: Mapped[int | None] = mapped_column(Integer)
    priorities: Mapped[list] = mapped_column(JSON, default=list)

    work_package: Mapped[WorkPackage] = relationship(back_populates="items")


class Indicator(db.Model):
    """An expected result measured by an indicator, optionally broken down by sex and age."""

    __tablename__ = "proposal_indicator"
    __table_args__ = (CheckConstraint("target IS NULL OR target >= 0", name="target_not_negative"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    proposal_id: Mapped[int] = mapped_column(
        ForeignKey("proposal.id", ondelete="CASCADE"), index=True
    )
    name: Mapped[str] = mapped_column(String(300), default="")
    unit: Mapped[str] = mapped_column(String(100), default="")
    target: Mapped[Decimal | None] = mapped_column(Numeric(14, 2))
    by_sex: Mapped[bool] = mapped_column(Boolean, default=False)
    by_age: Mapped[bool] = mapped_column(Boolean, default=False)
    priorities: Mapped[list] = mapped_column(JSON, default=list)
    position: Mapped[int] = mapped_column(Integer, default=0)

    proposal: Mapped[Proposal] = relationship(back_populates="indicators")


class BudgetLine(db.Model):
    __tablename__ = "budget_line"
    __table_args__ = (CheckConstraint("amount >= 0", name="amount_not_negative"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    proposal_id: Mapped[int] = mapped_column(
        ForeignKey("proposal.id", ondelete="CASCADE"), index=True
    )
    partner_id: Mapped[int] = mapped_column(
        ForeignKey("proposal_partner.id", ondelete="CASCADE"), index=True
    )
    category: Mapped[BudgetCategory] = mapped_column(str_enum(BudgetCategory))
    description: Mapped[str] = mapped_column(String(500), default="")
    amount: Mapped[Decimal] = mapped_column(Money(), default=Decimal(0))
    priorities: Mapped[list] = mapped_column(JSON, default=list)
    position: Mapped[int] = mapped_column(Integer, default=0)

    proposal: Mapped[Proposal] = relationship(back_populates="budget_lines")
    partner: Mapped[Partner] = relationship()


class Annex(db.Model):
    """An uploaded PDF, stored outside the web root under a random name.

    Removing an annex from a proposal that was submitted with it keeps the file
    (`removed_at`), so the submitted versions stay complete.
    """

    __tablename__ = "annex"
    __table_args__ = (CheckConstraint("size > 0", name="not_empty"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    proposal_id: Mapped[int] = mapped_column(
        ForeignKey("proposal.id", ondelete="CASCADE"), index=True
    )
    kind: Mapped[str] = mapped_column(String(60), default="other")
    filename: Mapped[str] = mapped_column(String(255))
    stored_name: Mapped[str] = mapped_column(String(80), unique=True)
    size: Mapped[int] = mapped_column(Integer)
    sha256: Mapped[str] = mapped_column(String(64))
    uploaded_at: Mapped[datetime] = mapped_column(UTCDateTime(), default=clock.now)
    uploaded_by_id: Mapped[int | None] = mapped_column(ForeignKey("user.id", ondelete="SET NULL"))
    removed_at: Mapped[datetime | None] = mapped_column(UTCDateTime())

    proposal: Mapped[Proposal] = relationship(back_populates="annexes")


# The columns of submission that the call-wide lists read (the programme's list of a call's
# submissions, the evaluation dashboard and the ranking), in the SQLite covering index
# `ix_submission_listed`.
LISTED = (
    "submitted_at",
    "reference",
    "proposal_id",
    "version",
    "withdrawn_at",
    "acronym",
    "title",
    "organisation_name",
    "organisation_country",
    "topic_code",
    "countries",
    "priorities",
    "failure_messages",
    "eu_contribution",
    "admissible",
    "eligible",
)


class Submission(db.Model):
    """An immutable snapshot of a proposal as submitted, with its hash and its checks.

    Only the current submission of a proposal counts (at most one, enforced by a partial
    unique index); an earlier one is superseded by a later one before the deadline.
    """

    __tablename__ = "submission"
    __table_args__ = (
        UniqueConstraint("proposal_id", "version"),
        CheckConstraint("version >= 1", name="positive_version"),
        Index(
            "uq_submission_current",
            "proposal_id",
            unique=True,
            sqlite_where=text("is_current = 1"),
            postgresql_where=text("is_current"),
        ),
        # SQLite stores a row's columns in order and the 10-20 KB `content` early on: reading
        # any column after it walks the row's overflow pages, which made reading a call's
        # 1 000 list columns 6-8 ms. The call-wide lists read them from this index instead
        # (about 1 ms). PostgreSQL keeps large values out of the row (TOAST): not needed.
        Index("ix_submission_listed", "call_id", "is_current", "id", *LISTED).ddl_if(
            dialect="sqlite"
        ),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    reference: Mapped[str] = mapped_column(String(100), unique=True)
    proposal_id: Mapped[int] = mapped_column(
        ForeignKey("proposal.id", ondelete="CASCADE"), index=True
    )
    call_id: Mapped[int] = mapped_column(ForeignKey("call.id"), index=True)
    version: Mapped[int] = mapped_column(Integer)
    submitted_at: Mapped[datetime] = mapped_column(UTCDateTime())
    submitted_by_id: Mapped[int | None] = mapped_column(ForeignKey("user.id", ondelete="SET NULL"))
    content: Mapped[dict] = mapped_column(JSON)
    sha256: Mapped[str] = mapped_column(String(64))
    idempotency_key: Mapped[str] = mapped_column(String(64), unique=True)
    checks: Mapped[list] = mapped_column(JSON, default=list)  # [{code, section, kind, ok, ...}]
    admissible: Mapped[bool] = mapped_column(Boolean)
    eligible: Mapped[bool] = mapped_column(Boolean)
    eu_contribution: Mapped[Decimal] = mapped_column(Money(), default=Decimal(0))
    is_current: Mapped[bool] = mapped_column(Boolean, default=True)
    superseded_at: Mapped[datetime | None] = mapped_column(UTCDateTime())
    withdrawn_at: Mapped[datetime | None] = mapped_column(UTCDateTime())
    # What the programme's list of a call's submissions shows and filters by, copied from the
    # snapshot and the checks when the row is written (snapshot.listed), so that the list is
    # one query of columns: no snapshot is decoded to show or filter it.
    acronym: Mapped[str] = mapped_column(String(100), default="", server_default="")
    title: Mapped[str] = mapped_column(String(300), default="", server_default="")
    organisation_name: Mapped[str] = mapped_column(String(300), default="", server_default="")
    organisation_country: Mapped[str] = mapped_column(String(2), default="", server_default="")
    topic_code: Mapped[str | None] = mapped_column(String(40))
    # of implementation and of the partners; claimed; the messages of the failed checks
    countries: Mapped[list] = mapped_column(JSON, default=list, server_default=EMPTY_LIST)
    priorities: Mapped[list] = mapped_column(JSON, default=list, server_default=EMPTY_LIST)
    failure_messages: Mapped[list] = mapped_column(JSON, default=list, server_default=EMPTY_LIST)
    # The proposal's `version` once this submission was written (in the same flush, after the
    # status change that moves it): while the proposal still has it, none of its own rows has
    # changed since (submitting.has_unsubmitted_changes). None on rows written before.
    proposal_version: Mapped[int | None] = mapped_column(Integer)

    proposal: Mapped[Proposal] = relationship(back_populates="submissions")
    call: Mapped[Call] = relationship()
    submitted_by: Mapped[User | None] = relationship()
    checks_decisions: Mapped[list[ChecksDecision]] = relationship(
        back_populates="submission",
        cascade="all, delete-orphan",
        order_by="ChecksDecision.id",
    )

    @property
    def checks_decision(self) -> ChecksDecision | None:
        """The programme's latest decision on the automatic checks, if any."""
        return self.checks_decisions[-1] if self.checks_decisions else None

    @cached_property
    def snapshot(self) -> Snapshot:
        """The submitted content, typed: the one way to read it (the row is immutable)."""
        return read_snapshot(self.content)

    @cached_property
    def head(self) -> Head:
        """What lists show of the submitted content (read without the rest)."""
        return read_head(self.content)

    @property
    def label(self) -> str:
        """The acronym as submitted (its listed column: no snapshot decoded), else the
        submission reference."""
        return self.acronym or self.reference

    def submitter_and_contacts(self, submitter: User | None = None) -> dict[str, User]:
        """Who hears about this submission (receipt, result): the person who submitted it
        and the contacts of the coordinating organisation, by e-mail address."""
        submitter = submitter or self.submitted_by
        found: dict[str, User] = {submitter.email: submitter} if submitter else {}
        for membership in self.proposal.organisation.memberships:
            if membership.is_contact:
                found.setdefault(membership.user.email, membership.user)
        return found

    @property
    def final_admissible(self) -> bool:
        return self.checks_decision.admissible if self.checks_decision else self.admissible

    @property
    def final_eligible(self) -> bool:
        return self.checks_decision.eligible if self.checks_decision else self.eligible

    @property
    def failures(self) -> list[dict]:
        return [c for c in self.checks if not c.get("ok")]

    @property
    def status_label(self) -> str:
        return submission_status(self.withdrawn_at, self.is_current)


def listed_only() -> tuple:
    """Loader options for a page that lists submissions by their listed columns: the snapshot
    and the checks (the 10-20 KB of JSON each row would decode) are not read, and reading
    them anyway raises instead of loading them row by row."""
    return (defer(Submission.content, raiseload=True), defer(Submission.checks, raiseload=True))


def labelled_only() -> tuple:
    """The columns of a submission that a page showing it by its label (and sorting by its
    acronym) reads, for `load_only`: none of the JSON ones is decoded."""
    return (Submission.acronym, Submission.reference)


def submission_status(withdrawn_at: datetime | None, is_current: bool) -> str:
    """What a submission's status reads as (Submission.status_label, and the list of versions,
    which reads these columns only)."""
    if withdrawn_at:
        return "Withdrawn"
    if not is_current:
        return "Superseded"
    return "Counts"


class ChecksDecision(db.Model):
    """A programme manager confirms or overrides the automatic checks, with a reason."""

    __tablename__ = "submission_review"
    __table_args__ = (CheckConstraint("length(reason) > 0", name="reason_given"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    submission_id: Mapped[int] = mapped_column(
        ForeignKey("submission.id", ondelete="CASCADE"), index=True
    )
    decision: Mapped[ChecksVerdict] = mapped_column(str_enum(ChecksVerdict))
    admissible: Mapped[bool] = mapped_column(Boolean)
    eligible: Mapped[bool] = mapped_column(Boolean)
    reason: Mapped[str] = mapped_column(Text)
    decided_by_id: Mapped[int | None] = mapped_column(
        "reviewer_id", ForeignKey("user.id", ondelete="SET NULL")
    )
    at: Mapped[datetime] = mapped_column(UTCDateTime(), default=clock.now)

    submission: Mapped[Submission] = relationship(back_populates="checks_decisions")
    decided_by: Mapped[User | None] = relationship()
