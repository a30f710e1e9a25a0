"""Draw a batch's verification plan from its rule version's sampling policy (V1, V2).

The plan (ISO 2859-1 with switching, an exact two-point plan, a precision target, a
sequential test, or a full review), its risks, its random seed and the drawn sample are
stored, so the same seed reproduces the same sample. The sample is stratified by annotator.
"""

from __future__ import annotations

import math
import secrets
from collections import deque
from dataclasses import dataclass, field

import numpy as np
from flask_babel import gettext as _
from scipy import optimize, stats
from sqlalchemy import select
from sqlalchemy.orm import Session

from app.models import (
    Batch,
    BatchDecision,
    Correction,
    SwitchingState,
    VerificationPlan,
    utcnow,
)
from app.services import audit
from app.services.actor import current_actor
from app.services.errors import Conflict, ServiceError
from app.services.verification.units import Unit, rules_of, units
from labeling_rules import SamplingPolicy
from qa.errors import QAError
from qa.sampling import (
    SPRT,
    Plan,
    SwitchingRules,
    design_plan,
    iso2859_single,
    oc_curve,
    sample_size_for_accuracy,
    stratified_sample,
)
from workflow import BatchEvent, next_state
from workflow.batches import admits

CONSUMER_RISK = 0.10  # the β at which the limiting quality of an ISO plan is stated


@dataclass
class Terms:
    """What a plan says before the sample is drawn."""

    kind: str
    n: int
    reason: str
    parameters: dict = field(default_factory=dict)
    code: str | None = None
    accept: int | None = None
    reject: int | None = None
    aql: float | None = None
    ltpd: float | None = None
    producer_risk: float | None = None
    consumer_risk: float | None = None
    inspection: str | None = None


def latest_plan(session: Session, batch_id: int) -> VerificationPlan | None:
    """Return the batch's newest plan, or None."""
    return session.scalar(
        select(VerificationPlan)
        .where(VerificationPlan.batch_id == batch_id)
        .order_by(VerificationPlan.round.desc())
        .limit(1)
    )


def latest_decision(session: Session, batch_id: int) -> BatchDecision | None:
    """Return the batch's newest decision, or None."""
    return session.scalar(
        select(BatchDecision)
        .where(BatchDecision.batch_id == batch_id)
        .order_by(BatchDecision.id.desc())
        .limit(1)
    )


def switching_rules(
    session: Session, rule_set_id: int, policy: SamplingPolicy, *, create: bool = True
) -> tuple[SwitchingState | None, SwitchingRules]:
    """Return the rule set's stored switching state and the rules object it stands for."""
    row = session.scalar(
        select(SwitchingState).where(
            SwitchingState.rule_set_id == rule_set_id, SwitchingState.aql == policy.aql
        )
    )
    if row is None and create:
        row = SwitchingState(
            rule_set_id=rule_set_id,
            aql=policy.aql,
            level=policy.level or "II",
            state=policy.inspection or "normal",
            switching_score=0,
            recent=[],
            tightened_run=0,
            tightened_rejects=0,
            lots=0,
        )
        session.add(row)
        session.flush()
    if row is None:
        return None, SwitchingRules(aql=policy.aql, level=policy.level or "II")
    # Reduced inspection needs the responsible authority's consent (ISO 2859-1 9.3.3):
    # the workbench never relaxes checking on its own.
    rules = SwitchingRules(
        aql=row.aql,
        level=row.level,
        reduced_allowed=False,
        state=row.state,
        switching_score=row.switching_score,
        _recent=deque(row.recent, maxlen=5),
        _tightened_run=row.tightened_run,
        _tightened_rejects=row.tightened_rejects,
    )
    return row, rules


def store_switching(row: SwitchingState, rules: SwitchingRules) -> None:
    """Write a rules object's state back to its row."""
    row.state, row.switching_score = rules.state, rules.switching_score
    row.recent = [bool(v) for v in rules._recent]
    row.tightened_run, row.tightened_rejects = rules._tightened_run, rules._tightened_rejects
    row.updated_at = utcnow()


def limiting_quality(plan: Plan, beta: float = CONSUMER_RISK) -> float:
    """Return the defect rate accepted with probability `beta` (the plan's LQ)."""
    if plan.accept >= plan.n:
        return 1.0
    return float(optimize.brentq(lambda p: float(oc_curve(plan, p)) - beta, 1e-9, 1 - 1e-9))


def _iso_terms(policy: SamplingPolicy, lot: int, rules: SwitchingRules) -> Terms:
    if rules.state == "discontinued":
        raise Conflict(
            _(
                "Inspection under this rule set is discontinued after five lots were "
                "not accepted on tightened inspection (ISO 2859-1 9.4). Record the "
                "corrective action with “labelgate verify resume”, then plan again."
            )
        )
    plan = iso2859_single(lot, policy.aql, level=policy.level or "II", inspection=rules.state)
    lq = limiting_quality(plan)
    return Terms(
        "aql",
        plan.n,
        f"ISO 2859-1 single sampling, level {policy.level}, "
        f"{rules.state} inspection, AQL {policy.aql:g} %, code letter {plan.code}",
        {
            "aql": policy.aql,
            "level": policy.level,
            "switching_score": rules.switching_score,
            "hundred_percent": plan.hundred_percent,
        },
        plan.code,
        plan.accept,
        plan.reject,
        policy.aql,
        round(lq * 100, 4),
        round(1.0 - float(oc_curve(plan, policy.aql / 100)), 6),
        CONSUMER_RISK,
        rules.state,
    )


