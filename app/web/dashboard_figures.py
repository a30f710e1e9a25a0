"""Figures the dashboard pages and their CSV exports share, cached where they scan the big
tables (see app/services/dashboard/cache.py)."""

from __future__ import annotations

from flask import current_app

from app.extensions import db
from app.services import compliance
from app.services.dashboard import agreement, annotators, filters
from app.services.dashboard import pace as pace_rules
from app.services.dashboard.cache import cached


def pace_policy() -> pace_rules.PacePolicy:
    """Return the P6 policy of this deployment."""
    return pace_rules.policy_from(current_app.config)


def limits() -> dict[int, float]:
    """Return the too-fast bar per rule version (cached: it scans all lead times)."""
    policy = pace_policy()
    return cached(("limits", policy), lambda: pace_rules.thresholds(db.session, policy))


def peers(flt: filters.DashboardFilter) -> dict[int, tuple[float | None, int]]:
    """Return each annotator's mean kappa with peers under the filter (cached)."""
    return cached(
        ("peers", flt.key()),
        lambda: agreement.peer_agreement(agreement.pair_lists(db.session, flt)),
    )


def pair_matrix(
    flt: filters.DashboardFilter, control: str | None, *, limit: int | None = None
) -> agreement.PairMatrix:
    """Return the annotator-pair kappas under the filter, one control or all (cached)."""
    return cached(
        ("pairs", flt.key(), control, limit),
        lambda: agreement.pair_matrix(
            db.session, agreement.pair_lists(db.session, flt), control, limit=limit
        ),
    )


def per_label(batch_id: int | None, control: str | None) -> list[agreement.LabelAgreement]:
    """Return per-label alpha with bootstrap CIs for one batch's control (cached until the
    batch's agreement is measured again)."""
    if batch_id is None or control is None:
        return []
    stamp = agreement.computed_at(db.session, batch_id)
    return cached(
        ("labels", batch_id, control, stamp),
        lambda: agreement.per_label(db.session, batch_id, control),
    )


def statuses(flt: filters.DashboardFilter) -> list[compliance.RequirementStatus]:
    """Return the compliance status per requirement for the filter's scope (cached)."""
    return cached(("compliance", flt.scope), lambda: compliance.check_all(db.session, flt.scope))


def annotator_table(flt: filters.DashboardFilter) -> list[annotators.AnnotatorRow]:
    """Return the annotators' rows under the filter (cached: medians scan the period)."""
    policy = pace_policy()
    return cached(
        ("annotators", flt.key(), policy),
        lambda: annotators.annotator_rows(
            db.session, flt, policy=policy, limits=limits(), peers=peers(flt)
        ),
    )
