"""Agreement on overlapped items, consensus labels and arbitration of disagreements (P7).

Per control, over the items several annotators labelled: the rule set's coefficient with a
bootstrap interval, alpha per label and Cohen's kappa per annotator pair. An item without a
strict majority on a control goes to an arbitrator; the others get a consensus label by
majority vote or Dawid–Skene.
"""

from __future__ import annotations

import json
import math
import warnings
from collections import defaultdict
from functools import partial

import numpy as np
from flask_babel import gettext as _
from sqlalchemy import delete, select
from sqlalchemy.orm import Session

from app.models import AgreementReport, Arbitration, Batch, ConsensusLabel, User, utcnow
from app.services import audit
from app.services.errors import Conflict, Forbidden, ServiceError
from app.services.verification import corrections
from app.services.verification.units import original_annotations, rules_of
from qa.agreement import (
    bootstrap_ci,
    category_counts,
    fleiss_kappa,
    gwet_ac1,
    krippendorff_alpha,
    pairwise_kappa,
    per_category_alpha,
    percent_agreement,
    reliability_matrix,
)
from qa.consensus import dawid_skene, majority_vote

CONTROL_TYPES = ("single_choice", "multiple_choice", "rating")
METHODS = ("majority_vote", "dawid_skene")
OUTCOMES = ("submit", "discard", "re_annotate")
RESAMPLES = 500


def _number(value) -> float | None:
    value = float(value)
    return None if math.isnan(value) else value


def _encode(control_type: str, value):
    return json.dumps(sorted(value)) if control_type == "multiple_choice" else value


def _decode(control_type: str, value):
    value = value.item() if isinstance(value, np.generic) else value
    return json.loads(value) if control_type == "multiple_choice" else value


def _mean_pairwise_kappa(matrix) -> float:
    rows, cols = np.nonzero(np.vectorize(lambda v: v is not None)(matrix))
    pairs = pairwise_kappa(cols, rows, matrix[rows, cols].tolist())
    values = [p.kappa for p in pairs if not math.isnan(p.kappa)]
    return float(np.mean(values)) if values else math.nan


def coefficient(name: str, control_type: str):
    """Return the statistic of an annotators x items table the rule set names."""
    if name == "krippendorff_alpha":
        level = "ordinal" if control_type == "rating" else "nominal"
        return partial(krippendorff_alpha, level_of_measurement=level)
    if name == "fleiss_kappa":
        return lambda m: fleiss_kappa(category_counts(m)[0])
    if name == "gwet_ac1":
        return gwet_ac1
    if name == "percent_agreement":
        return percent_agreement
    return _mean_pairwise_kappa


def _ratings(session: Session, batch: Batch) -> dict[str, list[tuple[int, int, object]]]:
    """Return per control the (item, annotator, label) ratings of overlapped items."""
    _version, rules = rules_of(session, batch)
    types = {c.name: c.type for c in rules.controls if c.type in CONTROL_TYPES}
    ratings: dict[str, list] = defaultdict(list)
    for item_id, anns in original_annotations(session, batch.id).items():
        if len({a.user_id for a in anns}) < 2:
            continue
        for ann in anns:
            for name, kind in types.items():
                if (ann.result or {}).get(name) is not None:
                    ratings[name].append((item_id, ann.user_id, _encode(kind, ann.result[name])))
    return ratings


def _report(batch: Batch, control: str, kind: str, rows, rules) -> AgreementReport:
    items, annotators, labels = (list(col) for col in zip(*rows, strict=True))
    matrix, _items, ann_ids = reliability_matrix(items, annotators, labels)
    statistic = coefficient(rules.agreement.coefficient, kind)
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")  # NaN (no variation) is handled below, not hidden
        estimate = _number(statistic(matrix))
        observed = _number(percent_agreement(matrix))
        low = high = None
        if estimate is not None:
            boot = bootstrap_ci(statistic, matrix, n_resamples=RESAMPLES, seed=batch.id)
            low, high = _number(boot.ci_low), _number(boot.ci_high)
        per_label = {str(k): _number(v) for k, v in per_category_alpha(matrix).items()}
        pairs = [
            {
                "a": int(p.annotator_a),
                "b": int(p.annotator_b),
                "kappa": _number(p.kappa),
                "n": int(p.n),
            }
            for p in pairwise_kappa(items, annotators, labels)
        ]
    return AgreementReport(
        batch_id=batch.id,
        control=control,
        coefficient=rules.agreement.coefficient,
        estimate=estimate,
        ci_low=low,
        ci_high=high,
        observed_agreement=observed,
        threshold=rules.agreement.threshold,
        items=len(set(items)),
        per_label=per_label,
        per_pair=pairs,
    )


def compute(
    session: Session, batch: Batch, *, method: str | None = None, seed: int | None = None
) -> list[AgreementReport]:
    """Measure agreement, open arbitrations for disagreements, set consensus labels.

    The consensus method is the rule set's (`quality.agreement.consensus`) unless given.
    """
    _version, rules = rules_of(session, batch)
    method = method or rules.quality.agreement.consensus
    if method not in METHODS:
        raise ServiceError(_("Consensus method must be majority_vote or dawid_skene."))
    types = {c.name: c.type for c in rules.controls}
    ratings = _ratings(session, batch)
    session.execute(delete(AgreementReport).where(AgreementReport.batch_id == batch.id))
    reports = [
        _report(batch, control, types[control], rows, rules)
        for control, rows in sorted(ratings.items())
    ]
    session.add_all(reports)
    opened, agreed = 0, 0
    for control, rows in sorted(ratings.items()):
        o, a = _consensus(
            session,
            batch,
            control,
            types[control],
            rows,
            method,
            batch.id if seed is None else seed,
        )
        opened, agreed = opened + o, agreed + a
    session.flush()
    audit.record(
        session,
        "agreement.compute",
        "batch",
        batch.id,
        after={
            "method": method,
            "arbitrations_opened": opened,
            "consensus": agreed,
            "controls": {r.control: r.estimate for r in reports},
        },
    )
    return reports


