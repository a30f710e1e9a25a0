"""The pure helpers around the Label Studio gateway: resumable pushes, webhook notices,
annotations. Payloads below are shaped like those Label Studio 1.23.2 sent here."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta, timezone

import pytest

from app.integrations.label_studio_gateway import (
    ITEM_ID_FIELD,
    LabelStudioError,
    LSTask,
    annotation_from_payload,
    parse_webhook,
    tasks_to_import,
)

ANNOTATION = {
    "id": 41,
    "task": 7,
    "project": 3,
    "completed_by": 2,
    "result": [
        {"from_name": "c", "to_name": "text", "type": "choices", "value": {"choices": ["safe"]}}
    ],
    "lead_time": 3.2,
    "was_cancelled": False,
    "created_at": "2026-11-29T02:36:03.394474Z",
    "updated_at": "2026-11-29T02:36:03.394500Z",
}


def test_tasks_to_import_skips_pushed_items_and_repeats() -> None:
    existing = [LSTask(1, {ITEM_ID_FIELD: "a"}), LSTask(2, {"text": "no item id"})]
    tasks = [{ITEM_ID_FIELD: "a"}, {ITEM_ID_FIELD: "b"}, {ITEM_ID_FIELD: "b"}]

    assert tasks_to_import(existing, tasks) == [{ITEM_ID_FIELD: "b"}]


def test_tasks_without_item_id_cannot_be_pushed_resumably() -> None:
    with pytest.raises(ValueError, match=ITEM_ID_FIELD):
        tasks_to_import([], [{"text": "orphan"}])


def test_created_annotation_webhook_is_only_a_notice_of_ids() -> None:
    body = {
        "action": "ANNOTATION_CREATED",
        "annotation": {**ANNOTATION, "result": [{"forged": True}], "completed_by": 99},
        "task": {"id": 7, "data": {"text": "x", ITEM_ID_FIELD: "item-9"}},
        "project": {"id": 3, "title": "P"},
    }

    notice = parse_webhook(body)

    assert (notice.action, notice.project_id) == ("ANNOTATION_CREATED", 3)
    assert (notice.annotation_ids, notice.task_ids, notice.deleted) == ((41,), (7,), False)
    assert not hasattr(notice, "annotation")  # nothing of the body's content is kept


def test_an_annotation_label_studio_returns_becomes_the_workbench_value() -> None:
    annotation = annotation_from_payload(ANNOTATION, {"text": "x", ITEM_ID_FIELD: "item-9"})

    assert (annotation.id, annotation.task_id, annotation.item_id) == (41, 7, "item-9")
    assert annotation.completed_by_id == 2
    assert annotation.lead_time == 3.2
    assert annotation.created_at == datetime(2026, 11, 29, 2, 36, 3, 394474, tzinfo=UTC)


def test_deleted_annotations_webhook_lists_only_ids() -> None:
    body = {
        "action": "ANNOTATIONS_DELETED",
        "annotations": [{"id": 5}, {"id": 6}],
        "project": {"id": 3},
    }

    notice = parse_webhook(body)

    assert (notice.annotation_ids, notice.task_ids, notice.deleted) == ((5, 6), (), True)


def test_a_body_without_action_is_refused() -> None:
    with pytest.raises(ValueError, match="action"):
        parse_webhook({"annotation": ANNOTATION})


def test_error_names_the_operation_and_status() -> None:
    error = LabelStudioError("create project 'x'", "Validation error", 400)
    assert str(error) == "Label Studio could not create project 'x' (HTTP 400): Validation error"


def test_incremental_export_filter_uses_the_one_format_label_studio_parses() -> None:
    from app.integrations.label_studio import changed_since_filter

    moment = datetime(2026, 1, 2, 8, 4, 5, 6, tzinfo=timezone(timedelta(hours=8)))
    [item] = changed_since_filter(moment)["items"]
    assert item["value"] == "2026-01-02T00:04:05.000006Z"
    with pytest.raises(ValueError, match="time zone"):
        changed_since_filter(datetime(2026, 1, 2))
