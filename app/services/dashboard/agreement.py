"""Agreement across batches: coefficients with intervals, annotator pairs, labels (P7)."""

from __future__ import annotations

import math
import warnings
from collections import defaultdict
from dataclasses import dataclass

import numpy as np
from sqlalchemy import func, select
from sqlalchemy.orm import Session

from app.models import AgreementReport, Annotation, Batch, Correction, User
from app.services.dashboard.filters import DashboardFilter
from app.services.dashboard.labels import text
from app.services.verification.units import counted
from qa.agreement import bootstrap_ci, krippendorff_alpha, reliability_matrix

RESAMPLES = 500


@dataclass(frozen=True)
class ReportRow:
    """One agreement measurement of a batch's control, without its per-pair detail."""

    batch_id: int
    batch: str
    control: str
    coefficient: str
    estimate: float | None
    ci_low: float | None
    ci_high: float | None
    threshold: float
    items: int
    computed_at: object


def _filtered(stmt, flt: DashboardFilter):
    return (
        stmt.select_from(AgreementReport)
        .join(Batch, Batch.id == AgreementReport.batch_id)
        .where(*flt.of_batches(Batch.id), *flt.in_period(AgreementReport.computed_at))
    )


def report_rows(
    session: Session, flt: DashboardFilter, *, offset: int = 0, limit: int | None = None
) -> list[ReportRow]:
    """Return the filtered batches' agreement measurements, newest batch first."""
    columns = (
        AgreementReport.batch_id,
        Batch.name,
        AgreementReport.control,
        AgreementReport.coefficient,
        AgreementReport.estimate,
        AgreementReport.ci_low,
        AgreementReport.ci_high,
        AgreementReport.threshold,
        AgreementReport.items,
        AgreementReport.computed_at,
    )
    stmt = _filtered(select(*columns), flt).order_by(Batch.id.desc(), AgreementReport.control)
    return [ReportRow(*row) for row in session.execute(stmt.offset(offset).limit(limit))]


def report_count(session: Session, flt: DashboardFilter) -> int:
    """Return how many measurements the filter keeps."""
    return session.scalar(_filtered(select(func.count(AgreementReport.id)), flt)) or 0


def report_batches(session: Session, flt: DashboardFilter) -> list[tuple[int, str]]:
    """Return (id, name) of the batches with measurements, newest first."""
    stmt = _filtered(select(Batch.id, Batch.name), flt).distinct().order_by(Batch.id.desc())
    return [(bid, name) for bid, name in session.execute(stmt)]


def controls_of(session: Session, flt: DashboardFilter, batch_id: int | None = None) -> list[str]:
    """Return the controls measured under the filter (or in one batch), sorted."""
    stmt = _filtered(select(AgreementReport.control), flt).distinct()
    if batch_id is not None:
        stmt = stmt.where(AgreementReport.batch_id == batch_id)
    return sorted(session.scalars(stmt))


def computed_at(session: Session, batch_id: int):
    """Return when the batch's agreement was last measured (a cache key)."""
    return session.scalar(
        select(func.max(AgreementReport.computed_at)).where(AgreementReport.batch_id == batch_id)
    )


def pair_lists(session: Session, flt: DashboardFilter) -> list[tuple[str, list]]:
    """Return (control, per-pair kappas) of every filtered measurement."""
    stmt = _filtered(select(AgreementReport.control, AgreementReport.per_pair), flt)
    return [(control, pairs or []) for control, pairs in session.execute(stmt)]


def _pairs(found, control: str | None):
    for measured, pairs in found:
        if control is not None and measured != control:
            continue
        for pair in pairs:
            kappa = pair.get("kappa")
            if kappa is not None and not math.isnan(kappa) and pair.get("n"):
                yield int(pair["a"]), int(pair["b"]), float(kappa), int(pair["n"])


@dataclass(frozen=True)
class PairMatrix:
    """Cohen's kappa of each annotator pair (mean over batches weighted by items shared);
    `annotators` may be the most-shared part of `everyone`, to keep a heatmap readable."""

    annotators: list[tuple[int, str]]
    kappa: list[list[float | None]]
    shared: list[list[int]]
    everyone: int


