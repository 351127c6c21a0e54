"""The evaluator pool, invitations, assignments of evaluators to submitted proposals, their
conflict-of-interest declarations and the programme's overrides, and the individual
evaluations with a score and a comment per criterion."""

from __future__ import annotations

import enum
from datetime import date, datetime, timedelta
from decimal import Decimal

from sqlalchemy import (
    JSON,
    CheckConstraint,
    ForeignKey,
    Index,
    Integer,
    Numeric,
    String,
    Text,
    UniqueConstraint,
)
from sqlalchemy.orm import Mapped, backref, mapped_column, relationship

from grants import clock
from grants.accounts.models import User
from grants.calls.models import Call, Criterion
from grants.extensions import db
from grants.proposals.models import Proposal, Submission
from grants.types import UTCDateTime, str_enum


class AssignmentState(enum.StrEnum):
    PENDING_DECLARATION = "pending_declaration"  # sees only acronym and consortium
    ACTIVE = "active"  # declared no conflict: sees the content
    CONFLICT = "conflict"  # declared a conflict: the assignment ended
    DECLINED = "declined"  # declined for another reason (e.g. unavailable)
    REMOVED = "removed"  # removed by a programme manager

    @property
    def label(self) -> str:
        return {
            "pending_declaration": "To declare",
            "active": "To evaluate",
            "conflict": "Conflict declared",
            "declined": "Declined",
            "removed": "Removed",
        }[self.value]

    @property
    def is_open(self) -> bool:
        return self in (AssignmentState.PENDING_DECLARATION, AssignmentState.ACTIVE)


class ConflictKind(enum.StrEnum):
    NONE = "none"
    EMPLOYMENT_OR_ADVICE = "employment_or_advice"
    PERSONAL = "personal"
    FINANCIAL = "financial"
    OTHER = "other"

    @property
    def label(self) -> str:
        return CONFLICT_LABELS[self]


CONFLICT_LABELS = {
    ConflictKind.NONE: "I have no conflict of interest with this proposal",
    ConflictKind.EMPLOYMENT_OR_ADVICE: "I work for or advise the applicant or a partner",
    ConflictKind.PERSONAL: "I have a personal relationship with someone involved",
    ConflictKind.FINANCIAL: "I have a financial interest in the proposal",
    ConflictKind.OTHER: "Another conflict of interest",
}


