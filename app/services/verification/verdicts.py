"""Verifiers' verdicts in the record store, and what a counted verdict sets off (V1, V3, V5,
V6, P8).

Verdicts are stored like annotations (`app.services.records`), with their own rules: the
unit is the review task, the author must be the task's assigned verifier, independent of
the batch (V3) and qualified. A counted verdict takes its action at once: illegal or
harmful content voids a functional batch (V1); a re-review archives or rejects a correction
(V5); a second review feeds a supervisor's check (P8).
"""

from __future__ import annotations

from sqlalchemy import select
from sqlalchemy.orm import Session

from app.integrations.label_studio_gateway import (
    LabelStudioError,
    LabelStudioGateway,
    LSAnnotation,
)
from app.models import (
    Batch,
    Correction,
    ReviewProject,
    ReviewTask,
    SupervisionCheck,
    User,
    VerificationRecord,
    utcnow,
)
from app.services import audit, records
from app.services.errors import ServiceError
from app.services.records import Context, IngestReport, RecordKind, author_active, jsonable
from app.services.verification import decisions
from app.services.verification.reviews import (
    TASK_PREFIX,
    review_webhook_secret,
    review_webhook_url,
)
from app.services.verification.units import annotator_ids
from labeling_rules import ResultError, parse_review_result
from workflow import Authorship
from workflow.batches import VERDICT_STATES


class VerdictKind(RecordKind):
    """Verdicts on a batch's review tasks, in the batch's review project."""

    name = "verdict"
    model = VerificationRecord
    audit_type = "verification"
    acts = True

    def start(self, context: Context) -> None:
        # A batch's review tasks are a sample of it: few enough to read whole, once.
        session, batch = context.session, context.batch
        context.tasks = {t.id: t for t in session.scalars(
            select(ReviewTask).where(ReviewTask.batch_id == batch.id))}
        context.tasks_by_ls = {t.ls_task_id: t for t in context.tasks.values()
                               if t.ls_task_id is not None}
        context.annotators = None

    def project_id(self, session: Session, batch: Batch) -> int | None:
        return session.scalar(select(ReviewProject.ls_project_id).where(
            ReviewProject.batch_id == batch.id))

    def unit(self, context: Context, ann: LSAnnotation) -> ReviewTask | None:
        key = ann.item_id or ""
        if key.startswith(TASK_PREFIX) and key[len(TASK_PREFIX):].isdigit():
            task = context.tasks.get(int(key[len(TASK_PREFIX):]))
            if task is not None and task.ls_task_id in (None, ann.task_id):
                return task
        return context.tasks_by_ls.get(ann.task_id)

    def authorship(self, context: Context, unit: ReviewTask, user: User | None,
                   ann: LSAnnotation) -> Authorship:
        if user is None:
            return Authorship(known=False)
        if context.annotators is None:
            context.annotators = annotator_ids(context.session, context.batch.id)
        return Authorship(
            known=True,
            active=author_active(user, ann.created_at),
            assigned=user.id == unit.reviewer_id,
            worked_on_batch=user.id in context.annotators,
            qualified=context.qualified(user.id, ann.created_at),
        )

    def interpret(self, context: Context, ann: LSAnnotation):
        if ann.was_cancelled:
            return None, None
        try:
            return parse_review_result(context.rules, ann.result), None
        except ResultError as err:
            return None, str(err)

    def fill(self, row: VerificationRecord, unit: ReviewTask, user: User | None,
             ann: LSAnnotation, verdict, source: str) -> None:
        row.ls_task_id, row.task_id = ann.task_id, unit.id
        row.item_id, row.annotation_id = unit.item_id, unit.annotation_id
        row.verifier_id, row.ls_user_id = (user.id if user else None), ann.completed_by_id
        row.result_raw = ann.result
        row.correct = None if verdict is None else verdict.correct
        row.defect_codes = list(verdict.defect_codes) if verdict else []
        row.illegal_content = bool(verdict and verdict.illegal_content)
        row.corrected = jsonable(verdict.corrected) if verdict and verdict.corrected else None
        row.lead_time, row.reviewed_at = ann.lead_time, ann.created_at
        row.ls_updated_at = ann.updated_at
        row.source, row.ingested_at = source, utcnow()

    def counted(self, session: Session, context: Context, unit: ReviewTask,
                row: VerificationRecord) -> None:
        row.action_taken = _act(session, context.batch, unit, row)

    def audit_before(self, row: VerificationRecord) -> dict:
        return {"correct": row.correct, "quarantined": row.quarantined}

    def audit_entry(self, row: VerificationRecord, unit: ReviewTask, user: User | None,
                    context: Context) -> dict:
        return {"ls_id": row.ls_annotation_id, "task": unit.id, "item": unit.item_id,
                "verifier": user.email if user else None, "correct": row.correct,
                "defects": row.defect_codes, "illegal": row.illegal_content,
                "action": row.action_taken, "quarantined": row.quarantine_reason}