def pair_matrix(
    session: Session, found, control: str | None = None, *, limit: int | None = None
) -> PairMatrix:
    """Return the annotator-pair matrix of `pair_lists` (one control, or all pooled), over
    the `limit` annotators who share the most items (all of them without a limit)."""
    sums: dict[tuple[int, int], list[float]] = defaultdict(lambda: [0.0, 0])
    for a, b, kappa, n in _pairs(found, control):
        for key in ((a, b), (b, a)):
            sums[key][0] += kappa * n
            sums[key][1] += n
    volume: dict[int, float] = defaultdict(float)
    for (a, _b), (_s, n) in sums.items():
        volume[a] += n
    ids = sorted(volume, key=lambda i: (-volume[i], i))[:limit]
    emails = dict(session.execute(select(User.id, User.email).where(User.id.in_(ids))).all())
    people = sorted(((i, emails.get(i, str(i))) for i in ids), key=lambda p: p[1])
    kappa = [
        [(sums[(a, b)][0] / sums[(a, b)][1]) if (a, b) in sums else None for b, _e in people]
        for a, _e in people
    ]
    shared = [
        [int(sums[(a, b)][1]) if (a, b) in sums else 0 for b, _e in people] for a, _e in people
    ]
    return PairMatrix(people, kappa, shared, len(volume))


def peer_agreement(found) -> dict[int, tuple[float | None, int]]:
    """Return per annotator the mean kappa with peers (weighted by shared items) and how
    many pairs it rests on."""
    sums: dict[int, list[float]] = defaultdict(lambda: [0.0, 0, 0])
    for a, b, kappa, n in _pairs(found, None):
        for who in (a, b):
            sums[who][0] += kappa * n
            sums[who][1] += n
            sums[who][2] += 1
    return {who: (s / n if n else None, int(pairs)) for who, (s, n, pairs) in sums.items()}


@dataclass(frozen=True)
class LabelAgreement:
    """Nominal alpha of one label against the rest, with its bootstrap interval."""

    label: str
    alpha: float | None
    ci_low: float | None
    ci_high: float | None
    ratings: int


def ratings(session: Session, batch_id: int, control: str) -> list[tuple[int, int, str]]:
    """Return (item, annotator, label) of the counted original annotations on `control` of
    the batch's items that two or more annotators labelled."""
    corrections = select(Correction.correction_annotation_id).where(
        Correction.batch_id == batch_id, Correction.correction_annotation_id.is_not(None)
    )
    base = counted(
        select(Annotation.item_id).where(
            Annotation.batch_id == batch_id, ~Annotation.id.in_(corrections)
        )
    )
    shared = base.group_by(Annotation.item_id).having(
        func.count(func.distinct(Annotation.user_id)) >= 2
    )
    rows = session.execute(
        base.with_only_columns(
            Annotation.item_id, Annotation.user_id, Annotation.result[control].as_string()
        )
        .where(Annotation.item_id.in_(shared))
        .order_by(Annotation.item_id, Annotation.id)
    )
    return [(item, user, text(value)) for item, user, value in rows if value is not None]


def per_label(session: Session, batch_id: int, control: str) -> list[LabelAgreement]:
    """Return, per label, alpha of that label against all others with a 95 % bootstrap CI."""
    rows = ratings(session, batch_id, control)
    if not rows:
        return []
    items, annotators, labels = (list(col) for col in zip(*rows, strict=True))
    matrix, _items, _anns = reliability_matrix(items, annotators, labels)
    present = np.vectorize(lambda v: v is not None, otypes=[bool])(matrix)
    result = []
    for label in sorted(set(labels), key=_order):
        binary = np.where(present, (matrix == label).astype(float), np.nan)
        with warnings.catch_warnings():
            warnings.simplefilter("ignore")  # one label everywhere: NaN, shown as "—"
            boot = bootstrap_ci(krippendorff_alpha, binary, n_resamples=RESAMPLES, seed=batch_id)
        result.append(
            LabelAgreement(
                label,
                _number(boot.estimate),
                _number(boot.ci_low),
                _number(boot.ci_high),
                labels.count(label),
            )
        )
    return result


def _order(label: str):
    try:
        return (0, float(label), label)
    except ValueError:
        return (1, 0.0, label)


def _number(value: float) -> float | None:
    return None if value is None or math.isnan(value) else float(value)
