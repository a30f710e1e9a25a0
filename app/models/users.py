"""People, their role grants and API tokens (P4, P9)."""

from __future__ import annotations

import enum
from datetime import datetime

from sqlalchemy import ForeignKey, Index, String, UniqueConstraint
from sqlalchemy.orm import Mapped, mapped_column, relationship

from app.models.base import Base, utcnow


class Role(enum.StrEnum):
    """The roles of B §7.2 plus the platform's own."""

    ADMIN = "admin"
    RULE_AUTHOR = "rule_author"
    QA_LEAD = "qa_lead"
    SUPERVISOR = "supervisor"
    REVIEWER = "reviewer"
    ARBITRATOR = "arbitrator"
    ANNOTATOR = "annotator"
    AUDITOR = "auditor"


class User(Base):
    """A person who signs in to the workbench."""

    __tablename__ = "users"

    id: Mapped[int] = mapped_column(primary_key=True)
    email: Mapped[str] = mapped_column(String(254), unique=True)
    display_name: Mapped[str] = mapped_column(String(120))
    password_hash: Mapped[str] = mapped_column(String(255))
    is_active_account: Mapped[bool] = mapped_column(default=True)
    locale: Mapped[str | None] = mapped_column(String(10))
    created_at: Mapped[datetime] = mapped_column(default=utcnow)
    deactivated_at: Mapped[datetime | None]
    # Bumped on deactivation and password change so that old sessions stop working.
    session_version: Mapped[int] = mapped_column(default=1)
    failed_login_count: Mapped[int] = mapped_column(default=0)
    failed_login_window_start: Mapped[datetime | None]

    grants: Mapped[list[RoleGrant]] = relationship(
        back_populates="user", foreign_keys="RoleGrant.user_id"
    )

    # Flask-Login protocol -------------------------------------------------
    @property
    def is_active(self) -> bool:
        return self.is_active_account

    @property
    def is_authenticated(self) -> bool:
        return True

    @property
    def is_anonymous(self) -> bool:
        return False

    def get_id(self) -> str:
        return f"{self.id}:{self.session_version}"

    def active_roles(self, rule_set: str | None = None) -> set[str]:
        """Return the roles in force, globally or for one rule set."""
        return {
            g.role
            for g in self.grants
            if g.revoked_at is None and (g.rule_set is None or g.rule_set == rule_set)
        }

    def has_role(self, *roles: str, rule_set: str | None = None) -> bool:
        """Tell whether the user holds any of `roles` (a scoped grant counts for its set)."""
        held = self.active_roles(rule_set)
        if rule_set is None:
            held |= {g.role for g in self.grants if g.revoked_at is None}
        return bool(held.intersection(roles))


class RoleGrant(Base):
    """A role held by a user, globally or for one rule set; revoked, never deleted."""

    __tablename__ = "role_grants"
    __table_args__ = (Index("ix_role_grants_user_role", "user_id", "role"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    user_id: Mapped[int] = mapped_column(ForeignKey("users.id"))
    role: Mapped[str] = mapped_column(String(32))
    rule_set: Mapped[str | None] = mapped_column(String(120))
    granted_by_id: Mapped[int | None] = mapped_column(ForeignKey("users.id"))
    granted_at: Mapped[datetime] = mapped_column(default=utcnow)
    revoked_at: Mapped[datetime | None]
    revoked_by_id: Mapped[int | None] = mapped_column(ForeignKey("users.id"))

    user: Mapped[User] = relationship(back_populates="grants", foreign_keys=[user_id])


class ApiToken(Base):
    """A token for automation; only its SHA-256 is stored, the token is shown once."""

    __tablename__ = "api_tokens"
    __table_args__ = (UniqueConstraint("token_hash"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    user_id: Mapped[int] = mapped_column(ForeignKey("users.id"))
    name: Mapped[str] = mapped_column(String(120))
    prefix: Mapped[str] = mapped_column(String(12))
    token_hash: Mapped[str] = mapped_column(String(64))
    created_at: Mapped[datetime] = mapped_column(default=utcnow)
    last_used_at: Mapped[datetime | None]
    revoked_at: Mapped[datetime | None]

    user: Mapped[User] = relationship()
