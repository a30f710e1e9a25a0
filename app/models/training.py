"""Exam and practice attempts, every answer kept (P2: the exam process is recorded)."""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import JSON, ForeignKey, Index, String
from sqlalchemy.orm import Mapped, mapped_column

from app.models.base import Base, utcnow


class ExamAttempt(Base):
    """One sitting of a module's exam: the paper (by seed), every answer, scores, times."""

    __tablename__ = "exam_attempts"
    __table_args__ = (Index("ix_exam_attempts_user_module", "user_id", "module"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    user_id: Mapped[int] = mapped_column(ForeignKey("users.id"))
    rule_set_id: Mapped[int] = mapped_column(ForeignKey("rule_sets.id"))
    major_version: Mapped[int]
    module: Mapped[str] = mapped_column(String(80))
    language: Mapped[str] = mapped_column(String(10))
    seed: Mapped[int]
    started_at: Mapped[datetime] = mapped_column(default=utcnow)
    submitted_at: Mapped[datetime | None]
    duration_seconds: Mapped[float | None]
    answers: Mapped[dict | None] = mapped_column(JSON)
    score: Mapped[float | None]
    topic_scores: Mapped[dict | None] = mapped_column(JSON)
    pass_mark: Mapped[float]
    passed: Mapped[bool | None]


class PracticeAttempt(Base):
    """A practice set done through the door, stored in Label Studio, scored against gold."""

    __tablename__ = "practice_attempts"
    __table_args__ = (Index("ix_practice_attempts_user", "user_id", "rule_version_id"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    user_id: Mapped[int] = mapped_column(ForeignKey("users.id"))
    rule_version_id: Mapped[int] = mapped_column(ForeignKey("rule_versions.id"))
    ls_project_id: Mapped[int | None]
    ls_server: Mapped[str] = mapped_column(String(20), default="default",
                                           server_default="default")
    started_at: Mapped[datetime] = mapped_column(default=utcnow)
    finished_at: Mapped[datetime | None]
    answers: Mapped[dict | None] = mapped_column(JSON)
    n: Mapped[int] = mapped_column(default=0)
    correct: Mapped[int] = mapped_column(default=0)
    accuracy: Mapped[float | None]
    ci_low: Mapped[float | None]
    ci_high: Mapped[float | None]
    target: Mapped[float]
    passed: Mapped[bool | None]
    state: Mapped[str] = mapped_column(String(12), default="open")
