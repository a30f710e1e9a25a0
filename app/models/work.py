"""Batches of items, their assignments in Label Studio and the annotations made (P4–P6, R7)."""

from __future__ import annotations

import enum
from datetime import datetime

from sqlalchemy import JSON, ForeignKey, Index, String, Text, UniqueConstraint
from sqlalchemy.orm import Mapped, mapped_column, relationship

from app.models.base import Base, utcnow


class BatchState(enum.StrEnum):
    """Where a batch stands."""

    IMPORTED = "imported"
    ANNOTATING = "annotating"
    VERIFYING = "verifying"
    ACCEPTED = "accepted"
    REJECTED = "rejected"
    VOID = "void"
    RELEASED = "released"


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


class AnnotatorQueue(Base):
    """The Label Studio view that shows one annotator exactly their tasks of a batch."""

    __tablename__ = "annotator_queues"
    __table_args__ = (UniqueConstraint("batch_id", "user_id"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    batch_id: Mapped[int] = mapped_column(ForeignKey("batches.id"))
    user_id: Mapped[int] = mapped_column(ForeignKey("users.id"))
    ls_view_id: Mapped[int]
    url: Mapped[str] = mapped_column(String(400))


class LabelStudioAccount(Base):
    """A workbench user's Label Studio user, matched by e-mail."""

    __tablename__ = "label_studio_accounts"

    id: Mapped[int] = mapped_column(primary_key=True)
    user_id: Mapped[int] = mapped_column(ForeignKey("users.id"), unique=True)
    ls_user_id: Mapped[int] = mapped_column(unique=True)
    email: Mapped[str] = mapped_column(String(254))
    linked_at: Mapped[datetime] = mapped_column(default=utcnow)


class Annotation(Base):
    """An annotation as Label Studio last reported it; quarantined ones count for nothing."""

    __tablename__ = "annotations"
    __table_args__ = (
        Index("ix_annotations_batch_user", "batch_id", "user_id"),
        Index("ix_annotations_item", "item_id"),
        Index("ix_annotations_quarantined", "quarantined"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    ls_annotation_id: Mapped[int] = mapped_column(unique=True)
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
    quarantine_reason: Mapped[str | None] = mapped_column(Text)


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