def _exact_terms(policy: SamplingPolicy, lot: int) -> Terms:
    try:
        plan = design_plan(
            policy.aql / 100, policy.ltpd / 100, alpha=policy.alpha, beta=policy.beta, lot_size=lot
        )
    except QAError as err:
        raise ServiceError(str(err)) from err
    pa_aql = stats.hypergeom.cdf(plan.accept, lot, math.floor(policy.aql / 100 * lot), plan.n)
    pa_ltpd = stats.hypergeom.cdf(plan.accept, lot, math.ceil(policy.ltpd / 100 * lot), plan.n)
    return Terms(
        "exact",
        plan.n,
        f"exact two-point plan for AQL {policy.aql:g} % (α "
        f"{policy.alpha:g}) and LTPD {policy.ltpd:g} % (β {policy.beta:g})",
        {"aql": policy.aql, "ltpd": policy.ltpd, "alpha": policy.alpha, "beta": policy.beta},
        None,
        plan.accept,
        plan.reject,
        policy.aql,
        policy.ltpd,
        round(1.0 - float(pa_aql), 6),
        round(float(pa_ltpd), 6),
    )


def _terms(session: Session, batch: Batch, lot: int) -> Terms:
    version, rules = rules_of(session, batch)
    policy = rules.sampling
    if batch.kind == "security" or policy.kind == "full_review":
        why = (
            "security annotations: every item is reviewed (V2)"
            if batch.kind == "security"
            else "the rule set asks for a full review"
        )
        return Terms("full_review", lot, why, {"target_accuracy": rules.target_accuracy})
    if policy.kind == "aql":
        _row, switching = switching_rules(session, version.rule_set_id, policy)
        return _iso_terms(policy, lot, switching)
    if policy.kind == "exact":
        return _exact_terms(policy, lot)
    if policy.kind == "precision":
        n = sample_size_for_accuracy(policy.margin, confidence=policy.confidence, population=lot)
        return Terms(
            "precision",
            n,
            f"accuracy within ±{policy.margin:g} at "
            f"{policy.confidence:g} confidence (Cochran, worst case p = 0.5)",
            {
                "margin": policy.margin,
                "confidence": policy.confidence,
                "target_accuracy": rules.target_accuracy,
            },
        )
    test = SPRT(policy.p0, policy.p1, alpha=policy.alpha, beta=policy.beta)
    first = min(lot, max(1, math.ceil(test.expected_sample_number(policy.p0))))
    return Terms(
        "sprt",
        first,
        f"Wald SPRT of p ≤ {policy.p0:g} against p ≥ {policy.p1:g}",
        {"p0": policy.p0, "p1": policy.p1, "alpha": policy.alpha, "beta": policy.beta},
        aql=policy.p0 * 100,
        ltpd=policy.p1 * 100,
        producer_risk=policy.alpha,
        consumer_risk=policy.beta,
    )


def draw_sample(all_units: list[Unit], terms: Terms, seed: int) -> tuple[list[list[int]], dict]:
    """Return the sample as [item id, annotation id] pairs, and the count per annotator.

    Every annotator gets at least one item checked; an SPRT gets the whole batch in a
    random order that starts with one item of each annotator, and reviews follow it.
    """
    ids = np.arange(len(all_units))
    strata = np.array([u.annotator_id for u in all_units])
    n_strata = len(set(strata.tolist()))
    if terms.kind == "sprt":
        order = np.random.default_rng(seed).permutation(ids)
        firsts = {}
        for i in order.tolist():
            firsts.setdefault(int(strata[i]), i)
        rank = {i: r for r, i in enumerate(order.tolist())}
        head = sorted(firsts.values(), key=rank.__getitem__)
        first = set(head)
        chosen = head + [i for i in order.tolist() if i not in first]
        counts = {
            str(k): int(v) for k, v in zip(*np.unique(strata, return_counts=True), strict=True)
        }
    else:
        n = min(len(all_units), max(terms.n, n_strata))
        picked, taken = stratified_sample(ids, strata, n, seed=seed, min_per_stratum=1)
        chosen = picked.tolist()
        counts = {str(k): v for k, v in taken.items()}
    return [[all_units[i].item_id, all_units[i].annotation_id] for i in chosen], counts


