"""Deliveries as a forger, a broken project and a hostile text would send them (issue 14).

A webhook secret is readable by whoever administers Label Studio, so a delivery is only a
notice: nothing in its body is stored; what it names is re-read from Label Studio, in the
batch's own project. A notice that keeps failing is set aside for QA leads and never holds
back the next one. A record Label Studio holds for one batch is never moved to another.
"""

from __future__ import annotations

import json
from datetime import UTC, datetime, timedelta

import pytest
from sqlalchemy import func, select

from app.models import Annotation, AuditEvent, Batch, DeadLetter, Item
from app.services import audit, records
from app.services.label_studio import webhook_secret
from app.services.records import ANNOTATIONS
from app.services.rule_versions import rule_set_of
from tests.factories import login, ls_result, make_qualified_annotators, make_user
from tests.fakes.fake_label_studio import FakeLabelStudio
from tests.integration.faults.fault_data import annotation_body, made_in_label_studio, pushed_to


@pytest.fixture
def two_batches(app, session):
    """Batches A and B in the in-memory Label Studio; B's first item annotated there."""
    fake = FakeLabelStudio()
    app.config["LABEL_STUDIO_GATEWAY"] = fake
    first, version = pushed_to(app, session, fake, 3, name="batch-a")
    from app.services import batches, push
    from tests.factories import jsonl, quality_items

    second = batches.import_batch(session, jsonl(quality_items(3, start=10)), source="b.jsonl",
                                  dataset_name="prompts", rule_set_key="response-quality",
                                  batch_name="batch-b")
    session.commit()
    with app.app_context():
        push.push_batch(session, fake, second)
    session.commit()
    made, body = made_in_label_studio(fake, second, second.items[0], rule_set_of(version),
                                      overall=5)
    client = app.test_client()
    answer = client.post(f"/webhooks/label-studio/{second.id}", json=body,
                         headers={"X-Labelgate-Secret": webhook_secret(second.id, app)})
    assert answer.status_code == 200
    return fake, first, second, version, made


def _snapshot(session) -> dict:
    session.expire_all()
    return {a.ls_annotation_id: (a.batch_id, a.item_id, a.user_id, a.ls_user_id,
                                 json.dumps(a.result_raw, sort_keys=True), a.ls_updated_at,
                                 a.deleted_at)
            for a in session.scalars(select(Annotation))}


def test_a_forged_delivery_with_a_valid_secret_for_another_batchs_annotation_changes_nothing(
    app, session, two_batches
):
    fake, first, second, version, made = two_batches
    rules = rule_set_of(version)
    before = _snapshot(session)
    assert list(before) == [made.id] and before[made.id][0] == second.id
    events = session.scalar(select(func.count(AuditEvent.id)))
    client, secret = app.test_client(), webhook_secret(first.id, app)
    future = (datetime.now(UTC) + timedelta(days=365)).isoformat().replace("+00:00", "Z")
    forged = annotation_body(first, second.items[0], rules, made.id, overall=1, user_id=999)
    forged["annotation"].update(updated_at=future, created_at=future)
    forged["project"]["id"] = second.ls_project_id
    variants = [
        forged,  # B's annotation and B's task, through A's door
        {**forged, "task": {"id": first.items[0].ls_task_id, "data": {}},
         "annotation": {**forged["annotation"], "task": first.items[0].ls_task_id}},
        {"action": "ANNOTATIONS_DELETED", "annotations": [{"id": made.id}],
         "project": {"id": first.ls_project_id}},
        {**forged, "action": "ANNOTATION_UPDATED"},
    ]
    for body in variants:
        answer = client.post(f"/webhooks/label-studio/{first.id}", json=body,
                             headers={"X-Labelgate-Secret": secret})
        assert answer.status_code == 200, answer.get_data(as_text=True)
    assert _snapshot(session) == before  # nothing moved, rewritten, dated ahead or deleted
    # With B's own secret the same lies change nothing either: B's annotation is re-read.
    for body in variants:
        client.post(f"/webhooks/label-studio/{second.id}", json=body,
                    headers={"X-Labelgate-Secret": webhook_secret(second.id, app)})
    assert _snapshot(session) == before
    assert session.scalar(select(func.count(AuditEvent.id))) == events  # nothing happened
    assert audit.verify_chain(session).ok


