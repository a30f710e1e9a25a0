"""L1, L2 and E1: the audit chain, isolation of security data, and the data register."""

from __future__ import annotations

from flask_babel import lazy_gettext as _l
from sqlalchemy import case, func, select
from sqlalchemy.orm import Session

from app.models import AuditEvent, Batch, Dataset
from app.services.audit import verify_chain
from app.services.compliance.model import Evidence, RequirementStatus, Scope, Status
from app.services.compliance.requirements import requirement

# The provenance record each source type calls for (C §5.1c).
PROVENANCE = {
    "licensed": "licence",
    "open_source": "licence",
    "collected": "collection_record",
    "user_provided": "user_authorisation_reference",
}


def check_l1(session: Session, scope: Scope, retention_days: int) -> RequirementStatus:
    """Return L1: the hash chain of the audit trail verifies end to end."""
    req = requirement("L1")
    evidence = Evidence("audit.verify")
    report = verify_chain(session)
    oldest = session.scalar(select(func.min(AuditEvent.occurred_at)))
    facts = {
        "events": report.events,
        "head": report.head_hash,
        "problem": report.problem,
        "oldest": oldest.isoformat() if oldest else None,
        "retention_days": retention_days,
    }
    if not report.ok:
        return RequirementStatus(
            req,
            Status.FAILING,
            _l("The audit trail does not verify: %(problem)s.", problem=report.problem),
            evidence,
            facts,
        )
    if report.events == 0:
        return RequirementStatus(
            req, Status.NOT_APPLICABLE, _l("Nothing has been recorded yet."), evidence, facts
        )
    return RequirementStatus(
        req,
        Status.MET,
        _l(
            "%(n)d events chained and verified; kept %(days)d days.",
            n=report.events,
            days=retention_days,
        ),
        evidence,
        facts,
    )


def check_l2(session: Session, scope: Scope) -> RequirementStatus:
    """Return L2 (a recommendation): security batches do not share a dataset with functional
    ones."""
    req = requirement("L2")
    evidence = Evidence("datasets.index")
    kinds = session.execute(
        select(
            Batch.dataset_id,
            func.count(func.distinct(Batch.kind)),
            func.sum(case((Batch.kind == "security", 1), else_=0)),
        )
        .where(Batch.id.in_(scope.batch_ids()))
        .group_by(Batch.dataset_id)
    ).all()
    security = [ds for ds, _n, sec in kinds if sec]
    mixed = [ds for ds, n, sec in kinds if sec and n > 1]
    names = (
        dict(session.execute(select(Dataset.id, Dataset.name).where(Dataset.id.in_(mixed))).all())
        if mixed
        else {}
    )
    facts = {"datasets_with_security": len(security), "mixed": sorted(names.values())}
    if not security:
        return RequirementStatus(
            req, Status.NOT_APPLICABLE, _l("No security annotation yet."), evidence, facts
        )
    if mixed:
        return RequirementStatus(
            req,
            Status.WARNING,
            _l(
                "Datasets %(names)s hold security and functional batches together; keep security "
                "annotation in a dataset of its own.",
                names=", ".join(facts["mixed"]),
            ),
            evidence,
            facts,
        )
    return RequirementStatus(
        req,
        Status.MET,
        _l(
            "Security annotation is kept in %(n)d datasets of its own, each batch in its own "
            "Label Studio project.",
            n=len(security),
        ),
        evidence,
        facts,
    )


def check_e1(session: Session, scope: Scope) -> RequirementStatus:
    """Return E1: every dataset with work has its provenance record on file."""
    req = requirement("E1")
    evidence = Evidence("datasets.index")
    stmt = select(Dataset).where(
        Dataset.id.in_(select(Batch.dataset_id).where(Batch.id.in_(scope.batch_ids())))
    )
    datasets = session.scalars(stmt.order_by(Dataset.name)).all()
    if not datasets:
        return RequirementStatus(
            req, Status.NOT_APPLICABLE, _l("No dataset has batches yet."), evidence
        )
    missing = [d.name for d in datasets if not _has_provenance(d)]
    facts = {"datasets": [d.name for d in datasets], "without_provenance": missing}
    if missing:
        return RequirementStatus(
            req,
            Status.FAILING,
            _l(
                "Datasets %(names)s lack the provenance record their source calls for.",
                names=", ".join(missing),
            ),
            evidence,
            facts,
        )
    return RequirementStatus(
        req,
        Status.MET,
        _l(
            "All %(n)d datasets in use have their source, provenance, counts and rule versions "
            "on record.",
            n=len(datasets),
        ),
        evidence,
        facts,
    )


def _has_provenance(dataset: Dataset) -> bool:
    records = (
        dataset.licence,
        dataset.collection_record,
        dataset.contract_reference,
        dataset.user_authorisation_reference,
    )
    needed = PROVENANCE.get(dataset.source_type)
    if needed is not None:
        return bool(getattr(dataset, needed))
    return any(records)