class EvaluatorProfile(db.Model):
    """An evaluator's own organisation, recent ties and expertise (codes of the taxonomy)."""

    __tablename__ = "evaluator_profile"
    __table_args__ = (CheckConstraint("max_load >= 0", name="max_load_not_negative"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    user_id: Mapped[int] = mapped_column(
        ForeignKey("user.id", ondelete="CASCADE"), unique=True, index=True
    )
    organisation_name: Mapped[str] = mapped_column(String(300), default="")
    organisation_country: Mapped[str] = mapped_column(String(2), default="")
    recent_ties: Mapped[list] = mapped_column(JSON, default=list)  # organisation names
    priorities: Mapped[list] = mapped_column(JSON, default=list)  # Priority codes
    exploitation_forms: Mapped[list] = mapped_column(JSON, default=list)
    languages: Mapped[list] = mapped_column(JSON, default=list)  # ISO 639-1 codes
    countries: Mapped[list] = mapped_column(JSON, default=list)  # ISO alpha-2
    max_load: Mapped[int] = mapped_column(Integer, default=8)
    updated_at: Mapped[datetime] = mapped_column(UTCDateTime(), default=clock.now)

    user: Mapped[User] = relationship()


class EvaluatorInvitation(db.Model):
    """An e-mailed, expiring invitation to join the pool; only the token's SHA-256 is kept."""

    __tablename__ = "evaluator_invitation"
    __table_args__ = (CheckConstraint("expires_at > created_at", name="expires_after_creation"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    email: Mapped[str] = mapped_column(String(254), index=True)
    call_id: Mapped[int | None] = mapped_column(
        ForeignKey("call.id", ondelete="SET NULL"), index=True
    )
    token_hash: Mapped[str] = mapped_column(String(64), unique=True)
    invited_by_id: Mapped[int | None] = mapped_column(ForeignKey("user.id", ondelete="SET NULL"))
    created_at: Mapped[datetime] = mapped_column(UTCDateTime(), default=clock.now)
    expires_at: Mapped[datetime] = mapped_column(UTCDateTime())
    accepted_at: Mapped[datetime | None] = mapped_column(UTCDateTime())
    accepted_by_id: Mapped[int | None] = mapped_column(ForeignKey("user.id", ondelete="SET NULL"))

    call: Mapped[Call | None] = relationship()
    invited_by: Mapped[User | None] = relationship(foreign_keys=[invited_by_id])

    @property
    def status_label(self) -> str:
        if self.accepted_at:
            return "Accepted"
        if self.expires_at <= clock.now():
            return "Expired"
        return "Sent"


class Assignment(db.Model):
    """An evaluator assigned to the current submission of a proposal."""

    __tablename__ = "review_assignment"
    __table_args__ = (UniqueConstraint("proposal_id", "evaluator_id"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    call_id: Mapped[int] = mapped_column(ForeignKey("call.id"), index=True)
    proposal_id: Mapped[int] = mapped_column(
        ForeignKey("proposal.id", ondelete="CASCADE"), index=True
    )
    submission_id: Mapped[int] = mapped_column(
        ForeignKey("submission.id", ondelete="CASCADE"), index=True
    )
    evaluator_id: Mapped[int] = mapped_column(ForeignKey("user.id", ondelete="CASCADE"), index=True)
    state: Mapped[AssignmentState] = mapped_column(
        str_enum(AssignmentState), default=AssignmentState.PENDING_DECLARATION, index=True
    )
    assigned_by_id: Mapped[int | None] = mapped_column(ForeignKey("user.id", ondelete="SET NULL"))
    assigned_at: Mapped[datetime] = mapped_column(UTCDateTime(), default=clock.now)
    due_at: Mapped[datetime] = mapped_column(UTCDateTime())
    ended_at: Mapped[datetime | None] = mapped_column(UTCDateTime())
    ended_reason: Mapped[str] = mapped_column(Text, default="")

    call: Mapped[Call] = relationship()
    proposal: Mapped[Proposal] = relationship()
    submission: Mapped[Submission] = relationship()
    evaluator: Mapped[User] = relationship(foreign_keys=[evaluator_id])
    assigned_by: Mapped[User | None] = relationship(foreign_keys=[assigned_by_id])
    declarations: Mapped[list[ConflictDeclaration]] = relationship(
        back_populates="assignment", cascade="all, delete-orphan", order_by="ConflictDeclaration.id"
    )
    overrides: Mapped[list[ConflictOverride]] = relationship(
        back_populates="assignment", cascade="all, delete-orphan", order_by="ConflictOverride.id"
    )

    @property
    def declaration(self) -> ConflictDeclaration | None:
        return self.declarations[-1] if self.declarations else None


class ConflictDeclaration(db.Model):
    """What the evaluator declared for one assignment, before seeing the content."""

    __tablename__ = "conflict_declaration"

    id: Mapped[int] = mapped_column(primary_key=True)
    assignment_id: Mapped[int] = mapped_column(
        ForeignKey("review_assignment.id", ondelete="CASCADE"), index=True
    )
    kind: Mapped[ConflictKind] = mapped_column(str_enum(ConflictKind))
    details: Mapped[str] = mapped_column(Text, default="")
    declared_at: Mapped[datetime] = mapped_column(UTCDateTime(), default=clock.now)

    assignment: Mapped[Assignment] = relationship(back_populates="declarations")


class ConflictOverride(db.Model):
    """A programme manager assigned an evaluator despite a likely conflict, with a reason."""

    __tablename__ = "conflict_override"
    __table_args__ = (CheckConstraint("length(reason) > 0", name="reason_given"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    assignment_id: Mapped[int] = mapped_column(
        ForeignKey("review_assignment.id", ondelete="CASCADE"), index=True
    )
    manager_id: Mapped[int | None] = mapped_column(ForeignKey("user.id", ondelete="SET NULL"))
    reason: Mapped[str] = mapped_column(Text)
    conflicts: Mapped[list] = mapped_column(JSON, default=list)  # what was detected
    at: Mapped[datetime] = mapped_column(UTCDateTime(), default=clock.now)

    assignment: Mapped[Assignment] = relationship(back_populates="overrides")
    manager: Mapped[User | None] = relationship()


class EvaluationState(enum.StrEnum):
    DRAFT = "draft"
    SUBMITTED = "submitted"

    @property
    def label(self) -> str:
        return {"draft": "Draft", "submitted": "Submitted"}[self.value]


class Evaluation(db.Model):
    """One evaluator's evaluation of one assignment: a draft until submitted, then immutable.

    `version` is the optimistic lock: a save names the version it started from, and the
    mapper refuses an UPDATE of a row someone else changed meanwhile."""

    __tablename__ = "evaluation"

    id: Mapped[int] = mapped_column(primary_key=True)
    assignment_id: Mapped[int] = mapped_column(
        ForeignKey("review_assignment.id", ondelete="CASCADE"), unique=True
    )
    state: Mapped[EvaluationState] = mapped_column(
        str_enum(EvaluationState), default=EvaluationState.DRAFT, index=True
    )
    created_at: Mapped[datetime] = mapped_column(UTCDateTime(), default=clock.now)
    updated_at: Mapped[datetime] = mapped_column(UTCDateTime(), default=clock.now)
    submitted_at: Mapped[datetime | None] = mapped_column(UTCDateTime())
    version: Mapped[int] = mapped_column(Integer, nullable=False)

    assignment: Mapped[Assignment] = relationship(
        backref=backref("evaluation", uselist=False, cascade="all, delete-orphan")
    )
    scores: Mapped[list[EvaluationScore]] = relationship(
        back_populates="evaluation", cascade="all, delete-orphan", order_by="EvaluationScore.id"
    )

    __mapper_args__ = {"version_id_col": version}

    @property
    def is_submitted(self) -> bool:
        return self.state == EvaluationState.SUBMITTED

    def score_for(self, criterion_id: int) -> EvaluationScore | None:
        return next((s for s in self.scores if s.criterion_id == criterion_id), None)


class EvaluationScore(db.Model):
    """The points and the comment for one criterion of an evaluation."""

    __tablename__ = "evaluation_score"
    __table_args__ = (
        UniqueConstraint("evaluation_id", "criterion_id"),
        CheckConstraint("points IS NULL OR points >= 0", name="points_not_negative"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    evaluation_id: Mapped[int] = mapped_column(
        ForeignKey("evaluation.id", ondelete="CASCADE"), index=True
    )
    criterion_id: Mapped[int] = mapped_column(
        ForeignKey("criterion.id", ondelete="CASCADE"), index=True
    )
    points: Mapped[Decimal | None] = mapped_column(Numeric(6, 2))
    comment: Mapped[str] = mapped_column(Text, default="")

    evaluation: Mapped[Evaluation] = relationship(back_populates="scores")
    criterion: Mapped[Criterion] = relationship()


class ConsensusState(enum.StrEnum):
    DRAFT = "draft"  # the rapporteur is writing it
    SUBMITTED = "submitted"  # waiting for a programme manager's approval
    APPROVED = "approved"  # counts for the ranking

    @property
    def label(self) -> str:
        return {
            "draft": "Draft",
            "submitted": "Awaiting approval",
            "approved": "Approved",
        }[self.value]


class ConsensusReport(db.Model):
    """The consensus of a proposal's evaluators, written by its rapporteur (one of them) and
    approved by a programme manager. Its scores and comments are what ranks.

    `version` is the optimistic lock, as for evaluations."""

    __tablename__ = "consensus_report"

    id: Mapped[int] = mapped_column(primary_key=True)
    call_id: Mapped[int] = mapped_column(ForeignKey("call.id"), index=True)
    proposal_id: Mapped[int] = mapped_column(
        ForeignKey("proposal.id", ondelete="CASCADE"), index=True
    )
    submission_id: Mapped[int] = mapped_column(
        ForeignKey("submission.id", ondelete="CASCADE"), unique=True
    )
    rapporteur_id: Mapped[int | None] = mapped_column(
        ForeignKey("user.id", ondelete="SET NULL"), index=True
    )
    state: Mapped[ConsensusState] = mapped_column(
        str_enum(ConsensusState), default=ConsensusState.DRAFT, index=True
    )
    comment: Mapped[str] = mapped_column(Text, default="")  # the overall assessment
    returned_reason: Mapped[str] = mapped_column(Text, default="")
    appointed_at: Mapped[datetime] = mapped_column(UTCDateTime(), default=clock.now)
    appointed_by_id: Mapped[int | None] = mapped_column(ForeignKey("user.id", ondelete="SET NULL"))
    updated_at: Mapped[datetime] = mapped_column(UTCDateTime(), default=clock.now)
    submitted_at: Mapped[datetime | None] = mapped_column(UTCDateTime())
    approved_at: Mapped[datetime | None] = mapped_column(UTCDateTime())
    approved_by_id: Mapped[int | None] = mapped_column(ForeignKey("user.id", ondelete="SET NULL"))
    version: Mapped[int] = mapped_column(Integer, nullable=False)

    call: Mapped[Call] = relationship()
    proposal: Mapped[Proposal] = relationship()
    submission: Mapped[Submission] = relationship()
    rapporteur: Mapped[User | None] = relationship(foreign_keys=[rapporteur_id])
    approved_by: Mapped[User | None] = relationship(foreign_keys=[approved_by_id])
    scores: Mapped[list[ConsensusScore]] = relationship(
        back_populates="report", cascade="all, delete-orphan", order_by="ConsensusScore.id"
    )

    __mapper_args__ = {"version_id_col": version}

    @property
    def is_approved(self) -> bool:
        return self.state == ConsensusState.APPROVED

    def score_for(self, criterion_id: int) -> ConsensusScore | None:
        return next((s for s in self.scores if s.criterion_id == criterion_id), None)


class ConsensusScore(db.Model):
    """The agreed points and the consensus comment for one criterion."""

    __tablename__ = "consensus_score"
    __table_args__ = (
        UniqueConstraint("report_id", "criterion_id"),
        CheckConstraint("points IS NULL OR points >= 0", name="points_not_negative"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    report_id: Mapped[int] = mapped_column(
        ForeignKey("consensus_report.id", ondelete="CASCADE"), index=True
    )
    criterion_id: Mapped[int] = mapped_column(
        ForeignKey("criterion.id", ondelete="CASCADE"), index=True
    )
    points: Mapped[Decimal | None] = mapped_column(Numeric(6, 2))
    comment: Mapped[str] = mapped_column(Text, default="")

    report: Mapped[ConsensusReport] = relationship(back_populates="scores")
    criterion: Mapped[Criterion] = relationship()


class FinalRanking(db.Model):
    """A call's ranking and selection as finalised by a programme manager: a frozen record of
    every decision (JSON) with its SHA-256. Once it exists, the call's evaluations, consensus
    reports and assignments can no longer change; publishing the results reads from it."""

    __tablename__ = "final_ranking"

    id: Mapped[int] = mapped_column(primary_key=True)
    call_id: Mapped[int] = mapped_column(ForeignKey("call.id"), unique=True)
    finalised_at: Mapped[datetime] = mapped_column(UTCDateTime(), default=clock.now)
    finalised_by_id: Mapped[int | None] = mapped_column(ForeignKey("user.id", ondelete="SET NULL"))
    policy: Mapped[str] = mapped_column(String(10))
    reserve_size: Mapped[int] = mapped_column(Integer)
    budgets: Mapped[dict] = mapped_column(JSON)  # topic code -> "amount" in EUR
    decisions: Mapped[list] = mapped_column(JSON)  # one dict per proposal, see ranking.py
    sha256: Mapped[str] = mapped_column(String(64))
    published_at: Mapped[datetime | None] = mapped_column(UTCDateTime())
    published_by_id: Mapped[int | None] = mapped_column(ForeignKey("user.id", ondelete="SET NULL"))

    call: Mapped[Call] = relationship()
    finalised_by: Mapped[User | None] = relationship(foreign_keys=[finalised_by_id])
    published_by: Mapped[User | None] = relationship(foreign_keys=[published_by_id])


class Outcome(enum.StrEnum):
    SELECTED = "selected"
    RESERVE = "reserve"
    NOT_SELECTED = "not_selected"
    BELOW_THRESHOLD = "below_threshold"
    NOT_ADMISSIBLE = "not_admissible"  # inadmissible or ineligible: never evaluated

    @property
    def label(self) -> str:
        return {
            "selected": "Selected for funding",
            "reserve": "On the reserve list",
            "not_selected": "Not selected: above the thresholds, beyond the budget",
            "below_threshold": "Not selected: below a threshold",
            "not_admissible": "Not evaluated: not admissible or not eligible",
        }[self.value]


class ResultLetter(db.Model):
    """What an applicant is told when the results of a call are published."""

    __tablename__ = "result_letter"

    id: Mapped[int] = mapped_column(primary_key=True)
    call_id: Mapped[int] = mapped_column(ForeignKey("call.id"), index=True)
    proposal_id: Mapped[int] = mapped_column(
        ForeignKey("proposal.id", ondelete="CASCADE"), index=True
    )
    submission_id: Mapped[int] = mapped_column(
        ForeignKey("submission.id", ondelete="CASCADE"), unique=True
    )
    outcome: Mapped[Outcome] = mapped_column(str_enum(Outcome), index=True)
    rank: Mapped[int | None] = mapped_column(Integer)
    reserve_position: Mapped[int | None] = mapped_column(Integer)
    total: Mapped[Decimal | None] = mapped_column(Numeric(6, 2))
    explanation: Mapped[str] = mapped_column(Text, default="")
    created_at: Mapped[datetime] = mapped_column(UTCDateTime(), default=clock.now)

    call: Mapped[Call] = relationship()
    proposal: Mapped[Proposal] = relationship()
    submission: Mapped[Submission] = relationship()

    REDRESS_DAYS = 30

    @property
    def redress_until(self) -> date:
        """The last day (in Brussels) to ask for an evaluation review: 30 days from the letter."""
        sent = clock.to_brussels(self.created_at or clock.now())
        return (sent + timedelta(days=self.REDRESS_DAYS)).date()


class SubmissionAlignment(db.Model):
    """The priority alignment of one submitted version, computed once and stored with it.

    Keyed by the submission and `key`: the hash of the call's priority weights and of the
    scoring method's version, so a changed weighting or formula is computed afresh while the
    old result stays readable. `result` is `scoring.AlignmentResult.to_dict()`."""

    __tablename__ = "submission_alignment"
    __table_args__ = (
        UniqueConstraint("submission_id", "key"),
        # The ranking reads every proposal's total under the call's key: from the index alone,
        # not the rows with their results' JSON (2.6 -> 0.5 ms at 1 000 proposals, SQLite).
        Index("ix_submission_alignment_total", "submission_id", "key", "total"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    submission_id: Mapped[int] = mapped_column(
        ForeignKey("submission.id", ondelete="CASCADE"), index=True
    )
    key: Mapped[str] = mapped_column(String(64))
    total: Mapped[Decimal] = mapped_column(Numeric(6, 2))
    result: Mapped[dict] = mapped_column(JSON)
    computed_at: Mapped[datetime] = mapped_column(UTCDateTime(), default=clock.now)

    submission: Mapped[Submission] = relationship()


class EvaluationStanding(db.Model):
    """Where one submission's evaluation stands, as the call-wide pages show it: the aggregate
    of its submitted evaluations (total, whether it passes every threshold, the criteria the
    evaluators disagree on). Written by grants.review.standing in the transaction that submits
    an evaluation or changes an assignment's state, so the evaluation dashboard reads one row
    per proposal instead of every score of the call. `rules` is the digest of the call's
    scoring rules it was computed under: a row of other rules is computed afresh on reading."""

    __tablename__ = "evaluation_standing"

    submission_id: Mapped[int] = mapped_column(
        ForeignKey("submission.id", ondelete="CASCADE"), primary_key=True
    )
    call_id: Mapped[int] = mapped_column(ForeignKey("call.id", ondelete="CASCADE"), index=True)
    rules: Mapped[str] = mapped_column(String(64))
    total: Mapped[Decimal | None] = mapped_column(Numeric(8, 2))  # None: nothing to aggregate
    passes: Mapped[bool] = mapped_column(default=False)  # every threshold: overall, each criterion
    disagreements: Mapped[str] = mapped_column(Text, default="")  # criterion codes, one a line
