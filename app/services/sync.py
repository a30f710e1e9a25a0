"""Reconcile with Label Studio: pull every annotation, fill gaps, revive a dead webhook.

Label Studio never retries a webhook and disables one that keeps failing, so this pull is
what guarantees that nothing is lost.
"""

from __future__ import annotations

from collections.abc import Iterator
from concurrent.futures import ThreadPoolExecutor

from sqlalchemy import func, select
from sqlalchemy.orm import Session

from app.integrations.label_studio_gateway import (
    LabelStudioError,
    LabelStudioGateway,
    LSAnnotation,
)
from app.models import Batch, Item, utcnow
from app.services import audit, records
from app.services.errors import ServiceError
from app.services.label_studio import webhook_secret, webhook_url
from app.services.records import ANNOTATIONS
from workflow.batches import ANNOTATION_STATES

# Task ids per export request, sent as ids[]: Django refuses more than 1,000 query fields.
EXPORT_CHUNK = 900


def sync_batch(session: Session, gateway: LabelStudioGateway,
               batch: Batch) -> records.IngestReport:
    """Pull a batch's annotations from Label Studio and store what is new, changed or gone."""
    if batch.ls_project_id is None:
        raise ServiceError(f"batch {batch.name} has not been pushed to Label Studio yet")
    report = records.IngestReport()
    try:
        context = ANNOTATIONS.context(session, batch, (), gateway.user_email)
        present: set[int] = set()
        for piece in exported_pieces(session, gateway, batch):
            report.merge(records.store(session, ANNOTATIONS, batch, piece, source="sync",
                                       context=context))
            present.update(ann.id for ann in piece)
        gone = records.known_ids(session, ANNOTATIONS, batch) - present
        report.merge(records.mark_deleted(session, ANNOTATIONS, batch, gone, source="sync"))
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


def exported_pieces(session: Session, gateway: LabelStudioGateway,
                    batch: Batch) -> Iterator[list[LSAnnotation]]:
    """Yield the batch's annotations from Label Studio piece by piece.

    Label Studio's export takes about as long as storing what it returns, so a large batch
    is exported EXPORT_CHUNK tasks at a time while the previous piece is being stored.
    A batch with an item whose task id is unknown is exported whole.
    """
    task_ids = list(session.scalars(select(Item.ls_task_id).where(
        Item.batch_id == batch.id, Item.ls_task_id.is_not(None)).order_by(Item.ls_task_id)))
    unknown = session.scalar(select(func.count(Item.id)).where(
        Item.batch_id == batch.id, Item.ls_task_id.is_(None)))
    if unknown or len(task_ids) <= EXPORT_CHUNK:
        yield gateway.export_annotations(batch.ls_project_id)
        return
    pieces = [task_ids[i:i + EXPORT_CHUNK] for i in range(0, len(task_ids), EXPORT_CHUNK)]
    with ThreadPoolExecutor(max_workers=1, thread_name_prefix="export") as pool:
        coming = pool.submit(gateway.export_annotations, batch.ls_project_id, None, pieces[0])
        for following in [*pieces[1:], None]:
            piece = coming.result()
            if following is not None:
                coming = pool.submit(gateway.export_annotations, batch.ls_project_id, None,
                                     following)
            yield piece


def batches_to_sync(session: Session) -> list[Batch]:
    """Return the pushed batches whose annotations may still change."""
    return list(session.scalars(select(Batch).where(
        Batch.ls_project_id.is_not(None), Batch.state.in_(sorted(ANNOTATION_STATES)))
        .order_by(Batch.id)))
