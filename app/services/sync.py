"""Reconcile with Label Studio: pull every annotation, fill gaps, revive a dead webhook.

Label Studio never retries a webhook and disables one that keeps failing, so this pull is
what guarantees that nothing is lost.
"""

from __future__ import annotations

from sqlalchemy import select
from sqlalchemy.orm import Session

from app.integrations.label_studio_gateway import LabelStudioError, LabelStudioGateway
from app.models import Annotation, Batch, BatchState, utcnow
from app.services import audit, ingestion
from app.services.errors import ServiceError
from app.services.label_studio import webhook_secret, webhook_url

SYNCED_STATES = (BatchState.ANNOTATING, BatchState.VERIFYING)


def sync_batch(session: Session, gateway: LabelStudioGateway,
               batch: Batch) -> ingestion.IngestReport:
    """Pull a batch's annotations from Label Studio and store what is new, changed or gone."""
    if batch.ls_project_id is None:
        raise ServiceError(f"batch {batch.name} has not been pushed to Label Studio yet")
    report = ingestion.IngestReport()
    try:
        exported = gateway.export_annotations(batch.ls_project_id)
        report.merge(ingestion.ingest_many(session, batch, exported, source="sync"))
        present = {ann.id for ann in exported}
        known = set(session.scalars(select(Annotation.ls_annotation_id).where(
            Annotation.batch_id == batch.id, Annotation.deleted_at.is_(None))))
        report.merge(ingestion.mark_deleted(session, batch, known - present, source="sync"))
        url = webhook_url(batch.id)
        hook = gateway.webhook_status(batch.ls_project_id, url)
        if hook is None or not hook.active:
            batch.ls_webhook_id = gateway.ensure_webhook(batch.ls_project_id, url,
                                                         webhook_secret(batch.id))
            audit.record(session, "webhook.reactivate", "batch", batch.id,
                         before={"webhook": None if hook is None else "inactive"},
                         after={"webhook": "active", "id": batch.ls_webhook_id})
    except LabelStudioError as err:
        session.rollback()
        raise ServiceError(str(err)) from err
    batch.last_synced_at = utcnow()
    audit.record(session, "batch.sync", "batch", batch.id,
                 after={"created": report.created, "updated": report.updated,
                        "deleted": report.deleted, "quarantined": report.quarantined,
                        "unknown_task": report.unknown_task})
    return report


def batches_to_sync(session: Session) -> list[Batch]:
    """Return the pushed batches whose annotations may still change."""
    return list(session.scalars(select(Batch).where(
        Batch.ls_project_id.is_not(None), Batch.state.in_([str(s) for s in SYNCED_STATES]))
        .order_by(Batch.id)))
