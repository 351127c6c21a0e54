"""Users, their roles, organisations and the records that protect logins."""

from __future__ import annotations

import enum
import secrets
from collections.abc import Mapping
from datetime import datetime
from types import MappingProxyType

from flask_login import UserMixin
from sqlalchemy import (
    JSON,
    Boolean,
    CheckConstraint,
    Column,
    ForeignKey,
    Integer,
    String,
    Table,
    UniqueConstraint,
)
from sqlalchemy.orm import Mapped, mapped_column, relationship
from werkzeug.security import check_password_hash, generate_password_hash

from grants import clock
from grants.extensions import db
from grants.types import UTCDateTime, str_enum


class RoleName(enum.StrEnum):
    APPLICANT = "applicant"
    EVALUATOR = "evaluator"
    PROGRAMME_MANAGER = "programme_manager"
    ADMIN = "admin"

    @property
    def label(self) -> str:
        return self.value.replace("_", " ").capitalize()


class OrganisationType(enum.StrEnum):
    NGO = "ngo"
    PUBLIC_AUTHORITY = "public_authority"
    LAW_ENFORCEMENT = "law_enforcement"
    JUDICIAL_AUTHORITY = "judicial_authority"
    LOCAL_REGIONAL_AUTHORITY = "local_regional_authority"
    INTERNATIONAL_ORGANISATION = "international_organisation"
    RESEARCH = "research"
    PRIVATE_COMPANY = "private_company"
    OTHER = "other"

    @property
    def label(self) -> str:
        return ORGANISATION_TYPE_LABELS[self]


ORGANISATION_TYPE_LABELS = {
    OrganisationType.NGO: "NGO / civil society",
    OrganisationType.PUBLIC_AUTHORITY: "Public authority",
    OrganisationType.LAW_ENFORCEMENT: "Law enforcement",
    OrganisationType.JUDICIAL_AUTHORITY: "Judicial authority",
    OrganisationType.LOCAL_REGIONAL_AUTHORITY: "Local or regional authority",
    OrganisationType.INTERNATIONAL_ORGANISATION: "International organisation",
    OrganisationType.RESEARCH: "Research / university",
    OrganisationType.PRIVATE_COMPANY: "Private company",
    OrganisationType.OTHER: "Other",
}

user_roles = Table(
    "user_role",
    db.metadata,
    Column("user_id", ForeignKey("user.id", ondelete="CASCADE"), primary_key=True),
    Column("role_id", ForeignKey("role.id", ondelete="CASCADE"), primary_key=True, index=True),
)


class Role(db.Model):
    __tablename__ = "role"

    id: Mapped[int] = mapped_column(primary_key=True)
    name: Mapped[str] = mapped_column(String(40), unique=True)

    @property
    def label(self) -> str:
        return RoleName(self.name).label


class User(UserMixin, db.Model):
    __tablename__ = "user"

    id: Mapped[int] = mapped_column(primary_key=True)
    email: Mapped[str] = mapped_column(String(254), unique=True)
    full_name: Mapped[str] = mapped_column(String(200))
    password_hash: Mapped[str] = mapped_column(String(255))
    # Changing the nonce logs the user out everywhere (used on password reset).
    session_nonce: Mapped[str] = mapped_column(String(32), default=lambda: secrets.token_hex(8))
    timezone: Mapped[str] = mapped_column(String(64), default="Europe/Brussels")
    is_active_account: Mapped[bool] = mapped_column(Boolean, default=True)
    confirmed_at: Mapped[datetime | None] = mapped_column(UTCDateTime())
    created_at: Mapped[datetime] = mapped_column(UTCDateTime(), default=clock.now)
    last_login_at: Mapped[datetime | None] = mapped_column(UTCDateTime())

    roles: Mapped[list[Role]] = relationship(secondary=user_roles, lazy="selectin")
    memberships: Mapped[list[Membership]] = relationship(
        back_populates="user", cascade="all, delete-orphan", lazy="selectin"
    )

    def set_password(self, password: str) -> None:
        self.password_hash = generate_password_hash(password, method="scrypt")

    def check_password(self, password: str) -> bool:
        return check_password_hash(self.password_hash, password)

    # The key of the server-side session this object was loaded for (grants.accounts.sessions).
    session_key: str = ""
    # What was read with that session, name -> value (grants.accounts.sessions.read_along):
    # as of the start of the request.
    read_along: Mapping[str, object] = MappingProxyType({})

    def get_id(self) -> str:
        return f"{self.id}:{self.session_key}"

    @property
    def is_active(self) -> bool:
        return self.is_active_account

    @property
    def is_confirmed(self) -> bool:
        return self.confirmed_at is not None

    @property
    def role_names(self) -> set[str]:
        return {role.name for role in self.roles}

    def has_role(self, *names: str) -> bool:
        return bool(self.role_names & {str(n) for n in names})

    @property
    def organisations(self) -> list[Organisation]:
        return [m.organisation for m in self.memberships]

    def __repr__(self) -> str:
        return f"<User {self.email}>"


