"""The kinds of background work: push and sync (more as capabilities land)."""

from __future__ import annotations

from sqlalchemy.orm import Session

from app.jobs import Progress, handler
from app.services import batches, push, sync
from app.services.label_studio import gateway_for


@handler("push")
def push_job(session: Session, args: dict, progress: Progress) -> dict:
    """Push a batch to Label Studio."""
    batch = batches.batch_by_ref(session, args["batch_id"])
    imported = push.push_batch(session, gateway_for(batch), batch, progress=progress)
    return {"imported": imported, "project": batch.ls_project_id}


@handler("sync")
def sync_job(session: Session, args: dict, progress: Progress) -> dict:
    """Reconcile one batch (or every open one) with Label Studio."""
    targets = ([batches.batch_by_ref(session, args["batch_id"])] if args.get("batch_id")
               else sync.batches_to_sync(session))
    totals = {"created": 0, "updated": 0, "deleted": 0, "quarantined": 0}
    for done, batch in enumerate(targets, start=1):
        report = sync.sync_batch(session, gateway_for(batch), batch)
        session.commit()
        for key in totals:
            totals[key] += getattr(report, key)
        progress(done, len(targets))
    return totals


from app.jobs import verification_jobs  # noqa: E402,F401  (registers its handlers)
