"""Data for the fault tests: batches pushed (or looking pushed), annotations made in Label
Studio itself, and the webhook bodies Label Studio sends for them."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

from app.services import batches, datasets
from tests.factories import jsonl, ls_result, make_active_version, quality_items

PROJECT_ID = 4242


def pushed_batch(session, n_items: int, *, name: str = "fault-batch", project_id=PROJECT_ID):
    """Import a batch and mark it pushed to `project_id` with task ids 10000+i (no server)."""
    datasets.register_dataset(session, name="prompts", modality="text", source_type="licensed")
    version = make_active_version(session)
    batch = batches.import_batch(
        session,
        jsonl(quality_items(n_items)),
        source="items.jsonl",
        dataset_name="prompts",
        rule_set_key="response-quality",
        batch_name=name,
    )
    session.flush()
    batch.ls_project_id = project_id
    batch.state = "annotating"
    for offset, item in enumerate(batch.items):
        item.ls_task_id = 10000 + offset
    session.commit()
    return batch, version


def annotation_body(
    batch,
    item,
    rules,
    ann_id: int,
    *,
    action: str = "ANNOTATION_CREATED",
    minutes: int = 0,
    overall: int = 4,
    user_id: int = 7,
) -> dict:
    """Return the body Label Studio posts for one annotation of `item`."""
    at = datetime(2026, 1, 1, tzinfo=UTC) + timedelta(minutes=minutes)
    stamp = at.isoformat().replace("+00:00", "Z")
    return {
        "action": action,
        "annotation": {
            "id": ann_id,
            "task": item.ls_task_id,
            "completed_by": user_id,
            "result": ls_result(rules, {"overall": overall}),
            "lead_time": 3.5,
            "was_cancelled": False,
            "created_at": "2026-01-01T00:00:00Z",
            "updated_at": stamp,
        },
        "task": {"id": item.ls_task_id, "data": {**item.data, "lg_item_id": str(item.id)}},
        "project": {"id": batch.ls_project_id},
    }


def pushed_to(app, session, gateway, n_items: int, *, name: str = "fault-batch"):
    """Import a batch and push it to `gateway` (the fake or a real server) for real."""
    from app.services import push

    datasets.register_dataset(session, name="prompts", modality="text", source_type="licensed")
    version = make_active_version(session)
    batch = batches.import_batch(session, jsonl(quality_items(n_items)), source="items.jsonl",
                                 dataset_name="prompts", rule_set_key="response-quality",
                                 batch_name=name)
    session.commit()
    with app.app_context():
        push.push_batch(session, gateway, batch)
    session.commit()
    return batch, version


def made_in_label_studio(gateway, batch, item, rules, *, overall: int = 4,
                         email: str = "someone@example.test"):
    """Write an annotation in Label Studio as `email`'s account (as an administrator can);
    return it and the body Label Studio's webhook sends for it."""
    author = gateway.ensure_account(email, email.split("@")[0])
    made = gateway.create_annotation(item.ls_task_id, ls_result(rules, {"overall": overall}),
                                     3.5, completed_by=author)
    body = annotation_body(batch, item, rules, made.id, overall=overall, user_id=author)
    stamp = made.updated_at.isoformat().replace("+00:00", "Z")
    body["annotation"].update(created_at=stamp, updated_at=stamp)
    return made, body


def deleted_body(batch, ann_ids) -> dict:
    """Return the body Label Studio posts when annotations are deleted."""
    return {
        "action": "ANNOTATIONS_DELETED",
        "annotations": [{"id": i} for i in ann_ids],
        "project": {"id": batch.ls_project_id},
    }
