"""The recorded evidence a compliance report shows, as plain JSON-ready values.

Everything here is read from what the workbench recorded while people worked: rule versions
with their hashes and approvals, exams and qualifications, verification plans, verdicts and
decisions, corrections, arbitration, agreement, supervision, quarantine and the audit chain.
Nothing is typed by hand. Each function returns dicts and lists so that the HTML page and
its JSON twin are built from the very same facts.
"""

from __future__ import annotations

from collections import Counter
from datetime import datetime

from sqlalchemy import and_, case, func, or_, select
from sqlalchemy.orm import Session

from app.models import (
    AgreementReport,
    Annotation,
    Arbitration,
    AuditEvent,
    Batch,
    Correction,
    Dataset,
    ExamAttempt,
    PracticeAttempt,
    Qualification,
    ReviewTask,
    RuleSetRecord,
    RuleVersion,
    SupervisionCheck,
    User,
    VerificationRecord,
)
from app.services.audit import verify_chain
from app.services.reports.scope import ReportScope
from app.services.verification import plans
from app.services.verification.units import counted


def iso(value: datetime | None) -> str | None:
    """Return a timestamp as ISO 8601 text (seconds), or None."""
    return value.isoformat(timespec="seconds") if value else None


def _emails(session: Session, ids) -> dict[int, str]:
    ids = {i for i in ids if i is not None}
    if not ids:
        return {}
    return dict(session.execute(select(User.id, User.email).where(User.id.in_(ids))).all())


def rule_versions(session: Session, scope: ReportScope, batches: list[Batch]) -> list[dict]:
    """Return the rule versions used by the batches or in force during the period."""
    used = RuleVersion.id.in_({b.rule_version_id for b in batches} or {-1})
    stmt = select(RuleVersion).join(RuleSetRecord)
    if scope.dataset is not None:
        stmt = stmt.where(used)
    else:
        in_force = [RuleVersion.activated_at.is_not(None)]
        if scope.until is not None:
            in_force.append(RuleVersion.activated_at < scope.until)
        if scope.since is not None:
            in_force.append(
                or_(RuleVersion.retired_at.is_(None), RuleVersion.retired_at >= scope.since)
            )
        stmt = stmt.where(or_(used, and_(*in_force)))
    rows = list(session.scalars(stmt.order_by(RuleSetRecord.key, RuleVersion.id)))
    people = _emails(session, [v.approved_by_id for v in rows])
    return [
        {
            "id": v.id,
            "label": v.label,
            "rule_set": v.rule_set.key,
            "title": v.rule_set.title,
            "kind": v.rule_set.kind,
            "language": v.rule_set.language,
            "version": v.version,
            "status": v.status,
            "sha256": v.content_sha256,
            "author": v.author_name,
            "published_at": iso(v.published_at),
            "approved_by": people.get(v.approved_by_id),
            "approved_at": iso(v.approved_at),
            "activated_at": iso(v.activated_at),
            "retired_at": iso(v.retired_at),
            "change_level": v.change_level,
            "batches": sorted(b.name for b in batches if b.rule_version_id == v.id),
        }
        for v in rows
    ]


