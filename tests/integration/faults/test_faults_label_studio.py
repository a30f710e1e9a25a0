"""Label Studio stops in the middle of a push and of a sync; the jobs retry and finish.

These tests stop a Label Studio of their own (the session's shared server keeps running).
The workbench reaches it through a loopback proxy, which stands for the fixed address a
deployment gives Label Studio: the server restarts on another port, the address stays.
"""

from __future__ import annotations

import shutil
import time
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path

import httpx
import pytest
from sqlalchemy import func, select

from app import jobs
from app.integrations.label_studio import connect
from app.integrations.label_studio_gateway import ITEM_ID_FIELD
from app.models import Annotation, Assignment, Batch, Item, Job, LabelStudioAccount
from app.services import audit, batches, datasets, qualifications
from app.services.push import task_data
from app.services.rule_versions import rule_set_of
from tests.factories import jsonl, ls_result, make_active_version, make_user, quality_items
from tests.integration.faults.conftest import wait_for
from tests.integration.faults.tcp_proxy import TcpProxy
from tests.plugins import label_studio_server as plugin

pytestmark = pytest.mark.integration


@dataclass
class OwnLabelStudio:
    """A Label Studio these tests may stop and start, behind a proxy with a fixed port."""

    tool: object
    data_dir: Path
    run_dir: Path
    proxy: TcpProxy
    pid: int = 0
    starts: int = 0

    @property
    def url(self) -> str:
        """Return the address the workbench uses (the proxy's)."""
        return f"http://127.0.0.1:{self.proxy.port}"

    def start(self) -> None:
        """Start the server on a free port and point the proxy at it."""
        self.starts += 1
        server = plugin.start_server(self.tool, self.data_dir, self.run_dir, f"own-{self.starts}")
        self.pid = server.pid
        self.proxy.target = ("127.0.0.1", server.port)

    def stop(self) -> None:
        """Stop the server (its process group) and wait until it is gone."""
        self.tool.stop_process(self.pid, timeout=30.0)


@pytest.fixture(scope="module")
def own_label_studio(tmp_path_factory) -> Iterator[OwnLabelStudio]:
    """A second Label Studio, from the migrated template, for the tests that stop it."""
    tool = plugin.load_server_tool()
    run_dir = tmp_path_factory.mktemp("own-label-studio")
    try:
        tool.install(tool.DEFAULT_VENV)
        template = plugin.migrated_template(tool, run_dir)
        shutil.copytree(template, run_dir / "data")
    except (tool.ServerError, OSError) as error:
        plugin.unavailable(str(error))
    proxy = TcpProxy("127.0.0.1", 9).start()
    server = OwnLabelStudio(tool, run_dir / "data", run_dir, proxy)
    server.start()
    yield server
    server.stop()
    proxy.stop()


@pytest.fixture
def in_process_jobs(app, own_label_studio):
    """Run jobs in threads, retrying after 2, 4, 8, 16 and 30 s, against our own server."""
    app.config.update(
        LABEL_STUDIO_URL=own_label_studio.url,
        LABEL_STUDIO_API_KEY=plugin.ADMIN_TOKEN,
        JOB_RETRY_INTERVALS=(2, 4, 8, 16, 30),
        REDIS_URL=None,
        JOBS_INLINE=False,
    )
    return own_label_studio


def _job(session, job_id: int) -> Job:
    session.expire_all()
    return session.get(Job, job_id)


def _start(app, kind: str, batch: Batch) -> int:
    with app.app_context():
        from app.extensions import db

        return jobs.enqueue(db.session, kind, {"batch_id": batch.id}, key=f"batch:{batch.id}").id


def _finished(session, job_id: int, timeout: float) -> Job:
    return wait_for(
        lambda: (j := _job(session, job_id)).state in ("done", "failed") and j,
        timeout=timeout,
        interval=0.2,
        what=f"job {job_id} to finish",
    )


def _restart_when_retrying(server: OwnLabelStudio, session, job_id: int) -> Job:
    """Stop the server now; once the job waits to retry, start it again."""
    server.stop()
    retrying = wait_for(
        lambda: (j := _job(session, job_id)).state in ("retrying", "done") and j,
        timeout=60,
        what="the job to notice the outage",
    )
    assert retrying.state == "retrying", "the job finished before the server stopped"
    assert "Label Studio could not" in retrying.message
    server.start()
    return retrying


@pytest.fixture
def work(session):
    datasets.register_dataset(session, name="prompts", modality="text", source_type="licensed")
    return make_active_version(session)


