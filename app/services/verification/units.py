"""What verification counts: a batch's counted annotations and its sampling units."""

from __future__ import annotations

import random
from collections import defaultdict
from dataclasses import dataclass

from sqlalchemy import select
from sqlalchemy.orm import Session

from app.models import Annotation, Assignment, Batch, Correction, ReviewTask, RuleVersion
from app.services.rule_versions import rule_set_of
from labeling_rules import RuleSet, Span


@dataclass(frozen=True)
class Unit:
    """One item as verification sees it: the annotation under review and its annotator."""

    item_id: int
    annotation_id: int
    annotator_id: int


def counted(stmt):
    """Return `stmt` narrowed to annotations that count: not quarantined, deleted, cancelled."""
    return stmt.where(
        Annotation.quarantined.is_(False),
        Annotation.deleted_at.is_(None),
        Annotation.was_cancelled.is_(False),
        Annotation.user_id.is_not(None),
    )


def counted_annotations(session: Session, batch_id: int) -> list[Annotation]:
    """Return the batch's counted annotations, by item then id."""
    return list(
        session.scalars(
            counted(select(Annotation).where(Annotation.batch_id == batch_id)).order_by(
                Annotation.item_id, Annotation.id
            )
        )
    )


def correction_annotation_ids(session: Session, batch_id: int) -> set[int]:
    """Return the ids of annotations made as corrections (not original work)."""
    return set(
        session.scalars(
            select(Correction.correction_annotation_id).where(
                Correction.batch_id == batch_id, Correction.correction_annotation_id.is_not(None)
            )
        )
    )


def original_annotations(session: Session, batch_id: int) -> dict[int, list[Annotation]]:
    """Return each item's counted original annotations (corrections left out)."""
    corrections = correction_annotation_ids(session, batch_id)
    by_item: dict[int, list[Annotation]] = defaultdict(list)
    for ann in counted_annotations(session, batch_id):
        if ann.id not in corrections:
            by_item[ann.item_id].append(ann)
    return by_item


def current_annotations(session: Session, batch_id: int) -> dict[int, Annotation]:
    """Return each item's annotation in force: its newest archived correction, else None."""
    rows = session.execute(
        select(Correction.item_id, Annotation)
        .join(Annotation, Annotation.id == Correction.correction_annotation_id)
        .where(Correction.batch_id == batch_id, Correction.status == "archived")
        .order_by(Correction.id)
    ).all()
    return {item_id: ann for item_id, ann in rows}


def units(session: Session, batch: Batch, seed: int) -> list[Unit]:
    """Return one unit per item, the annotation in force standing for it.

    An item annotated by several people (overlap) is represented by one of them, chosen
    with `seed`, so that a re-draw with the same seed gives the same units. A corrected item
    is represented by its archived correction.
    """
    rng = random.Random(seed)
    corrected = current_annotations(session, batch.id)
    result = []
    for item_id, anns in sorted(original_annotations(session, batch.id).items()):
        chosen = corrected.get(item_id) or anns[rng.randrange(len(anns))]
        result.append(Unit(item_id, chosen.id, chosen.user_id))
    return result


def annotator_ids(session: Session, batch_id: int) -> set[int]:
    """Return everyone who annotated (or was assigned to annotate) in the batch."""
    assigned = set(
        session.scalars(
            select(Assignment.user_id).where(
                Assignment.batch_id == batch_id, Assignment.role == "annotator"
            )
        )
    )
    made = set(
        session.scalars(
            select(Annotation.user_id).where(
                Annotation.batch_id == batch_id, Annotation.user_id.is_not(None)
            )
        )
    )
    return assigned | made


def reviewer_ids(session: Session, batch_id: int) -> set[int]:
    """Return everyone given a review task in the batch."""
    return set(
        session.scalars(select(ReviewTask.reviewer_id).where(ReviewTask.batch_id == batch_id))
    )


def rules_of(session: Session, batch: Batch) -> tuple[RuleVersion, RuleSet]:
    """Return the batch's rule version and its parsed rules."""
    version = session.get(RuleVersion, batch.rule_version_id)
    return version, rule_set_of(version)


def answers(rules: RuleSet, result: dict | None) -> dict:
    """Return a stored (JSON) result with spans turned back into `Span` values."""
    out = {}
    spans = {c.name for c in rules.controls if c.type == "span_labels"}
    for name, value in (result or {}).items():
        out[name] = [Span(**s) for s in value] if name in spans else value
    return out
