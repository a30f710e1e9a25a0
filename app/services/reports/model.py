"""Build the compliance report's facts: one section per requirement, Article 19, evidence.

The status of each requirement is the one `app.services.compliance` computes for the
dataset in scope (or the whole workbench); this module adds the evidence behind it, the
named gaps and what to do. Statuses read (met / not met / not applicable): a "warning"
of the checks (a recommendation, 宜, not followed, or a shortfall short of failure) is
reported as not met, with the check's own status kept in the JSON as `check_status`.
"""

from __future__ import annotations

from datetime import date, datetime
from importlib import metadata

from flask_babel import gettext as _
from sqlalchemy.orm import Session

from app.models import RuleVersion, utcnow
from app.services import compliance
from app.services.reports import article19, evidence, gaps
from app.services.reports.scope import ReportScope, batches_in_scope, datasets_in_scope

MET, NOT_MET, NOT_APPLICABLE = "met", "not_met", "not_applicable"
STATUS_OF_CHECK = {
    "met": MET,
    "warning": NOT_MET,
    "failing": NOT_MET,
    "not_applicable": NOT_APPLICABLE,
}


def generator_version() -> str:
    """Return the installed labelgate version."""
    try:
        return metadata.version("labelgate")
    except metadata.PackageNotFoundError:
        return "unknown"


def _plain(value):
    """Return `value` as JSON-ready data (lazy strings rendered, dates as ISO text)."""
    if isinstance(value, dict):
        return {str(k): _plain(v) for k, v in value.items()}
    if isinstance(value, list | tuple | set | frozenset):
        items = [_plain(v) for v in value]
        return sorted(items, key=str) if isinstance(value, set | frozenset) else items
    if isinstance(value, datetime | date):
        return value.isoformat()
    if value is None or isinstance(value, bool | int | float | str):
        return value
    return str(value)


def _detail_gaps(session: Session, batches) -> dict[str, list[dict]]:
    """Return the gaps named one by one, by requirement ID."""
    found: dict[str, list[dict]] = {"P2": [], "V1": [], "V2": []}
    for row in gaps.unqualified_work(session, {b.id for b in batches}):
        found["P2"].append(
            {
                "code": "annotator_without_pass",
                **row,
                "text": _(
                    "%(annotator)s made %(n)d annotations for %(rule_set)s (batches %(batches)s) "
                    "without a valid pass record.",
                    annotator=row["annotator"],
                    n=row["annotations"],
                    rule_set=row["rule_set"],
                    batches=", ".join(row["batches"]),
                ),
            }
        )
    for row in gaps.unchecked_batches(session, batches):
        text = (
            _(
                "Batch %(batch)s (%(state)s) was never spot-checked: it has no verification plan.",
                batch=row["batch"],
                state=row["state"],
            )
            if row["problem"] == "no_plan"
            else _(
                "Batch %(batch)s is %(state)s without a recorded decision.",
                batch=row["batch"],
                state=row["state"],
            )
        )
        found["V1"].append({"code": f"batch_{row['problem']}", **row, "text": text})
    for row in gaps.unreviewed_security_items(session, batches):
        found["V2"].append(
            {
                "code": "security_items_unreviewed",
                **row,
                "text": _(
                    "Security batch %(batch)s was decided (%(decision)s) with %(n)d of its "
                    "%(total)d items never reviewed: %(items)s.",
                    batch=row["batch"],
                    decision=row["decision"],
                    n=row["unreviewed"],
                    total=row["of"],
                    items=", ".join(row["items"]),
                ),
            }
        )
    return found


def _section(status, detail: list[dict]) -> dict:
    requirement = status.requirement
    state = STATUS_OF_CHECK[str(status.status)]
    section = {
        "id": requirement.id,
        "section": requirement.section,
        "name": str(requirement.name),
        "clauses": requirement.clauses,
        "status": state,
        "check_status": str(status.status),
        "summary": str(status.summary),
        "facts": _plain(dict(status.facts)),
        "evidence_endpoint": status.evidence.endpoint,
        "gaps": detail,
        "what_to_do": None,
    }
    if state == NOT_MET or detail:
        section["what_to_do"] = str(gaps.REMEDIES[requirement.id])
        if not detail:
            section["gaps"] = [{"code": "check", "text": str(status.summary)}]
    return section


def build_report(session: Session, scope: ReportScope, *, language: str) -> dict:
    """Return every fact of the report for `scope`, its texts in the current locale."""
    dataset_id = datasets_in_scope(session, scope)[0].id if scope.dataset else None
    # Checking the audit chain empties the session (it reads the chain in chunks), so the
    # checks run before any object the report keeps is loaded.
    statuses = compliance.check_all(session, compliance.Scope(dataset_id=dataset_id))
    chain = evidence.audit_chain(session, scope)
    generated_at = utcnow().isoformat(timespec="seconds")
    datasets = datasets_in_scope(session, scope)
    batches = batches_in_scope(session, scope)
    detail = _detail_gaps(session, batches)
    sections = [_section(s, detail.get(s.id, [])) for s in statuses]
    counts = {
        key: sum(1 for s in sections if s["status"] == key)
        for key in (MET, NOT_MET, NOT_APPLICABLE)
    }
    rule_set_ids = {session.get(RuleVersion, b.rule_version_id).rule_set_id for b in batches}
    return {
        "title": _("Compliance evidence pack"),
        "generator": {"name": "labelgate", "version": generator_version()},
        "generated_at": generated_at,
        "language": language,
        "filters": scope.as_dict(),
        "audit_chain": chain,
        "summary": counts,
        "requirements": sections,
        "datasets": article19.explain(session, datasets, batches),
        "evidence": {
            "rule_versions": evidence.rule_versions(session, scope, batches),
            "training": evidence.training(session, scope, rule_set_ids),
            "batches": [evidence.batch_evidence(session, b) for b in batches],
            "quarantine": evidence.quarantine(session, [b.id for b in batches]),
        },
    }
