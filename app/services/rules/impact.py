"""Compare two published versions, and count the annotations a change touches (P3)."""

from __future__ import annotations

from collections import Counter
from dataclasses import dataclass
from typing import Any

from sqlalchemy import select
from sqlalchemy.orm import Session

from app.models import Annotation, Batch, RuleVersion
from app.services.rules.lookup import get_version, load
from labeling_rules import RuleDiff, diff_rule_sets


@dataclass(frozen=True)
class BatchImpact:
    """Of one batch's annotations, how many used a label or control that changed."""

    batch_id: int
    batch_name: str
    annotations: int
    affected: int


@dataclass(frozen=True)
class Impact:
    """The diff between two versions and its effect on the old version's annotations."""

    diff: RuleDiff
    old: RuleVersion
    new: RuleVersion
    batches: tuple[BatchImpact, ...]

    @property
    def affected(self) -> int:
        """Return the number of affected annotations over all batches."""
        return sum(b.affected for b in self.batches)


def diff(session: Session, key: str, from_version: str, to_version: str) -> RuleDiff:
    """Return the semantic diff between two published versions of a rule set."""
    old = get_version(session, key, from_version)
    new = get_version(session, key, to_version)
    return diff_rule_sets(load(old), load(new))


def impact(session: Session, key: str, from_version: str, to_version: str) -> Impact:
    """Count, per batch, the annotations made under FROM that used a label TO changes.

    Quarantined, cancelled and deleted annotations count for nothing, as everywhere.
    """
    old = get_version(session, key, from_version)
    new = get_version(session, key, to_version)
    changes = diff_rule_sets(load(old), load(new))
    names = dict(
        session.execute(select(Batch.id, Batch.name).where(Batch.rule_version_id == old.id)).all()
    )
    rows = session.execute(
        select(Annotation.batch_id, Annotation.result)
        .where(
            Annotation.rule_version_id == old.id,
            Annotation.quarantined.is_(False),
            Annotation.was_cancelled.is_(False),
            Annotation.deleted_at.is_(None),
        )
        .execution_options(yield_per=1000)
    )
    totals: Counter[int] = Counter()
    affected: Counter[int] = Counter()
    for batch_id, result in rows:
        totals[batch_id] += 1
        if result and changes.uses_changed_label(_answers(result)):
            affected[batch_id] += 1
    missing = set(totals) - set(names)
    if missing:  # Annotations in a batch of another version still count under their own.
        names.update(
            session.execute(select(Batch.id, Batch.name).where(Batch.id.in_(missing))).all()
        )
    batches = tuple(
        BatchImpact(batch_id, names[batch_id], totals[batch_id], affected[batch_id])
        for batch_id in sorted(names, key=names.__getitem__)
    )
    return Impact(changes, old, new, batches)


def _answers(result: dict[str, Any]) -> dict[str, Any]:
    """Turn stored spans ({start, end, text, label}) back into their labels."""
    answers = {}
    for control, value in result.items():
        if isinstance(value, list):
            value = [v.get("label") if isinstance(v, dict) else v for v in value]
        answers[control] = value
    return answers
