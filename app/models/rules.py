"""Rule sets and their immutable published versions (R1–R7)."""

from __future__ import annotations

import enum
from datetime import datetime

from sqlalchemy import ForeignKey, Index, String, Text, UniqueConstraint
from sqlalchemy.orm import Mapped, mapped_column, relationship

from app.models.base import Base, utcnow


class VersionStatus(enum.StrEnum):
    """Lifecycle of a rule version: draft → approved → active → retired."""

    DRAFT = "draft"
    APPROVED = "approved"
    ACTIVE = "active"
    RETIRED = "retired"


class RuleSetRecord(Base):
    """A rule set as the workbench knows it (its versions hold the content)."""

    __tablename__ = "rule_sets"

    id: Mapped[int] = mapped_column(primary_key=True)
    key: Mapped[str] = mapped_column(String(120), unique=True)
    kind: Mapped[str] = mapped_column(String(20))
    language: Mapped[str] = mapped_column(String(10))
    title: Mapped[str] = mapped_column(String(300))
    created_at: Mapped[datetime] = mapped_column(default=utcnow)

    versions: Mapped[list[RuleVersion]] = relationship(
        back_populates="rule_set", order_by="RuleVersion.id"
    )


class RuleVersion(Base):
    """One published version: content and hash never change after publishing."""

    __tablename__ = "rule_versions"
    __table_args__ = (
        UniqueConstraint("rule_set_id", "version"),
        Index("ix_rule_versions_status", "rule_set_id", "status"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    rule_set_id: Mapped[int] = mapped_column(ForeignKey("rule_sets.id"))
    version: Mapped[str] = mapped_column(String(40))
    major: Mapped[int]
    minor: Mapped[int]
    patch: Mapped[int]
    content: Mapped[str] = mapped_column(Text)
    content_sha256: Mapped[str] = mapped_column(String(64))
    status: Mapped[str] = mapped_column(String(12), default=VersionStatus.DRAFT)
    change_level: Mapped[str | None] = mapped_column(String(8))
    author_id: Mapped[int | None] = mapped_column(ForeignKey("users.id"))
    author_name: Mapped[str] = mapped_column(String(160))
    published_at: Mapped[datetime] = mapped_column(default=utcnow)
    approved_by_id: Mapped[int | None] = mapped_column(ForeignKey("users.id"))
    approved_at: Mapped[datetime | None]
    activated_at: Mapped[datetime | None]
    retired_at: Mapped[datetime | None]
    label_config: Mapped[str] = mapped_column(Text)
    review_config: Mapped[str] = mapped_column(Text)
    instructions_html: Mapped[str] = mapped_column(Text)

    rule_set: Mapped[RuleSetRecord] = relationship(back_populates="versions")

    @property
    def label(self) -> str:
        """Return `set@version`, the name people use."""
        return f"{self.rule_set.key}@{self.version}"