def _consensus(
    session: Session, batch: Batch, control: str, kind: str, rows, method: str, seed: int
) -> tuple[int, int]:
    items, annotators, labels = (list(col) for col in zip(*rows, strict=True))
    vote = majority_vote(items, annotators, labels, tie="none", seed=seed)
    chosen = dict(zip(vote.items.tolist(), vote.labels.tolist(), strict=True))
    support = dict(zip(vote.items.tolist(), vote.support.tolist(), strict=True))
    if method == "dawid_skene":
        ds = dawid_skene(items, annotators, labels)
        chosen = dict(zip(ds.items.tolist(), ds.labels.tolist(), strict=True))
        support.update(zip(ds.items.tolist(), ds.posteriors.max(axis=1).tolist(), strict=True))
    no_majority = {
        i for i, s in zip(vote.items.tolist(), vote.support.tolist(), strict=True) if s <= 0.5
    }
    known = {
        (a.item_id, a.control): a
        for a in session.scalars(
            select(Arbitration).where(
                Arbitration.batch_id == batch.id, Arbitration.control == control
            )
        )
    }
    by_item = defaultdict(list)
    for item, annotator, label in rows:
        by_item[item].append({"annotator": int(annotator), "label": _decode(kind, label)})
    opened = agreed = 0
    for item in sorted(by_item):
        if item in no_majority:
            if (item, control) not in known:
                session.add(
                    Arbitration(
                        batch_id=batch.id,
                        item_id=item,
                        control=control,
                        labels_considered=by_item[item],
                    )
                )
                opened += 1
            continue
        _set_label(
            session, batch, item, control, _decode(kind, chosen[item]), method, float(support[item])
        )
        agreed += 1
    return opened, agreed


def _set_label(
    session: Session,
    batch: Batch,
    item_id: int,
    control: str,
    value,
    method: str,
    support: float | None,
) -> None:
    row = session.scalar(
        select(ConsensusLabel).where(
            ConsensusLabel.item_id == item_id, ConsensusLabel.control == control
        )
    )
    if row is not None and row.method == "arbitration" and method != "arbitration":
        return  # an arbitrator's decision stands
    if row is None:
        row = ConsensusLabel(batch_id=batch.id, item_id=item_id, control=control)
        session.add(row)
    row.label, row.method, row.support = {"value": value}, method, support


def decide(
    session: Session,
    arbitration: Arbitration,
    arbitrator: User,
    *,
    outcome: str,
    label: str | None = None,
    note: str = "",
) -> Arbitration:
    """Record an arbitrator's decision: submit a label, discard the item or re-annotate it."""
    if outcome not in OUTCOMES:
        raise ServiceError(_("The outcome must be submit, discard or re_annotate."))
    if arbitration.status != "open":
        raise Conflict(_("This disagreement was already decided."))
    batch = session.get(Batch, arbitration.batch_id)
    _version, rules = rules_of(session, batch)
    if not arbitrator.has_role("arbitrator", rule_set=rules.id):
        raise Forbidden(_("Only an arbitrator may decide a disagreement."))
    if arbitrator.id in {entry["annotator"] for entry in arbitration.labels_considered}:
        raise Forbidden(_("You annotated this item; another arbitrator must decide (P5)."))
    value = None
    if outcome == "submit":
        value = _label_value(rules.control(arbitration.control), label)
        _set_label(
            session, batch, arbitration.item_id, arbitration.control, value, "arbitration", None
        )
    elif outcome == "re_annotate":
        corrections.start_for_item(session, batch, arbitration.item_id)
    arbitration.status, arbitration.outcome, arbitration.arbitrator_id = (
        "decided",
        outcome,
        arbitrator.id,
    )
    arbitration.decision = {"value": value} if outcome == "submit" else None
    arbitration.note, arbitration.decided_at = note.strip()[:2000] or None, utcnow()
    audit.record(
        session,
        "arbitration.decide",
        "arbitration",
        arbitration.id,
        before={"status": "open"},
        after={
            "outcome": outcome,
            "label": value,
            "item": arbitration.item_id,
            "control": arbitration.control,
        },
    )
    return arbitration


def _label_value(control, label: str | None):
    if control.type == "multiple_choice":
        values = [v.strip() for v in (label or "").split(",") if v.strip()]
        unknown = [v for v in values if control.label(v) is None]
        if not values or unknown:
            raise ServiceError(
                _(
                    "Choose labels of %(control)s: %(allowed)s.",
                    control=control.name,
                    allowed=", ".join(map(str, control.values)),
                )
            )
        return sorted(values)
    chosen = control.label(label) if label is not None else None
    if chosen is None:
        raise ServiceError(
            _(
                "Choose a label of %(control)s: %(allowed)s.",
                control=control.name,
                allowed=", ".join(map(str, control.values)),
            )
        )
    return chosen.value
