"""Sampling verification of batches: plans, review tasks and verdicts, decisions, corrections,
agreement, arbitration, supervision and releases (V1–V7, P7, P8)."""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import JSON, BigInteger, ForeignKey, Index, String, Text, UniqueConstraint
from sqlalchemy.orm import Mapped, mapped_column

from app.models.base import Base, utcnow


class VerificationPlan(Base):
    """How one round of a batch's verification samples: plan, risks, seed and the sample."""

    __tablename__ = "verification_plans"
    __table_args__ = (UniqueConstraint("batch_id", "round"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    batch_id: Mapped[int] = mapped_column(ForeignKey("batches.id"))
    rule_version_id: Mapped[int] = mapped_column(ForeignKey("rule_versions.id"))
    round: Mapped[int] = mapped_column(default=1)
    kind: Mapped[str] = mapped_column(String(20))
    parameters: Mapped[dict] = mapped_column(JSON)
    lot_size: Mapped[int]
    code_letter: Mapped[str | None] = mapped_column(String(2))
    sample_size: Mapped[int]
    accept_number: Mapped[int | None]
    reject_number: Mapped[int | None]
    aql: Mapped[float | None]
    ltpd: Mapped[float | None]
    producer_risk: Mapped[float | None]
    consumer_risk: Mapped[float | None]
    inspection: Mapped[str | None] = mapped_column(String(16))
    seed: Mapped[int] = mapped_column(BigInteger)
    sample: Mapped[list] = mapped_column(JSON)
    strata: Mapped[dict] = mapped_column(JSON)
    reason: Mapped[str] = mapped_column(Text)
    created_by: Mapped[str] = mapped_column(String(160))
    created_at: Mapped[datetime] = mapped_column(default=utcnow)


class SwitchingState(Base):
    """ISO 2859-1 switching state carried across a rule set's successive batches."""

    __tablename__ = "switching_states"
    __table_args__ = (UniqueConstraint("rule_set_id", "aql"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    rule_set_id: Mapped[int] = mapped_column(ForeignKey("rule_sets.id"))
    aql: Mapped[float]
    level: Mapped[str] = mapped_column(String(4))
    state: Mapped[str] = mapped_column(String(16))
    switching_score: Mapped[int] = mapped_column(default=0)
    recent: Mapped[list] = mapped_column(JSON)
    tightened_run: Mapped[int] = mapped_column(default=0)
    tightened_rejects: Mapped[int] = mapped_column(default=0)
    lots: Mapped[int] = mapped_column(default=0)
    updated_at: Mapped[datetime] = mapped_column(default=utcnow)


class ReviewProject(Base):
    """The Label Studio project where a batch's verifiers judge annotations."""

    __tablename__ = "review_projects"

    id: Mapped[int] = mapped_column(primary_key=True)
    batch_id: Mapped[int] = mapped_column(ForeignKey("batches.id"), unique=True)
    ls_project_id: Mapped[int]
    ls_webhook_id: Mapped[int | None]
    pushed_at: Mapped[datetime | None]
    last_synced_at: Mapped[datetime | None]


class ReviewTask(Base):
    """One annotation given to one verifier to judge: a sample unit, a re-review or a second
    review for supervision."""

    __tablename__ = "review_tasks"
    __table_args__ = (
        Index("ix_review_tasks_batch_reviewer", "batch_id", "reviewer_id"),
        Index("ix_review_tasks_plan", "plan_id"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    batch_id: Mapped[int] = mapped_column(ForeignKey("batches.id"))
    plan_id: Mapped[int | None] = mapped_column(ForeignKey("verification_plans.id"))
    item_id: Mapped[int] = mapped_column(ForeignKey("items.id"))
    annotation_id: Mapped[int] = mapped_column(ForeignKey("annotations.id"))
    reviewer_id: Mapped[int] = mapped_column(ForeignKey("users.id"))
    rule_version_id: Mapped[int] = mapped_column(ForeignKey("rule_versions.id"))
    purpose: Mapped[str] = mapped_column(String(16))
    position: Mapped[int] = mapped_column(default=0)
    # No foreign key: corrections point at verification records, which point at tasks.
    correction_id: Mapped[int | None]
    check_id: Mapped[int | None] = mapped_column(ForeignKey("supervision_checks.id"))
    ls_task_id: Mapped[int | None]
    created_at: Mapped[datetime] = mapped_column(default=utcnow)
    completed_at: Mapped[datetime | None]


class VerificationRecord(Base):
    """A verdict as Label Studio reported it (V6): who, when, result, problems, action taken.

    Quarantined verdicts (from someone not assigned, or who annotated in the batch) are kept
    and count for nothing.
    """

    __tablename__ = "verification_records"
    __table_args__ = (
        Index("ix_verification_records_batch", "batch_id"),
        Index("ix_verification_records_task", "task_id"),
        UniqueConstraint("ls_server", "ls_annotation_id",
                         name="uq_verification_records_server_ls_id"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    ls_annotation_id: Mapped[int]
    ls_server: Mapped[str] = mapped_column(String(20), default="default",
                                           server_default="default")
    ls_task_id: Mapped[int]
    task_id: Mapped[int | None] = mapped_column(ForeignKey("review_tasks.id"))
    batch_id: Mapped[int] = mapped_column(ForeignKey("batches.id"))
    item_id: Mapped[int | None] = mapped_column(ForeignKey("items.id"))
    annotation_id: Mapped[int | None] = mapped_column(ForeignKey("annotations.id"))
    verifier_id: Mapped[int | None] = mapped_column(ForeignKey("users.id"))
    ls_user_id: Mapped[int | None]
    rule_version_id: Mapped[int] = mapped_column(ForeignKey("rule_versions.id"))
    result_raw: Mapped[list] = mapped_column(JSON)
    correct: Mapped[bool | None]
    defect_codes: Mapped[list] = mapped_column(JSON)
    illegal_content: Mapped[bool] = mapped_column(default=False)
    corrected: Mapped[dict | None] = mapped_column(JSON)
    action_taken: Mapped[str | None] = mapped_column(String(40))
    lead_time: Mapped[float | None]
    reviewed_at: Mapped[datetime | None]
    ls_updated_at: Mapped[datetime | None]
    ingested_at: Mapped[datetime] = mapped_column(default=utcnow)
    source: Mapped[str] = mapped_column(String(12))
    deleted_at: Mapped[datetime | None]
    quarantined: Mapped[bool] = mapped_column(default=False)
    # A code of workflow.Quarantine (rendered where it is read) and its parameters.
    quarantine_reason: Mapped[str | None] = mapped_column(Text)
    quarantine_params: Mapped[dict | None] = mapped_column(JSON)


class BatchDecision(Base):
    """Accept, reject or void, by the plan, with the accuracy estimate and its interval."""

    __tablename__ = "batch_decisions"
    __table_args__ = (Index("ix_batch_decisions_batch", "batch_id"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    batch_id: Mapped[int] = mapped_column(ForeignKey("batches.id"))
    plan_id: Mapped[int | None] = mapped_column(ForeignKey("verification_plans.id"))
    decision: Mapped[str] = mapped_column(String(12))
    reviewed: Mapped[int]
    defects: Mapped[int]
    accuracy: Mapped[float | None]
    ci_low: Mapped[float | None]
    ci_high: Mapped[float | None]
    confidence: Mapped[float]
    ci_method: Mapped[str] = mapped_column(String(20))
    reasons: Mapped[list] = mapped_column(JSON)
    inspection_next: Mapped[str | None] = mapped_column(String(16))
    decided_by: Mapped[str] = mapped_column(String(160))
    decided_at: Mapped[datetime] = mapped_column(default=utcnow)


class Correction(Base):
    """A flagged item re-annotated by another annotator, then re-reviewed and archived (V5)."""

    __tablename__ = "corrections"
    __table_args__ = (Index("ix_corrections_batch_status", "batch_id", "status"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    batch_id: Mapped[int] = mapped_column(ForeignKey("batches.id"))
    item_id: Mapped[int] = mapped_column(ForeignKey("items.id"))
    record_id: Mapped[int | None] = mapped_column(ForeignKey("verification_records.id"))
    original_annotation_id: Mapped[int] = mapped_column(ForeignKey("annotations.id"))
    original_annotator_id: Mapped[int | None] = mapped_column(ForeignKey("users.id"))
    original_content: Mapped[dict | None] = mapped_column(JSON)
    original_at: Mapped[datetime | None]
    corrector_id: Mapped[int] = mapped_column(ForeignKey("users.id"))
    correction_annotation_id: Mapped[int | None] = mapped_column(ForeignKey("annotations.id"))
    corrected_content: Mapped[dict | None] = mapped_column(JSON)
    corrected_at: Mapped[datetime | None]
    reason: Mapped[list] = mapped_column(JSON)
    status: Mapped[str] = mapped_column(String(16), default="assigned")
    re_review_record_id: Mapped[int | None] = mapped_column(ForeignKey("verification_records.id"))
    archived_at: Mapped[datetime | None]
    created_at: Mapped[datetime] = mapped_column(default=utcnow)


class AgreementReport(Base):
    """Agreement on a batch's overlapped items for one control, with its interval (P7)."""

    __tablename__ = "agreement_reports"
    __table_args__ = (Index("ix_agreement_reports_batch", "batch_id"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    batch_id: Mapped[int] = mapped_column(ForeignKey("batches.id"))
    control: Mapped[str] = mapped_column(String(40))
    coefficient: Mapped[str] = mapped_column(String(30))
    estimate: Mapped[float | None]
    ci_low: Mapped[float | None]
    ci_high: Mapped[float | None]
    observed_agreement: Mapped[float | None]
    threshold: Mapped[float]
    items: Mapped[int]
    per_label: Mapped[dict] = mapped_column(JSON)
    per_pair: Mapped[list] = mapped_column(JSON)
    computed_at: Mapped[datetime] = mapped_column(default=utcnow)


class Arbitration(Base):
    """A disagreement put to an arbitrator, and the decision recorded (P7)."""

    __tablename__ = "arbitrations"
    __table_args__ = (UniqueConstraint("item_id", "control"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    batch_id: Mapped[int] = mapped_column(ForeignKey("batches.id"))
    item_id: Mapped[int] = mapped_column(ForeignKey("items.id"))
    control: Mapped[str] = mapped_column(String(40))
    labels_considered: Mapped[list] = mapped_column(JSON)
    status: Mapped[str] = mapped_column(String(12), default="open")
    arbitrator_id: Mapped[int | None] = mapped_column(ForeignKey("users.id"))
    outcome: Mapped[str | None] = mapped_column(String(16))
    decision: Mapped[dict | None] = mapped_column(JSON)
    note: Mapped[str | None] = mapped_column(Text)
    created_at: Mapped[datetime] = mapped_column(default=utcnow)
    decided_at: Mapped[datetime | None]


class ConsensusLabel(Base):
    """The final label of an overlapped item's control, and how it was reached."""

    __tablename__ = "consensus_labels"
    __table_args__ = (UniqueConstraint("item_id", "control"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    batch_id: Mapped[int] = mapped_column(ForeignKey("batches.id"))
    item_id: Mapped[int] = mapped_column(ForeignKey("items.id"))
    control: Mapped[str] = mapped_column(String(40))
    label: Mapped[dict] = mapped_column(JSON)
    method: Mapped[str] = mapped_column(String(20))
    support: Mapped[float | None]
    created_at: Mapped[datetime] = mapped_column(default=utcnow)


class SupervisionCheck(Base):
    """A supervisor's spot-check of a reviewer's or arbitrator's work, risks and handling (P8)."""

    __tablename__ = "supervision_checks"

    id: Mapped[int] = mapped_column(primary_key=True)
    supervisor_id: Mapped[int] = mapped_column(ForeignKey("users.id"))
    batch_id: Mapped[int] = mapped_column(ForeignKey("batches.id"))
    role_checked: Mapped[str] = mapped_column(String(16))
    subject_id: Mapped[int | None] = mapped_column(ForeignKey("users.id"))
    seed: Mapped[int] = mapped_column(BigInteger)
    sample: Mapped[list] = mapped_column(JSON)
    findings: Mapped[dict] = mapped_column(JSON)
    risks: Mapped[str | None] = mapped_column(Text)
    handling: Mapped[str | None] = mapped_column(Text)
    status: Mapped[str] = mapped_column(String(12), default="open")
    created_at: Mapped[datetime] = mapped_column(default=utcnow)
    closed_at: Mapped[datetime | None]


class Release(Base):
    """An export of accepted, final labels with its manifest and their hashes."""

    __tablename__ = "releases"

    id: Mapped[int] = mapped_column(primary_key=True)
    batch_ids: Mapped[list] = mapped_column(JSON)
    manifest: Mapped[dict] = mapped_column(JSON)
    labels_sha256: Mapped[str] = mapped_column(String(64))
    manifest_sha256: Mapped[str] = mapped_column(String(64))
    out_dir: Mapped[str] = mapped_column(String(500))
    created_by: Mapped[str] = mapped_column(String(160))
    created_at: Mapped[datetime] = mapped_column(default=utcnow)
