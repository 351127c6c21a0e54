"""Reference data loaded from seed/ files; stable codes, never edited through the app."""

from __future__ import annotations

from sqlalchemy import Boolean, Column, ForeignKey, Integer, String, Table, Text, UniqueConstraint
from sqlalchemy.orm import Mapped, mapped_column, relationship

from grants.extensions import db


class Fund(db.Model):
    __tablename__ = "fund"

    id: Mapped[int] = mapped_column(primary_key=True)
    code: Mapped[str] = mapped_column(String(30), unique=True)
    name: Mapped[str] = mapped_column(String(200))
    period: Mapped[str] = mapped_column(String(20), default="")
    managing: Mapped[str] = mapped_column(String(20), default="")
    description: Mapped[str] = mapped_column(Text, default="")
    current: Mapped[bool] = mapped_column(Boolean, default=False)


class Strategy(db.Model):
    __tablename__ = "strategy"

    id: Mapped[int] = mapped_column(primary_key=True)
    code: Mapped[str] = mapped_column(String(20), unique=True)
    title: Mapped[str] = mapped_column(String(300))
    adopted: Mapped[str] = mapped_column(String(10), default="")


priority_link = Table(
    "priority_link",
    db.metadata,
    Column("source_id", ForeignKey("priority.id", ondelete="CASCADE"), primary_key=True),
    Column("target_id", ForeignKey("priority.id", ondelete="CASCADE"), primary_key=True),
)


class Priority(db.Model):
    """An area, key action or cross-cutting dimension (2021) or a priority/action (2012).

    Links: a 2012 priority or action maps onto 2021 codes; a 2021 dimension points to the
    areas where the strategy addresses it.
    """

    __tablename__ = "priority"

    id: Mapped[int] = mapped_column(primary_key=True)
    code: Mapped[str] = mapped_column(String(30), unique=True)
    strategy_id: Mapped[int] = mapped_column(ForeignKey("strategy.id"), index=True)
    kind: Mapped[str] = mapped_column(String(20))
    parent_code: Mapped[str] = mapped_column(String(30), default="")
    title: Mapped[str] = mapped_column(String(300))
    section: Mapped[str] = mapped_column(String(20), default="")
    description: Mapped[str] = mapped_column(Text, default="")
    actor: Mapped[str] = mapped_column(String(30), default="")
    position: Mapped[int] = mapped_column(Integer, default=0)

    strategy: Mapped[Strategy] = relationship(lazy="joined")
    links: Mapped[list[Priority]] = relationship(
        secondary=priority_link,
        primaryjoin=lambda: Priority.id == priority_link.c.source_id,
        secondaryjoin=lambda: Priority.id == priority_link.c.target_id,
        order_by=lambda: Priority.position,
    )


class ExploitationForm(db.Model):
    __tablename__ = "exploitation_form"

    id: Mapped[int] = mapped_column(primary_key=True)
    code: Mapped[str] = mapped_column(String(40), unique=True)
    title: Mapped[str] = mapped_column(String(200))
    description: Mapped[str] = mapped_column(Text, default="")
    position: Mapped[int] = mapped_column(Integer, default=0)


class TargetGroup(db.Model):
    __tablename__ = "target_group"

    id: Mapped[int] = mapped_column(primary_key=True)
    code: Mapped[str] = mapped_column(String(40), unique=True)
    title: Mapped[str] = mapped_column(String(200))
    description: Mapped[str] = mapped_column(Text, default="")
    kind: Mapped[str] = mapped_column(String(20), default="other")
    position: Mapped[int] = mapped_column(Integer, default=0)


region_country = Table(
    "region_country",
    db.metadata,
    Column("region_id", ForeignKey("region.id", ondelete="CASCADE"), primary_key=True),
    Column("country_code", ForeignKey("country.code", ondelete="CASCADE"), primary_key=True),
)


class Country(db.Model):
    __tablename__ = "country"

    code: Mapped[str] = mapped_column(String(2), primary_key=True)
    name: Mapped[str] = mapped_column(String(120))
    eu_member: Mapped[bool] = mapped_column(Boolean, default=False)

    regions: Mapped[list[Region]] = relationship(
        secondary=region_country, back_populates="countries", order_by=lambda: Region.position
    )


class Region(db.Model):
    __tablename__ = "region"

    id: Mapped[int] = mapped_column(primary_key=True)
    code: Mapped[str] = mapped_column(String(60), unique=True)
    title: Mapped[str] = mapped_column(String(200))
    description: Mapped[str] = mapped_column(Text, default="")
    position: Mapped[int] = mapped_column(Integer, default=0)

    countries: Mapped[list[Country]] = relationship(
        secondary=region_country, back_populates="regions", order_by=lambda: Country.name
    )


class ProjectType(db.Model):
    """A type of project on the review map (victim assistance and shelters, training, ...)."""

    __tablename__ = "project_type"

    id: Mapped[int] = mapped_column(primary_key=True)
    code: Mapped[str] = mapped_column(String(40), unique=True)
    title: Mapped[str] = mapped_column(String(200))
    description: Mapped[str] = mapped_column(Text, default="")
    position: Mapped[int] = mapped_column(Integer, default=0)


indicator_definition_breakdown = Table(
    "indicator_definition_breakdown",
    db.metadata,
    Column(
        "definition_id",
        ForeignKey("indicator_definition.id", ondelete="CASCADE"),
        primary_key=True,
    ),
    Column(
        "breakdown_id", ForeignKey("indicator_breakdown.id", ondelete="CASCADE"), primary_key=True
    ),
)


class IndicatorBreakdown(db.Model):
    """A way to split an indicator's value: by sex and age, by form of exploitation, ..."""

    __tablename__ = "indicator_breakdown"

    id: Mapped[int] = mapped_column(primary_key=True)
    code: Mapped[str] = mapped_column(String(40), unique=True)
    title: Mapped[str] = mapped_column(String(200))
    description: Mapped[str] = mapped_column(Text, default="")
    position: Mapped[int] = mapped_column(Integer, default=0)

    categories: Mapped[list[IndicatorCategory]] = relationship(
        back_populates="breakdown",
        cascade="all, delete-orphan",
        order_by=lambda: IndicatorCategory.position,
        lazy="selectin",
    )


class IndicatorCategory(db.Model):
    __tablename__ = "indicator_category"
    __table_args__ = (UniqueConstraint("breakdown_id", "code"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    breakdown_id: Mapped[int] = mapped_column(
        ForeignKey("indicator_breakdown.id", ondelete="CASCADE"), index=True
    )
    code: Mapped[str] = mapped_column(String(40))
    title: Mapped[str] = mapped_column(String(200))
    position: Mapped[int] = mapped_column(Integer, default=0)

    breakdown: Mapped[IndicatorBreakdown] = relationship(back_populates="categories")


class IndicatorDefinition(db.Model):
    """One of the programme's indicators (victims assisted, professionals trained, ...)."""

    __tablename__ = "indicator_definition"

    id: Mapped[int] = mapped_column(primary_key=True)
    code: Mapped[str] = mapped_column(String(40), unique=True)
    label: Mapped[str] = mapped_column(String(200))
    unit: Mapped[str] = mapped_column(String(40), default="")
    free_unit: Mapped[bool] = mapped_column(Boolean, default=False)
    description: Mapped[str] = mapped_column(Text, default="")
    position: Mapped[int] = mapped_column(Integer, default=0)

    breakdowns: Mapped[list[IndicatorBreakdown]] = relationship(
        secondary=indicator_definition_breakdown,
        order_by=lambda: IndicatorBreakdown.position,
        lazy="selectin",
    )
