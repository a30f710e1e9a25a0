"""Annotation end to end against a real Label Studio server and a live workbench.

Three annotators label through the door (stored in Label Studio as them and here at once);
an administrator's edit made in Label Studio itself arrives by webhook, re-read from Label
Studio; with the receiver down for part of the run, `labelgate sync` recovers everything; a
stranger's annotation is quarantined; pushing twice changes nothing; each annotator's queue
shows exactly their tasks.
"""

from __future__ import annotations

import time

import pytest
from sqlalchemy import func, select

from app.models import Annotation, Assignment, Item
from app.services import assignment, batches, datasets, door, push
from app.services.rule_versions import rule_set_of
from tests.factories import (
    jsonl,
    ls_result,
    make_active_version,
    make_qualified_annotators,
    quality_items,
)

pytestmark = pytest.mark.integration
PASSWORD = "annotator-pass-123"


def _wait_for(session, count: int, timeout: float = 30.0) -> int:
    deadline = time.monotonic() + timeout
    seen = 0
    while time.monotonic() < deadline:
        session.expire_all()
        seen = session.scalar(select(func.count(Annotation.id)))
        if seen >= count:
            return seen
        time.sleep(0.2)
    return seen


@pytest.fixture
def ls(app, label_studio_gateway):
    app.config["LABEL_STUDIO_GATEWAY"] = label_studio_gateway
    created = []
    yield label_studio_gateway, created
    for project_id in created:
        label_studio_gateway.delete_project(project_id)


def test_annotations_from_three_annotators_arrive_and_nothing_is_lost(app, session, live, ls):
    gateway, created = ls
    datasets.register_dataset(session, name="prompts", modality="text",
                              source_type="licensed", licence="CC-BY-4.0")
    version = make_active_version(session)
    annotators = make_qualified_annotators(session, version, 3, prefix=f"e2e{live.port}-")
    batch = batches.import_batch(session, jsonl(quality_items(10)), source="items.jsonl",
                                 dataset_name="prompts", rule_set_key="response-quality",
                                 batch_name=f"e2e-{live.port}")
    session.commit()
    assignment.assign_batch(session, batch, seed=3)
    with app.app_context():
        assert push.push_batch(session, gateway, batch) == 10
        session.commit()
        created.append(batch.ls_project_id)
        assert push.push_batch(session, gateway, batch) == 0  # pushing twice: no duplicate
        session.commit()
    assert len(gateway.list_tasks(batch.ls_project_id)) == 10

    # Each annotator's queue shows exactly their tasks.
    for user in annotators:
        mine = set(session.scalars(select(Assignment.item_id).where(
            Assignment.user_id == user.id)))
        shown = {int(e.key.removeprefix("item:"))
                 for e in door.queue(session, user, door.ANNOTATE, batch.id).entries}
        assert shown == mine

    rules = rule_set_of(version)
    work = []
    for user in annotators:
        for (item_id,) in session.execute(select(Assignment.item_id).where(
                Assignment.user_id == user.id).order_by(Assignment.item_id)):
            work.append((user, item_id))
    half = len(work) // 2
    with app.app_context():
        for user, item_id in work[:half]:  # through the door: stored here at once
            unit = door.unit(session, user, door.ANNOTATE, batch.id, f"item:{item_id}")
            door.open_unit(session, user, unit)
            door.submit(session, gateway, user, unit, ls_result(rules, {"overall": 5}))
    assert _wait_for(session, half) == half
    # An administrator edits one in Label Studio itself: the webhook notice brings it in.
    edited = session.scalars(select(Annotation).order_by(Annotation.id)).first()
    gateway.update_annotation(edited.ls_annotation_id, ls_result(rules, {"overall": 3}), 9.0)
    deadline = time.monotonic() + 30
    while time.monotonic() < deadline:
        session.expire_all()
        if session.get(Annotation, edited.id).result["overall"] == 3:
            break
        time.sleep(0.2)
    assert session.get(Annotation, edited.id).result["overall"] == 3
    assert session.get(Annotation, edited.id).source == "webhook"

    live.stop()  # the receiver is down: Label Studio's deliveries fail and are never retried
    for user, item_id in work[half:]:  # made in Label Studio while the workbench is away
        ls_user = gateway.ensure_account(user.email, user.display_name)
        gateway.create_annotation(session.get(Item, item_id).ls_task_id,
                                  ls_result(rules, {"overall": 2}), 4.0, completed_by=ls_user)
    stranger_email = f"stranger{live.port}@example.test"
    gateway.ensure_user(stranger_email, "Stranger", password=PASSWORD)
    stranger = gateway.as_user(gateway.user_token(stranger_email, PASSWORD))
    stranger.create_annotation(session.get(Item, work[0][1]).ls_task_id, ls_result(rules),
                               lead_time=1.0)
    time.sleep(1.0)
    session.expire_all()
    assert session.scalar(select(func.count(Annotation.id))) == half
    live.start()

    result = app.test_cli_runner().invoke(args=["sync", "--batch", batch.name])
    assert result.exit_code == 0, result.output
    session.expire_all()
    rows = session.scalars(select(Annotation)).all()
    assert len(rows) == len(work) + 1
    assert {r.rule_version_id for r in rows} == {version.id}
    by_source = {r.source for r in rows}
    # Through the door a submission is stored at once ("door"), unless Label Studio's own
    # webhook, sent while it stores it, was read back first ("webhook"): the same record.
    assert {"webhook", "sync"} <= by_source <= {"door", "webhook", "sync"}
    quarantined = [r for r in rows if r.quarantined]
    assert len(quarantined) == 1
    assert quarantined[0].quarantine_reason == "unknown_user"
    counted = [r for r in rows if not r.quarantined]
    assert {(r.user_id, r.item_id) for r in counted} == set(session.execute(
        select(Assignment.user_id, Assignment.item_id)).all())
