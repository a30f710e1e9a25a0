"""Keep qualifications honest: automatic suspension on evidence, reinstatement, and the
assessor's check that every counted annotation had a valid pass behind it (P3, B §9.3)."""

from __future__ import annotations

from collections.abc import Callable, Sequence
from dataclasses import dataclass

from flask_babel import gettext as _
from sqlalchemy import and_, case, func, or_, select
from sqlalchemy.orm import Session, aliased

from app.models import (
    Annotation,
    Qualification,
    RuleSetRecord,
    RuleVersion,
    User,
    utcnow,
)
from app.services import audit
from app.services import qualifications as quals
from app.services.errors import Conflict, Forbidden
from app.services.rule_versions import rule_set_of
from training_modules import suspension_check

# (user id, rule set id) -> the user's verified outcomes on that set, oldest first.
OutcomeSource = Callable[[Session, int, int], Sequence[bool]]


def verified_outcomes(session: Session, user_id: int, rule_set_id: int) -> list[bool]:
    """Return whether each of the user's verified annotations on a rule set was correct,
    oldest verdict first (verdicts from quarantine and deleted work do not count)."""
    from app.models.verification import VerificationRecord

    stmt = (select(VerificationRecord.correct)
            .join(Annotation, Annotation.id == VerificationRecord.annotation_id)
            .join(RuleVersion, RuleVersion.id == Annotation.rule_version_id)
            .where(Annotation.user_id == user_id, RuleVersion.rule_set_id == rule_set_id,
                   VerificationRecord.correct.is_not(None),
                   VerificationRecord.quarantined.is_(False),
                   VerificationRecord.deleted_at.is_(None),
                   Annotation.quarantined.is_(False), Annotation.deleted_at.is_(None))
            .order_by(VerificationRecord.reviewed_at, VerificationRecord.id))
    return [bool(v) for v in session.scalars(stmt)]


@dataclass(frozen=True)
class SuspensionRun:
    """What one check did."""

    checked: int
    suspended: list[tuple[str, str, str]]


def check_suspensions(session: Session, outcomes: OutcomeSource = verified_outcomes, *,
                      window: int = 50,
                      min_items: int = 20) -> SuspensionRun:
    """Suspend every valid qualification whose holder's recent accuracy is, with 95 %
    confidence, below the rule set's target."""
    now = utcnow()
    suspended, checked = [], 0
    rows = session.scalars(select(Qualification).where(Qualification.in_force(now))).all()
    for record in rows:
        version = session.scalar(select(RuleVersion).where(
            RuleVersion.rule_set_id == record.rule_set_id,
            RuleVersion.major == record.major_version).order_by(RuleVersion.id.desc()).limit(1))
        if version is None:
            continue
        target = rule_set_of(version).quality.target_accuracy
        decision = suspension_check(list(outcomes(session, record.user_id, record.rule_set_id)),
                                    target=target, window=window, min_items=min_items)
        checked += 1
        if decision.suspend:
            quals.end(session, record, quals.QualificationStatus.SUSPENDED, decision.reason_en)
            user = session.get(User, record.user_id)
            suspended.append((user.email, version.rule_set.key, decision.reason_en))
    return SuspensionRun(checked, suspended)


def reinstate(session: Session, record: Qualification, actor: User, note: str) -> Qualification:
    """Let a QA lead reinstate a suspended qualification, with a note saying why."""
    if not actor.has_role("qa_lead"):
        raise Forbidden(_("Only a QA lead may reinstate a qualification."))
    if record.status != quals.QualificationStatus.SUSPENDED:
        raise Conflict(_("Only a suspended qualification can be reinstated."))
    if not (note or "").strip():
        raise Conflict(_("Write a note saying why the annotator is reinstated."))
    user = session.get(User, record.user_id)
    rule_set = session.get(RuleSetRecord, record.rule_set_id)
    remaining = max(1, (record.valid_until - utcnow()).days)
    new = quals.grant(session, user, rule_set, record.major_version, granted_by=actor,
                      source="reinstated", valid_days=remaining, reason=note.strip())
    audit.record(session, "qualification.reinstate", "qualification", record.id,
                 after={"new_qualification": new.id}, note=note.strip())
    return new


@dataclass(frozen=True)
class AssessorRow:
    """One annotator: annotations counted, and how many had no valid pass behind them."""

    email: str
    rule_set: str
    annotations: int
    without_pass: int


def _had_pass():
    """An EXISTS clause: a qualification was in force when the annotation was made."""
    q = aliased(Qualification)
    return select(q.id).where(and_(
        q.user_id == Annotation.user_id, q.rule_set_id == RuleVersion.rule_set_id,
        q.major_version == RuleVersion.major, q.granted_at <= Annotation.ls_created_at,
        q.valid_until > Annotation.ls_created_at,
        or_(q.ended_at.is_(None), q.ended_at > Annotation.ls_created_at))).exists()


def assessor_report(session: Session) -> list[AssessorRow]:
    """For every counted annotation, find the pass record valid when it was made (B §9.3)."""
    stmt = (select(User.email, RuleSetRecord.key, func.count(Annotation.id),
                   func.sum(case((_had_pass(), 0), else_=1)))
            .join(User, User.id == Annotation.user_id)
            .join(RuleVersion, RuleVersion.id == Annotation.rule_version_id)
            .join(RuleSetRecord, RuleSetRecord.id == RuleVersion.rule_set_id)
            .where(Annotation.deleted_at.is_(None), Annotation.was_cancelled.is_(False))
            .group_by(User.email, RuleSetRecord.key).order_by(User.email, RuleSetRecord.key))
    return [AssessorRow(email, key, total, int(missing or 0))
            for email, key, total, missing in session.execute(stmt)]


def unqualified_annotations(session: Session, *, limit: int = 1000) -> list[Annotation]:
    """Return annotations made without a valid pass record (planted gaps, in a seeded run)."""
    return list(session.scalars(
        select(Annotation).join(RuleVersion, RuleVersion.id == Annotation.rule_version_id)
        .where(Annotation.deleted_at.is_(None), Annotation.was_cancelled.is_(False),
               ~_had_pass())
        .order_by(Annotation.id).limit(limit)))
