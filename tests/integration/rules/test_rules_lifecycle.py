"""Approve, activate and retire obey the lifecycle; each step is audited (issue 4.3, P3)."""

from __future__ import annotations

from datetime import timedelta

import pytest
from sqlalchemy import select

from app.models import AuditEvent, Qualification, RuleVersion, utcnow
from app.services import rules
from app.services.errors import Conflict, Forbidden
from app.services.users import grant_role
from tests.integration.rules.conftest import KEY, MAJOR, MINOR, SHIPPED, actions, variant


def _publish(session, author, text=None):
    outcome = rules.publish(session, text if text is not None else SHIPPED, author=author)
    session.commit()
    return outcome.version


def _live(session, people, text=None):
    """Publish, approve and activate a version."""
    v = _publish(session, people["author"], text)
    rules.approve(session, v, people["qa"])
    rules.activate(session, v, people["qa"])
    session.commit()
    return v


def _statuses(session) -> dict[str, str]:
    rows = session.scalars(select(RuleVersion).order_by(RuleVersion.id))
    return {v.version: v.status for v in rows}


def test_a_qa_lead_who_is_not_the_author_approves_a_draft(ctx, session, people):
    v = _publish(session, people["author"])
    rules.approve(session, v, people["qa"])
    session.commit()
    assert v.status == "approved" and v.approved_by_id == people["qa"].id
    assert v.approved_at is not None
    event = session.scalars(select(AuditEvent).order_by(AuditEvent.seq.desc())).first()
    assert event.action == "rules.approve" and event.object_id == str(v.id)
    assert event.summary["after"] == {"status": "approved"}
    assert event.summary["approved_by"] == "qa@example.test"


@pytest.mark.parametrize("who", ["author", "admin", "annotator"])
def test_only_a_qa_lead_may_approve(ctx, session, people, who):
    v = _publish(session, people["author"])
    with pytest.raises(Forbidden, match="Only a QA lead"):
        rules.approve(session, v, people[who])
    session.rollback()
    assert session.get(RuleVersion, v.id).status == "draft"


def test_a_qa_lead_may_not_approve_their_own_version(ctx, session, people):
    grant_role(session, people["author"], "qa_lead")
    session.commit()
    v = _publish(session, people["author"])
    with pytest.raises(Forbidden, match="may not approve it"):
        rules.approve(session, v, people["author"])
    session.rollback()
    assert "rules.approve" not in actions(session)


def test_a_qa_lead_for_another_rule_set_may_not_approve(ctx, session, people):
    scoped = people["annotator"]
    grant_role(session, scoped, "qa_lead", rule_set="content-safety")
    session.commit()
    v = _publish(session, people["author"])
    with pytest.raises(Forbidden):
        rules.approve(session, v, scoped)


def test_only_a_draft_can_be_approved(ctx, session, people):
    v = _publish(session, people["author"])
    rules.approve(session, v, people["qa"])
    session.commit()
    with pytest.raises(Conflict, match="only a draft can be approved"):
        rules.approve(session, v, people["qa2"])


def test_a_draft_cannot_be_activated(ctx, session, people):
    v = _publish(session, people["author"])
    with pytest.raises(Conflict, match="must approve it"):
        rules.activate(session, v, people["qa"])
    session.rollback()
    assert _statuses(session) == {"1.0.0": "draft"}


def test_activation_retires_the_active_version_one_active_per_set(ctx, session, people):
    first = _live(session, people)
    second = _publish(session, people["author"], variant("1.1.0", MINOR))
    rules.approve(session, second, people["qa"])
    outcome = rules.activate(session, second, people["admin"])
    session.commit()
    assert outcome.replaced.id == first.id and outcome.lapsed == 0
    assert _statuses(session) == {"1.0.0": "retired", "1.1.0": "active"}
    assert rules.active_version(session, KEY).id == second.id
    assert session.get(RuleVersion, first.id).retired_at is not None
    assert actions(session)[-3:] == ["rules.approve", "rules.retire", "rules.activate"]


