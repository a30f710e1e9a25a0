"""Article 19 (E1): explain each dataset's sources, scale, types, rules, method and quality.

An inspector may ask for "the source, scale, type, labeling rules and algorithmic mechanism"
of training data. Per dataset this gathers, from the data register and the work recorded:
provenance (licence, collection record, contract, user authorisation: C §5.1c) and the
imported files with their SHA-256; counts of items, annotations and people; modality and
functional/security split; the rule versions in force over time; the labeling method the
rule set prescribes; and the quality statistics of V1–V7.
"""

from __future__ import annotations

from sqlalchemy import func, select
from sqlalchemy.orm import Session

from app.models import (
    Annotation,
    Batch,
    Dataset,
    Item,
    RuleVersion,
    User,
    VerificationRecord,
)
from app.services.reports.evidence import iso
from app.services.rule_versions import rule_set_of
from app.services.verification import coverage, plans
from app.services.verification.units import counted
from qa.accuracy import proportion_ci

CONFIDENCE = 0.95


def _provenance(session: Session, dataset: Dataset, batches: list[Batch]) -> dict:
    registered_by = session.get(User, dataset.created_by_id) if dataset.created_by_id else None
    return {
        "source_type": dataset.source_type,
        "licence": dataset.licence,
        "collection_record": dataset.collection_record,
        "contract_reference": dataset.contract_reference,
        "user_authorisation_reference": dataset.user_authorisation_reference,
        "contains_personal_information": dataset.contains_personal_information,
        "registered_at": iso(dataset.created_at),
        "registered_by": registered_by.email if registered_by else None,
        "imports": [
            {
                "batch": b.name,
                "file": b.source_filename,
                "sha256": b.source_sha256,
                "items": b.item_count,
                "imported_at": iso(b.created_at),
            }
            for b in batches
        ],
    }


def _scale(session: Session, batch_ids: list[int]) -> dict:
    ids = batch_ids or [-1]
    items = session.scalar(select(func.count(Item.id)).where(Item.batch_id.in_(ids))) or 0
    annotations, annotators = session.execute(
        counted(
            select(func.count(Annotation.id), func.count(func.distinct(Annotation.user_id))).where(
                Annotation.batch_id.in_(ids)
            )
        )
    ).one()
    verdicts, verifiers = session.execute(
        select(
            func.count(VerificationRecord.id),
            func.count(func.distinct(VerificationRecord.verifier_id)),
        ).where(
            VerificationRecord.batch_id.in_(ids),
            VerificationRecord.quarantined.is_(False),
            VerificationRecord.deleted_at.is_(None),
        )
    ).one()
    return {
        "batches": len(batch_ids),
        "items": items,
        "annotations": annotations,
        "annotators": annotators,
        "verdicts": verdicts,
        "verifiers": verifiers,
    }


def _types(dataset: Dataset, batches: list[Batch]) -> dict:
    kinds: dict[str, dict[str, int]] = {}
    for b in batches:
        entry = kinds.setdefault(b.kind, {"batches": 0, "items": 0})
        entry["batches"] += 1
        entry["items"] += b.item_count
    return {"modality": dataset.modality, "kinds": kinds}


def _rules_over_time(session: Session, batches: list[Batch]) -> list[dict]:
    """Return each rule version used, with its time in force and when work was done under it."""
    by_version: dict[int, list[Batch]] = {}
    for b in batches:
        by_version.setdefault(b.rule_version_id, []).append(b)
    result = []
    for version_id, used in sorted(by_version.items()):
        version = session.get(RuleVersion, version_id)
        first, last = session.execute(
            counted(
                select(
                    func.min(Annotation.ls_created_at), func.max(Annotation.ls_created_at)
                ).where(
                    Annotation.rule_version_id == version_id,
                    Annotation.batch_id.in_([b.id for b in used]),
                )
            )
        ).one()
        result.append(
            {
                "label": version.label,
                "sha256": version.content_sha256,
                "status": version.status,
                "activated_at": iso(version.activated_at),
                "retired_at": iso(version.retired_at),
                "first_annotation_at": iso(first),
                "last_annotation_at": iso(last),
                "batches": [b.name for b in used],
            }
        )
    return result


def _method(session: Session, batches: list[Batch]) -> list[dict]:
    """Return the labeling method each rule set used prescribes."""
    seen: dict[str, dict] = {}
    for b in batches:
        version = session.get(RuleVersion, b.rule_version_id)
        rules = rule_set_of(version)
        if rules.id in seen:
            continue
        q = rules.quality
        seen[rules.id] = {
            "rule_set": rules.id,
            "title": rules.title,
            "kind": rules.kind,
            "task_type": rules.task_type,
            "objective": rules.objective,
            "controls": [
                {"name": c.name, "type": c.type, "labels": len(c.labels)} for c in rules.controls
            ],
            "decision_steps": len(rules.decision_procedure),
            "target_accuracy": q.target_accuracy,
            "agreement": {
                "coefficient": q.agreement.coefficient,
                "threshold": q.agreement.threshold,
            },
            "sampling": q.sampling.kind,
            "overlap": {"fraction": q.overlap.fraction, "k": q.overlap.k},
            "training_modules": list(rules.training.modules),
            "pass_mark": rules.training.pass_mark,
        }
    return list(seen.values())


def _quality(session: Session, dataset: Dataset, batches: list[Batch]) -> dict:
    decisions = [plans.latest_decision(session, b.id) for b in batches]
    outcomes = {}
    reviewed = defects = 0
    for d in decisions:
        if d is None:
            continue
        outcomes[d.decision] = outcomes.get(d.decision, 0) + 1
        reviewed += d.reviewed
        defects += d.defects
    accuracy = low = high = None
    if reviewed:
        accuracy = (reviewed - defects) / reviewed
        low, high = (
            float(v)
            for v in proportion_ci(
                reviewed - defects, reviewed, method="wilson", confidence=CONFIDENCE
            )
        )
    cover = coverage.dataset_coverage(session, dataset.id)
    undecided = sum(1 for d in decisions if d is None)
    return {
        "decisions": outcomes,
        "undecided_batches": undecided,
        "reviewed": reviewed,
        "defects": defects,
        "accuracy": accuracy,
        "ci_low": low,
        "ci_high": high,
        "confidence": CONFIDENCE,
        "security_share": cover.share,
        "security_annotations": cover.security,
        "per_risk": cover.per_risk,
        "coverage_warnings": list(cover.warnings),
    }


def explain_dataset(session: Session, dataset: Dataset, batches: list[Batch]) -> dict:
    """Return the Article 19 explanation of one dataset over the given batches."""
    own = [b for b in batches if b.dataset_id == dataset.id]
    return {
        "name": dataset.name,
        "notes": dataset.notes,
        "sources": _provenance(session, dataset, own),
        "scale": _scale(session, [b.id for b in own]),
        "types": _types(dataset, own),
        "rule_versions": _rules_over_time(session, own),
        "method": _method(session, own),
        "quality": _quality(session, dataset, own),
    }


def explain(session: Session, datasets: list[Dataset], batches: list[Batch]) -> list[dict]:
    """Return the Article 19 explanation of every dataset, over the batches in scope."""
    return [explain_dataset(session, d, batches) for d in datasets]
