"""Supervisors' spot-checks of reviewers' and arbitrators' work (P8).

A check draws, with a stored seed, some of a batch's counted verdicts (or decided
arbitrations). A sampled verdict gets a second review by another independent verifier, and
the reviewer is measured by how often the two agree; a sampled arbitration is judged by the
supervisor, upheld or not. The supervisor then records the risks found and their handling.
"""

from __future__ import annotations

import random
import secrets

from flask_babel import gettext as _
from sqlalchemy import select
from sqlalchemy.orm import Session

from app.models import (
    Arbitration,
    Batch,
    ReviewTask,
    SupervisionCheck,
    User,
    VerificationRecord,
    utcnow,
)
from app.services import audit
from app.services.errors import Conflict, Forbidden, ServiceError
from app.services.verification.reviews import VerifierDraw, new_task

ROLES = ("reviewer", "arbitrator")


def _check_supervisor(user: User) -> None:
    if not user.has_role("supervisor"):
        raise Forbidden(_("Only a supervisor may spot-check reviewers and arbitrators."))


def draw(
    session: Session,
    batch: Batch,
    supervisor: User,
    *,
    role: str,
    subject: User | None = None,
    size: int = 5,
    seed: int | None = None,
) -> SupervisionCheck:
    """Draw a spot-check of a role's work in a batch (one person's, or everyone's)."""
    _check_supervisor(supervisor)
    if role not in ROLES:
        raise ServiceError(_("A spot-check looks at reviewers' or arbitrators' work."))
    if size < 1:
        raise ServiceError(_("A spot-check needs at least one item."))
    seed = secrets.randbits(48) if seed is None else seed
    pool = work_done(session, batch, role, subject)
    if not pool:
        raise Conflict(
            _(
                "There is no finished work of that kind in batch %(batch)s to check.",
                batch=batch.name,
            )
        )
    sample = sorted(random.Random(seed).sample(pool, min(size, len(pool))))
    check = SupervisionCheck(
        supervisor_id=supervisor.id,
        batch_id=batch.id,
        role_checked=role,
        subject_id=subject.id if subject else None,
        seed=seed,
        sample=sample,
        findings={},
    )
    session.add(check)
    session.flush()
    if role == "reviewer":
        _second_reviews(session, batch, check)
    audit.record(
        session,
        "supervision.draw",
        "supervision_check",
        check.id,
        after={
            "batch": batch.id,
            "role": role,
            "subject": check.subject_id,
            "sample": sample,
            "seed": seed,
        },
    )
    return check


def work_done(session: Session, batch: Batch, role: str, subject: User | None) -> list[int]:
    """Return the ids of a role's finished work in the batch (counted verdicts or decisions)."""
    if role == "reviewer":
        stmt = (
            select(VerificationRecord.id)
            .join(ReviewTask, ReviewTask.id == VerificationRecord.task_id)
            .where(
                VerificationRecord.batch_id == batch.id,
                VerificationRecord.quarantined.is_(False),
                VerificationRecord.deleted_at.is_(None),
                VerificationRecord.correct.is_not(None),
                ReviewTask.purpose != "second_review",
            )
        )
        if subject is not None:
            stmt = stmt.where(VerificationRecord.verifier_id == subject.id)
    else:
        stmt = select(Arbitration.id).where(
            Arbitration.batch_id == batch.id, Arbitration.status == "decided"
        )
        if subject is not None:
            stmt = stmt.where(Arbitration.arbitrator_id == subject.id)
    return sorted(session.scalars(stmt))


def _second_reviews(session: Session, batch: Batch, check: SupervisionCheck) -> None:
    for record_id in check.sample:
        record = session.get(VerificationRecord, record_id)
        draw_ = VerifierDraw(session, batch, f"{check.seed}:second:{record_id}")
        uid = draw_.pick(barred={record.verifier_id})
        new_task(
            session,
            batch,
            item_id=record.item_id,
            annotation_id=record.annotation_id,
            reviewer_id=uid,
            purpose="second_review",
            check_id=check.id,
        )
    session.flush()


def judge_arbitration(
    session: Session,
    check: SupervisionCheck,
    supervisor: User,
    arbitration_id: int,
    *,
    upheld: bool,
    note: str = "",
) -> None:
    """Record whether the supervisor upholds one sampled arbitration."""
    _check_supervisor(supervisor)
    if check.role_checked != "arbitrator" or arbitration_id not in check.sample:
        raise Conflict(_("That arbitration is not part of this spot-check."))
    if check.status != "open":
        raise Conflict(_("This spot-check is closed."))
    findings = dict(check.findings)
    findings[str(arbitration_id)] = {"agree": bool(upheld), "note": note.strip()[:1000]}
    check.findings = findings
    audit.record(
        session,
        "supervision.judge",
        "supervision_check",
        check.id,
        after={"arbitration": arbitration_id, "upheld": bool(upheld)},
    )


def summary(check: SupervisionCheck) -> dict:
    """Return how many sampled pieces of work were judged and how many held up."""
    judged = [f for f in check.findings.values() if "agree" in f]
    agreed = sum(1 for f in judged if f["agree"])
    return {
        "sampled": len(check.sample),
        "judged": len(judged),
        "agreed": agreed,
        "agreement": agreed / len(judged) if judged else None,
    }


def close(
    session: Session, check: SupervisionCheck, supervisor: User, *, risks: str, handling: str
) -> SupervisionCheck:
    """Record the risks found and how they were handled, and close the check."""
    _check_supervisor(supervisor)
    if check.status != "open":
        raise Conflict(_("This spot-check is closed."))
    if not risks.strip() or not handling.strip():
        raise ServiceError(_("Say which risks were found (or “none”) and how they were handled."))
    facts = summary(check)
    if facts["judged"] < facts["sampled"]:
        raise Conflict(
            _(
                "%(n)d of the sampled pieces of work are not judged yet.",
                n=facts["sampled"] - facts["judged"],
            )
        )
    check.risks, check.handling = risks.strip()[:5000], handling.strip()[:5000]
    check.status, check.closed_at = "closed", utcnow()
    audit.record(
        session,
        "supervision.close",
        "supervision_check",
        check.id,
        after={**facts, "risks": check.risks, "handling": check.handling},
    )
    return check
