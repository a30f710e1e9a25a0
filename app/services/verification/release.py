"""Release accepted, final labels as JSONL with a manifest of their evidence (V1–V7, E1).

Only accepted batches whose flagged items are all corrected and re-reviewed, whose
disagreements are all arbitrated and whose agreement reaches the rule set's threshold are
released; every refusal names its reason. Each line carries the item's rule version,
annotators, verification status and provenance; the manifest holds the counts, SHA-256
hashes, plans, decisions, agreement and accuracy intervals.
"""

from __future__ import annotations

import hashlib
import json
from pathlib import Path

from flask_babel import gettext as _
from flask_babel import lazy_gettext as _l
from sqlalchemy import func, select
from sqlalchemy.orm import Session

from app.models import (
    AgreementReport,
    Arbitration,
    Batch,
    BatchDecision,
    BatchState,
    ConsensusLabel,
    Correction,
    Dataset,
    Item,
    Release,
    ReviewTask,
    RuleVersion,
    VerificationPlan,
    VerificationRecord,
    utcnow,
)
from app.services import audit
from app.services.actor import current_actor
from app.services.batches import batch_by_ref
from app.services.errors import Conflict, ServiceError
from app.services.verification import corrections
from app.services.verification.units import current_annotations, original_annotations
from workflow import BatchEvent, next_state

LABELS = "labels.jsonl"
MANIFEST = "manifest.json"
STATE_REASONS = {
    BatchState.IMPORTED: _l("it is not verified"),
    BatchState.ANNOTATING: _l("it is not verified"),
    BatchState.VERIFYING: _l("its verification is not decided"),
    BatchState.REJECTED: _l("it was rejected"),
    BatchState.VOID: _l("it is void"),
    BatchState.RELEASED: _l("it was released already"),
}


def pseudonym(user_id: int | None) -> str:
    """Return how a release names a person (their id, not their name or e-mail)."""
    return f"u{user_id}"


def refusals(session: Session, batch: Batch) -> list[str]:
    """Return every reason the batch may not be released (empty when it may)."""
    if batch.state != BatchState.ACCEPTED:
        return [
            _(
                "Batch %(batch)s: %(why)s.",
                batch=batch.name,
                why=str(STATE_REASONS[BatchState(batch.state)]),
            )
        ]
    reasons = []
    open_corrections = session.scalar(
        select(func.count(Correction.id)).where(
            Correction.batch_id == batch.id, Correction.status.in_(corrections.OPEN)
        )
    )
    if open_corrections:
        reasons.append(
            _(
                "Batch %(batch)s: %(n)d corrections are not re-reviewed and archived (V5).",
                batch=batch.name,
                n=open_corrections,
            )
        )
    uncorrected = len(corrections.flagged(session, batch))
    if uncorrected:
        reasons.append(
            _(
                "Batch %(batch)s: %(n)d flagged items are not corrected (V1, V5).",
                batch=batch.name,
                n=uncorrected,
            )
        )
    open_arbitrations = session.scalar(
        select(func.count(Arbitration.id)).where(
            Arbitration.batch_id == batch.id, Arbitration.status == "open"
        )
    )
    if open_arbitrations:
        reasons.append(
            _(
                "Batch %(batch)s: %(n)d disagreements await an arbitrator (P7).",
                batch=batch.name,
                n=open_arbitrations,
            )
        )
    return reasons + _agreement_refusals(session, batch)


def _agreement_refusals(session: Session, batch: Batch) -> list[str]:
    overlapped = any(
        len({a.user_id for a in anns}) > 1
        for anns in original_annotations(session, batch.id).values()
    )
    reports = session.scalars(
        select(AgreementReport)
        .where(AgreementReport.batch_id == batch.id)
        .order_by(AgreementReport.control)
    ).all()
    if overlapped and not reports:
        return [
            _(
                "Batch %(batch)s: agreement on its overlapped items was not computed (P7).",
                batch=batch.name,
            )
        ]
    reasons = []
    for report in reports:
        if report.estimate is None and (report.observed_agreement or 0.0) < 1.0:
            reasons.append(
                _(
                    "Batch %(batch)s: agreement on %(control)s could not be measured.",
                    batch=batch.name,
                    control=report.control,
                )
            )
        elif report.estimate is not None and report.estimate < report.threshold:
            reasons.append(
                _(
                    "Batch %(batch)s: %(coefficient)s on %(control)s is %(value).3f, "
                    "below the rule set's threshold %(threshold).2f.",
                    batch=batch.name,
                    coefficient=report.coefficient,
                    control=report.control,
                    value=report.estimate,
                    threshold=report.threshold,
                )
            )
    return reasons


