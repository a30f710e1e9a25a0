"""Retention (L1): audit events are kept at least six months; a younger purge is refused and
recorded; an allowed purge keeps the chain verifiable from its recorded anchor."""

from __future__ import annotations

from datetime import timedelta

import pytest
from sqlalchemy import func, select

from app import create_app
from app.models import AuditEvent, utcnow
from app.services import audit, retention
from app.services.audit import verify_chain


def _events(app, session, n: int, *, days_ago: int) -> None:
    """Append `n` events, then date them `days_ago` days back (the chain hashes the time,
    so their hashes are recomputed as if they had been written then)."""
    with app.app_context():
        for i in range(n):
            audit.record(session, "test.event", "thing", i)
        session.commit()
    when = utcnow() - timedelta(days=days_ago)
    prev = audit.GENESIS
    for event in session.scalars(select(AuditEvent).order_by(AuditEvent.seq)):
        if event.action == "test.event" and event.occurred_at > when:
            event.occurred_at = when
        event.prev_hash = prev
        event.hash = audit.event_hash(prev, event)
        prev = event.hash
    head = session.get(audit.AuditHead, 1)
    head.hash = prev
    session.commit()


def test_retention_is_never_below_six_months(database_url, instance_dir, monkeypatch):
    monkeypatch.setenv("LABELGATE_AUDIT_RETENTION_DAYS", "30")
    app = create_app({"TESTING": True, "DATABASE_URL": database_url})
    with app.app_context():
        assert retention.retention_days() == 183
    with pytest.raises(ValueError, match="183"):
        create_app({"TESTING": True, "DATABASE_URL": database_url, "AUDIT_RETENTION_DAYS": 90})


def test_purging_younger_records_is_refused_and_the_refusal_recorded(app, session):
    _events(app, session, 5, days_ago=100)
    runner = app.test_cli_runner()
    before = (utcnow() - timedelta(days=10)).date().isoformat()
    result = runner.invoke(args=["retention", "purge", "--before", before])
    assert result.exit_code == 1 and "183" in result.output, result.output
    assert session.scalar(select(func.count()).where(AuditEvent.action == "test.event")) == 5
    refused = session.scalar(
        select(AuditEvent).where(AuditEvent.action == "retention.purge_refused")
    )
    assert refused.summary["requested_before"] == before
    assert refused.summary["younger_events"] == 5
    assert verify_chain(session).ok


def test_an_allowed_purge_removes_only_old_events_and_the_chain_still_verifies(app, session):
    _events(app, session, 4, days_ago=400)
    with app.app_context():
        for i in range(3):
            audit.record(session, "recent.event", "thing", i)
        session.commit()
    before = (utcnow() - timedelta(days=200)).date()
    with app.app_context():
        dry = retention.purge(session, before, dry_run=True)
        assert dry.removed == 4 and dry.dry_run
        session.commit()
        done = retention.purge(session, before)
        session.commit()
    assert not done.refused and done.removed == 4
    actions = list(session.scalars(select(AuditEvent.action).order_by(AuditEvent.seq)))
    assert "test.event" not in actions and actions.count("recent.event") == 3
    report = verify_chain(session)
    assert report.ok, report.problem
    # Tampering after the purge is still caught.
    kept = session.scalar(select(AuditEvent).where(AuditEvent.action == "recent.event"))
    kept.summary = {"forged": True}
    session.commit()
    assert not verify_chain(session).ok


def test_removing_the_oldest_events_without_a_purge_is_caught(app, session):
    _events(app, session, 3, days_ago=1)
    first = session.scalar(select(AuditEvent).order_by(AuditEvent.seq))
    session.delete(first)
    session.commit()
    report = verify_chain(session)
    assert not report.ok and "seq 1 is missing" in report.problem