def test_a_record_held_for_another_batch_is_set_aside_never_moved(app, session, two_batches):
    fake, first, second, version, made = two_batches
    before = _snapshot(session)
    # Label Studio (after a reset of its database, say) reports the same id in A's project.
    stolen = fake.create_annotation(first.items[0].ls_task_id, ls_result(rule_set_of(version)),
                                    2.0)
    clash = records.LSAnnotation(**{**stolen.__dict__, "id": made.id})
    with app.app_context():
        report = records.store(session, ANNOTATIONS, session.get(Batch, first.id), [clash],
                               source="sync")
    session.commit()
    assert report.conflicts == [(made.id, second.id)] and report.created == 0
    assert _snapshot(session) == before


def test_the_same_id_on_two_label_studio_servers_is_two_records(app, session, two_batches):
    fake, first, second, version, made = two_batches
    first.ls_server = "security"  # A's project lives on another server: ids repeat there
    session.commit()
    twin = records.LSAnnotation(made.id, first.items[0].ls_task_id, str(first.items[0].id),
                                made.completed_by_id, made.result, 3.0, False,
                                made.created_at, made.updated_at)
    with app.app_context():
        report = records.store(session, ANNOTATIONS, first, [twin], source="sync")
    session.commit()
    assert (report.created, report.conflicts) == (1, [])
    assert session.scalar(select(func.count(Annotation.id)).where(
        Annotation.ls_annotation_id == made.id)) == 2


def test_a_poison_delivery_is_set_aside_and_the_next_valid_one_is_stored(
    app, session, two_batches
):
    fake, first, second, version, made = two_batches
    lead = make_user(session, email="lead@example.test", roles=("qa_lead",))
    fake.delete_project(first.ls_project_id)  # an administrator deleted A's project
    rules = rule_set_of(version)
    client = app.test_client()
    poison = annotation_body(first, first.items[0], rules, 4242)
    answer = client.post(f"/webhooks/label-studio/{first.id}", json=poison,
                         headers={"X-Labelgate-Secret": webhook_secret(first.id, app)})
    assert answer.status_code == 200
    valid_made, valid = made_in_label_studio(fake, second, second.items[1], rules, overall=2)
    answer = client.post(f"/webhooks/label-studio/{second.id}", json=valid,
                         headers={"X-Labelgate-Secret": webhook_secret(second.id, app)})
    assert answer.status_code == 200
    session.expire_all()
    assert valid_made.id in _snapshot(session)  # stored at once, behind the poison
    [letter] = session.scalars(select(DeadLetter)).all()
    assert letter.batch_id == first.id and "404" in letter.error
    assert letter.delivery["task_ids"] == [first.items[0].ls_task_id]
    # QA leads see it with its error, and can dismiss it (audited).
    login(client, lead.email)
    page = client.get("/deliveries/").get_data(as_text=True)
    assert "batch-a" in page and "404" in page
    answer = client.post(f"/deliveries/{letter.id}/dismiss")
    assert answer.status_code == 302
    session.expire_all()
    assert session.get(DeadLetter, letter.id).resolution == "dismissed"
    assert session.scalar(select(AuditEvent.action).where(
        AuditEvent.action == "delivery.dismissed")) is not None


def test_nul_in_label_studio_text_is_removed_before_storing(app, session, two_batches):
    fake, first, second, version, made = two_batches
    rules = rule_set_of(version)
    (annotator,) = make_qualified_annotators(session, version, 1, prefix="nul")
    item = session.get(Item, first.items[1].id)
    from app.models import Assignment

    session.add(Assignment(item_id=item.id, batch_id=first.id, user_id=annotator.id,
                           role="annotator", rule_version_id=version.id))
    session.commit()
    result = ls_result(rules, {"improved_response": "bad\x00text\x00"})
    author = fake.ensure_account(annotator.email, annotator.display_name)
    stored = fake.create_annotation(item.ls_task_id, result, 4.0, completed_by=author)
    body = annotation_body(first, item, rules, stored.id)
    answer = app.test_client().post(f"/webhooks/label-studio/{first.id}", json=body,
                                    headers={"X-Labelgate-Secret": webhook_secret(first.id, app)})
    assert answer.status_code == 200
    session.expire_all()
    row = session.scalar(select(Annotation).where(Annotation.ls_annotation_id == stored.id))
    assert row is not None and not row.quarantined
    assert row.result["improved_response"] == "badtext"
    assert "\x00" not in json.dumps(row.result_raw)