def release(session: Session, refs: list[str], out_dir: Path) -> Release:
    """Write labels.jsonl and manifest.json for the batches, or refuse naming every reason."""
    if not refs:
        raise ServiceError(_("Name at least one batch to release."))
    chosen = [batch_by_ref(session, ref) for ref in refs]
    reasons = [reason for batch in chosen for reason in refusals(session, batch)]
    if reasons:
        raise Conflict("\n".join([_("Nothing was released:"), *reasons]))
    out_dir = Path(out_dir)
    if (out_dir / LABELS).exists() or (out_dir / MANIFEST).exists():
        raise Conflict(
            _("%(dir)s already holds a release; choose an empty folder.", dir=str(out_dir))
        )
    out_dir.mkdir(parents=True, exist_ok=True)
    lines, summaries = [], []
    for batch in chosen:
        batch_lines, facts = _batch_lines(session, batch)
        lines.extend(batch_lines)
        summaries.append(facts)
    text = "".join(json.dumps(line, ensure_ascii=False, sort_keys=True) + "\n" for line in lines)
    (out_dir / LABELS).write_text(text, encoding="utf-8")
    labels_sha = hashlib.sha256(text.encode("utf-8")).hexdigest()
    manifest = {
        "created_at": utcnow().isoformat(),
        "created_by": current_actor().name,
        "files": {LABELS: {"sha256": labels_sha, "lines": len(lines)}},
        "counts": {
            "batches": len(chosen),
            "items": len(lines),
            "discarded": sum(f["discarded"] for f in summaries),
        },
        "batches": summaries,
    }
    manifest_text = json.dumps(manifest, ensure_ascii=False, indent=2, sort_keys=True) + "\n"
    (out_dir / MANIFEST).write_text(manifest_text, encoding="utf-8")
    row = Release(
        batch_ids=[b.id for b in chosen],
        manifest=manifest,
        labels_sha256=labels_sha,
        manifest_sha256=hashlib.sha256(manifest_text.encode()).hexdigest(),
        out_dir=str(out_dir.resolve())[:500],
        created_by=current_actor().name,
    )
    session.add(row)
    for batch in chosen:
        batch.state = next_state(batch.state, BatchEvent.RELEASE)
    session.flush()
    audit.record(
        session,
        "batch.release",
        "release",
        row.id,
        after={
            "batches": [b.name for b in chosen],
            "items": len(lines),
            "labels_sha256": labels_sha,
            "manifest_sha256": row.manifest_sha256,
        },
    )
    return row


