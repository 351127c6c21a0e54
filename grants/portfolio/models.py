"""The portfolio read model: every project the review map counts, funded here or imported.

One row per project (`PortfolioProject`) with the columns the map filters and adds up by,
and narrow child tables the aggregate queries group by: countries per counting mode with the
EUR amount attributed to each (`PortfolioCountry`), taxonomy tags (`PortfolioTag`), partners,
indicator values, outcomes (with their taxonomy tags) and recommendations. Rows are written
only through `grants.portfolio.sync` (the importer and funded projects); nothing else writes
here.
"""

from __future__ import annotations

import enum
from datetime import datetime
from decimal import Decimal

from sqlalchemy import (
    Boolean,
    CheckConstraint,
    ForeignKey,
    Index,
    Integer,
    LargeBinary,
    Numeric,
    String,
    Text,
    UniqueConstraint,
)
from sqlalchemy.orm import Mapped, mapped_column, relationship

from grants import clock
from grants.extensions import db
from grants.types import Money, UTCDateTime, str_enum


class ProjectSource(enum.StrEnum):
    FUNDED = "funded"  # funded in this system (grants/projects)
    IMPORTED = "imported"  # a historical project imported from a file

    @property
    def label(self) -> str:
        return {"funded": "Funded in this system", "imported": "Imported"}[self.value]


class ProjectStatus(enum.StrEnum):
    PLANNED = "planned"
    RUNNING = "running"
    CLOSED = "closed"
    TERMINATED = "terminated"
    UNKNOWN = "unknown"

    @property
    def label(self) -> str:
        return {
            "planned": "Not started",
            "running": "Running",
            "closed": "Closed",
            "terminated": "Terminated early",
            "unknown": "Not known",
        }[self.value]


class CountryRole(enum.StrEnum):
    """How a country is counted on the map: the three switchable modes."""

    COORDINATOR = "coordinator"
    PARTNER = "partner"  # every country of the consortium, coordinator included
    IMPLEMENTATION = "implementation"

    @property
    def label(self) -> str:
        return {
            "coordinator": "Coordinator's country",
            "partner": "Partner countries",
            "implementation": "Countries of implementation",
        }[self.value]


class TagKind(enum.StrEnum):
    PRIORITY = "priority"  # 2021-2025 codes (2012-2016 ones stored mapped, `via` the old code)
    EXPLOITATION = "exploitation"
    TARGET_GROUP = "target_group"
    PROJECT_TYPE = "project_type"


class Addressee(enum.StrEnum):
    EU = "eu"
    MEMBER_STATES = "member_states"
    CIVIL_SOCIETY = "civil_society"
    OTHER = "other"

    @property
    def label(self) -> str:
        return {
            "eu": "EU",
            "member_states": "Member States",
            "civil_society": "Civil society",
            "other": "Other",
        }[self.value]


# How an addressee is written in an import file or a report (lower case, single spaces).
ADDRESSEE_NAMES = {
    "eu": Addressee.EU,
    "european union": Addressee.EU,
    "commission": Addressee.EU,
    "european commission": Addressee.EU,
    "member states": Addressee.MEMBER_STATES,
    "member state": Addressee.MEMBER_STATES,
    "ms": Addressee.MEMBER_STATES,
    "national authorities": Addressee.MEMBER_STATES,
    "civil society": Addressee.CIVIL_SOCIETY,
    "ngos": Addressee.CIVIL_SOCIETY,
    "cso": Addressee.CIVIL_SOCIETY,
    "other": Addressee.OTHER,
}


