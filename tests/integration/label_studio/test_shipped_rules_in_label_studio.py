"""The shipped rule sets compile to configs a real Label Studio accepts (issue 4), and a
Chinese rule set's labels, submitted through the door, come back from Label Studio
unchanged (issue 11)."""

from __future__ import annotations

import pytest
from sqlalchemy import delete, select

from app.models import Annotation, Assignment
from app.services import assignment, batches, datasets, door, push, sync
from app.services.rule_versions import rule_set_of
from labeling_rules import (
    SETS_DIR,
    compile_instructions,
    compile_label_config,
    compile_review_config,
    load_rule_set,
    shipped_rule_set_paths,
)
from tests.factories import jsonl, ls_result, make_active_version, make_qualified_annotators

pytestmark = pytest.mark.integration


@pytest.mark.parametrize("path", shipped_rule_set_paths(), ids=lambda p: p.name)
def test_label_studio_accepts_the_labeling_and_review_configs(path, label_studio_gateway):
    rules = load_rule_set(path.read_text(encoding="utf-8"), source_name=path.name)
    created = []
    try:
        for config in (compile_label_config(rules), compile_review_config(rules)):
            project_id = label_studio_gateway.ensure_project(
                title=f"{rules.id} {len(created)}",
                label_config=config,
                instructions_html=compile_instructions(rules),
                max_annotations=3,
            )
            created.append(project_id)
            settings = label_studio_gateway.project_settings(project_id)
            assert settings.label_config.strip() == config.strip()
            if rules.language == "zh_CN":
                # Chinese reaches Label Studio as Chinese, not as \\u escapes.
                assert "\\u" not in settings.label_config
                assert any("\u4e00" <= ch <= "\u9fff" for ch in settings.label_config)
    finally:
        for project_id in created:
            label_studio_gateway.delete_project(project_id)


def test_chinese_labels_arrive_back_unchanged(app, session, live, label_studio_gateway):
    gateway = label_studio_gateway
    app.config["LABEL_STUDIO_GATEWAY"] = gateway
    datasets.register_dataset(session, name="中文提示", modality="text", source_type="licensed")
    version = make_active_version(session, SETS_DIR / "response-quality.zh_CN.yaml")
    (annotator,) = make_qualified_annotators(session, version, 1, prefix=f"zh{live.port}-")
    rows = [
        {
            "id": f"zh-{i}",
            "instruction": f"请计算 {i} 加 {i}。",
            "response": f"{i} 加 {i} 等于 {2 * i}。",
        }
        for i in range(1, 4)
    ]
    batch = batches.import_batch(
        session,
        jsonl(rows),
        source="条目.jsonl",
        dataset_name="中文提示",
        rule_set_key="response-quality-zh",
        batch_name=f"中文批次-{live.port}",
    )
    assignment.assign_batch(session, batch)
    session.commit()
    rules = rule_set_of(version)
    answers = {
        "accuracy": "轻微错误",
        "readability": "费力可读",
        "overall": 3,
        "improved_response": "1 加 1 等于 2。",
    }
    with app.app_context():
        push.push_batch(session, gateway, batch)
        session.commit()
        try:
            for item_id in session.scalars(select(Assignment.item_id)).all():
                unit = door.unit(session, annotator, door.ANNOTATE, batch.id, f"item:{item_id}")
                door.submit(session, gateway, annotator, unit, ls_result(rules, answers))
            session.execute(delete(Annotation))  # what Label Studio holds, read back anew
            session.commit()
            sync.sync_batch(session, gateway, batch)
            session.commit()
        finally:
            gateway.delete_project(batch.ls_project_id)
    stored = session.scalars(select(Annotation)).all()
    assert len(stored) == 3 and not any(a.quarantined for a in stored)
    for annotation in stored:
        assert annotation.result["accuracy"] == "轻微错误"
        assert annotation.result["readability"] == "费力可读"
        assert annotation.result["risk_flag"] == "未发现风险"
        assert annotation.result["improved_response"] == "1 加 1 等于 2。"
