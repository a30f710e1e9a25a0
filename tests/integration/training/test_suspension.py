"""Automatic suspension on verified evidence (P3): clearly below target → suspended; on target
→ not; the QA lead sees why and may reinstate with a note."""

from __future__ import annotations

from datetime import timedelta

import pytest
from sqlalchemy import select

from app.models import Annotation, AuditEvent, Item, Qualification, utcnow
from app.models.verification import VerificationRecord
from app.services import batches, datasets, qualification_review
from app.services.errors import ServiceError
from tests.factories import (
    jsonl,
    make_active_version,
    make_qualified_annotators,
    make_user,
    quality_items,
)


def _seed_verified_work(session, batch, version, user, correct_flags, start_id):
    items = session.scalars(select(Item).where(Item.batch_id == batch.id).order_by(Item.id))
    now = utcnow()
    for n, (item, correct) in enumerate(zip(items, correct_flags, strict=False)):
        annotation = Annotation(
            ls_annotation_id=start_id + n, ls_task_id=start_id + n, item_id=item.id,
            batch_id=batch.id, rule_version_id=version.id, user_id=user.id, result_raw=[],
            result={}, source="sync", ls_created_at=now - timedelta(hours=2),
            ls_updated_at=now - timedelta(hours=2))
        session.add(annotation)
        session.flush()
        session.add(VerificationRecord(
            ls_annotation_id=10_000 + start_id + n, ls_task_id=1, batch_id=batch.id,
            item_id=item.id, annotation_id=annotation.id, rule_version_id=version.id,
            result_raw=[], correct=correct, defect_codes=[] if correct else ["D01"],
            source="sync", reviewed_at=now - timedelta(minutes=60 - n % 60)))
    session.commit()


@pytest.fixture
def seeded(session):
    datasets.register_dataset(session, name="prompts", modality="text", source_type="licensed")
    version = make_active_version(session)  # target accuracy 0.95
    weak, good = make_qualified_annotators(session, version, 2)
    batch = batches.import_batch(session, jsonl(quality_items(60)), source="x.jsonl",
                                 dataset_name="prompts", rule_set_key="response-quality")
    session.commit()
    # 50 verified items each: the weak annotator is right on 35 (70 %), the good one on 49.
    _seed_verified_work(session, batch, version, weak, [i % 10 >= 3 for i in range(50)], 1)
    _seed_verified_work(session, batch, version, good, [i != 7 for i in range(50)], 1000)
    return version, weak, good


def test_clearly_weak_annotator_is_suspended_and_on_target_one_is_not(app, session, seeded):
    _version, weak, good = seeded
    with app.app_context():
        run = qualification_review.check_suspensions(session)
        session.commit()
    assert [email for email, _set, _reason in run.suspended] == [weak.email]
    states = dict(session.execute(select(Qualification.user_id, Qualification.status)).all())
    assert states == {weak.id: "suspended", good.id: "valid"}
    reason = session.scalar(select(Qualification.reason).where(Qualification.user_id == weak.id))
    assert "upper" in reason.lower() and "95" in reason
    assert session.scalar(select(AuditEvent.id).where(
        AuditEvent.action == "qualification.suspended")) is not None


def test_reinstatement_needs_a_qa_lead_and_a_note(app, session, seeded):
    _version, weak, _good = seeded
    with app.app_context():
        qualification_review.check_suspensions(session)
        session.commit()
        record = session.scalar(select(Qualification).where(Qualification.user_id == weak.id))
        lead = make_user(session, email="lead@example.test", roles=("qa_lead",))
        admin = make_user(session, email="admin@example.test", roles=("admin",))
        with pytest.raises(ServiceError):
            qualification_review.reinstate(session, record, admin, "looks fine")
        with pytest.raises(ServiceError):
            qualification_review.reinstate(session, record, lead, "  ")
        new = qualification_review.reinstate(session, record, lead, "retrained 1:1 on logic")
        session.commit()
    assert new.status == "valid" and new.source == "reinstated"
    assert "retrained" in new.reason