def _check_plannable(session: Session, batch: Batch) -> int:
    """Return the round the next plan will be, or raise saying why none may be drawn."""
    if not admits(batch.state, BatchEvent.DRAW_PLAN):
        raise Conflict(
            _(
                "Batch %(batch)s is %(state)s: only a batch being annotated or "
                "verified, or a rejected one after its corrections, gets a plan.",
                batch=batch.name,
                state=batch.state,
            )
        )
    plan = latest_plan(session, batch.id)
    if plan is None:
        return 1
    decision = latest_decision(session, batch.id)
    if decision is None or decision.plan_id != plan.id:
        raise Conflict(
            _(
                "Batch %(batch)s already has plan round %(round)d without a decision. "
                "Decide it first.",
                batch=batch.name,
                round=plan.round,
            )
        )
    open_corrections = session.scalar(
        select(Correction.id)
        .where(
            Correction.batch_id == batch.id,
            Correction.status.in_(("assigned", "corrected", "re_review_failed")),
        )
        .limit(1)
    )
    if open_corrections is not None or not session.scalar(
        select(Correction.id).where(Correction.batch_id == batch.id).limit(1)
    ):
        raise Conflict(
            _(
                "Batch %(batch)s may be verified again only after its flagged items "
                "were corrected and every correction re-reviewed.",
                batch=batch.name,
            )
        )
    return plan.round + 1


def _new_plan(
    batch: Batch, next_round: int, terms: Terms, lot: int, sample: list, strata: dict, seed: int
) -> VerificationPlan:
    """Return the plan row for the drawn terms and sample."""
    return VerificationPlan(
        batch_id=batch.id,
        rule_version_id=batch.rule_version_id,
        round=next_round,
        kind=terms.kind,
        parameters=terms.parameters,
        lot_size=lot,
        code_letter=terms.code,
        sample_size=min(terms.n if terms.kind == "sprt" else len(sample), len(sample)),
        accept_number=terms.accept,
        reject_number=terms.reject,
        aql=terms.aql,
        ltpd=terms.ltpd,
        producer_risk=terms.producer_risk,
        consumer_risk=terms.consumer_risk,
        inspection=terms.inspection,
        seed=seed,
        sample=sample,
        strata=strata,
        reason=terms.reason,
        created_by=current_actor().name,
    )


def draw_plan(session: Session, batch: Batch, *, seed: int | None = None) -> VerificationPlan:
    """Draw and store the batch's next verification plan and its sample."""
    next_round = _check_plannable(session, batch)
    seed = secrets.randbits(48) if seed is None else seed
    if not 0 <= seed < 2**62:
        raise ServiceError(_("The seed must be a whole number between 0 and 2^62."))
    all_units = units(session, batch, seed)
    missing = batch.item_count - len(all_units)
    if missing:
        raise Conflict(
            _(
                "%(n)d items of batch %(batch)s have no counted annotation yet. Sync "
                "the batch, or wait until annotation is complete.",
                n=missing,
                batch=batch.name,
            )
        )
    terms = _terms(session, batch, len(all_units))
    sample, strata = draw_sample(all_units, terms, seed)
    plan = _new_plan(batch, next_round, terms, len(all_units), sample, strata, seed)
    session.add(plan)
    before = batch.state
    batch.state = next_state(batch.state, BatchEvent.DRAW_PLAN)
    session.flush()
    audit.record(
        session,
        "verification.plan",
        "batch",
        batch.id,
        before={"state": before},
        after={
            "state": batch.state,
            "plan": plan.id,
            "round": plan.round,
            "kind": plan.kind,
            "n": plan.sample_size,
            "accept": plan.accept_number,
            "reject": plan.reject_number,
            "seed": seed,
            "reason": plan.reason,
        },
    )
    return plan


def redraw_sample(session: Session, plan: VerificationPlan) -> list[list[int]]:
    """Return the sample the plan's seed gives on the batch's data (to prove reproducibility)."""
    batch = session.get(Batch, plan.batch_id)
    terms = Terms(plan.kind, plan.sample_size, plan.reason)
    if plan.kind != "sprt":
        terms.n = len(plan.sample)
    sample, _strata = draw_sample(units(session, batch, plan.seed), terms, plan.seed)
    return sample


def extend_sequential(session: Session, plan: VerificationPlan, step: int) -> int:
    """Release the next `step` items of a sequential plan for review; return the new size."""
    if plan.kind != "sprt":
        raise Conflict(_("Only a sequential plan grows item by item."))
    before = plan.sample_size
    plan.sample_size = min(len(plan.sample), before + max(1, step))
    audit.record(
        session,
        "verification.extend",
        "verification_plan",
        plan.id,
        before={"n": before},
        after={"n": plan.sample_size},
    )
    return plan.sample_size


def resume_inspection(session: Session, batch: Batch, note: str) -> SwitchingState:
    """Resume discontinued inspection on tightened terms after corrective action."""
    version, rules = rules_of(session, batch)
    if rules.sampling.kind != "aql":
        raise Conflict(_("This rule set does not use ISO 2859-1 switching."))
    row, switching = switching_rules(session, version.rule_set_id, rules.sampling, create=False)
    if row is None or row.state != "discontinued":
        raise Conflict(_("Inspection is not discontinued; nothing to resume."))
    if not note.strip():
        raise ServiceError(_("Describe the corrective action taken."))
    switching.resume()
    store_switching(row, switching)
    audit.record(
        session,
        "verification.resume",
        "switching_state",
        row.id,
        before={"state": "discontinued"},
        after={"state": row.state},
        note=note[:500],
    )
    return row
