"""Retention of the audit trail (L1): kept at least six months, purged only when older.

B §5c asks that operation logs be kept at least six months. `AUDIT_RETENTION_DAYS`
(LABELGATE_AUDIT_RETENTION_DAYS) sets how long; the settings never let it fall below 183
days. A purge removes the audit events that occurred before a given day, and only when
that day is at least the retention period ago: any attempt to purge younger events is
refused, and the refusal is itself recorded in the trail.

The chain stays verifiable after a purge: the purge is recorded as an event in the chain
that names the first kept event and the hash it links to, and `verify_chain` starts there.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import UTC, date, datetime, time, timedelta

from flask import current_app
from flask_babel import gettext as _
from sqlalchemy import delete, func, select
from sqlalchemy.orm import Session

from app.models import AuditEvent, utcnow
from app.services import audit

MINIMUM_DAYS = 183


def retention_days() -> int:
    """Return the configured retention in days, never below six months (183 days)."""
    return max(MINIMUM_DAYS, int(current_app.config.get("AUDIT_RETENTION_DAYS", MINIMUM_DAYS)))


def latest_allowed(now: datetime | None = None) -> date:
    """Return the latest day a purge may be given: everything before it is old enough."""
    now = now or utcnow()
    return (now - timedelta(days=retention_days())).date()


@dataclass(frozen=True)
class PurgeResult:
    """What a purge did, or why it was refused."""

    before: date
    refused: bool
    message: str
    removed: int = 0
    dry_run: bool = False


def _refuse(session: Session, before: date, allowed: date) -> PurgeResult:
    younger = (
        session.scalar(
            select(func.count(AuditEvent.id)).where(
                AuditEvent.occurred_at >= datetime.combine(allowed, time(), UTC),
                AuditEvent.occurred_at < datetime.combine(before, time(), UTC),
            )
        )
        or 0
    )
    audit.record(
        session,
        "retention.purge_refused",
        "audit_trail",
        None,
        before=None,
        after=None,
        requested_before=before.isoformat(),
        latest_allowed=allowed.isoformat(),
        retention_days=retention_days(),
        younger_events=younger,
    )
    return PurgeResult(
        before,
        True,
        _(
            "Refused: audit events are kept %(days)d days (at least six months, B §5c). Purging "
            "before %(before)s would remove records younger than that; the latest day allowed "
            "today is %(allowed)s.",
            days=retention_days(),
            before=before.isoformat(),
            allowed=allowed.isoformat(),
        ),
    )


def purge(session: Session, before: date, *, dry_run: bool = False) -> PurgeResult:
    """Remove the audit events that occurred before `before`, unless any is too young."""
    allowed = latest_allowed()
    if before > allowed:
        return _refuse(session, before, allowed)
    cutoff = datetime.combine(before, time(), UTC)
    old = select(AuditEvent.seq).where(AuditEvent.occurred_at < cutoff)
    removed = session.scalar(select(func.count()).select_from(old.subquery())) or 0
    if removed == 0:
        return PurgeResult(
            before,
            False,
            _(
                "Nothing to purge: no audit event occurred before %(before)s.",
                before=before.isoformat(),
            ),
            0,
            dry_run=dry_run,
        )
    last_removed = session.scalar(
        select(func.max(AuditEvent.seq)).where(AuditEvent.occurred_at < cutoff)
    )
    # The chain is cut at a seq; should a clock have gone back, an event before the cut could
    # be younger than the day given. Such a cut is refused rather than losing that event.
    if session.scalar(
        select(func.count(AuditEvent.id)).where(
            AuditEvent.seq <= last_removed, AuditEvent.occurred_at >= cutoff
        )
    ):
        return _refuse(session, before, allowed)
    if dry_run:
        return PurgeResult(
            before,
            False,
            _(
                "%(n)d audit events occurred before %(before)s and may be purged.",
                n=removed,
                before=before.isoformat(),
            ),
            removed,
            dry_run=True,
        )
    kept = session.scalar(
        select(AuditEvent).where(AuditEvent.seq > last_removed).order_by(AuditEvent.seq).limit(1)
    )
    anchor_prev = session.scalar(select(AuditEvent.hash).where(AuditEvent.seq == last_removed))
    session.execute(delete(AuditEvent).where(AuditEvent.seq <= last_removed))
    # With nothing left after the cut, the purge event itself is the first kept event.
    kept_from = kept.seq if kept is not None else last_removed + 1
    audit.record(
        session,
        audit.PURGE_ACTION,
        "audit_trail",
        None,
        purged_before=before.isoformat(),
        removed=removed,
        kept_from_seq=kept_from,
        kept_from_prev_hash=anchor_prev,
        retention_days=retention_days(),
    )
    return PurgeResult(
        before,
        False,
        _(
            "Purged %(n)d audit events that occurred before %(before)s; the chain now starts at "
            "event %(seq)d.",
            n=removed,
            before=before.isoformat(),
            seq=kept_from,
        ),
        removed,
    )