class Organisation(db.Model):
    __tablename__ = "organisation"
    __table_args__ = (UniqueConstraint("country", "registration_number"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    name: Mapped[str] = mapped_column(String(300))
    type: Mapped[OrganisationType] = mapped_column(str_enum(OrganisationType, 40))
    country: Mapped[str] = mapped_column(String(2))
    registration_number: Mapped[str] = mapped_column(String(100))
    city: Mapped[str] = mapped_column(String(120), default="")
    website: Mapped[str] = mapped_column(String(300), default="")
    created_at: Mapped[datetime] = mapped_column(UTCDateTime(), default=clock.now)

    memberships: Mapped[list[Membership]] = relationship(
        back_populates="organisation", cascade="all, delete-orphan"
    )

    @property
    def members(self) -> list[User]:
        return [m.user for m in self.memberships]


class Membership(db.Model):
    """An applicant's link to an organisation; `is_contact` marks the legal contact."""

    __tablename__ = "membership"
    __table_args__ = (UniqueConstraint("user_id", "organisation_id"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    user_id: Mapped[int] = mapped_column(ForeignKey("user.id", ondelete="CASCADE"), index=True)
    organisation_id: Mapped[int] = mapped_column(
        ForeignKey("organisation.id", ondelete="CASCADE"), index=True
    )
    is_contact: Mapped[bool] = mapped_column(Boolean, default=False)
    created_at: Mapped[datetime] = mapped_column(UTCDateTime(), default=clock.now)

    user: Mapped[User] = relationship(back_populates="memberships")
    organisation: Mapped[Organisation] = relationship(back_populates="memberships", lazy="joined")


class LoginAttempt(db.Model):
    """Every login attempt, for throttling after repeated failures."""

    __tablename__ = "login_attempt"

    id: Mapped[int] = mapped_column(primary_key=True)
    email: Mapped[str] = mapped_column(String(254), index=True)
    ip: Mapped[str] = mapped_column(String(64), default="")
    succeeded: Mapped[bool] = mapped_column(Boolean)
    at: Mapped[datetime] = mapped_column(UTCDateTime(), default=clock.now, index=True)


class PasswordResetToken(db.Model):
    """A single-use, expiring reset token; only its SHA-256 is stored."""

    __tablename__ = "password_reset_token"
    __table_args__ = (CheckConstraint("expires_at > created_at", name="expires_after_creation"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    user_id: Mapped[int] = mapped_column(ForeignKey("user.id", ondelete="CASCADE"), index=True)
    token_hash: Mapped[str] = mapped_column(String(64), unique=True)
    created_at: Mapped[datetime] = mapped_column(UTCDateTime(), default=clock.now)
    expires_at: Mapped[datetime] = mapped_column(UTCDateTime())
    used_at: Mapped[datetime | None] = mapped_column(UTCDateTime())

    user: Mapped[User] = relationship()


class UserSession(db.Model):
    """One login on one device, held on the server: the session and the remember cookie carry
    only its key, so ending the row (logout, password change, "log out everywhere") ends them.
    Only the key's SHA-256 is stored."""

    __tablename__ = "user_session"

    id: Mapped[int] = mapped_column(primary_key=True)
    user_id: Mapped[int] = mapped_column(ForeignKey("user.id", ondelete="CASCADE"), index=True)
    key_hash: Mapped[str] = mapped_column(String(64), unique=True)
    remember: Mapped[bool] = mapped_column(Boolean, default=False)
    created_at: Mapped[datetime] = mapped_column(UTCDateTime(), default=clock.now)
    expires_at: Mapped[datetime] = mapped_column(UTCDateTime())
    ended_at: Mapped[datetime | None] = mapped_column(UTCDateTime())

    user: Mapped[User] = relationship()


class SecondFactor(db.Model):
    """A user's confirmed TOTP secret and the hashes of the unused recovery codes."""

    __tablename__ = "second_factor"

    user_id: Mapped[int] = mapped_column(
        ForeignKey("user.id", ondelete="CASCADE"), primary_key=True
    )
    secret: Mapped[str] = mapped_column(String(64))
    recovery_hashes: Mapped[list] = mapped_column(JSON, default=list)
    # The last 30-second step accepted: a code seen once cannot log in twice.
    last_step: Mapped[int] = mapped_column(Integer, default=0)
    confirmed_at: Mapped[datetime] = mapped_column(UTCDateTime(), default=clock.now)