def test_an_older_version_is_not_activated_over_a_newer_one(ctx, session, people):
    old = _publish(session, people["author"])
    rules.approve(session, old, people["qa"])
    _live(session, people, variant("1.1.0", MINOR))
    with pytest.raises(Conflict, match="older than the active 1.1.0"):
        rules.activate(session, old, people["qa"])
    session.rollback()
    assert _statuses(session) == {"1.0.0": "approved", "1.1.0": "active"}


def test_a_retired_version_is_not_activated_again(ctx, session, people):
    v = _live(session, people)
    rules.retire(session, v, people["qa"], reason="withdrawn")
    session.commit()
    with pytest.raises(Conflict, match="is retired"):
        rules.activate(session, v, people["qa"])


@pytest.mark.parametrize("who", ["author", "annotator"])
def test_only_a_qa_lead_or_admin_activates_or_retires(ctx, session, people, who):
    v = _publish(session, people["author"])
    rules.approve(session, v, people["qa"])
    session.commit()
    with pytest.raises(Forbidden):
        rules.activate(session, v, people[who])
    session.rollback()
    rules.activate(session, v, people["qa"])
    session.commit()
    with pytest.raises(Forbidden):
        rules.retire(session, v, people[who])


def test_retiring_leaves_the_set_without_an_active_version(ctx, session, people):
    v = _live(session, people)
    rules.retire(session, v, people["admin"], reason="the task is over")
    session.commit()
    assert rules.active_version(session, KEY) is None
    event = session.scalars(select(AuditEvent).order_by(AuditEvent.seq.desc())).first()
    assert event.action == "rules.retire" and event.summary["reason"] == "the task is over"


@pytest.mark.parametrize("status", ["draft", "approved"])
def test_only_the_active_version_can_be_retired(ctx, session, people, status):
    v = _publish(session, people["author"])
    if status == "approved":
        rules.approve(session, v, people["qa"])
        session.commit()
    with pytest.raises(Conflict, match="only the active version can be retired"):
        rules.retire(session, v, people["qa"])


def _qualify(session, user, record_id, major, status="valid"):
    now = utcnow()
    row = Qualification(
        user_id=user.id,
        rule_set_id=record_id,
        major_version=major,
        status=status,
        source="exam",
        granted_at=now,
        valid_until=now + timedelta(days=180),
    )
    session.add(row)
    session.flush()
    return row


def test_activating_a_major_version_lapses_older_qualifications(ctx, session, people):
    v1 = _live(session, people)
    on_v1 = _qualify(session, people["annotator"], v1.rule_set_id, 1)
    suspended = _qualify(session, people["qa2"], v1.rule_set_id, 1, status="suspended")
    early = _qualify(session, people["admin"], v1.rule_set_id, 2)  # trained ahead on 2.x
    session.commit()
    v2 = _publish(session, people["author"], variant("2.0.0", MAJOR))
    rules.approve(session, v2, people["qa"])
    outcome = rules.activate(session, v2, people["qa"])
    session.commit()
    assert outcome.lapsed == 1
    session.expire_all()
    lapsed = session.get(Qualification, on_v1.id)
    assert lapsed.status == "lapsed" and lapsed.ended_at is not None
    assert lapsed.reason == (
        "rule set response-quality changed to major version 2: retraining required"
    )
    assert session.get(Qualification, suspended.id).status == "suspended"
    assert session.get(Qualification, early.id).status == "valid"
    event = session.scalar(select(AuditEvent).where(AuditEvent.action == "qualification.lapsed"))
    assert event.object_id == str(on_v1.id)
    activation = session.scalar(
        select(AuditEvent).where(
            AuditEvent.action == "rules.activate", AuditEvent.object_id == str(v2.id)
        )
    )
    assert activation.summary["qualifications_lapsed"] == 1


def test_a_minor_version_keeps_qualifications(ctx, session, people):
    v1 = _live(session, people)
    kept = _qualify(session, people["annotator"], v1.rule_set_id, 1)
    session.commit()
    _live(session, people, variant("1.1.0", MINOR))
    session.expire_all()
    assert session.get(Qualification, kept.id).status == "valid"
