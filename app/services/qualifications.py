"""Who may annotate a rule set: qualifications per (user, rule set, major version) (P2, P3)."""

from __future__ import annotations

from datetime import datetime, timedelta

from flask_babel import gettext as _
from sqlalchemy import select
from sqlalchemy.orm import Session

from app.models import Qualification, RuleSetRecord, User, utcnow
from app.services import audit
from app.services.errors import Conflict, NotFound, ServiceError
from workflow import QualificationStatus

__all__ = ["QualificationStatus", "current", "end", "grant", "qualified_user_ids",
           "rule_set_by_key"]

DEFAULT_VALID_DAYS = 180


def rule_set_by_key(session: Session, key: str) -> RuleSetRecord:
    """Return the rule set with this key or raise NotFound."""
    record = session.scalar(select(RuleSetRecord).where(RuleSetRecord.key == key))
    if record is None:
        raise NotFound(_("No rule set has the id “%(key)s”. Publish it first.", key=key))
    return record


def grant(session: Session, user: User, rule_set: RuleSetRecord, major_version: int, *,
          granted_by: User | None = None, source: str = "granted",
          valid_days: int = DEFAULT_VALID_DAYS, reason: str | None = None) -> Qualification:
    """Record a qualification valid for `valid_days` from now."""
    if valid_days < 1:
        raise ServiceError(_("A qualification must be valid for at least one day."))
    if current(session, user.id, rule_set.id, major_version) is not None:
        raise Conflict(_("%(email)s is already qualified for %(set)s (major version %(major)d).",
                         email=user.email, set=rule_set.key, major=major_version))
    now = utcnow()
    record = Qualification(user_id=user.id, rule_set_id=rule_set.id, major_version=major_version,
                           status=QualificationStatus.VALID, source=source,
                           granted_by_id=granted_by.id if granted_by else None, granted_at=now,
                           valid_until=now + timedelta(days=valid_days), reason=reason)
    session.add(record)
    session.flush()
    audit.record(session, "qualification.grant", "qualification", record.id,
                 after={"user": user.email, "rule_set": rule_set.key, "major": major_version,
                        "valid_until": record.valid_until.isoformat(), "source": source})
    return record


def current(session: Session, user_id: int, rule_set_id: int, major_version: int, *,
            at: datetime | None = None) -> Qualification | None:
    """Return the qualification in force at `at` (default now), or None."""
    return session.scalar(
        select(Qualification).where(
            Qualification.user_id == user_id,
            Qualification.rule_set_id == rule_set_id,
            Qualification.major_version == major_version,
            Qualification.in_force(at or utcnow()),
        ).order_by(Qualification.granted_at.desc()).limit(1)
    )


def qualified_user_ids(session: Session, rule_set_id: int, major_version: int) -> set[int]:
    """Return the ids of users qualified now for a rule set's major version."""
    return set(session.scalars(
        select(Qualification.user_id).where(
            Qualification.rule_set_id == rule_set_id,
            Qualification.major_version == major_version,
            Qualification.in_force(utcnow()),
        )
    ))


def end(session: Session, record: Qualification, status: QualificationStatus, reason: str) -> None:
    """End a qualification (lapse, suspend or revoke) with a reason."""
    if record.ended_at is not None:
        raise Conflict(_("This qualification has already ended."))
    before = record.status
    record.status = status
    record.ended_at = utcnow()
    record.reason = reason
    audit.record(session, f"qualification.{status}", "qualification", record.id,
                 before={"status": before}, after={"status": str(status)}, reason=reason)
