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
from tests.factories import jsonl, ls_result, make_active_version, quality_items
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
    app, session, workers, redis_queue, label_studio_server, label_studio_gateway
):
    import httpx
    from redis import Redis

    from app.jobs import inbox
    from app.models import Annotation
    from app.services.label_studio import webhook_secret
    from app.services.rule_versions import rule_set_of
    from tests.integration.faults.fault_data import annotation_body, deleted_body, pushed_to

    gateway = label_studio_gateway
    app.config["LABEL_STUDIO_GATEWAY"] = gateway
    workers.use_label_studio(label_studio_server.url, label_studio_server.token)
    batch, version = pushed_to(app, session, gateway, 50, name=f"inbox-{redis_queue.queue}")
    rules, client = rule_set_of(version), app.test_client()
    author = gateway.ensure_account(f"{redis_queue.queue}@example.test", "Inbox")
    try:
        # 600 annotations made in Label Studio (12 per task), then the bodies it would send.
        made = []
        for item in batch.items:
            for n in range(12):
                made.append(gateway.create_annotation(
                    item.ls_task_id, ls_result(rules, {"overall": 1 + n % 5}), 2.0,
                    completed_by=author))
        bodies = [annotation_body(batch, _item_of(batch, a), rules, a.id) for a in made]
        bodies += bodies[:100]  # repeats
        headers = {"X-Labelgate-Secret": webhook_secret(batch.id, app)}

        def post(body):
            answer = client.post(f"/webhooks/label-studio/{batch.id}", json=body,
                                 headers=headers)
            assert answer.status_code == 202, answer.get_data(as_text=True)

        for body in bodies:
            post(body)
        assert session.scalar(select(func.count(Annotation.id))) == 0  # none ingested inline
        # A drainer that died mid-chunk left deliveries in the processing list.
        connection = Redis.from_url(redis_queue.url)
        names = inbox.keys(app)
        for _ in range(40):
            connection.lmove(names["inbox"], names["processing"], "LEFT", "RIGHT")
        connection.delete(names["scheduled"])  # its trigger is gone: maintenance must notice
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
        assert len(rows) == 600 and {r.ls_annotation_id for r in rows} == {a.id for a in made}
        # An administrator deletes two in Label Studio: the notice is checked, then kept.
        gone = [made[0].id, made[1].id]
        for annotation_id in gone:
            httpx.delete(f"{label_studio_server.url}/api/annotations/{annotation_id}/",
                         headers={"Authorization": f"Token {label_studio_server.token}"},
                         timeout=30).raise_for_status()
        post(deleted_body(batch, [*gone, made[2].id]))  # the third is not deleted there
        wait_for(lambda: inbox.waiting(app, connection) == 0
                 and not connection.exists(names["lock"]), timeout=60, interval=0.5,
                 what=f"the deletion to drain\n{workers.logs()}")
        session.expire_all()
        deleted = set(session.scalars(select(Annotation.ls_annotation_id).where(
            Annotation.deleted_at.is_not(None))))
        assert deleted == set(gone)
        connection.close()
    finally:
        gateway.delete_project(batch.ls_project_id)


def _item_of(batch, annotation):
    return next(i for i in batch.items if i.ls_task_id == annotation.task_id)


def test_a_poison_notice_becomes_a_dead_letter_while_the_next_one_is_stored_within_seconds(
    app, session, workers, redis_queue, label_studio_server, label_studio_gateway
):
    import time

    from app.models import Annotation, DeadLetter
    from app.services.label_studio import webhook_secret
    from app.services.rule_versions import rule_set_of
    from tests.integration.faults.fault_data import made_in_label_studio, pushed_to

    gateway = label_studio_gateway
    app.config["LABEL_STUDIO_GATEWAY"] = gateway
    workers.use_label_studio(label_studio_server.url, label_studio_server.token)
    broken, version = pushed_to(app, session, gateway, 2, name=f"broken-{redis_queue.queue}")
    from app.services import batches, push

    fine = batches.import_batch(session, jsonl(quality_items(2, start=50)), source="f.jsonl",
                                dataset_name="prompts", rule_set_key="response-quality",
                                batch_name=f"fine-{redis_queue.queue}")
    session.commit()
    with app.app_context():
        push.push_batch(session, gateway, fine)
    session.commit()
    rules = rule_set_of(version)
    try:
        _made, poison = made_in_label_studio(gateway, broken, broken.items[0], rules)
        gateway.delete_project(broken.ls_project_id)  # an administrator deleted its project
        client = app.test_client()
        answer = client.post(f"/webhooks/label-studio/{broken.id}", json=poison,
                             headers={"X-Labelgate-Secret": webhook_secret(broken.id, app)})
        assert answer.status_code == 202
        workers.start()
        valid, body = made_in_label_studio(gateway, fine, fine.items[0], rules)
        sent = time.monotonic()
        answer = client.post(f"/webhooks/label-studio/{fine.id}", json=body,
                             headers={"X-Labelgate-Secret": webhook_secret(fine.id, app)})
        assert answer.status_code == 202

        def stored():
            session.expire_all()
            return session.scalar(select(Annotation.id).where(
                Annotation.ls_annotation_id == valid.id))

        wait_for(stored, timeout=30, interval=0.2, what=f"the valid notice\n{workers.logs()}")
        assert time.monotonic() - sent < 15  # not held back by the poison before it

        def set_aside():
            session.expire_all()
            return session.scalars(select(DeadLetter)).all()

        [letter] = wait_for(set_aside, timeout=60, interval=0.5,
                            what=f"the dead letter\n{workers.logs()}")
        assert letter.batch_id == broken.id and letter.attempts == 3 and "404" in letter.error
    finally:
        gateway.delete_project(fine.ls_project_id)
