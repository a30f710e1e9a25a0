"""Redis unreachable while the workbench runs scaled out: 503, never 500, and nothing lost."""

from __future__ import annotations

import pytest
from sqlalchemy import func, select

from app.models import Annotation, Job
from app.services.label_studio import webhook_secret
from app.services.rule_versions import rule_set_of
from tests.factories import login, make_user
from tests.integration.faults.fault_data import annotation_body, pushed_batch
from tests.plugins.live_server import free_port

pytestmark = pytest.mark.integration


def test_with_redis_down_webhooks_and_job_starts_answer_503(app, session):
    batch, version = pushed_batch(session, 2)
    make_user(session, email="lead@example.test", roles=("qa_lead",))
    app.config.update(REDIS_URL=f"redis://127.0.0.1:{free_port()}/0", JOBS_QUEUE="lg-down")
    client = app.test_client()

    body = annotation_body(batch, batch.items[0], rule_set_of(version), 5)
    answer = client.post(f"/webhooks/label-studio/{batch.id}", json=body,
                         headers={"X-Labelgate-Secret": webhook_secret(batch.id, app)})
    assert answer.status_code == 503 and answer.is_json
    assert session.scalar(select(func.count(Annotation.id))) == 0  # reconciliation brings it

    login(client, "lead@example.test")
    answer = client.post(f"/batches/{batch.id}/sync")
    assert answer.status_code == 503
    assert "background work queue" in answer.get_data(as_text=True)
    # The job row stays queued: a worker's recovery pass hands it out once Redis is back.
    assert session.scalar(select(Job.state).where(Job.kind == "sync")) == "queued"
