"""The batch pages: import by upload, push and sync as jobs with progress, my work."""

from __future__ import annotations

import io

import pytest
from sqlalchemy import select

from app.models import Batch, Job
from app.services import assignment, datasets
from tests.factories import (
    jsonl,
    login,
    make_active_version,
    make_qualified_annotators,
    make_user,
    quality_items,
)
from tests.fakes.fake_label_studio import FakeLabelStudio


@pytest.fixture
def lead(app, session, client):
    app.config["LABEL_STUDIO_GATEWAY"] = FakeLabelStudio()
    app.config["JOBS_INLINE"] = True
    datasets.register_dataset(session, name="prompts", modality="text", source_type="licensed")
    version = make_active_version(session)
    make_user(session, email="lead@example.test", roles=("qa_lead",))
    login(client, "lead@example.test")
    return version


def _upload(client, rows, name="items.jsonl"):
    return client.post("/batches/import", data={
        "file": (io.BytesIO(jsonl(rows)), name), "dataset": "prompts",
        "rule_set": "response-quality", "name": "web-batch"},
        content_type="multipart/form-data")


def test_upload_with_a_bad_row_shows_the_report_and_imports_nothing(client, session, lead):
    rows = quality_items(3)
    rows[2]["response"] = None
    response = _upload(client, rows)
    assert response.status_code == 400
    assert "items.jsonl:3:" in response.get_data(as_text=True)
    assert session.scalar(select(Batch.id)) is None


def test_import_assign_push_sync_from_the_batch_page(app, client, session, lead):
    make_qualified_annotators(session, lead, 2)
    response = _upload(client, quality_items(5))
    assert response.status_code == 302
    batch = session.scalar(select(Batch).where(Batch.name == "web-batch"))
    page = client.get(f"/batches/{batch.id}")
    assert page.status_code == 200 and "web-batch" in page.get_data(as_text=True)
    assert client.post(f"/batches/{batch.id}/assign").status_code == 302
    assert client.post(f"/batches/{batch.id}/push").status_code == 302
    job = session.scalar(select(Job).where(Job.kind == "push"))
    assert (job.state, job.done, job.total) == ("done", 5, 5)
    assert client.get(f"/jobs/{job.id}").get_json()["state"] == "done"
    assert client.post(f"/batches/{batch.id}/sync").status_code == 302
    assert session.scalar(select(Job.state).where(Job.kind == "sync")) == "done"
    text = client.get(f"/batches/{batch.id}", headers={"Accept-Language": "zh-CN"}).get_data(
        as_text=True)
    assert "推送到 Label Studio" in text


def test_an_annotator_sees_their_queue_link(app, session, lead):
    annotators = make_qualified_annotators(session, lead, 1)
    from app.services import batches, push

    batch = batches.import_batch(session, jsonl(quality_items(2)), source="x.jsonl",
                                 dataset_name="prompts", rule_set_key="response-quality")
    assignment.assign_batch(session, batch)
    with app.app_context():
        push.push_batch(session, app.config["LABEL_STUDIO_GATEWAY"], batch)
    session.commit()
    own = app.test_client()
    login(own, annotators[0].email)
    text = own.get("/my/work").get_data(as_text=True)
    assert batch.name in text and f'href="/work/batches/{batch.id}"' in text
