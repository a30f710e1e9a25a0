"""Webhooks against the real Label Studio: a failing or absent receiver loses nothing once
reconciliation runs, and duplicated or reordered deliveries end in Label Studio's state."""

from __future__ import annotations

import json
import random
import time

import httpx
import pytest
from flask import jsonify, request
from sqlalchemy import delete, func, select

from app.models import Annotation, Batch
from app.services import batches, datasets, push
from app.services.label_studio import webhook_secret
from app.services.rule_versions import rule_set_of
from tests.factories import jsonl, ls_result, make_active_version, quality_items
from tests.integration.faults.conftest import wait_for

pytestmark = pytest.mark.integration


@pytest.fixture
def receiver(app, label_studio_gateway, label_studio_server):
    """The app's webhook receiver, switchable to failing, recording every delivery."""
    app.config["LABEL_STUDIO_GATEWAY"] = label_studio_gateway
    state = {"failing": False, "bodies": []}

    @app.before_request
    def intercept():
        if not request.path.startswith("/webhooks/"):
            return None
        if state["failing"]:
            return jsonify(error="receiver broken for the test"), 500
        state["bodies"].append(request.get_data())
        return None

    return state


@pytest.fixture
def pushed(app, session, live, label_studio_gateway):
    """A batch of 8 items pushed to the session's Label Studio, webhook to the live server."""
    datasets.register_dataset(session, name="prompts", modality="text", source_type="licensed")
    version = make_active_version(session)
    batch = batches.import_batch(
        session,
        jsonl(quality_items(8)),
        source="items.jsonl",
        dataset_name="prompts",
        rule_set_key="response-quality",
        batch_name=f"hooks-{live.port}",
    )
    session.commit()
    with app.app_context():
        push.push_batch(session, label_studio_gateway, batch)
    session.commit()
    yield batch, version
    label_studio_gateway.delete_project(batch.ls_project_id)


def _count(session) -> int:
    session.expire_all()
    return session.scalar(select(func.count(Annotation.id)))


def _state(session) -> dict:
    session.expire_all()
    return {
        row.ls_annotation_id: (row.result, row.deleted_at is not None, row.ls_updated_at)
        for row in session.scalars(select(Annotation))
    }


def test_a_failing_then_absent_receiver_loses_nothing_after_reconciliation(
    app, session, live, receiver, pushed, label_studio_gateway
):
    batch, version = pushed
    rules = rule_set_of(version)
    tasks = [item.ls_task_id for item in batch.items]
    receiver["failing"] = True  # answers 500: Label Studio drops these deliveries
    for task_id in tasks[:4]:
        label_studio_gateway.create_annotation(task_id, ls_result(rules), lead_time=2.0)
    live.stop()  # no receiver at all
    for task_id in tasks[4:]:
        label_studio_gateway.create_annotation(task_id, ls_result(rules), lead_time=2.0)
    time.sleep(0.5)
    assert _count(session) == 0
    live.start()
    receiver["failing"] = False

    result = app.test_cli_runner().invoke(args=["sync", "--batch", batch.name])
    assert result.exit_code == 0, result.output
    assert _count(session) == len(tasks)
    hook = label_studio_gateway.webhook_status(
        batch.ls_project_id, f"{live.url}/webhooks/label-studio/{batch.id}"
    )
    assert hook is not None and hook.active
    # Deliveries flow again: the next annotation arrives without a sync.
    label_studio_gateway.create_annotation(tasks[0], ls_result(rules), lead_time=1.0)
    wait_for(
        lambda: _count(session) == len(tasks) + 1, timeout=30, what="the webhook to deliver again"
    )


def _change_in_label_studio(server, gateway, batch, rules) -> None:
    """Create six annotations, update three of them, delete the annotations of one task."""
    tasks = [item.ls_task_id for item in batch.items][:6]
    ids = [
        gateway.create_annotation(t, ls_result(rules, {"overall": 2}), lead_time=3.0).id
        for t in tasks
    ]
    with httpx.Client(
        base_url=server.url, timeout=30, headers={"Authorization": f"Token {server.token}"}
    ) as client:
        for annotation_id in ids[:3]:
            time.sleep(0.01)  # a later updated_at than the creation
            client.patch(
                f"/api/annotations/{annotation_id}",
                json={"result": ls_result(rules, {"overall": 5})},
            ).raise_for_status()
        client.post(
            "/api/dm/actions",
            params={"id": "delete_tasks_annotations", "project": batch.ls_project_id},
            json={"selectedItems": {"all": False, "included": [tasks[5]]}},
        ).raise_for_status()


def _replay(client, batch_id: int, bodies: list[bytes], secret: str) -> None:
    for body in bodies:
        answer = client.post(
            f"/webhooks/label-studio/{batch_id}",
            data=body,
            headers={"X-Labelgate-Secret": secret, "Content-Type": "application/json"},
        )
        assert answer.status_code == 200, answer.get_data(as_text=True)


def test_duplicated_and_reordered_deliveries_end_in_label_studios_state(
    app, session, receiver, pushed, label_studio_gateway, label_studio_server
):
    batch, version = pushed
    _change_in_label_studio(label_studio_server, label_studio_gateway, batch, rule_set_of(version))
    wait_for(lambda: len(receiver["bodies"]) >= 10, timeout=30, what="10 deliveries")
    time.sleep(0.5)
    bodies = list(receiver["bodies"])
    actions = [json.loads(b)["action"] for b in bodies]
    assert actions.count("ANNOTATIONS_DELETED") == 1 and actions.count("ANNOTATION_UPDATED") == 3
    expected = _state(session)
    assert sum(deleted for _r, deleted, _t in expected.values()) == 1
    client, secret = app.test_client(), webhook_secret(batch.id, app)

    def clear() -> None:
        session.execute(delete(Annotation))
        session.commit()

    # A delivery is a notice: whatever its order, what is stored is what Label Studio holds
    # when the notice is read. The annotation deleted there before the replays began is
    # never stored again; everything else ends exactly as the live run stored it.
    held = {k: v for k, v in expected.items() if not v[1]}
    deletion = next(b for b in bodies if b"ANNOTATIONS_DELETED" in b)
    others = [b for b in bodies if b is not deletion] * 2
    random.Random(7).shuffle(others)
    clear()
    _replay(client, batch.id, others + [deletion, deletion], secret)
    assert _state(session) == held

    clear()
    _replay(client, batch.id, list(reversed(bodies + bodies)), secret)  # deletion first
    assert _state(session) == held
    result = app.test_cli_runner().invoke(args=["sync", "--batch", str(batch.id)])
    assert result.exit_code == 0, result.output
    assert _state(session) == held
    assert session.get(Batch, batch.id).ls_project_id is not None
