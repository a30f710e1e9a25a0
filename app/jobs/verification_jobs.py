"""Background work of verification: push review tasks, reconcile verdicts."""

from __future__ import annotations

from sqlalchemy.orm import Session

from app.jobs import Progress, handler
from app.services import batches, sync
from app.services.label_studio import gateway_for
from app.services.verification import corrections, reviews, verdicts


@handler("verify_push")
def push_reviews_job(session: Session, args: dict, progress: Progress) -> dict:
    """Put a batch's review tasks into its Label Studio review project."""
    batch = batches.batch_by_ref(session, args["batch_id"])
    return {"imported": reviews.push_reviews(session, gateway_for(batch), batch, progress=progress)}


@handler("verify_sync")
def sync_reviews_job(session: Session, args: dict, progress: Progress) -> dict:
    """Pull a batch's annotations and verdicts and link corrections."""
    batch = batches.batch_by_ref(session, args["batch_id"])
    progress(0, 3)
    if batch.ls_project_id is not None:
        sync.sync_batch(session, gateway_for(batch), batch)
        session.commit()
    progress(1, 3)
    collected = corrections.collect(session, batch)
    session.commit()
    progress(2, 3)
    report = verdicts.sync_reviews(session, gateway_for(batch), batch)
    progress(3, 3)
    return {
        "verdicts": report.created,
        "updated": report.updated,
        "quarantined": report.quarantined,
        "corrections": collected,
    }