def training(session: Session, scope: ReportScope, rule_set_ids: set[int]) -> dict:
    """Return exams (attempts, passes, pass rate per module), practice and qualifications."""
    exams = (
        select(
            ExamAttempt.module,
            RuleSetRecord.key,
            func.count(ExamAttempt.id),
            func.sum(case((ExamAttempt.passed.is_(True), 1), else_=0)),
            func.count(func.distinct(ExamAttempt.user_id)),
        )
        .join(RuleSetRecord, RuleSetRecord.id == ExamAttempt.rule_set_id)
        .where(ExamAttempt.submitted_at.is_not(None), *scope.within(ExamAttempt.submitted_at))
    )
    if scope.dataset is not None:
        exams = exams.where(ExamAttempt.rule_set_id.in_(rule_set_ids or {-1}))
    modules = [
        {
            "rule_set": key,
            "module": module,
            "attempts": n,
            "passed": int(passed or 0),
            "people": people,
            "pass_rate": (int(passed or 0) / n) if n else None,
        }
        for module, key, n, passed, people in session.execute(
            exams.group_by(ExamAttempt.module, RuleSetRecord.key).order_by(
                RuleSetRecord.key, ExamAttempt.module
            )
        )
    ]
    practice = select(
        func.count(PracticeAttempt.id),
        func.sum(case((PracticeAttempt.passed.is_(True), 1), else_=0)),
    ).where(PracticeAttempt.finished_at.is_not(None), *scope.within(PracticeAttempt.finished_at))
    n_practice, practice_passed = session.execute(practice).one()
    quals = select(
        RuleSetRecord.key, Qualification.status, Qualification.source, func.count(Qualification.id)
    ).join(RuleSetRecord, RuleSetRecord.id == Qualification.rule_set_id)
    if scope.dataset is not None:
        quals = quals.where(Qualification.rule_set_id.in_(rule_set_ids or {-1}))
    qualifications = [
        {"rule_set": key, "status": status, "source": source, "count": n}
        for key, status, source, n in session.execute(
            quals.group_by(RuleSetRecord.key, Qualification.status, Qualification.source).order_by(
                RuleSetRecord.key, Qualification.status
            )
        )
    ]
    return {
        "exams": modules,
        "practice": {"attempts": n_practice or 0, "passed": int(practice_passed or 0)},
        "qualifications": qualifications,
    }


def _plan(plan) -> dict | None:
    if plan is None:
        return None
    return {
        "round": plan.round,
        "kind": plan.kind,
        "lot_size": plan.lot_size,
        "sample_size": plan.sample_size,
        "code_letter": plan.code_letter,
        "accept": plan.accept_number,
        "reject": plan.reject_number,
        "aql": plan.aql,
        "ltpd": plan.ltpd,
        "producer_risk": plan.producer_risk,
        "consumer_risk": plan.consumer_risk,
        "inspection": plan.inspection,
        "seed": plan.seed,
        "reason": plan.reason,
        "created_by": plan.created_by,
        "created_at": iso(plan.created_at),
    }


def _decision(decision) -> dict | None:
    if decision is None:
        return None
    return {
        "decision": decision.decision,
        "reviewed": decision.reviewed,
        "defects": decision.defects,
        "accuracy": decision.accuracy,
        "ci_low": decision.ci_low,
        "ci_high": decision.ci_high,
        "confidence": decision.confidence,
        "ci_method": decision.ci_method,
        "reasons": decision.reasons,
        "decided_by": decision.decided_by,
        "decided_at": iso(decision.decided_at),
    }


def _counts(session: Session, column, *conditions) -> dict[str, int]:
    rows = session.execute(select(column, func.count()).where(*conditions).group_by(column))
    return {str(key): n for key, n in rows}


def _reviews(session: Session, batch: Batch) -> dict:
    tasks = _counts(session, ReviewTask.purpose, ReviewTask.batch_id == batch.id)
    done = _counts(
        session,
        ReviewTask.purpose,
        ReviewTask.batch_id == batch.id,
        ReviewTask.completed_at.is_not(None),
    )
    records = session.execute(
        select(
            func.count(VerificationRecord.id),
            func.count(func.distinct(VerificationRecord.verifier_id)),
        ).where(
            VerificationRecord.batch_id == batch.id,
            VerificationRecord.quarantined.is_(False),
            VerificationRecord.deleted_at.is_(None),
        )
    ).one()
    return {"tasks": tasks, "completed": done, "verdicts": records[0], "verifiers": records[1]}