def _import(session, n: int, name: str) -> Batch:
    batch = batches.import_batch(
        session,
        jsonl(quality_items(n)),
        source="items.jsonl",
        dataset_name="prompts",
        rule_set_key="response-quality",
        batch_name=name,
    )
    session.commit()
    return batch


def test_label_studio_stopped_during_a_push_the_job_resumes_without_duplicates_or_gaps(
    app, session, work, in_process_jobs
):
    server = in_process_jobs
    n = 6000
    batch = _import(session, n, "ls-stopped-push")
    job_id = _start(app, "push", batch)
    wait_for(
        lambda: (j := _job(session, job_id)).state == "running" and 0 < j.done < n,
        timeout=120,
        interval=0.02,
        what="the push to be under way",
    )
    _restart_when_retrying(server, session, job_id)
    done = _finished(session, job_id, timeout=180)
    assert done.state == "done", done.message
    assert done.attempts >= 2 and (done.done, done.total) == (n, n)

    session.expire_all()
    project = session.get(Batch, batch.id).ls_project_id
    gateway = connect(server.url, plugin.ADMIN_TOKEN)
    try:
        tasks = gateway.list_tasks(project)
        items = [task.data[ITEM_ID_FIELD] for task in tasks]
        assert len(items) == n and len(set(items)) == n
        recorded = dict(
            session.execute(select(Item.id, Item.ls_task_id).where(Item.batch_id == batch.id)).all()
        )
        assert {str(k): v for k, v in recorded.items()} == {
            task.data[ITEM_ID_FIELD]: task.id for task in tasks
        }
    finally:
        gateway.delete_project(project)
        gateway.close()


def _annotated_in_label_studio(session, server, batch, version, n: int) -> int:
    """Give the batch a project whose n tasks each carry an annotation by a qualified user."""
    client = httpx.Client(
        base_url=server.url, timeout=300, headers={"Authorization": f"Token {plugin.ADMIN_TOKEN}"}
    )
    with client:
        me = client.get("/api/current-user/whoami").json()
        project = client.post(
            "/api/projects", json={"title": batch.name, "label_config": version.label_config}
        ).json()["id"]
        user = make_user(session, email=f"own{project}@example.test")
        qualifications.grant(session, user, version.rule_set, version.major)
        session.add(LabelStudioAccount(user_id=user.id, ls_user_id=me["id"], email=me["email"]))
        names = [f.name for f in rule_set_of(version).fields]
        items = session.scalars(
            select(Item).where(Item.batch_id == batch.id).order_by(Item.id)
        ).all()
        result = ls_result(rule_set_of(version), {"overall": 3})
        answer = client.post(
            f"/api/projects/{project}/import",
            params={"return_task_ids": "true"},
            json=[
                {
                    "data": task_data(item, names),
                    "annotations": [{"result": result, "lead_time": 2.0}],
                }
                for item in items
            ],
        )
        answer.raise_for_status()
        for item, task_id in zip(items, answer.json()["task_ids"], strict=True):
            item.ls_task_id = task_id
            session.add(
                Assignment(
                    item_id=item.id,
                    batch_id=batch.id,
                    user_id=user.id,
                    role="annotator",
                    rule_version_id=version.id,
                )
            )
    batch.ls_project_id, batch.state = project, "annotating"
    session.commit()
    return project


def test_label_studio_stopped_during_a_sync_the_next_sync_completes(
    app, session, work, in_process_jobs
):
    server = in_process_jobs
    n = 3000
    batch = _import(session, n, "ls-stopped-sync")
    project = _annotated_in_label_studio(session, server, batch, work, n)
    try:
        job_id = _start(app, "sync", batch)
        wait_for(
            lambda: _job(session, job_id).state == "running",
            timeout=60,
            interval=0.02,
            what="the sync to start",
        )
        time.sleep(0.3)  # inside the export, which takes seconds for 3,000 annotated tasks
        _restart_when_retrying(server, session, job_id)
        done = _finished(session, job_id, timeout=180)
        assert done.state == "done", done.message
        assert done.attempts >= 2 and done.result["created"] == n
        session.expire_all()
        assert session.scalar(select(func.count(Annotation.id))) == n
        assert session.scalar(select(func.count(func.distinct(Annotation.item_id)))) == n
        assert (
            session.scalar(
                select(func.count(Annotation.id)).where(Annotation.quarantined.is_(True))
            )
            == 0
        )
        assert audit.verify_chain(session).ok  # written in bulk, chained one by one
    finally:
        gateway = connect(server.url, plugin.ADMIN_TOKEN)
        gateway.delete_project(project)
        gateway.close()
