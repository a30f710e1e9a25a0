"""The annotator's door: each person's state on each unit of work, and failed deliveries."""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import JSON, ForeignKey, Index, String, Text, UniqueConstraint
from sqlalchemy.orm import Mapped, mapped_column

from app.models.base import Base, utcnow


class DoorTask(Base):
    """One person's work on one unit through the door: when it was opened, the time spent,
    the draft kept, the Label Studio annotation made, a skip and its reason.

    A unit is named by `kind` ("annotate", "review" or "practice") and `unit_key`
    ("item:12", "review:7", "practice:3:q4"). `claim_until` serialises submissions: a
    second click, tab or request while one is under way is refused, not duplicated.
    """

    __tablename__ = "door_tasks"
    __table_args__ = (
        UniqueConstraint("kind", "unit_key", "user_id", name="uq_door_tasks_unit_user"),
        Index("ix_door_tasks_user_batch", "user_id", "batch_id"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    kind: Mapped[str] = mapped_column(String(12))
    unit_key: Mapped[str] = mapped_column(String(80))
    user_id: Mapped[int] = mapped_column(ForeignKey("users.id"))
    batch_id: Mapped[int | None] = mapped_column(ForeignKey("batches.id"))
    opened_at: Mapped[datetime | None]
    lead_seconds: Mapped[float] = mapped_column(default=0.0)
    draft: Mapped[list | None] = mapped_column(JSON)
    draft_at: Mapped[datetime | None]
    ls_server: Mapped[str] = mapped_column(String(20), default="default")
    ls_annotation_id: Mapped[int | None]
    submitted_at: Mapped[datetime | None]
    skip_reason: Mapped[str | None] = mapped_column(Text)
    claim_until: Mapped[datetime | None]
    created_at: Mapped[datetime] = mapped_column(default=utcnow)


class DeadLetter(Base):
    """A Label Studio delivery that could not be stored after several tries (QA leads see
    it with its error, retry or dismiss it; it never blocks the deliveries behind it)."""

    __tablename__ = "dead_letters"
    __table_args__ = (Index("ix_dead_letters_open", "resolved_at"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    kind: Mapped[str] = mapped_column(String(12))
    batch_id: Mapped[int | None] = mapped_column(ForeignKey("batches.id"))
    delivery: Mapped[dict] = mapped_column(JSON)
    error: Mapped[str] = mapped_column(Text)
    attempts: Mapped[int] = mapped_column(default=1)
    first_failed_at: Mapped[datetime] = mapped_column(default=utcnow)
    last_failed_at: Mapped[datetime] = mapped_column(default=utcnow)
    resolved_at: Mapped[datetime | None]
    resolution: Mapped[str | None] = mapped_column(String(12))
    resolved_by_id: Mapped[int | None] = mapped_column(ForeignKey("users.id"))
