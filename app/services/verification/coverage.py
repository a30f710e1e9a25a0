"""Security coverage of a dataset: share of security annotations and count per risk (V7).

B §8.1a–b recommends (宜) that security annotations be at least 3 % of a dataset's
annotations and at least 200 per covered risk: these are warnings, never blocks.
"""

from __future__ import annotations

from collections import Counter
from dataclasses import dataclass, field

from flask_babel import gettext as _
from sqlalchemy import func, select
from sqlalchemy.orm import Session

from app.models import Annotation, Batch, RuleVersion
from app.services.rule_versions import rule_set_of
from app.services.verification.units import counted

MIN_SHARE = 0.03
MIN_PER_RISK = 200


@dataclass(frozen=True)
class Coverage:
    """A dataset's security share and per-risk counts, with warnings."""

    total: int
    security: int
    share: float | None
    per_risk: dict[str, int]
    warnings: list[str] = field(default_factory=list)


def dataset_coverage(session: Session, dataset_id: int) -> Coverage:
    """Return the dataset's security coverage with a warning for each shortfall."""
    # Count everything in SQL; read results only of security annotations, the ones whose
    # labels name risks (a dataset is mostly functional work, often millions of rows).
    total = session.scalar(
        counted(
            select(func.count(Annotation.id))
            .join(Batch, Batch.id == Annotation.batch_id)
            .where(Batch.dataset_id == dataset_id)
        )
    ) or 0
    rows = session.execute(
        counted(
            select(Annotation.result, Batch.rule_version_id)
            .join(Batch, Batch.id == Annotation.batch_id)
            .where(Batch.dataset_id == dataset_id, Batch.kind == "security")
        )
    ).all()
    per_risk: Counter = Counter()
    security = len(rows)
    maps: dict[int, dict] = {}
    for result, version_id in rows:
        if version_id not in maps:
            maps[version_id] = rule_set_of(session.get(RuleVersion, version_id)).risk_map
        for risk, labels in maps[version_id].items():
            if any(_has(result or {}, control, value) for control, value in labels):
                per_risk[risk] += 1
    share = security / total if total else None
    warnings = []
    if share is not None and share < MIN_SHARE:
        warnings.append(
            _(
                "Security annotations are %(share).1f %% of this dataset's "
                "annotations; at least 3 %% is recommended (V7).",
                share=share * 100,
            )
        )
    for risk, n in sorted(per_risk.items()):
        if n < MIN_PER_RISK:
            warnings.append(
                _(
                    "Risk %(risk)s has %(n)d security annotations; at least 200 per "
                    "covered risk is recommended (V7).",
                    risk=risk,
                    n=n,
                )
            )
    return Coverage(total, security, share, dict(sorted(per_risk.items())), warnings)


def _has(result: dict, control: str, value) -> bool:
    given = result.get(control)
    if isinstance(given, list):
        return any(str(v) == str(value) for v in given)
    return given is not None and str(given) == str(value)
