"""Import → assign → push → annotate → ingest → sync, against the in-memory Label Studio."""

from __future__ import annotations

import json
from collections import Counter

import pytest
from sqlalchemy import func, select

from app.models import Annotation, Assignment, AuditEvent, Batch, Item
from app.services import assignment, batches, datasets, door, push, sync
from app.services.errors import ServiceError
from app.services.label_studio import webhook_secret
from app.services.rule_versions import rule_set_of
from tests.factories import (
    jsonl,
    ls_result,
    make_active_version,
    make_qualified_annotators,
    make_user,
    quality_items,
)
from tests.fakes.fake_label_studio import FakeLabelStudio


@pytest.fixture
def fake(app):
    gateway = FakeLabelStudio()
    gateway.app = app  # lets the helpers below run services in this app's context
    app.config["LABEL_STUDIO_GATEWAY"] = gateway
    return gateway


@pytest.fixture
def setup(app, session, fake):
    datasets.register_dataset(session, name="prompts", modality="text", source_type="licensed",
                              licence="CC-BY-4.0")
    version = make_active_version(session)
    annotators = make_qualified_annotators(session, version, 3)
    return version, annotators


def _in_app(app, fn, *args, **kwargs):
    """Run a service that reads the app's settings, outside any request."""
    with app.app_context():
        return fn(*args, **kwargs)


def _import(session, rows, name="b1", source="items.jsonl"):
    batch = batches.import_batch(session, jsonl(rows) if source.endswith(".jsonl") else rows,
                                 source=source, dataset_name="prompts",
                                 rule_set_key="response-quality", batch_name=name)
    session.commit()
    return batch


def test_a_bad_row_rejects_the_whole_file_and_names_every_bad_line(session, setup):
    rows = quality_items(5)
    rows[1]["response"] = ""
    rows[3] = {"id": "x", "instruction": 42, "response": "ok"}
    raw = jsonl(rows) + b"{not json\n"
    with pytest.raises(ServiceError) as err:
        batches.import_batch(session, raw, source="items.jsonl", dataset_name="prompts",
                             rule_set_key="response-quality")
    session.rollback()
    message = err.value.message
    assert "3 bad rows" in message
    assert "items.jsonl:2:" in message and "items.jsonl:4:" in message
    assert "items.jsonl:6: not valid JSON" in message
    assert session.scalar(select(func.count(Batch.id))) == 0
    assert session.scalar(select(func.count(Item.id))) == 0


def test_csv_import_binds_the_batch_to_the_active_version(session, setup):
    version, _annotators = setup
    raw = b"id,instruction,response\nc1,Say hi,Hi\nc2,\"Count, to 2\",\"1, 2\"\n"
    batch = _import(session, raw, source="items.csv")
    assert batch.item_count == 2 and batch.rule_version_id == version.id
    assert session.scalar(select(Item.data).where(Item.external_id == "c2")) == {
        "instruction": "Count, to 2", "response": "1, 2"}


def test_assignment_respects_overlap_balance_and_separation(session, setup):
    version, annotators = setup
    batch = _import(session, quality_items(30))
    reviewer = make_user(session, email="rev@example.test", roles=("annotator", "reviewer"))
    from app.services import qualifications

    qualifications.grant(session, reviewer, version.rule_set, version.major)
    overlapped = session.scalars(select(Item).where(Item.batch_id == batch.id,
                                                    Item.overlap == 3)).all()
    assert len(overlapped) == 3  # 10 % of 30 items get k = 3 annotators
    # The reviewer reviews the first overlapped item: strict mode keeps them off it.
    session.add(Assignment(item_id=overlapped[0].id, batch_id=batch.id, user_id=reviewer.id,
                           role="reviewer", rule_version_id=version.id))
    session.commit()
    n = assignment.assign_batch(session, batch, seed=7)
    session.commit()
    assert n == 27 * 1 + 3 * 3
    rows = session.execute(select(Assignment.item_id, Assignment.user_id).where(
        Assignment.role == "annotator")).all()
    per_item = Counter(item for item, _user in rows)
    assert all(per_item[i.id] == i.overlap for i in batch.items)
    assert len(set(rows)) == len(rows)  # nobody twice on an item
    assert (overlapped[0].id, reviewer.id) not in set(rows)
    load = Counter(user for _item, user in rows)
    assert max(load.values()) - min(load.values()) <= 1
    # Running it again assigns nothing more.
    assert assignment.assign_batch(session, batch) == 0


def test_unqualified_annotators_are_never_assigned(session, setup):
    make_user(session, email="new@example.test", roles=("annotator",))
    batch = _import(session, quality_items(6))
    assignment.assign_batch(session, batch)
    session.commit()
    from app.models import User

    assigned = set(session.scalars(select(Assignment.user_id)))
    newcomer = session.scalar(select(User).where(User.email == "new@example.test"))
    assert newcomer.id not in assigned and len(assigned) == 3


def push_(session, fake, batch):
    return _in_app(fake.app, push.push_batch, session, fake, batch)


def sync_(session, fake, batch):
    return _in_app(fake.app, sync.sync_batch, session, fake, batch)