def _batch_lines(session: Session, batch: Batch) -> tuple[list[dict], dict]:
    version = session.get(RuleVersion, batch.rule_version_id)
    dataset = session.get(Dataset, batch.dataset_id)
    originals = original_annotations(session, batch.id)
    corrected = current_annotations(session, batch.id)
    consensus: dict[int, dict] = {}
    for row in session.scalars(select(ConsensusLabel).where(ConsensusLabel.batch_id == batch.id)):
        consensus.setdefault(row.item_id, {})[row.control] = row
    discarded = set(
        session.scalars(
            select(Arbitration.item_id).where(
                Arbitration.batch_id == batch.id, Arbitration.outcome == "discard"
            )
        )
    )
    verdicts = _verdicts(session, batch)
    lines = []
    for item in session.scalars(select(Item).where(Item.batch_id == batch.id).order_by(Item.id)):
        if item.id in discarded:
            continue
        anns = originals.get(item.id, [])
        final = corrected.get(item.id) or anns[0]
        labels = dict(final.result or {})
        methods = {}
        for control, row in consensus.get(item.id, {}).items():
            if item.id not in corrected:
                labels[control], methods[control] = row.label["value"], row.method
        lines.append(
            {
                "item": item.external_id,
                "batch": batch.name,
                "data": item.data,
                "labels": labels,
                "rule_version": version.label,
                "rule_version_sha256": version.content_sha256,
                "annotators": sorted({pseudonym(a.user_id) for a in anns}),
                "verification": {
                    **verdicts.get(item.id, {"sampled": False}),
                    "corrected": item.id in corrected,
                    "consensus": methods,
                },
                "provenance": {
                    "dataset": dataset.name,
                    "source_type": dataset.source_type,
                    "licence": dataset.licence,
                    "source_file": batch.source_filename,
                    "source_sha256": batch.source_sha256,
                    "source_line": item.source_line,
                },
            }
        )
    return lines, _facts(session, batch, version, len(lines), len(discarded))


def _verdicts(session: Session, batch: Batch) -> dict[int, dict]:
    result = {}
    for record, purpose in session.execute(
        select(VerificationRecord, ReviewTask.purpose)
        .join(ReviewTask, ReviewTask.id == VerificationRecord.task_id)
        .where(
            VerificationRecord.batch_id == batch.id,
            VerificationRecord.quarantined.is_(False),
            VerificationRecord.deleted_at.is_(None),
        )
        .order_by(VerificationRecord.id)
    ):
        result[record.item_id] = {
            "sampled": True,
            "purpose": purpose,
            "verdict": "correct" if record.correct else "incorrect",
            "verifier": pseudonym(record.verifier_id),
            "reviewed_at": record.reviewed_at.isoformat() if record.reviewed_at else None,
        }
    return result


PLAN_FIELDS = {
    "round": "round",
    "kind": "kind",
    "reason": "reason",
    "lot_size": "lot_size",
    "n": "sample_size",
    "accept": "accept_number",
    "reject": "reject_number",
    "code_letter": "code_letter",
    "aql": "aql",
    "ltpd": "ltpd",
    "producer_risk": "producer_risk",
    "consumer_risk": "consumer_risk",
    "inspection": "inspection",
    "seed": "seed",
}
DECISION_FIELDS = (
    "decision",
    "reviewed",
    "defects",
    "accuracy",
    "confidence",
    "ci_method",
    "reasons",
)
AGREEMENT_FIELDS = ("control", "coefficient", "estimate", "threshold", "items")


def _rows(session: Session, model, batch_id: int, order) -> list:
    return session.scalars(select(model).where(model.batch_id == batch_id).order_by(order)).all()


def _facts(
    session: Session, batch: Batch, version: RuleVersion, released: int, discarded: int
) -> dict:
    """Return the manifest's account of one batch: plans, decisions, agreement, counts."""
    plans = _rows(session, VerificationPlan, batch.id, VerificationPlan.round)
    decisions = _rows(session, BatchDecision, batch.id, BatchDecision.id)
    reports = _rows(session, AgreementReport, batch.id, AgreementReport.control)
    return {
        "id": batch.id,
        "name": batch.name,
        "kind": batch.kind,
        "rule_version": version.label,
        "items": batch.item_count,
        "released_items": released,
        "discarded": discarded,
        "source_sha256": batch.source_sha256,
        "plans": [{k: getattr(p, a) for k, a in PLAN_FIELDS.items()} for p in plans],
        "decisions": [
            {
                **{k: getattr(d, k) for k in DECISION_FIELDS},
                "ci": [d.ci_low, d.ci_high],
                "decided_at": d.decided_at.isoformat(),
            }
            for d in decisions
        ],
        "agreement": [
            {**{k: getattr(r, k) for k in AGREEMENT_FIELDS}, "ci": [r.ci_low, r.ci_high]}
            for r in reports
        ],
        "corrections": session.scalar(
            select(func.count(Correction.id)).where(
                Correction.batch_id == batch.id, Correction.status == "archived"
            )
        ),
    }
