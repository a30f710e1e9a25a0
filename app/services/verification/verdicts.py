"""Store every verdict Label Studio reports for a review project, idempotently (V3, V6).

Webhook deliveries and reconciliation both end here, as annotations do in `ingestion`.
A verdict from someone unknown, not the task's assigned verifier, unqualified, deactivated,
or who annotated in the batch, is stored but quarantined. A counted verdict takes its
action at once: illegal or harmful content voids the batch (V1); a re-review archives or
rejects a correction (V5); a second review feeds a supervisor's check (P8).
"""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import select
from sqlalchemy.orm import Session

from app.integrations.label_studio_gateway import (
    LabelStudioError,
    LabelStudioGateway,
    LSAnnotation,
)
from app.models import (
    Batch,
    BatchState,
    Correction,
    LabelStudioAccount,
    Qualification,
    ReviewProject,
    ReviewTask,
    SupervisionCheck,
    User,
    VerificationRecord,
    utcnow,
)
from app.services import audit
from app.services import qualifications as quals
from app.services.errors import ServiceError
from app.services.ingestion import IngestReport, jsonable
from app.services.verification import decisions
from app.services.verification.reviews import (
    TASK_PREFIX,
    review_webhook_secret,
    review_webhook_url,
)
from app.services.verification.units import annotator_ids, rules_of
from labeling_rules import ResultError, parse_review_result

# Verdicts keep coming while a batch is verified and while its corrections are re-reviewed.
SYNCED_STATES = (BatchState.VERIFYING, BatchState.ACCEPTED, BatchState.REJECTED)


def find_task(session: Session, batch: Batch, ann: LSAnnotation) -> ReviewTask | None:
    """Return the review task a verdict belongs to, by the task data or Label Studio id."""
    key = ann.item_id or ""
    if key.startswith(TASK_PREFIX) and key[len(TASK_PREFIX) :].isdigit():
        task = session.get(ReviewTask, int(key[len(TASK_PREFIX) :]))
        if task is not None and task.batch_id == batch.id:
            return task
    return session.scalar(
        select(ReviewTask).where(
            ReviewTask.batch_id == batch.id, ReviewTask.ls_task_id == ann.task_id
        )
    )


class Context:
    """What judging many verdicts of one batch reads once: who annotated, and qualifications."""

    def __init__(self, session: Session, batch: Batch) -> None:
        self.session, self.batch = session, batch
        self.version, self.rules = rules_of(session, batch)
        self._annotators: set[int] | None = None
        self._qualifications: dict[int, list[Qualification]] = {}

    @property
    def annotators(self) -> set[int]:
        """Return everyone who annotated, or was assigned to annotate, in the batch."""
        if self._annotators is None:
            self._annotators = annotator_ids(self.session, self.batch.id)
        return self._annotators

    def qualified(self, user_id: int, at: datetime) -> bool:
        """Tell whether the user held a valid qualification for the rule set at `at`.

        The same test as `qualifications.current`, on the user's rows read once.
        """
        if user_id not in self._qualifications:
            v = self.version
            self._qualifications[user_id] = list(
                self.session.scalars(
                    select(Qualification).where(
                        Qualification.user_id == user_id,
                        Qualification.rule_set_id == v.rule_set_id,
                        Qualification.major_version == v.major,
                    )
                )
            )
        return any(
            q.granted_at <= at
            and q.valid_until > at
            and (
                (q.ended_at is None and q.status == quals.QualificationStatus.VALID)
                or (q.ended_at is not None and q.ended_at > at)
            )
            for q in self._qualifications[user_id]
        )


def quarantine_reason(
    context: Context, task: ReviewTask, user: User | None, ann: LSAnnotation
) -> str | None:
    """Return why a verdict must not count, or None when it may."""
    if user is None:
        return f"unknown Label Studio user {ann.completed_by_id}"
    if not user.is_active_account and (
        user.deactivated_at is None or user.deactivated_at <= ann.created_at
    ):
        return f"{user.email} was deactivated"
    if user.id != task.reviewer_id:
        return f"{user.email} was not assigned this review"
    if user.id in context.annotators:
        return f"{user.email} annotated in this batch and may not verify it (V3)"
    if not context.qualified(user.id, ann.created_at):
        version = context.version
        return (
            f"{user.email} held no valid qualification for {version.rule_set.key} "
            f"major version {version.major} when reviewing"
        )
    return None


