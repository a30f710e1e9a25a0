"""R1–R7: the rule versions in force, their lint, and the binding of annotations to them."""

from __future__ import annotations

from functools import lru_cache

from flask_babel import lazy_gettext as _l
from sqlalchemy import func, select
from sqlalchemy.orm import Session

from app.models import Annotation, Batch, RuleVersion, VersionStatus
from app.services.compliance.model import (
    Evidence,
    RequirementStatus,
    Scope,
    Status,
    count,
    statuses_for,
)
from app.services.compliance.requirements import requirement
from app.services.rule_versions import rule_set_of
from labeling_rules import Finding, RuleSet, content_hash, lint_text, load_risks
from labeling_rules.messages import CATALOGUE

RULES_PAGE = Evidence("rules.index")


@lru_cache(maxsize=64)
def _lint(label: str, sha: str, content: str) -> tuple[Finding, ...]:
    return tuple(lint_text(content, source_name=label, lang="en"))


@lru_cache(maxsize=128)
def _hash(content: str) -> str:
    return content_hash(content)


def in_force(session: Session, scope: Scope) -> list[RuleVersion]:
    """Return the active rule versions in scope."""
    stmt = select(RuleVersion).where(RuleVersion.status == VersionStatus.ACTIVE)
    if scope.rule_set_id is not None:
        stmt = stmt.where(RuleVersion.rule_set_id == scope.rule_set_id)
    if scope.dataset_id is not None:
        stmt = stmt.where(
            RuleVersion.rule_set_id.in_(
                select(RuleVersion.rule_set_id)
                .join(Batch, Batch.rule_version_id == RuleVersion.id)
                .where(Batch.dataset_id == scope.dataset_id)
            )
        )
    return list(session.scalars(stmt.order_by(RuleVersion.id)))


def _findings(version: RuleVersion, requirement_id: str) -> list[Finding]:
    return [
        f
        for f in _lint(version.label, version.content_sha256, version.content)
        if CATALOGUE.get(f.code, {}).get("rule") == requirement_id
    ]


def _gaps_r1(rules: RuleSet) -> bool:
    return not (rules.objective and rules.fields and rules.controls and rules.quality)


def _gaps_r2(rules: RuleSet) -> bool:
    return rules.kind not in ("functional", "security") or not rules.checklist


def _gaps_r3(rules: RuleSet) -> bool:
    return not rules.task_type


def _gaps_r4(rules: RuleSet) -> bool:
    if rules.kind != "functional":
        return False
    labels = [label for _name, label in rules.labels]
    return not rules.raw.get("risky_content") or not any(
        label.positive and label.negative for label in labels
    )


def _gaps_r5(rules: RuleSet) -> bool:
    if rules.kind != "security":
        return False
    covered = set(rules.risk_map) | set(rules.out_of_scope)
    return not rules.raw.get("safe_response_guidance") or any(
        risk.code not in covered for risk in load_risks()
    )


def _gaps_r6(rules: RuleSet) -> bool:
    return not (
        rules.raw.get("error_spotting") and rules.checklist and rules.raw.get("incident_response")
    )


GAPS = {
    "R1": _gaps_r1,
    "R2": _gaps_r2,
    "R3": _gaps_r3,
    "R4": _gaps_r4,
    "R5": _gaps_r5,
    "R6": _gaps_r6,
}


def _shortfalls(versions: list[RuleVersion], requirement_id: str):
    """Return (labels of versions falling short, linter warnings) for one requirement."""
    failing, warnings = set(), []
    for version in versions:
        if GAPS[requirement_id](rule_set_of(version)):
            failing.add(version.label)
        for finding in _findings(version, requirement_id):
            if finding.is_error:
                failing.add(version.label)
            else:
                warnings.append(finding.format())
    return sorted(failing), warnings


def check_rule_content(session: Session, scope: Scope, requirement_id: str) -> RequirementStatus:
    """Return R1–R6: every version in force lints clean for the requirement and has the
    sections it asks for."""
    versions = in_force(session, scope)
    failing, warnings = _shortfalls(versions, requirement_id)
    kinds = sorted({rule_set_of(v).kind for v in versions})
    facts = {
        "versions": [v.label for v in versions],
        "failing_versions": failing,
        "lint_warnings": warnings,
    }
    say = statuses_for(requirement(requirement_id), RULES_PAGE, facts)
    if not versions:
        return say(
            Status.NOT_APPLICABLE,
            _l("No rule version is in force: publish, approve and activate one."),
        )
    if failing:
        return say(
            Status.FAILING,
            _l(
                "%(n)d of %(total)d rule versions in force fall short: %(labels)s.",
                n=len(failing),
                total=len(versions),
                labels=", ".join(failing),
            ),
        )
    if requirement_id == "R2" and scope.everything and kinds != ["functional", "security"]:
        return say(
            Status.WARNING,
            _l(
                "Only %(kinds)s rules are in force; functional and "
                "security annotation each need their own rule set.",
                kinds=", ".join(kinds),
            ),
        )
    if warnings:
        return say(
            Status.WARNING,
            _l("%(n)d linter warnings on the rule versions in force.", n=len(warnings)),
        )
    return say(Status.MET, _l("All %(n)d rule versions in force meet it.", n=len(versions)))


def check_r7(session: Session, scope: Scope) -> RequirementStatus:
    """Return R7: annotations carry their batch's rule version; published content unchanged."""
    in_scope = Annotation.batch_id.in_(scope.batch_ids())
    total = count(session, select(func.count(Annotation.id)).where(in_scope))
    mismatched = count(
        session,
        select(func.count(Annotation.id))
        .join(Batch, Batch.id == Annotation.batch_id)
        .where(Annotation.rule_version_id != Batch.rule_version_id, in_scope),
    )
    used = session.scalars(
        select(RuleVersion).where(
            RuleVersion.id.in_(select(Batch.rule_version_id).where(Batch.id.in_(scope.batch_ids())))
        )
    ).all()
    altered = [v.label for v in used if _hash(v.content) != v.content_sha256]
    facts = {"annotations": total, "other_version": mismatched, "altered_versions": altered}
    say = statuses_for(requirement("R7"), RULES_PAGE, facts)
    if total == 0:
        return say(
            Status.NOT_APPLICABLE, _l("No annotation yet: import a batch and have it annotated.")
        )
    if mismatched or altered:
        return say(
            Status.FAILING,
            _l(
                "%(n)d annotations name another rule version than their "
                "batch; %(m)d published versions no longer match their "
                "hash.",
                n=mismatched,
                m=len(altered),
            ),
        )
    return say(
        Status.MET,
        _l(
            "All %(n)d annotations are bound to their batch's rule version, "
            "whose content is unchanged since publishing.",
            n=total,
        ),
    )
