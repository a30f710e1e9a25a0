"""Move a version through draft → approved → active → retired; one active version per set."""

from __future__ import annotations

from dataclasses import dataclass

from flask_babel import gettext as _
from sqlalchemy import select
from sqlalchemy.orm import Session

from app.models import Qualification, RuleSetRecord, RuleVersion, User, VersionStatus, utcnow
from app.services import audit
from app.services.errors import Conflict, Forbidden
from app.services.rules.lookup import ACTIVATORS, APPROVERS, semver, status_name
from workflow import QualificationStatus

LAPSE_REASON = "rule set {key} changed to major version {major}: retraining required"


@dataclass(frozen=True)
class Activation:
    """The version made active, the one it replaced, and how many qualifications lapsed."""

    version: RuleVersion
    replaced: RuleVersion | None
    lapsed: int


def approve(session: Session, version: RuleVersion, approver: User) -> RuleVersion:
    """Approve a draft: the approver is a QA lead who did not author it."""
    _lock(session, version)
    key = version.rule_set.key
    if not approver.is_active_account or not approver.has_role(*APPROVERS, rule_set=key):
        raise Forbidden(
            _(
                "Only a QA lead may approve a rule version; %(email)s is not one.",
                email=approver.email,
            )
        )
    if approver.id == version.author_id or approver.email == version.author_name:
        raise Forbidden(
            _(
                "%(email)s wrote %(label)s and so may not approve it; another QA lead must.",
                email=approver.email,
                label=version.label,
            )
        )
    if version.status != VersionStatus.DRAFT:
        raise Conflict(
            _(
                "%(label)s is %(status)s; only a draft can be approved.",
                label=version.label,
                status=status_name(version.status),
            )
        )
    version.status = VersionStatus.APPROVED
    version.approved_by_id = approver.id
    version.approved_at = utcnow()
    _audit_status(
        session, "rules.approve", version, VersionStatus.DRAFT, approved_by=approver.email
    )
    return version


def activate(session: Session, version: RuleVersion, actor: User | None = None) -> Activation:
    """Put an approved version in force; the active one retires in the same transaction.

    Activating a new major version lapses every valid qualification for an older major
    version of the set (P3): those annotators must retrain. `actor` None is the CLI
    operator, acting on the deployment's authority.
    """
    _lock(session, version)
    _check_actor(actor, version)
    if version.status != VersionStatus.APPROVED:
        raise Conflict(_activation_refusal(version))
    current = session.scalar(
        select(RuleVersion)
        .where(
            RuleVersion.rule_set_id == version.rule_set_id,
            RuleVersion.status == VersionStatus.ACTIVE,
        )
        .execution_options(populate_existing=True)
    )
    if current is not None and semver(current) > semver(version):
        raise Conflict(
            _(
                "%(label)s is older than the active %(active)s; to go back, publish the old "
                "content under a higher version.",
                label=version.label,
                active=current.version,
            )
        )
    now = utcnow()
    if current is not None:
        current.status, current.retired_at = VersionStatus.RETIRED, now
        session.flush()  # The old one leaves "active" before the new one enters it.
        _audit_status(
            session, "rules.retire", current, VersionStatus.ACTIVE, superseded_by=version.version
        )
    version.status, version.activated_at = VersionStatus.ACTIVE, now
    session.flush()
    lapsed = _lapse_qualifications(session, version)
    _audit_status(
        session,
        "rules.activate",
        version,
        VersionStatus.APPROVED,
        replaced=current.version if current else None,
        qualifications_lapsed=lapsed,
    )
    return Activation(version, current, lapsed)


def retire(
    session: Session, version: RuleVersion, actor: User | None = None, *, reason: str = ""
) -> RuleVersion:
    """Take the active version out of force; the set then has no active version."""
    _lock(session, version)
    _check_actor(actor, version)
    if version.status != VersionStatus.ACTIVE:
        raise Conflict(
            _(
                "%(label)s is %(status)s; only the active version can be retired.",
                label=version.label,
                status=status_name(version.status),
            )
        )
    version.status, version.retired_at = VersionStatus.RETIRED, utcnow()
    _audit_status(session, "rules.retire", version, VersionStatus.ACTIVE, reason=reason)
    return version


def _audit_status(
    session: Session, action: str, version: RuleVersion, before: str, **details: object
) -> None:
    audit.record(
        session,
        action,
        "rule_version",
        version.id,
        before={"status": str(before)},
        after={"status": str(version.status)},
        rule_set=version.rule_set.key,
        version=version.version,
        **details,
    )


def _lock(session: Session, version: RuleVersion) -> None:
    """Lock the version's rule set row, then re-read the version (concurrent changes)."""
    session.execute(
        select(RuleSetRecord.id).where(RuleSetRecord.id == version.rule_set_id).with_for_update()
    )
    session.refresh(version)


def _check_actor(actor: User | None, version: RuleVersion) -> None:
    if actor is not None and not actor.has_role(*ACTIVATORS, rule_set=version.rule_set.key):
        raise Forbidden(
            _("Only a QA lead or an administrator may activate or retire a rule version.")
        )


def _activation_refusal(version: RuleVersion) -> str:
    if version.status == VersionStatus.DRAFT:
        return _(
            "%(label)s is a draft; a QA lead must approve it before it can be activated.",
            label=version.label,
        )
    if version.status == VersionStatus.ACTIVE:
        return _("%(label)s is already active.", label=version.label)
    return _(
        "%(label)s is retired; a retired version is not activated again. Publish its "
        "content under a higher version.",
        label=version.label,
    )


def _lapse_qualifications(session: Session, version: RuleVersion) -> int:
    """Lapse valid qualifications on older major versions of the set (P3); return how many."""
    key = version.rule_set.key
    reason = LAPSE_REASON.format(key=key, major=version.major)
    stale = session.scalars(
        select(Qualification)
        .where(
            Qualification.rule_set_id == version.rule_set_id,
            Qualification.major_version < version.major,
            Qualification.status == QualificationStatus.VALID,
            Qualification.ended_at.is_(None),
        )
        .order_by(Qualification.id)
    ).all()
    now = utcnow()
    for qualification in stale:
        qualification.status, qualification.ended_at = QualificationStatus.LAPSED, now
        qualification.reason = reason
        audit.record(
            session,
            "qualification.lapsed",
            "qualification",
            qualification.id,
            before={"status": str(QualificationStatus.VALID)},
            after={"status": str(QualificationStatus.LAPSED)},
            reason=reason,
            rule_set=key,
            major=qualification.major_version,
        )
    return len(stale)
