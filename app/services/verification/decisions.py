"""Accept, reject or void a batch by its plan, with the accuracy estimate and its CI (V1, V2).

A counted verdict flagging illegal or harmful content voids the batch at once. A security
batch is reviewed in full and void when its failures exceed 5 %. Otherwise the plan
decides: defects against Ac/Re (ISO 2859-1 or exact plans, switching state updated after a
first-round decision), the accuracy estimate against the target (precision or full review),
or Wald's sequential test.
"""

from __future__ import annotations

from dataclasses import dataclass

from flask_babel import gettext as _
from sqlalchemy import select
from sqlalchemy.orm import Session

from app.models import (
    Batch,
    BatchDecision,
    BatchState,
    ReviewTask,
    VerificationPlan,
    VerificationRecord,
)
from app.services import audit
from app.services.actor import current_actor
from app.services.errors import Conflict
from app.services.verification import plans
from app.services.verification.units import rules_of
from qa.accuracy import proportion_ci
from qa.sampling import SPRT
from workflow import BatchEvent, next_state

CONFIDENCE = 0.95
CI_METHOD = "wilson"
SECURITY_VOID_RATE = 0.05
SPRT_STEP = 10


@dataclass(frozen=True)
class Tally:
    """Verdicts counted so far on a plan's sample, in sample order."""

    outcomes: list[bool]  # True = the annotation was correct
    pending: int
    illegal: int
    ordered: list[bool | None]  # per sample position; None while its verdict is missing


def counted_verdict(session: Session, task_id: int) -> VerificationRecord | None:
    """Return the counted verdict of a review task, or None while it has none."""
    return session.scalar(
        select(VerificationRecord)
        .where(
            VerificationRecord.task_id == task_id,
            VerificationRecord.quarantined.is_(False),
            VerificationRecord.deleted_at.is_(None),
            VerificationRecord.correct.is_not(None),
        )
        .order_by(VerificationRecord.id.desc())
        .limit(1)
    )


def tally(session: Session, plan: VerificationPlan) -> Tally:
    """Return the plan's verdicts in sample order and how many tasks still wait."""
    tasks = session.scalars(
        select(ReviewTask.id)
        .where(ReviewTask.plan_id == plan.id, ReviewTask.purpose == "sample")
        .order_by(ReviewTask.position)
    ).all()
    # One query for every counted verdict of the plan; the newest per task wins.
    verdicts: dict[int, VerificationRecord] = {}
    for record in session.scalars(
        select(VerificationRecord)
        .join(ReviewTask, ReviewTask.id == VerificationRecord.task_id)
        .where(
            ReviewTask.plan_id == plan.id,
            ReviewTask.purpose == "sample",
            VerificationRecord.quarantined.is_(False),
            VerificationRecord.deleted_at.is_(None),
            VerificationRecord.correct.is_not(None),
        )
        .order_by(VerificationRecord.id)
    ):
        verdicts[record.task_id] = record
    ordered = [verdicts[t].correct if t in verdicts else None for t in tasks]
    outcomes = [bool(v) for v in ordered if v is not None]
    pending = ordered.count(None) + max(0, plan.sample_size - len(tasks))
    illegal = sum(verdicts[t].illegal_content for t in tasks if t in verdicts)
    return Tally(outcomes, pending, illegal, ordered)


def _interval(n: int, correct: int, confidence: float) -> tuple[float | None, ...]:
    if n == 0:
        return None, None, None
    low, high = proportion_ci(correct, n, method=CI_METHOD, confidence=confidence)
    return correct / n, float(low), float(high)