class PortfolioProject(db.Model):
    __tablename__ = "portfolio_project"
    __table_args__ = (
        CheckConstraint("start_month IS NULL OR start_month BETWEEN 1 AND 12", name="start_month"),
        CheckConstraint("end_month IS NULL OR end_month BETWEEN 1 AND 12", name="end_month"),
        CheckConstraint("eu_contribution IS NULL OR eu_contribution >= 0", name="eu_positive"),
        CheckConstraint("total_cost IS NULL OR total_cost >= 0", name="total_positive"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    # Stable across syncs: "funded:<grant id>" or "imported:<reference or row fingerprint>".
    key: Mapped[str] = mapped_column(String(200), unique=True)
    source: Mapped[ProjectSource] = mapped_column(str_enum(ProjectSource, 20), index=True)
    source_file: Mapped[str] = mapped_column(String(300), default="")
    source_row: Mapped[int | None] = mapped_column(Integer)
    import_id: Mapped[int | None] = mapped_column(
        ForeignKey("portfolio_import.id", ondelete="SET NULL"), index=True
    )
    reference: Mapped[str] = mapped_column(String(100), default="")
    acronym: Mapped[str] = mapped_column(String(60), default="")
    title: Mapped[str] = mapped_column(String(500))
    summary: Mapped[str] = mapped_column(Text, default="")
    fund_code: Mapped[str | None] = mapped_column(ForeignKey("fund.code"), index=True)
    programme: Mapped[str] = mapped_column(String(300), default="")  # as the source names it
    call_reference: Mapped[str] = mapped_column(String(100), default="", index=True)
    call_title: Mapped[str] = mapped_column(String(300), default="")
    # Dates at the precision the source gives: a year, a month or a day.
    start_year: Mapped[int | None] = mapped_column(Integer, index=True)
    start_month: Mapped[int | None] = mapped_column(Integer)
    start_day: Mapped[int | None] = mapped_column(Integer)
    end_year: Mapped[int | None] = mapped_column(Integer)
    end_month: Mapped[int | None] = mapped_column(Integer)
    end_day: Mapped[int | None] = mapped_column(Integer)
    status: Mapped[ProjectStatus] = mapped_column(
        str_enum(ProjectStatus, 20), default=ProjectStatus.UNKNOWN, index=True
    )
    eu_contribution: Mapped[Decimal | None] = mapped_column(Money())  # None: not known
    total_cost: Mapped[Decimal | None] = mapped_column(Money())
    coordinator_name: Mapped[str] = mapped_column(String(300), default="")
    coordinator_type: Mapped[str] = mapped_column(String(40), default="", index=True)
    coordinator_country: Mapped[str] = mapped_column(String(2), default="")
    is_public: Mapped[bool] = mapped_column(Boolean, default=True)
    outcomes_public: Mapped[bool] = mapped_column(Boolean, default=False)
    updated_at: Mapped[datetime] = mapped_column(UTCDateTime(), default=clock.now)

    partners: Mapped[list[PortfolioPartner]] = relationship(
        cascade="all, delete-orphan", passive_deletes=True, order_by="PortfolioPartner.position"
    )
    outcomes: Mapped[list[PortfolioOutcome]] = relationship(
        cascade="all, delete-orphan", passive_deletes=True, order_by="PortfolioOutcome.position"
    )
    recommendations: Mapped[list[PortfolioRecommendation]] = relationship(
        cascade="all, delete-orphan",
        passive_deletes=True,
        order_by="PortfolioRecommendation.position",
    )

    @property
    def label(self) -> str:
        return f"{self.acronym}: {self.title}" if self.acronym else self.title


def _project_fk() -> Mapped[int]:
    return mapped_column(ForeignKey("portfolio_project.id", ondelete="CASCADE"), index=True)


class PortfolioPartner(db.Model):
    """A partner of the consortium (the coordinator is on the project row)."""

    __tablename__ = "portfolio_partner"

    id: Mapped[int] = mapped_column(primary_key=True)
    project_id: Mapped[int] = _project_fk()
    name: Mapped[str] = mapped_column(String(300), default="")
    type: Mapped[str] = mapped_column(String(40), default="")  # OrganisationType value or ""
    country: Mapped[str] = mapped_column(String(2), default="")
    position: Mapped[int] = mapped_column(Integer, default=0)


class PortfolioCountry(db.Model):
    """A country a project counts in for one mode, with the EUR amount attributed to it there.

    Coordinator mode: the whole EU contribution. Partner and implementation modes: the EU
    contribution split equally between the mode's distinct countries (to the cent, the
    remainder to the first countries), so that the countries of a mode add up to the
    portfolio's total. `amount` is None where the project's contribution is not known.
    """

    __tablename__ = "portfolio_country"
    __table_args__ = (Index("ix_portfolio_country_role_country", "role", "country"),)

    project_id: Mapped[int] = mapped_column(
        ForeignKey("portfolio_project.id", ondelete="CASCADE"), primary_key=True
    )
    role: Mapped[CountryRole] = mapped_column(str_enum(CountryRole, 20), primary_key=True)
    country: Mapped[str] = mapped_column(String(2), primary_key=True)
    amount: Mapped[Decimal | None] = mapped_column(Money())


class PortfolioTag(db.Model):
    """A taxonomy code a project addresses: priority, form of exploitation, group, type."""

    __tablename__ = "portfolio_tag"
    __table_args__ = (Index("ix_portfolio_tag_kind_code", "kind", "code"),)

    project_id: Mapped[int] = mapped_column(
        ForeignKey("portfolio_project.id", ondelete="CASCADE"), primary_key=True
    )
    kind: Mapped[TagKind] = mapped_column(str_enum(TagKind, 20), primary_key=True)
    code: Mapped[str] = mapped_column(String(40), primary_key=True)
    # How it got there: "" given as such, a 2012-2016 code it was mapped from, or "parent"
    # when a key action's area is added for it.
    via: Mapped[str] = mapped_column(String(40), default="")


class PortfolioIndicatorValue(db.Model):
    """A project's value of one indicator: its total (no breakdown) or one category."""

    __tablename__ = "portfolio_indicator_value"
    __table_args__ = (
        Index(
            "ix_portfolio_indicator_value_code", "indicator_code", "breakdown_code", "category_code"
        ),
        CheckConstraint("value >= 0", name="value_positive"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    project_id: Mapped[int] = _project_fk()
    indicator_code: Mapped[str] = mapped_column(ForeignKey("indicator_definition.code"))
    breakdown_code: Mapped[str] = mapped_column(String(40), default="")  # "": the total
    category_code: Mapped[str] = mapped_column(String(40), default="")
    value: Mapped[Decimal] = mapped_column(Numeric(14, 2))
    unit: Mapped[str] = mapped_column(String(40), default="")
    label: Mapped[str] = mapped_column(String(200), default="")  # what an "other" one counts


class PortfolioOutcome(db.Model):
    __tablename__ = "portfolio_outcome"

    id: Mapped[int] = mapped_column(primary_key=True)
    project_id: Mapped[int] = _project_fk()
    text: Mapped[str] = mapped_column(Text)
    position: Mapped[int] = mapped_column(Integer, default=0)


class PortfolioOutcomeTag(db.Model):
    """A taxonomy code one outcome of a project addresses (a priority, a form of exploitation,
    a target group), so the review map breaks outcomes down by them. The outcome is the
    project's one at `position`: both are rewritten together by the sync, never apart."""

    __tablename__ = "portfolio_outcome_tag"
    __table_args__ = (Index("ix_portfolio_outcome_tag_kind_code", "kind", "code"),)

    project_id: Mapped[int] = mapped_column(
        ForeignKey("portfolio_project.id", ondelete="CASCADE"), primary_key=True
    )
    position: Mapped[int] = mapped_column(Integer, primary_key=True)
    kind: Mapped[TagKind] = mapped_column(str_enum(TagKind, 20), primary_key=True)
    code: Mapped[str] = mapped_column(String(40), primary_key=True)
    # as on PortfolioTag: "" given as such, the 2012-2016 code it was mapped from, or "parent"
    via: Mapped[str] = mapped_column(String(40), default="")


class PortfolioRecommendation(db.Model):
    __tablename__ = "portfolio_recommendation"

    id: Mapped[int] = mapped_column(primary_key=True)
    project_id: Mapped[int] = _project_fk()
    text: Mapped[str] = mapped_column(Text)
    addressee: Mapped[Addressee] = mapped_column(str_enum(Addressee, 20), default=Addressee.OTHER)
    priority_code: Mapped[str | None] = mapped_column(ForeignKey("priority.code"), index=True)
    position: Mapped[int] = mapped_column(Integer, default=0)


class ImportState(enum.StrEnum):
    PREVIEWED = "previewed"
    APPLIED = "applied"


class PortfolioImport(db.Model):
    """An uploaded file of historical projects: previewed first, applied when confirmed."""

    __tablename__ = "portfolio_import"

    id: Mapped[int] = mapped_column(primary_key=True)
    filename: Mapped[str] = mapped_column(String(300))
    sha256: Mapped[str] = mapped_column(String(64))
    content: Mapped[bytes] = mapped_column(LargeBinary)
    state: Mapped[ImportState] = mapped_column(
        str_enum(ImportState, 20), default=ImportState.PREVIEWED
    )
    created_at: Mapped[datetime] = mapped_column(UTCDateTime(), default=clock.now)
    created_by_id: Mapped[int | None] = mapped_column(ForeignKey("user.id", ondelete="SET NULL"))
    applied_at: Mapped[datetime | None] = mapped_column(UTCDateTime())
    rows: Mapped[int] = mapped_column(Integer, default=0)
    created: Mapped[int] = mapped_column(Integer, default=0)
    updated: Mapped[int] = mapped_column(Integer, default=0)
    rejected: Mapped[int] = mapped_column(Integer, default=0)


class MappingKind(enum.StrEnum):
    """What a free-text phrase of an import file may be mapped onto."""

    FUND = "fund"
    PRIORITY = "priority"
    EXPLOITATION = "exploitation"
    TARGET_GROUP = "target_group"
    PROJECT_TYPE = "project_type"

    @property
    def label(self) -> str:
        return {
            "fund": "Fund or programme",
            "priority": "Priority",
            "exploitation": "Form of exploitation",
            "target_group": "Target group",
            "project_type": "Project type",
        }[self.value]


class ImportMapping(db.Model):
    """A phrase of import files (a programme name, a theme) and the code it means.

    Edited by programme managers on the import page and kept for every later import.
    """

    __tablename__ = "portfolio_mapping"
    __table_args__ = (UniqueConstraint("phrase", "kind"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    phrase: Mapped[str] = mapped_column(String(200))  # normalised: lower case, single spaces
    kind: Mapped[MappingKind] = mapped_column(str_enum(MappingKind, 20))
    code: Mapped[str] = mapped_column(String(40))
    updated_at: Mapped[datetime] = mapped_column(UTCDateTime(), default=clock.now)
    updated_by_id: Mapped[int | None] = mapped_column(ForeignKey("user.id", ondelete="SET NULL"))


class VictimFigure(db.Model):
    """Registered victims in a country and year, uploaded for the gaps section."""

    __tablename__ = "portfolio_victim_figure"
    __table_args__ = (
        UniqueConstraint("country", "year"),
        CheckConstraint("victims >= 0", name="victims_positive"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    country: Mapped[str] = mapped_column(String(2))
    year: Mapped[int] = mapped_column(Integer)
    victims: Mapped[int] = mapped_column(Integer)
    source: Mapped[str] = mapped_column(String(500))
    uploaded_at: Mapped[datetime] = mapped_column(UTCDateTime(), default=clock.now)
    uploaded_by_id: Mapped[int | None] = mapped_column(ForeignKey("user.id", ondelete="SET NULL"))
