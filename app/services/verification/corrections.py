"""Correct flagged items, then re-review the corrections before archiving them (V5).

Each flagged item (or, where the plan says so, every item) goes to another qualified
annotator: never its original annotator, nor anyone who verifies in the batch. The
correction records the original annotator, the corrector, the original and corrected
content and both times; an independent verifier re-reviews it; only then is it archived.
"""

from __future__ import annotations

import random
from collections import Counter

from flask_babel import gettext as _
from sqlalchemy import select
from sqlalchemy.orm import Session

from app.models import (
    Annotation,
    Assignment,
    Batch,
    BatchState,
    Correction,
    ReviewTask,
    VerificationRecord,
)
from app.services import audit
from app.services.assignment import eligible_annotators
from app.services.errors import Conflict, ServiceError
from app.services.verification.reviews import VerifierDraw, new_task
from app.services.verification.units import counted, current_annotations, reviewer_ids

SCOPES = ("flagged", "all")
OPEN = ("assigned", "corrected", "re_review_failed")


def flagged(session: Session, batch: Batch) -> list[tuple[VerificationRecord, Annotation]]:
    """Return counted 'incorrect' verdicts whose annotation is not yet being corrected."""
    rows = session.execute(
        select(VerificationRecord, Annotation)
        .join(Annotation, Annotation.id == VerificationRecord.annotation_id)
        .where(
            VerificationRecord.batch_id == batch.id,
            VerificationRecord.quarantined.is_(False),
            VerificationRecord.deleted_at.is_(None),
            VerificationRecord.correct.is_(False),
        )
        .order_by(VerificationRecord.id)
    ).all()
    handled = set(
        session.scalars(
            select(Correction.original_annotation_id).where(Correction.batch_id == batch.id)
        )
    )
    seen, result = set(), []
    for record, annotation in rows:
        if annotation.id not in handled and annotation.id not in seen:
            seen.add(annotation.id)
            result.append((record, annotation))
    return result


def _targets(session: Session, batch: Batch, scope: str):
    """Return (record or None, annotation) pairs to correct."""
    if scope == "flagged":
        return flagged(session, batch)
    busy = set(
        session.scalars(
            select(Correction.item_id).where(
                Correction.batch_id == batch.id, Correction.status.in_(OPEN)
            )
        )
    )
    current = current_annotations(session, batch.id)
    by_item: dict[int, Annotation] = {}
    for ann in session.scalars(
        counted(select(Annotation).where(Annotation.batch_id == batch.id)).order_by(Annotation.id)
    ):
        by_item.setdefault(ann.item_id, ann)
    return [
        (None, current.get(item_id, ann))
        for item_id, ann in sorted(by_item.items())
        if item_id not in busy
    ]


def start(
    session: Session, batch: Batch, *, scope: str = "flagged", seed: int | None = None
) -> list[Correction]:
    """Give each flagged item (or every item) to another qualified annotator to correct."""
    if scope not in SCOPES:
        raise ServiceError(_("Scope must be “flagged” or “all”."))
    if batch.state in (BatchState.VOID, BatchState.RELEASED):
        raise Conflict(
            _(
                "Batch %(batch)s is %(state)s: nothing in it is corrected.",
                batch=batch.name,
                state=batch.state,
            )
        )
    targets = _targets(session, batch, scope)
    if not targets:
        return []
    verifiers = reviewer_ids(session, batch.id)
    pool = [u.id for u in eligible_annotators(session, batch) if u.id not in verifiers]
    rng = random.Random(batch.id if seed is None else seed)
    load: Counter = Counter({uid: 0 for uid in pool})
    made = []
    for record, original in targets:
        worked = set(
            session.scalars(
                select(Annotation.user_id).where(
                    Annotation.item_id == original.item_id, Annotation.user_id.is_not(None)
                )
            )
        )
        free = [uid for uid in pool if uid not in worked]
        if not free:
            raise ServiceError(
                _(
                    "No other qualified annotator is free to correct item "
                    "%(item)s: qualify more annotators who do not verify this "
                    "batch.",
                    item=original.item_id,
                )
            )
        least = min(load[uid] for uid in free)
        corrector = rng.choice(sorted(uid for uid in free if load[uid] == least))
        load[corrector] += 1
        made.append(_open(session, batch, record, original, corrector))
    session.flush()
    audit.record(
        session,
        "correction.start",
        "batch",
        batch.id,
        after={
            "scope": scope,
            "corrections": len(made),
            "per_corrector": {str(k): v for k, v in sorted(load.items()) if v},
        },
    )
    return made