def void_batch(session: Session, batch: Batch, *, record: VerificationRecord) -> BatchDecision:
    """Void the batch at once because a verdict found illegal or harmful content (V1)."""
    if batch.state == BatchState.VOID:  # a further finding changes nothing: void is final
        return plans.latest_decision(session, batch.id)
    plan = plans.latest_plan(session, batch.id)
    decision = BatchDecision(
        batch_id=batch.id,
        plan_id=plan.id if plan else None,
        decision="void",
        reviewed=0,
        defects=0,
        confidence=CONFIDENCE,
        ci_method=CI_METHOD,
        reasons=[{"code": "illegal_content", "record": record.id, "item": record.item_id}],
        decided_by=current_actor().name,
    )
    if plan is not None:
        counts = tally(session, plan)
        decision.reviewed = len(counts.outcomes)
        decision.defects = counts.outcomes.count(False)
        decision.accuracy, decision.ci_low, decision.ci_high = _interval(
            decision.reviewed, decision.reviewed - decision.defects, CONFIDENCE
        )
    session.add(decision)
    before = batch.state
    batch.state = next_state(batch.state, BatchEvent.VOID)
    session.flush()
    audit.record(
        session,
        "batch.void",
        "batch",
        batch.id,
        before={"state": before},
        after={
            "state": batch.state,
            "decision": decision.id,
            "record": record.id,
            "item": record.item_id,
        },
        reason="illegal or harmful content (V1)",
    )
    return decision


def _by_plan(
    session: Session, batch: Batch, plan: VerificationPlan, n: int, defects: int
) -> tuple[str, list[dict], str | None]:
    """Return (decision, reasons, next inspection) for a fixed-size plan."""
    _version, rules = rules_of(session, batch)
    accuracy = (n - defects) / n
    if batch.kind == "security":
        rate = defects / n
        void = rate > SECURITY_VOID_RATE
        return (
            "void" if void else "accepted",
            [
                {
                    "code": "security_failures_exceed" if void else "security_failures_within",
                    "failures": defects,
                    "n": n,
                    "rate": round(rate, 6),
                    "limit": SECURITY_VOID_RATE,
                }
            ],
            None,
        )
    if plan.kind in ("aql", "exact"):
        accepted = defects < plan.reject_number
        reason = {
            "code": "defects_accept" if accepted else "defects_reject",
            "defects": defects,
            "n": n,
            "accept": plan.accept_number,
            "reject": plan.reject_number,
        }
        return (
            "accepted" if accepted else "rejected",
            [reason],
            _switch(session, batch, plan, defects),
        )
    target = rules.target_accuracy
    accepted = accuracy >= target
    return (
        "accepted" if accepted else "rejected",
        [
            {
                "code": "accuracy_meets" if accepted else "accuracy_below",
                "accuracy": round(accuracy, 6),
                "target": target,
                "n": n,
            }
        ],
        None,
    )


def _switch(session: Session, batch: Batch, plan: VerificationPlan, defects: int) -> str | None:
    """Move the rule set's ISO 2859-1 switching state on after a first-round decision."""
    if plan.kind != "aql" or plan.round != 1:
        return None
    version, rules = rules_of(session, batch)
    row, switching = plans.switching_rules(session, version.rule_set_id, rules.sampling)
    switching.state = plan.inspection or switching.state
    switching.record(plan.lot_size, defects)
    plans.store_switching(row, switching)
    row.lots += 1
    return row.state


def _sequential(
    session: Session, plan: VerificationPlan, counts: Tally
) -> tuple[str | None, list[dict], int]:
    """Walk the verdicts in sample order until Wald's test decides (a gap stops the walk)."""
    p = plan.parameters
    test = SPRT(p["p0"], p["p1"], alpha=p["alpha"], beta=p["beta"])
    defects, n = 0, 0
    for n, correct in enumerate(counts.ordered, start=1):
        if correct is None:
            return None, [], n - 1
        defects += not correct
        verdict = test.decide(n, defects)
        if verdict != "continue":
            return (
                "accepted" if verdict == "accept" else "rejected",
                [{"code": f"sprt_{verdict}", "defects": defects, "n": n}],
                n,
            )
    return None, [], n


