"""Confusion matrices: an annotator's label against the item's final (consensus) label."""

from __future__ import annotations

import json
from dataclasses import dataclass

import numpy as np
from sqlalchemy import func, select
from sqlalchemy.orm import Session

from app.models import Annotation, ConsensusLabel, Correction, RuleVersion
from app.services.dashboard.filters import DashboardFilter
from app.services.rule_versions import rule_set_of
from app.services.verification.units import counted

MATRIX_TYPES = ("single_choice", "rating")


@dataclass(frozen=True)
class Confusion:
    """Counts of (final label, given label) for one control: rows final, columns given."""

    control: str
    labels: list[str]
    counts: np.ndarray

    @property
    def n(self) -> int:
        """Return how many annotations the matrix counts."""
        return int(self.counts.sum())

    @property
    def agreement(self) -> float | None:
        """Return the share of annotations equal to the final label."""
        return float(np.trace(self.counts) / self.n) if self.n else None


def text(value) -> str:
    """Return a label as the dashboard shows and compares it (JSON text from SQL decoded)."""
    if isinstance(value, str) and value[:1] in ('"', "["):
        try:
            value = json.loads(value)
        except ValueError:
            return value
    if isinstance(value, list):
        return json.dumps(sorted(value), ensure_ascii=False)
    if isinstance(value, float) and value.is_integer():
        value = int(value)
    return str(value)


def matrix_controls(session: Session, version_ids) -> list[tuple[str, list[str]]]:
    """Return (control, declared labels) of the single-choice and rating controls of the
    given rule versions, in declared order."""
    seen: dict[str, list[str]] = {}
    for version in session.scalars(
        select(RuleVersion).where(RuleVersion.id.in_(version_ids)).order_by(RuleVersion.id)
    ):
        for control in rule_set_of(version).controls:
            if control.type in MATRIX_TYPES and control.name not in seen:
                seen[control.name] = [str(label.value) for label in control.labels]
    return list(seen.items())


def confusion(
    session: Session,
    flt: DashboardFilter,
    control: str,
    declared: list[str],
    *,
    batch_id: int | None = None,
    user_id: int | None = None,
) -> Confusion:
    """Return the confusion matrix of `control` over original, counted annotations whose item
    has a consensus label, in the filter (and one batch or one annotator)."""
    given = Annotation.result[control].as_string()
    final = ConsensusLabel.label["value"].as_string()
    stmt = counted(
        select(final, given, func.count(Annotation.id))
        .join(
            ConsensusLabel,
            (ConsensusLabel.item_id == Annotation.item_id) & (ConsensusLabel.control == control),
        )
        .where(
            *flt.of_batches(Annotation.batch_id),
            ~Annotation.id.in_(
                select(Correction.correction_annotation_id).where(
                    Correction.correction_annotation_id.is_not(None)
                )
            ),
            *flt.in_period(Annotation.ls_created_at),
        )
        .group_by(final, given)
    )
    if batch_id is not None:
        stmt = stmt.where(Annotation.batch_id == batch_id)
    if user_id is not None:
        stmt = stmt.where(Annotation.user_id == user_id)
    cells = [
        (text(f), text(g), n)
        for f, g, n in session.execute(stmt)
        if f is not None and g is not None
    ]
    labels = list(declared) + sorted({v for f, g, _n in cells for v in (f, g)} - set(declared))
    index = {label: i for i, label in enumerate(labels)}
    counts = np.zeros((len(labels), len(labels)), dtype=np.int64)
    for f, g, n in cells:
        counts[index[f], index[g]] += n
    return Confusion(control, labels, counts)


def user_controls(session: Session, user_id: int) -> list[tuple[str, list[str]]]:
    """Return the matrix controls of the rule versions a person annotated under."""
    versions = select(Annotation.rule_version_id).where(Annotation.user_id == user_id)
    return matrix_controls(session, versions.distinct())