def _open(
    session: Session,
    batch: Batch,
    record: VerificationRecord | None,
    original: Annotation,
    corrector: int,
) -> Correction:
    correction = Correction(
        batch_id=batch.id,
        item_id=original.item_id,
        record_id=record.id if record else None,
        original_annotation_id=original.id,
        original_annotator_id=original.user_id,
        original_content=original.result,
        original_at=original.ls_created_at or original.ingested_at,
        corrector_id=corrector,
        status="assigned",
        reason=list(record.defect_codes) if record else [],
    )
    session.add(correction)
    if (
        session.scalar(
            select(Assignment.id).where(
                Assignment.item_id == original.item_id,
                Assignment.user_id == corrector,
                Assignment.role == "annotator",
            )
        )
        is None
    ):
        session.add(
            Assignment(
                item_id=original.item_id,
                batch_id=batch.id,
                user_id=corrector,
                role="annotator",
                rule_version_id=batch.rule_version_id,
            )
        )
    if record is not None:
        record.action_taken = "sent for correction"
    # A correction that failed its re-review is itself corrected anew.
    for earlier in session.scalars(
        select(Correction).where(
            Correction.correction_annotation_id == original.id,
            Correction.status == "re_review_failed",
        )
    ):
        earlier.status = "superseded"
    return correction


def start_for_item(session: Session, batch: Batch, item_id: int) -> Correction:
    """Have one item re-annotated by another annotator (an arbitrator's "re-annotate")."""
    original = session.scalar(
        counted(select(Annotation).where(Annotation.item_id == item_id))
        .order_by(Annotation.id)
        .limit(1)
    )
    if original is None:
        raise Conflict(_("Item %(item)s has no counted annotation to redo.", item=item_id))
    verifiers = reviewer_ids(session, batch.id)
    worked = set(
        session.scalars(
            select(Annotation.user_id).where(
                Annotation.item_id == item_id, Annotation.user_id.is_not(None)
            )
        )
    )
    free = [
        u.id
        for u in eligible_annotators(session, batch)
        if u.id not in verifiers and u.id not in worked
    ]
    if not free:
        raise ServiceError(
            _(
                "No other qualified annotator is free to correct item "
                "%(item)s: qualify more annotators who do not verify this "
                "batch.",
                item=item_id,
            )
        )
    correction = _open(session, batch, None, original, random.Random(item_id).choice(free))
    correction.reason = ["arbitration"]
    session.flush()
    audit.record(
        session,
        "correction.start",
        "batch",
        batch.id,
        after={"scope": "item", "item": item_id, "corrector": correction.corrector_id},
    )
    return correction


def collect(session: Session, batch: Batch) -> int:
    """Link correctors' new annotations to their corrections and ask for re-reviews."""
    waiting = session.scalars(
        select(Correction)
        .where(
            Correction.batch_id == batch.id, Correction.status.in_(("assigned", "re_review_failed"))
        )
        .order_by(Correction.id)
    ).all()
    count = 0
    for correction in waiting:
        if correction.status == "re_review_failed":
            continue  # start() opens a new correction of the rejected one
        ann = session.scalar(
            counted(
                select(Annotation).where(
                    Annotation.item_id == correction.item_id,
                    Annotation.user_id == correction.corrector_id,
                )
            )
            .order_by(Annotation.id.desc())
            .limit(1)
        )
        if ann is None:
            continue
        correction.correction_annotation_id = ann.id
        correction.corrected_content = ann.result
        correction.corrected_at = ann.ls_created_at or ann.ingested_at
        correction.status = "corrected"
        _ask_re_review(session, batch, correction, ann)
        audit.record(
            session,
            "correction.made",
            "correction",
            correction.id,
            after={
                "corrector": correction.corrector_id,
                "annotation": ann.id,
                "corrected_at": correction.corrected_at.isoformat(),
            },
        )
        count += 1
    session.flush()
    return count


def _ask_re_review(
    session: Session, batch: Batch, correction: Correction, ann: Annotation
) -> ReviewTask:
    draw = VerifierDraw(session, batch, f"{batch.id}:correction:{correction.id}")
    uid = draw.pick()
    return new_task(
        session,
        batch,
        item_id=correction.item_id,
        annotation_id=ann.id,
        reviewer_id=uid,
        purpose="re_review",
        correction_id=correction.id,
    )