def upsert(
    session: Session,
    batch: Batch,
    ann: LSAnnotation,
    *,
    source: str,
    context: Context | None = None,
) -> IngestReport:
    """Store or refresh one verdict; older or repeated reports change nothing."""
    report = IngestReport()
    context = context or Context(session, batch)
    row = session.scalar(
        select(VerificationRecord).where(VerificationRecord.ls_annotation_id == ann.id)
    )
    if row is not None and (
        row.deleted_at is not None or (row.ls_updated_at and row.ls_updated_at >= ann.updated_at)
    ):
        report.unchanged += 1
        return report
    task = find_task(session, batch, ann)
    if task is None:
        report.unknown_task += 1
        report.problems.append(
            f"verdict {ann.id}: task {ann.task_id} is not a review task of this batch"
        )
        return report
    user = _find_user(session, ann)
    version, rules = context.version, context.rules
    reason = quarantine_reason(context, task, user, ann)
    verdict = None
    if not ann.was_cancelled:
        try:
            verdict = parse_review_result(rules, ann.result)
        except ResultError as err:
            reason = reason or f"verdict does not fit {version.label}: {err}"
    created = row is None
    if created:
        row = VerificationRecord(
            ls_annotation_id=ann.id, batch_id=batch.id, rule_version_id=batch.rule_version_id
        )
        session.add(row)
    _fill(row, task, user, ann, verdict, source)
    row.quarantined, row.quarantine_reason = reason is not None, reason
    session.flush()
    if reason is None and verdict is not None:
        row.action_taken = _act(session, batch, task, row)
    audit.record(
        session,
        "verdict.ingest" if created else "verdict.update",
        "verification",
        row.id,
        after={
            "ls_id": ann.id,
            "task": task.id,
            "item": task.item_id,
            "verifier": user.email if user else None,
            "correct": row.correct,
            "defects": row.defect_codes,
            "illegal": row.illegal_content,
            "action": row.action_taken,
            "quarantined": reason,
        },
        source=source,
    )
    report.created += created
    report.updated += not created
    report.quarantined += reason is not None
    return report


def _fill(
    row: VerificationRecord,
    task: ReviewTask,
    user: User | None,
    ann: LSAnnotation,
    verdict,
    source: str,
) -> None:
    row.ls_task_id, row.task_id = ann.task_id, task.id
    row.item_id, row.annotation_id = task.item_id, task.annotation_id
    row.verifier_id = user.id if user else None
    row.ls_user_id = ann.completed_by_id
    row.result_raw = ann.result
    row.correct = None if verdict is None else verdict.correct
    row.defect_codes = list(verdict.defect_codes) if verdict else []
    row.illegal_content = bool(verdict and verdict.illegal_content)
    row.corrected = _plain(verdict.corrected) if verdict and verdict.corrected else None
    row.lead_time, row.reviewed_at, row.ls_updated_at = (
        ann.lead_time,
        ann.created_at,
        ann.updated_at,
    )
    row.source, row.ingested_at = source, utcnow()


def _plain(value):
    return jsonable(value)


def _find_user(session: Session, ann: LSAnnotation) -> User | None:
    """Return the workbench user behind a verdict: by linked account, else by e-mail."""
    if ann.completed_by_id is not None:
        account = session.scalar(
            select(LabelStudioAccount).where(LabelStudioAccount.ls_user_id == ann.completed_by_id)
        )
        if account is not None:
            return session.get(User, account.user_id)
    if ann.completed_by_email:
        return session.scalar(select(User).where(User.email == ann.completed_by_email.lower()))
    return None


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


def mark_deleted(session: Session, batch: Batch, ls_ids, *, source: str) -> IngestReport:
    """Record that Label Studio deleted these verdicts (kept, flagged, never counted)."""
    report = IngestReport()
    for row in session.scalars(
        select(VerificationRecord).where(
            VerificationRecord.batch_id == batch.id,
            VerificationRecord.ls_annotation_id.in_(list(ls_ids)),
            VerificationRecord.deleted_at.is_(None),
        )
    ):
        row.deleted_at = utcnow()
        audit.record(
            session,
            "verdict.delete",
            "verification",
            row.id,
            after={"ls_id": row.ls_annotation_id},
            source=source,
        )
        report.deleted += 1
    return report


def batches_to_sync(session: Session) -> list[Batch]:
    """Return the batches with a review project whose verdicts may still change."""
    return list(
        session.scalars(
            select(Batch)
            .join(ReviewProject, ReviewProject.batch_id == Batch.id)
            .where(Batch.state.in_([str(s) for s in SYNCED_STATES]))
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
        context = Context(session, batch)
        for ann in exported:
            report.merge(upsert(session, batch, ann, source="sync", context=context))
        known = set(
            session.scalars(
                select(VerificationRecord.ls_annotation_id).where(
                    VerificationRecord.batch_id == batch.id, VerificationRecord.deleted_at.is_(None)
                )
            )
        )
        report.merge(mark_deleted(session, batch, known - {a.id for a in exported}, source="sync"))
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