def _deliver(client, fake, batch_id):
    """Post the fake's pending webhook deliveries to the receiver; return the statuses."""
    statuses = []
    for delivery in fake.deliveries:
        response = client.post(f"/webhooks/label-studio/{batch_id}",
                               data=json.dumps(delivery.body), headers=delivery.headers,
                               content_type="application/json")
        statuses.append(response.status_code)
    fake.state.deliveries.clear()
    return statuses


def test_push_is_idempotent_and_queues_show_exactly_each_annotators_tasks(session, setup, fake):
    _version, annotators = setup
    batch = _import(session, quality_items(12))
    assignment.assign_batch(session, batch)
    assert push_(session, fake, batch) == 12
    session.commit()
    assert push_(session, fake, batch) == 0
    session.commit()
    assert len(fake.list_tasks(batch.ls_project_id)) == 12
    for user in annotators:
        mine = {i for (i,) in session.execute(select(Assignment.item_id).where(
            Assignment.user_id == user.id))}
        shown = {int(e.key.removeprefix("item:"))
                 for e in door.queue(session, user, door.ANNOTATE, batch.id).entries}
        assert shown == mine


def test_annotations_arrive_by_webhook_and_strangers_are_quarantined(client, session, setup,
                                                                     fake):
    version, annotators = setup
    batch = _import(session, quality_items(6))
    assignment.assign_batch(session, batch)
    push_(session, fake, batch)
    session.commit()
    rules = rule_set_of(version)
    stranger_id = fake.ensure_user("stranger@example.test", "S", password="stranger-pass")
    assert stranger_id
    made = 0
    # Made in Label Studio itself (an administrator writes as each annotator there): the
    # workbench learns of it only through the webhook, and re-reads it from Label Studio.
    for user in annotators:
        ls_user = fake.ensure_account(user.email, user.display_name)
        for (item_id,) in session.execute(select(Assignment.item_id).where(
                Assignment.user_id == user.id)):
            task_id = session.get(Item, item_id).ls_task_id
            fake.create_annotation(task_id, ls_result(rules, {"overall": 4}), lead_time=12.5,
                                   completed_by=ls_user)
            made += 1
    intruder = fake.as_user(fake.user_token("stranger@example.test", "stranger-pass"))
    intruder.create_annotation(batch.items[0].ls_task_id, ls_result(rules), lead_time=1.0)
    pending = list(fake.deliveries)
    statuses = _deliver(client, fake, batch.id)
    assert statuses == [200] * (made + 1)
    session.expire_all()
    rows = session.scalars(select(Annotation)).all()
    assert len(rows) == made + 1
    assert all(r.rule_version_id == version.id for r in rows)
    quarantined = [r for r in rows if r.quarantined]
    assert len(quarantined) == 1 and quarantined[0].quarantine_reason == "unknown_user"
    good = [r for r in rows if not r.quarantined]
    assert all(r.result["overall"] == 4 and r.lead_time == 12.5 for r in good)
    # The same deliveries again, duplicated and in reverse order: nothing changes.
    fake.state.deliveries.extend(reversed(pending + pending))
    assert set(_deliver(client, fake, batch.id)) == {200}
    session.expire_all()
    assert session.scalar(select(func.count(Annotation.id))) == made + 1
    assert session.scalar(select(func.count(AuditEvent.id)).where(
        AuditEvent.action == "annotation.ingest")) == made + 1


def test_wrong_secret_stores_nothing(client, session, setup, fake):
    batch = _import(session, quality_items(2))
    body = {"action": "ANNOTATION_CREATED", "annotation": {"id": 1, "task": 1,
            "created_at": "2026-01-01T00:00:00Z", "updated_at": "2026-01-01T00:00:00Z"}}
    for headers in ({}, {"X-Labelgate-Secret": "nope"},
                    {"X-Labelgate-Secret": webhook_secret(batch.id + 1, client.application)}):
        response = client.post(f"/webhooks/label-studio/{batch.id}", json=body, headers=headers)
        assert response.status_code == 401
    assert session.scalar(select(func.count(Annotation.id))) == 0


def test_sync_recovers_what_the_webhook_missed_and_revives_it(client, session, setup, fake):
    version, annotators = setup
    batch = _import(session, quality_items(4))
    assignment.assign_batch(session, batch)
    push_(session, fake, batch)
    session.commit()
    rules = rule_set_of(version)
    fake.disable_webhook(batch.ls_webhook_id)  # Label Studio gave up on us.
    for user in annotators:
        ls_user = fake.ensure_account(user.email, user.display_name)
        for (item_id,) in session.execute(select(Assignment.item_id).where(
                Assignment.user_id == user.id)):
            fake.create_annotation(session.get(Item, item_id).ls_task_id, ls_result(rules), 3.0,
                                   completed_by=ls_user)
    assert fake.deliveries == []  # nothing was sent
    report = sync_(session, fake, batch)
    session.commit()
    expected = session.scalar(select(func.count(Assignment.id)))
    assert report.created == expected
    assert session.scalar(select(func.count(Annotation.id))) == expected
    assert fake.webhook_status(batch.ls_project_id, fake.state.webhooks[
        batch.ls_webhook_id].url).active
    # A second sync finds nothing new.
    again = sync_(session, fake, batch)
    assert (again.created, again.updated) == (0, 0)
