"""Jobs on real RQ workers over real Redis: retried with backoff, and rerun when a worker dies."""

from __future__ import annotations

from urllib.parse import urlsplit

import pytest
from sqlalchemy import func, select

from app import jobs
from app.integrations.label_studio import connect
from app.integrations.label_studio_gateway import ITEM_ID_FIELD
from app.models import Batch, Item, Job
from app.services import batches, datasets
from tests.factories import jsonl, make_active_version, quality_items
from tests.integration.faults.conftest import wait_for
from tests.integration.faults.tcp_proxy import TcpProxy

pytestmark = pytest.mark.integration


@pytest.fixture
def batch_of(app, session, label_studio_server):
    """Return a factory of imported batches; delete their Label Studio projects afterwards."""
    made: list[int] = []
    datasets.register_dataset(session, name="prompts", modality="text", source_type="licensed")
    make_active_version(session)

    def make(n: int, name: str) -> Batch:
        batch = batches.import_batch(
            session,
            jsonl(quality_items(n)),
            source="items.jsonl",
            dataset_name="prompts",
            rule_set_key="response-quality",
            batch_name=name,
        )
        session.commit()
        made.append(batch.id)
        return batch

    yield make
    gateway = connect(label_studio_server.url, label_studio_server.token)
    for batch_id in made:
        session.expire_all()
        project = session.get(Batch, batch_id).ls_project_id
        if project is not None:
            gateway.delete_project(project)
    gateway.close()


def _job(session, job_id: int) -> Job:
    session.expire_all()
    return session.get(Job, job_id)


def _enqueue(app, batch: Batch) -> int:
    with app.app_context():
        from app.extensions import db

        return jobs.enqueue(db.session, "push", {"batch_id": batch.id}, key=f"batch:{batch.id}").id


def _assert_pushed_exactly_once(session, gateway, batch_id: int, n: int) -> None:
    session.expire_all()
    batch = session.get(Batch, batch_id)
    tasks = gateway.list_tasks(batch.ls_project_id)
    item_ids = [task.data[ITEM_ID_FIELD] for task in tasks]
    assert len(tasks) == n and len(set(item_ids)) == n, "a task is missing or duplicated"
    by_item = {task.data[ITEM_ID_FIELD]: task.id for task in tasks}
    rows = session.execute(select(Item.id, Item.ls_task_id).where(Item.batch_id == batch_id))
    assert {str(i): t for i, t in rows} == by_item


def test_a_job_runs_on_a_worker_and_is_retried_with_backoff_while_label_studio_is_away(
    app, session, workers, batch_of, label_studio_server, label_studio_gateway
):
    parts = urlsplit(label_studio_server.url)
    proxy = TcpProxy(parts.hostname, parts.port).start()
    try:
        workers.use_label_studio(f"http://127.0.0.1:{proxy.port}", label_studio_server.token)
        batch = batch_of(40, "worker-retry")
        proxy.cut()
        job_id = _enqueue(app, batch)
        assert _job(session, job_id).state == "queued"  # nothing runs in the test process
        workers.start()
        first = wait_for(
            lambda: (j := _job(session, job_id)).state == "retrying" and j,
            timeout=60,
            what=f"the first attempt to fail\n{workers.logs()}",
        )
        assert "Label Studio could not" in first.message and "retry in" in first.message
        proxy.restore()
        done = wait_for(
            lambda: (j := _job(session, job_id)).state in ("done", "failed") and j,
            timeout=60,
            what=f"the retry to finish\n{workers.logs()}",
        )
        assert done.state == "done", done.message
        assert done.attempts >= 2 and done.result["imported"] == 40
        assert (done.done, done.total) == (40, 40)
        _assert_pushed_exactly_once(session, label_studio_gateway, batch.id, 40)
    finally:
        proxy.stop()

    runner = app.test_cli_runner()
    listed = runner.invoke(args=["jobs", "list"])
    assert listed.exit_code == 0 and f"{job_id}\tpush\tdone\t40/40" in listed.output
    shown = runner.invoke(args=["jobs", "show", str(job_id)])
    assert shown.exit_code == 0 and "progress  40/40" in shown.output


def test_a_worker_killed_mid_job_is_replaced_and_the_job_reruns_to_the_same_result(
    app, session, workers, batch_of, label_studio_server, label_studio_gateway
):
    n = 5000
    workers.use_label_studio(label_studio_server.url, label_studio_server.token)
    batch = batch_of(n, "worker-killed")
    job_id = _enqueue(app, batch)
    first = workers.start()
    wait_for(
        lambda: (j := _job(session, job_id)).state == "running" and 0 < j.done < n,
        timeout=120,
        interval=0.02,
        what=f"the push to be under way ({_job(session, job_id).state})\n{workers.logs()}",
    )
    workers.kill(first)
    stuck = _job(session, job_id)
    assert stuck.state == "running" and stuck.attempts == 1

    workers.start()
    done = wait_for(
        lambda: (j := _job(session, job_id)).state in ("done", "failed") and j,
        timeout=120,
        interval=0.5,
        what=f"the rerun to finish\n{workers.logs()}",
    )
    assert done.state == "done", done.message
    assert done.attempts >= 2, "the job was not run again"
    assert (done.done, done.total) == (n, n)
    _assert_pushed_exactly_once(session, label_studio_gateway, batch.id, n)


def test_webhooks_queue_in_redis_and_a_worker_ingests_every_one_even_an_interrupted_chunk(
    app, session, workers, redis_queue
):
    from redis import Redis

    from app.jobs import inbox
    from app.models import Annotation
    from app.services.label_studio import webhook_secret
    from app.services.rule_versions import rule_set_of
    from tests.integration.faults.fault_data import annotation_body, deleted_body, pushed_batch

    batch, version = pushed_batch(session, 50, name="inbox")
    rules, client = rule_set_of(version), app.test_client()
    bodies = [
        annotation_body(batch, item, rules, 1000 + n) for n, item in enumerate(batch.items * 12)
    ]  # 600 annotations
    bodies += bodies[:100] + [deleted_body(batch, [1000, 1001])]  # repeats, then a deletion
    headers = {"X-Labelgate-Secret": webhook_secret(batch.id, app)}
    for body in bodies:
        answer = client.post(f"/webhooks/label-studio/{batch.id}", json=body, headers=headers)
        assert answer.status_code == 202, answer.get_data(as_text=True)
    assert session.scalar(select(func.count(Annotation.id))) == 0  # nothing ingested inline
    # A drainer that died mid-chunk left deliveries in the processing list.
    connection = Redis.from_url(redis_queue.url)
    names = inbox.keys(app)
    for _ in range(40):
        connection.lmove(names["inbox"], names["processing"], "LEFT", "RIGHT")
    connection.delete(names["scheduled"])  # and its trigger is gone: maintenance must notice
    for job_id in connection.lrange(f"rq:queue:{redis_queue.queue}", 0, -1):
        connection.lrem(f"rq:queue:{redis_queue.queue}", 0, job_id)
    workers.start()
    wait_for(
        lambda: inbox.waiting(app, connection) == 0 and not connection.exists(names["lock"]),
        timeout=120,
        interval=0.5,
        what=f"the inbox to drain\n{workers.logs()}",
    )
    session.expire_all()
    rows = session.scalars(select(Annotation)).all()
    assert len(rows) == 600 and len({r.ls_annotation_id for r in rows}) == 600
    assert {r.ls_annotation_id for r in rows if r.deleted_at is not None} == {1000, 1001}
    connection.close()
