"""One batch as a QA lead follows it: plan, sampling progress, defects, decision, agreement,
disagreements and arbitration, corrections."""

from __future__ import annotations

from dataclasses import dataclass

from sqlalchemy import func, select
from sqlalchemy.orm import Session, aliased

from app.models import (
    AgreementReport,
    Arbitration,
    Batch,
    BatchDecision,
    Correction,
    Item,
    ReviewTask,
    User,
    VerificationPlan,
    VerificationRecord,
)


@dataclass(frozen=True)
class Progress:
    """Where the sampled review of a plan stands (same counting as the decision's tally)."""

    sample_size: int
    reviewed: int
    pending: int
    defects: int
    illegal: int


def latest_plan(session: Session, batch_id: int) -> VerificationPlan | None:
    """Return the batch's newest plan."""
    return session.scalar(
        select(VerificationPlan)
        .where(VerificationPlan.batch_id == batch_id)
        .order_by(VerificationPlan.round.desc())
        .limit(1)
    )


def latest_decision(session: Session, batch_id: int) -> BatchDecision | None:
    """Return the batch's newest decision."""
    return session.scalar(
        select(BatchDecision)
        .where(BatchDecision.batch_id == batch_id)
        .order_by(BatchDecision.id.desc())
        .limit(1)
    )


def progress(session: Session, plan: VerificationPlan) -> Progress:
    """Count the plan's sample tasks with a counted verdict, and the defects among them."""
    newest = (
        select(VerificationRecord.task_id, func.max(VerificationRecord.id).label("id"))
        .where(
            VerificationRecord.quarantined.is_(False),
            VerificationRecord.deleted_at.is_(None),
            VerificationRecord.correct.is_not(None),
            VerificationRecord.batch_id == plan.batch_id,
        )
        .group_by(VerificationRecord.task_id)
        .subquery()
    )
    record = aliased(VerificationRecord)
    tasks, reviewed, defects, illegal = session.execute(
        select(
            func.count(ReviewTask.id),
            func.count(record.id),
            func.count(record.id).filter(record.correct.is_(False)),
            func.count(record.id).filter(record.illegal_content.is_(True)),
        )
        .outerjoin(newest, newest.c.task_id == ReviewTask.id)
        .outerjoin(record, record.id == newest.c.id)
        .where(ReviewTask.plan_id == plan.id, ReviewTask.purpose == "sample")
    ).one()
    pending = tasks - reviewed + max(0, plan.sample_size - tasks)
    return Progress(plan.sample_size, reviewed, pending, defects, illegal)


def agreement_reports(session: Session, batch_id: int) -> list[AgreementReport]:
    """Return the batch's agreement per control."""
    return list(
        session.scalars(
            select(AgreementReport)
            .where(AgreementReport.batch_id == batch_id)
            .order_by(AgreementReport.control)
        )
    )


@dataclass(frozen=True)
class ArbitrationRow:
    """A disagreement and how it was settled."""

    id: int
    item: str
    control: str
    labels: list
    status: str
    outcome: str | None
    decision: object
    arbitrator: str | None
    decided_at: object


def arbitrations(session: Session, batch_id: int, *, limit: int = 200) -> list[ArbitrationRow]:
    """Return the batch's disagreements, open ones first."""
    rows = session.execute(
        select(Arbitration, Item.external_id, User.email)
        .join(Item, Item.id == Arbitration.item_id)
        .outerjoin(User, User.id == Arbitration.arbitrator_id)
        .where(Arbitration.batch_id == batch_id)
        .order_by(Arbitration.status.desc(), Arbitration.id)
        .limit(limit)
    ).all()
    return [
        ArbitrationRow(
            a.id,
            external,
            a.control,
            a.labels_considered,
            a.status,
            a.outcome,
            (a.decision or {}).get("value"),
            email,
            a.decided_at,
        )
        for a, external, email in rows
    ]


def correction_counts(session: Session, batch_id: int) -> dict[str, int]:
    """Return {status: corrections} of the batch."""
    return dict(
        session.execute(
            select(Correction.status, func.count(Correction.id))
            .where(Correction.batch_id == batch_id)
            .group_by(Correction.status)
        ).all()
    )


def batch(session: Session, batch_id: int) -> Batch | None:
    """Return the batch, or None."""
    return session.get(Batch, batch_id)