def decide(session: Session, batch: Batch) -> BatchDecision | None:
    """Decide the batch by its current plan; None when a sequential plan needs more reviews."""
    plan = plans.latest_plan(session, batch.id)
    if plan is None or batch.state != BatchState.VERIFYING:
        raise Conflict(
            _(
                "Batch %(batch)s is not under verification (state %(state)s): draw a "
                "plan and have it reviewed first.",
                batch=batch.name,
                state=batch.state,
            )
        )
    counts = tally(session, plan)
    if plan.kind == "sprt":
        decision, reasons, n = _sequential(session, plan, counts)
        if decision is None:
            if counts.pending:
                raise Conflict(
                    _(
                        "%(n)d sampled reviews of batch %(batch)s are outstanding.",
                        n=counts.pending,
                        batch=batch.name,
                    )
                )
            if plan.sample_size < len(plan.sample):
                plans.extend_sequential(session, plan, SPRT_STEP)
                return None
            decision, reasons = _by_plan(session, batch, plan, n, counts.outcomes.count(False))[:2]
        outcomes, inspection_next = counts.outcomes[:n], None
    else:
        if counts.pending:
            raise Conflict(
                _(
                    "%(n)d sampled reviews of batch %(batch)s are outstanding.",
                    n=counts.pending,
                    batch=batch.name,
                )
            )
        outcomes = counts.outcomes
        decision, reasons, inspection_next = _by_plan(
            session, batch, plan, len(outcomes), outcomes.count(False)
        )
    return _record(session, batch, plan, decision, reasons, outcomes, inspection_next)


def _record(
    session: Session,
    batch: Batch,
    plan: VerificationPlan,
    decision: str,
    reasons: list[dict],
    outcomes: list[bool],
    inspection_next: str | None,
) -> BatchDecision:
    confidence = float(plan.parameters.get("confidence", CONFIDENCE))
    n, defects = len(outcomes), outcomes.count(False)
    accuracy, low, high = _interval(n, n - defects, confidence)
    row = BatchDecision(
        batch_id=batch.id,
        plan_id=plan.id,
        decision=decision,
        reviewed=n,
        defects=defects,
        accuracy=accuracy,
        ci_low=low,
        ci_high=high,
        confidence=confidence,
        ci_method=CI_METHOD,
        reasons=reasons,
        inspection_next=inspection_next,
        decided_by=current_actor().name,
    )
    session.add(row)
    before = batch.state
    batch.state = next_state(batch.state, {
        "accepted": BatchEvent.ACCEPT,
        "rejected": BatchEvent.REJECT,
        "void": BatchEvent.VOID,
    }[decision])
    session.flush()
    audit.record(
        session,
        "batch.decide",
        "batch",
        batch.id,
        before={"state": before},
        after={
            "state": batch.state,
            "decision": decision,
            "plan": plan.id,
            "n": n,
            "defects": defects,
            "accuracy": accuracy,
            "ci": [low, high],
            "confidence": confidence,
            "reasons": reasons,
            "inspection_next": inspection_next,
        },
    )
    return row


def reason_text(reason: dict) -> str:
    """Return a stored decision reason as a sentence in the current language."""
    code, p = reason.get("code"), reason
    if code == "illegal_content":
        return _(
            "A verifier flagged illegal or harmful content (item %(item)s): the batch is "
            "void (V1).",
            item=p.get("item"),
        )
    if code == "security_failures_exceed":
        return _(
            "%(failures)d of %(n)d security annotations failed review, more than 5 %%: "
            "the batch is void (V2).",
            failures=p["failures"],
            n=p["n"],
        )
    if code == "security_failures_within":
        return _(
            "%(failures)d of %(n)d security annotations failed review, within 5 %%.",
            failures=p["failures"],
            n=p["n"],
        )
    if code in ("defects_accept", "defects_reject"):
        return _(
            "%(defects)d defects in %(n)d sampled items; accept with at most %(ac)d, "
            "reject from %(re)d.",
            defects=p["defects"],
            n=p["n"],
            ac=p["accept"],
            re=p["reject"],
        )
    if code in ("accuracy_meets", "accuracy_below"):
        return _(
            "Accuracy %(accuracy).3f on %(n)d items against the target %(target).3f.",
            accuracy=p["accuracy"],
            n=p["n"],
            target=p["target"],
        )
    if code in ("sprt_accept", "sprt_reject"):
        return _(
            "The sequential test decided after %(n)d items with %(defects)d defects.",
            n=p["n"],
            defects=p["defects"],
        )
    return str(reason)