VERDICTS = VerdictKind()


def _act(session: Session, batch: Batch, task: ReviewTask, row: VerificationRecord) -> str:
    """Do what a counted verdict calls for and return the action, as V6 records it."""
    task.completed_at = task.completed_at or row.reviewed_at or utcnow()
    # V1 voids a functional batch holding illegal or harmful content. Security data is risky
    # content by design: there the flag is recorded, and V2's failure rate decides.
    if row.illegal_content and batch.kind != "security":
        decisions.void_batch(session, batch, record=row)
        return "batch voided"
    if task.purpose == "re_review":
        return _settle_correction(session, task, row)
    if task.purpose == "second_review":
        return _second_review(session, task, row)
    return "accepted as correct" if row.correct else "flagged for correction"


def _settle_correction(session: Session, task: ReviewTask, row: VerificationRecord) -> str:
    correction = session.get(Correction, task.correction_id)
    before = correction.status
    correction.re_review_record_id = row.id
    if row.correct:
        correction.status, correction.archived_at = "archived", utcnow()
    else:
        correction.status = "re_review_failed"
    audit.record(
        session,
        "correction.re_review",
        "correction",
        correction.id,
        before={"status": before},
        after={"status": correction.status, "record": row.id},
    )
    return "correction archived" if row.correct else "correction rejected"


def _second_review(session: Session, task: ReviewTask, row: VerificationRecord) -> str:
    check = session.get(SupervisionCheck, task.check_id)
    first = session.scalar(
        select(VerificationRecord)
        .join(ReviewTask, ReviewTask.id == VerificationRecord.task_id)
        .where(
            ReviewTask.annotation_id == task.annotation_id,
            ReviewTask.purpose != "second_review",
            VerificationRecord.quarantined.is_(False),
        )
        .order_by(VerificationRecord.id)
        .limit(1)
    )
    findings = dict(check.findings)
    if first is not None:
        findings[str(first.id)] = {
            "second_record": row.id,
            "agree": first.correct == row.correct,
            "first": first.correct,
            "second": row.correct,
        }
    check.findings = findings
    return "second review recorded"


def batches_to_sync(session: Session) -> list[Batch]:
    """Return the batches with a review project whose verdicts may still change."""
    return list(
        session.scalars(
            select(Batch)
            .join(ReviewProject, ReviewProject.batch_id == Batch.id)
            .where(Batch.state.in_(sorted(VERDICT_STATES)))
            .order_by(Batch.id)
        )
    )


def sync_reviews(session: Session, gateway: LabelStudioGateway, batch: Batch) -> IngestReport:
    """Pull the review project's verdicts, store what is new or gone, revive the webhook."""
    project = session.scalar(select(ReviewProject).where(ReviewProject.batch_id == batch.id))
    report = IngestReport()
    if project is None:
        return report
    try:
        exported = gateway.export_annotations(project.ls_project_id)
        report.merge(records.store(session, VERDICTS, batch, exported, source="sync",
                                   email_lookup=gateway.user_email))
        gone = records.known_ids(session, VERDICTS, batch) - {a.id for a in exported}
        report.merge(records.mark_deleted(session, VERDICTS, batch, gone, source="sync"))
        url = review_webhook_url(batch.id)
        hook = gateway.webhook_status(project.ls_project_id, url)
        if hook is None or not hook.active:
            project.ls_webhook_id = gateway.ensure_webhook(
                project.ls_project_id, url, review_webhook_secret(batch.id)
            )
            audit.record(
                session,
                "webhook.reactivate",
                "review_project",
                project.id,
                after={"webhook": "active", "id": project.ls_webhook_id},
            )
    except LabelStudioError as err:
        session.rollback()
        raise ServiceError(str(err)) from err
    project.last_synced_at = utcnow()
    audit.record(
        session,
        "verification.sync",
        "batch",
        batch.id,
        after={
            "created": report.created,
            "updated": report.updated,
            "deleted": report.deleted,
            "quarantined": report.quarantined,
        },
    )
    return report
