"""Store every annotation Label Studio reports, idempotently; quarantine what must not count.

Webhook deliveries and reconciliation both end here. An annotation is keyed by its Label
Studio id and kept at the newest `updated_at` seen, so duplicated and reordered deliveries
converge to Label Studio's state. One made by someone unknown, unassigned, unqualified or
deactivated, or whose result does not fit the rules, is stored but quarantined (excluded
from every statistic and listed for QA leads).
"""

from __future__ import annotations

import dataclasses
from dataclasses import dataclass, field

from sqlalchemy import select
from sqlalchemy.orm import Session

from app.integrations.label_studio_gateway import LSAnnotation
from app.models import (
    Annotation,
    Assignment,
    Batch,
    Item,
    LabelStudioAccount,
    RuleVersion,
    User,
    utcnow,
)
from app.services import audit
from app.services import qualifications as quals
from app.services.rule_versions import rule_set_of
from labeling_rules import ResultError, normalise_result


@dataclass
class IngestReport:
    """Counts of what one delivery or sync did."""

    created: int = 0
    updated: int = 0
    unchanged: int = 0
    deleted: int = 0
    quarantined: int = 0
    unknown_task: int = 0
    problems: list[str] = field(default_factory=list)

    def merge(self, other: IngestReport) -> None:
        """Add another report's counts to this one."""
        for f in dataclasses.fields(self):
            if f.name == "problems":
                self.problems.extend(other.problems)
            else:
                setattr(self, f.name, getattr(self, f.name) + getattr(other, f.name))


def jsonable(value):
    """Return `value` with dataclasses (spans) turned into dicts, for JSON columns."""
    if dataclasses.is_dataclass(value):
        return dataclasses.asdict(value)
    if isinstance(value, dict):
        return {k: jsonable(v) for k, v in value.items()}
    if isinstance(value, list | tuple):
        return [jsonable(v) for v in value]
    return value


def _find_item(session: Session, batch: Batch, ann: LSAnnotation) -> Item | None:
    if ann.item_id is not None and ann.item_id.isdigit():
        item = session.get(Item, int(ann.item_id))
        if item is not None and item.batch_id == batch.id:
            return item
    return session.scalar(select(Item).where(Item.batch_id == batch.id,
                                             Item.ls_task_id == ann.task_id))


def _find_user(session: Session, ann: LSAnnotation) -> User | None:
    if ann.completed_by_id is not None:
        account = session.scalar(select(LabelStudioAccount).where(
            LabelStudioAccount.ls_user_id == ann.completed_by_id))
        if account is not None:
            return session.get(User, account.user_id)
    if ann.completed_by_email:
        return session.scalar(select(User).where(User.email == ann.completed_by_email.lower()))
    return None


def quarantine_reason(session: Session, batch: Batch, item: Item, user: User | None,
                      ann: LSAnnotation) -> str | None:
    """Return why an annotation must not count, or None when it may."""
    if user is None:
        return f"unknown Label Studio user {ann.completed_by_id}"
    if not user.is_active_account and (user.deactivated_at is None
                                       or user.deactivated_at <= ann.created_at):
        return f"{user.email} was deactivated"
    assigned = session.scalar(select(Assignment.id).where(
        Assignment.item_id == item.id, Assignment.user_id == user.id,
        Assignment.role == "annotator"))
    if assigned is None:
        return f"{user.email} was not assigned this item"
    version = session.get(RuleVersion, batch.rule_version_id)
    if quals.current(session, user.id, version.rule_set_id, version.major,
                     at=ann.created_at) is None:
        return (f"{user.email} held no valid qualification for {version.rule_set.key} "
                f"major version {version.major} when annotating")
    return None


def upsert(session: Session, batch: Batch, ann: LSAnnotation, *, source: str) -> IngestReport:
    """Store or refresh one annotation; older or repeated reports change nothing."""
    report = IngestReport()
    row = session.scalar(select(Annotation).where(Annotation.ls_annotation_id == ann.id))
    if row is not None and (row.deleted_at is not None
                            or (row.ls_updated_at and row.ls_updated_at >= ann.updated_at)):
        report.unchanged += 1
        return report
    item = _find_item(session, batch, ann)
    if item is None:
        report.unknown_task += 1
        report.problems.append(f"annotation {ann.id}: task {ann.task_id} is not in this batch")
        return report
    user = _find_user(session, ann)
    version = session.get(RuleVersion, batch.rule_version_id)
    normalised, reason = None, quarantine_reason(session, batch, item, user, ann)
    if not ann.was_cancelled:
        try:
            normalised = jsonable(normalise_result(rule_set_of(version), ann.result))
        except ResultError as err:
            reason = reason or f"result does not fit {version.label}: {err}"
    created = row is None
    if created:
        row = Annotation(ls_annotation_id=ann.id, batch_id=batch.id,
                         rule_version_id=batch.rule_version_id)
        session.add(row)
    before = None if created else {"result": row.result, "quarantined": row.quarantined}
    row.ls_task_id = ann.task_id
    row.item_id = item.id
    row.user_id = user.id if user else None
    row.ls_user_id = ann.completed_by_id
    row.result_raw = ann.result
    row.result = normalised
    row.lead_time = ann.lead_time
    row.was_cancelled = ann.was_cancelled
    row.ls_created_at = ann.created_at
    row.ls_updated_at = ann.updated_at
    row.source = source
    row.ingested_at = utcnow()
    row.quarantined = reason is not None
    row.quarantine_reason = reason
    session.flush()
    audit.record(session, "annotation.ingest" if created else "annotation.update", "annotation",
                 row.id, before=before,
                 after={"ls_id": ann.id, "item": item.id, "user": user.email if user else None,
                        "rule_version": version.label, "result": normalised,
                        "quarantined": reason}, source=source)
    report.created += created
    report.updated += not created
    report.quarantined += reason is not None
    return report


def mark_deleted(session: Session, batch: Batch, ls_ids, *, source: str) -> IngestReport:
    """Record that Label Studio deleted these annotations (kept, flagged, never counted)."""
    report = IngestReport()
    for row in session.scalars(select(Annotation).where(
            Annotation.batch_id == batch.id, Annotation.ls_annotation_id.in_(list(ls_ids)),
            Annotation.deleted_at.is_(None))):
        row.deleted_at = utcnow()
        audit.record(session, "annotation.delete", "annotation", row.id,
                     after={"ls_id": row.ls_annotation_id}, source=source)
        report.deleted += 1
    return report