def batch_evidence(session: Session, batch: Batch) -> dict:
    """Return one batch's verification story: plan, reviews, decision, follow-up."""
    version = session.get(RuleVersion, batch.rule_version_id)
    annotations = session.execute(
        counted(
            select(func.count(Annotation.id), func.count(func.distinct(Annotation.user_id))).where(
                Annotation.batch_id == batch.id
            )
        )
    ).one()
    agreement = session.scalars(
        select(AgreementReport)
        .where(AgreementReport.batch_id == batch.id)
        .order_by(AgreementReport.control, AgreementReport.id.desc())
    ).all()
    latest_agreement = {}
    for row in agreement:
        latest_agreement.setdefault(row.control, row)
    return {
        "id": batch.id,
        "name": batch.name,
        "dataset_id": batch.dataset_id,
        "kind": batch.kind,
        "state": batch.state,
        "items": batch.item_count,
        "rule_version": version.label,
        "rule_version_sha256": version.content_sha256,
        "created_at": iso(batch.created_at),
        "source_filename": batch.source_filename,
        "source_sha256": batch.source_sha256,
        "annotations": annotations[0],
        "annotators": annotations[1],
        "plan": _plan(plans.latest_plan(session, batch.id)),
        "decision": _decision(plans.latest_decision(session, batch.id)),
        "reviews": _reviews(session, batch),
        "corrections": _counts(session, Correction.status, Correction.batch_id == batch.id),
        "arbitrations": _counts(
            session,
            func.coalesce(Arbitration.outcome, Arbitration.status),
            Arbitration.batch_id == batch.id,
        ),
        "agreement": [
            {
                "control": r.control,
                "coefficient": r.coefficient,
                "estimate": r.estimate,
                "ci_low": r.ci_low,
                "ci_high": r.ci_high,
                "threshold": r.threshold,
                "items": r.items,
            }
            for r in latest_agreement.values()
        ],
        "supervision": _counts(
            session, SupervisionCheck.status, SupervisionCheck.batch_id == batch.id
        ),
        "quarantined_annotations": session.scalar(
            select(func.count(Annotation.id)).where(
                Annotation.batch_id == batch.id, Annotation.quarantined.is_(True)
            )
        )
        or 0,
        "quarantined_verdicts": session.scalar(
            select(func.count(VerificationRecord.id)).where(
                VerificationRecord.batch_id == batch.id, VerificationRecord.quarantined.is_(True)
            )
        )
        or 0,
    }


def quarantine(session: Session, batch_ids: list[int]) -> dict:
    """Return quarantined annotations and verdicts counted by reason."""
    ids = batch_ids or [-1]
    annotations = Counter(
        dict(
            session.execute(
                select(Annotation.quarantine_reason, func.count())
                .where(Annotation.batch_id.in_(ids), Annotation.quarantined.is_(True))
                .group_by(Annotation.quarantine_reason)
            ).all()
        )
    )
    verdicts = Counter(
        dict(
            session.execute(
                select(VerificationRecord.quarantine_reason, func.count())
                .where(
                    VerificationRecord.batch_id.in_(ids), VerificationRecord.quarantined.is_(True)
                )
                .group_by(VerificationRecord.quarantine_reason)
            ).all()
        )
    )
    return {
        "annotations": [{"reason": r or "", "count": n} for r, n in annotations.most_common()],
        "verdicts": [{"reason": r or "", "count": n} for r, n in verdicts.most_common()],
    }


def audit_chain(session: Session, scope: ReportScope) -> dict:
    """Check the whole audit chain and count the events of the period."""
    report = verify_chain(session)
    in_period = (
        session.scalar(
            select(func.count(AuditEvent.id)).where(*scope.within(AuditEvent.occurred_at))
        )
        or 0
    )
    first, last = session.execute(
        select(func.min(AuditEvent.occurred_at), func.max(AuditEvent.occurred_at))
    ).one()
    return {
        "ok": report.ok,
        "events": report.events,
        "head_hash": report.head_hash,
        "problem": report.problem,
        "event_id": report.event_id,
        "events_in_period": in_period,
        "first_event_at": iso(first),
        "last_event_at": iso(last),
    }


def dataset_names(session: Session) -> dict[int, str]:
    """Return every dataset's name by id."""
    return dict(session.execute(select(Dataset.id, Dataset.name)).all())
