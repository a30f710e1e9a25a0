"""Batches of items, their assignments in Label Studio and the annotations made (P4–P6, R7)."""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import JSON, ColumnElement, ForeignKey, Index, String, Text, UniqueConstraint
from sqlalchemy.ext.hybrid import hybrid_method
from sqlalchemy.orm import Mapped, mapped_column, relationship

from app.models.base import Base, utcnow
from workflow import BatchState, QualificationStatus
from workflow import in_force as qualification_in_force

# The Label Studio server a batch, practice project or account lives on (L2: security
# rule sets may have a server of their own; see app.services.label_studio).
DEFAULT_SERVER = "default"


class Batch(Base):
    """A set of items imported together and labeled under one rule version."""

    __tablename__ = "batches"
    __table_args__ = (Index("ix_batches_state", "state"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    name: Mapped[str] = mapped_column(String(160), unique=True)
    dataset_id: Mapped[int] = mapped_column(ForeignKey("datasets.id"))
    rule_version_id: Mapped[int] = mapped_column(ForeignKey("rule_versions.id"))
    kind: Mapped[str] = mapped_column(String(20))
    state: Mapped[str] = mapped_column(String(16), default=BatchState.IMPORTED)
    item_count: Mapped[int] = mapped_column(default=0)
    source_filename: Mapped[str | None] = mapped_column(String(300))
    source_sha256: Mapped[str | None] = mapped_column(String(64))
    created_by_id: Mapped[int | None] = mapped_column(ForeignKey("users.id"))
    created_at: Mapped[datetime] = mapped_column(default=utcnow)
    ls_project_id: Mapped[int | None]
    ls_webhook_id: Mapped[int | None]
    pushed_at: Mapped[datetime | None]
    last_synced_at: Mapped[datetime | None]
    strict_separation: Mapped[bool] = mapped_column(default=True)
    ls_server: Mapped[str] = mapped_column(
        String(20), default=DEFAULT_SERVER, server_default=DEFAULT_SERVER)

    items: Mapped[list[Item]] = relationship(back_populates="batch", order_by="Item.id")


class Item(Base):
    """One unit of data to label, bound to its batch (and so to a rule version)."""

    __tablename__ = "items"
    __table_args__ = (
        UniqueConstraint("batch_id", "external_id"),
        Index("ix_items_ls_task", "ls_task_id"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    batch_id: Mapped[int] = mapped_column(ForeignKey("batches.id"))
    dataset_id: Mapped[int] = mapped_column(ForeignKey("datasets.id"))
    external_id: Mapped[str] = mapped_column(String(200))
    source_line: Mapped[int]
    data: Mapped[dict] = mapped_column(JSON)
    overlap: Mapped[int] = mapped_column(default=1)
    ls_task_id: Mapped[int | None]
    created_at: Mapped[datetime] = mapped_column(default=utcnow)

    batch: Mapped[Batch] = relationship(back_populates="items")


class Assignment(Base):
    """Who was given which item in which role, under which rule version (P4, P5, R7)."""

    __tablename__ = "assignments"
    __table_args__ = (
        UniqueConstraint("item_id", "user_id", "role"),
        Index("ix_assignments_batch_user", "batch_id", "user_id"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    item_id: Mapped[int] = mapped_column(ForeignKey("items.id"))
    batch_id: Mapped[int] = mapped_column(ForeignKey("batches.id"))
    user_id: Mapped[int] = mapped_column(ForeignKey("users.id"))
    role: Mapped[str] = mapped_column(String(16))
    rule_version_id: Mapped[int] = mapped_column(ForeignKey("rule_versions.id"))
    created_at: Mapped[datetime] = mapped_column(default=utcnow)
    revoked_at: Mapped[datetime | None]


class LabelStudioAccount(Base):
    """A workbench user's account on one Label Studio server (no usable password there:
    people work through the door, which writes as them)."""

    __tablename__ = "label_studio_accounts"
    __table_args__ = (
        UniqueConstraint("user_id", "ls_server", name="uq_label_studio_accounts_user_server"),
        UniqueConstraint("ls_server", "ls_user_id", name="uq_label_studio_accounts_server_user"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    user_id: Mapped[int] = mapped_column(ForeignKey("users.id"))
    ls_user_id: Mapped[int]
    ls_server: Mapped[str] = mapped_column(
        String(20), default=DEFAULT_SERVER, server_default=DEFAULT_SERVER)
    email: Mapped[str] = mapped_column(String(254))
    linked_at: Mapped[datetime] = mapped_column(default=utcnow)
    deactivated_at: Mapped[datetime | None]


class Annotation(Base):
    """An annotation as Label Studio last reported it; quarantined ones count for nothing."""

    __tablename__ = "annotations"
    __table_args__ = (
        Index("ix_annotations_batch_user", "batch_id", "user_id"),
        Index("ix_annotations_item", "item_id"),
        Index("ix_annotations_quarantined", "quarantined"),
        UniqueConstraint("ls_server", "ls_annotation_id", name="uq_annotations_server_ls_id"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    ls_annotation_id: Mapped[int]
    ls_server: Mapped[str] = mapped_column(
        String(20), default=DEFAULT_SERVER, server_default=DEFAULT_SERVER)
    ls_task_id: Mapped[int]
    item_id: Mapped[int] = mapped_column(ForeignKey("items.id"))
    batch_id: Mapped[int] = mapped_column(ForeignKey("batches.id"))
    rule_version_id: Mapped[int] = mapped_column(ForeignKey("rule_versions.id"))
    user_id: Mapped[int | None] = mapped_column(ForeignKey("users.id"))
    ls_user_id: Mapped[int | None]
    result_raw: Mapped[list] = mapped_column(JSON)
    result: Mapped[dict | None] = mapped_column(JSON)
    lead_time: Mapped[float | None]
    was_cancelled: Mapped[bool] = mapped_column(default=False)
    ls_created_at: Mapped[datetime | None]
    ls_updated_at: Mapped[datetime | None]
    ingested_at: Mapped[datetime] = mapped_column(default=utcnow)
    source: Mapped[str] = mapped_column(String(12))
    deleted_at: Mapped[datetime | None]
    quarantined: Mapped[bool] = mapped_column(default=False)
    # A code of workflow.Quarantine (rendered where it is read) and its parameters.
    quarantine_reason: Mapped[str | None] = mapped_column(Text)
    quarantine_params: Mapped[dict | None] = mapped_column(JSON)


class Qualification(Base):
    """A user's qualification to annotate one rule set's major version (P2, P3)."""

    __tablename__ = "qualifications"
    __table_args__ = (Index("ix_qualifications_user_set", "user_id", "rule_set_id"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    user_id: Mapped[int] = mapped_column(ForeignKey("users.id"))
    rule_set_id: Mapped[int] = mapped_column(ForeignKey("rule_sets.id"))
    major_version: Mapped[int]
    status: Mapped[str] = mapped_column(String(12))
    source: Mapped[str] = mapped_column(String(12))
    granted_by_id: Mapped[int | None] = mapped_column(ForeignKey("users.id"))
    granted_at: Mapped[datetime] = mapped_column(default=utcnow)
    valid_until: Mapped[datetime]
    ended_at: Mapped[datetime | None]
    reason: Mapped[str | None] = mapped_column(Text)

    @hybrid_method
    def in_force(self, at: datetime) -> bool:
        """Tell whether the qualification was in force at `at` (workflow.qualifications)."""
        return qualification_in_force(status=self.status, granted_at=self.granted_at,
                                      valid_until=self.valid_until, ended_at=self.ended_at,
                                      at=at)

    @in_force.inplace.expression
    @classmethod
    def _in_force_expression(cls, at: datetime) -> ColumnElement[bool]:
        """The same test in SQL, for queries over many qualifications."""
        return (
            (cls.granted_at <= at)
            & (cls.valid_until > at)
            & (((cls.ended_at.is_(None)) & (cls.status == QualificationStatus.VALID))
               | (cls.ended_at > at))
        )
