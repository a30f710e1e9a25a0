"""The three measurements of issue 5: push vs bulk import, reconcile vs export, webhook rps."""

from __future__ import annotations

import json
import time
from collections.abc import Iterator
from dataclasses import dataclass, field
from pathlib import Path

import httpx
from sqlalchemy import func, select

from app.extensions import db
from app.integrations.label_studio import connect
from app.models import Annotation, DeadLetter, Item
from app.services import push, sync
from app.services.actor import Actor, acting_as
from app.services.push import task_data
from app.services.rule_versions import rule_set_of
from bench import workbench
from bench.environment import LabelStudio, redis_queue, wait_drained, worker
from bench.ls import loadgen

IMPORT_TIMEOUT = 3600
ROUNDS = 3
SECOND_SYNC_UP_TO = 20_000


def _client(ls: LabelStudio) -> httpx.Client:
    return httpx.Client(
        base_url=ls.url, headers={"Authorization": f"Token {ls.token}"}, timeout=IMPORT_TIMEOUT
    )


def _tasks_of(session, batch, version) -> list[dict]:
    names = [f.name for f in rule_set_of(version).fields]
    items = session.scalars(select(Item).where(Item.batch_id == batch.id).order_by(Item.id))
    return [task_data(item, names) for item in items]


def push_vs_bulk_import(app, ls: LabelStudio, version, n: int, log) -> dict:
    """Time pushing n tasks against Label Studio's own bulk import of the same tasks."""
    session = db.new_session()
    gateway = connect(ls.url, ls.token, timeout=IMPORT_TIMEOUT)
    batch = workbench.import_items(session, n, f"push-{n}")
    tasks = _tasks_of(session, batch, version)
    with _client(ls) as client:
        project = client.post(
            "/api/projects",
            json={"title": "bulk import reference", "label_config": version.label_config},
        ).json()["id"]
        log(f"bulk import of {n} tasks in one request …")
        started = time.perf_counter()
        answer = client.post(
            f"/api/projects/{project}/import", json=[{"data": task} for task in tasks]
        )
        bulk = time.perf_counter() - started
        answer.raise_for_status()
        assert answer.json()["task_count"] == n
    log(f"bulk import: {bulk:.1f} s; push of {n} tasks …")
    with app.app_context(), acting_as(Actor.system("bench")):
        started = time.perf_counter()
        imported = push.push_batch(session, gateway, batch)
        session.commit()
        pushed = time.perf_counter() - started
    recorded = session.scalar(
        select(func.count(Item.id)).where(Item.batch_id == batch.id, Item.ls_task_id.is_not(None))
    )
    log(f"push: {pushed:.1f} s ({imported} imported, {recorded} task ids recorded)")
    gateway.delete_project(project)
    gateway.delete_project(batch.ls_project_id)
    session.close()
    return {
        "n": n,
        "bulk_import_s": bulk,
        "push_s": pushed,
        "ratio": pushed / bulk,
        "imported": imported,
        "recorded": recorded,
    }


def _annotated_project(session, gateway, client, batch, version, ls_user: int) -> None:
    """Make the batch's project with one annotation per task, by bulk import."""
    project = gateway.ensure_project(f"reconcile {batch.name}", version.label_config, "", 1)
    batch.ls_project_id, batch.state = project, "annotating"
    session.commit()
    result = workbench.ls_result(version)
    items = session.scalars(select(Item).where(Item.batch_id == batch.id).order_by(Item.id)).all()
    names = [f.name for f in rule_set_of(version).fields]
    ids: dict[int, int] = {}
    for start in range(0, len(items), 10000):
        chunk = items[start : start + 10000]
        payload = [
            {
                "data": task_data(item, names),
                "annotations": [{"result": result, "lead_time": 4.5, "completed_by": ls_user}],
            }
            for item in chunk
        ]
        answer = client.post(
            f"/api/projects/{project}/import", params={"return_task_ids": "true"}, json=payload
        )
        answer.raise_for_status()
        ids.update(zip((item.id for item in chunk), answer.json()["task_ids"], strict=True))
    workbench.record_task_ids(session, batch, ids)


def reconcile_vs_export(app, ls: LabelStudio, version, n: int, log) -> dict:
    """Time reconciling n annotations against Label Studio's own export of them."""
    session = db.new_session()
    gateway = connect(ls.url, ls.token, timeout=IMPORT_TIMEOUT)
    batch = workbench.import_items(session, n, f"reconcile-{n}")
    with _client(ls) as client:
        me = client.get("/api/current-user/whoami").json()
        workbench.annotator_for_label_studio(session, version, int(me["id"]), me["email"], batch)
        log(f"making {n} annotated tasks …")
        _annotated_project(session, gateway, client, batch, version, int(me["id"]))
        log("Label Studio export …")
        started = time.perf_counter()
        answer = client.get(
            f"/api/projects/{batch.ls_project_id}/export", params={"exportType": "JSON"}
        )
        body = answer.content
        export = time.perf_counter() - started
        exported = sum(len(t["annotations"]) for t in json.loads(body))
    log(f"export: {export:.1f} s for {exported} annotations; reconcile …")
    with app.app_context(), acting_as(Actor.system("bench")):
        started = time.perf_counter()
        report = sync.sync_batch(session, gateway, batch)
        session.commit()
        reconciled = time.perf_counter() - started
        log(
            f"reconcile: {reconciled:.1f} s ({report.created} new, "
            f"{report.quarantined} quarantined)"
        )
        second, changed = None, None
        if n <= SECOND_SYNC_UP_TO:  # another whole export: worth it on small runs only
            started = time.perf_counter()
            again = sync.sync_batch(session, gateway, batch)
            session.commit()
            second, changed = time.perf_counter() - started, again.created + again.updated
    stored = session.scalar(
        select(func.count(Annotation.id)).where(Annotation.batch_id == batch.id)
    )
    gateway.delete_project(batch.ls_project_id)
    session.close()
    return {
        "n": n,
        "exported": exported,
        "export_s": export,
        "reconcile_s": reconciled,
        "ratio": reconciled / export,
        "created": report.created,
        "quarantined": report.quarantined,
        "stored": stored,
        "second_s": second,
        "second_changed": changed,
    }


@dataclass
class WebhookRun:
    """One batch's webhook bodies, the servers' environment, and a counter of stored rows."""

    app: object
    batch_id: int
    bodies: loadgen.WebhookBodies
    env: dict
    settings: dict
    work: Path
    log: object
    runs: Iterator[int] = field(default_factory=lambda: iter(range(40)))

    def stored(self) -> int:
        """Return how many annotations the batch holds now."""
        with db.new_session() as fresh:
            return fresh.scalar(
                select(func.count(Annotation.id)).where(Annotation.batch_id == self.batch_id)
            )

    def measure(self, name: str, target: str, settle, *, seconds: int, connections: int):
        """Serve `target`, load it with wrk, and return the figures (run numbers differ)."""
        figures = loadgen.serve_and_load(
            target,
            self.env,
            self.settings,
            self.bodies,
            seconds=seconds,
            connections=connections,
            log_path=self.work / f"gunicorn-{target[:8]}.log",
            secret=self.bodies.secret(self.app),
            stored=self.stored,
            settle=settle,
            run=next(self.runs),
        )
        self.log(
            f"{name}: {figures['rps']:.0f} requests/s, p50 {figures['p50_ms']:.1f} ms, "
            f"p99 {figures['p99_ms']:.1f} ms"
        )
        return figures


def webhook_vs_bare(
    app,
    database_url: str,
    version,
    ls: LabelStudio,
    *,
    seconds: int,
    connections: int,
    workers: int,
    threads: int,
    work: Path,
    log,
) -> dict:
    """Measure the webhook endpoint's and a bare Flask endpoint's rps under one gunicorn setup.

    The workbench runs as deployed at scale: gunicorn over PostgreSQL with Redis, the
    receiver queueing deliveries in Redis; a `labelgate worker` then ingests them, and a
    last run measures with that worker ingesting alongside.
    """
    with db.new_session() as session:
        batch = workbench.import_items(session, 1000, "webhook-rps")
        with _client(ls) as client:
            me = client.get("/api/current-user/whoami").json()
        workbench.annotator_for_label_studio(session, version, int(me["id"]), me["email"], batch)
        items = loadgen.annotated_in_label_studio(session, ls, version, batch, int(me["id"]))
        bodies = loadgen.WebhookBodies(batch, items, workbench.ls_result(version),
                                       ls_user=int(me["id"]))
        batch_id = batch.id
    load = {"seconds": seconds, "connections": connections}
    with redis_queue() as (redis_url, queue):
        env = {
            "LABELGATE_DATABASE_URL": database_url,
            "LABELGATE_REDIS_URL": redis_url,
            "LABELGATE_JOBS_QUEUE": queue,
            "LABELGATE_SECRET_KEY": app.config["SECRET_KEY"],
            "LABELGATE_LABEL_STUDIO_URL": ls.url,
            "LABELGATE_LABEL_STUDIO_API_KEY": ls.token,
        }
        app.config.update(REDIS_URL=redis_url, JOBS_QUEUE=queue)
        run = WebhookRun(
            app, batch_id, bodies, env, {"workers": workers, "threads": threads}, work, log
        )
        # Alternating rounds even out the noise of a shared machine; the best of each counts.
        # The endpoint alone first: deliveries wait in Redis, then a worker drains them.
        rounds = {"bare": [], "webhook": []}
        for _ in range(ROUNDS):
            rounds["bare"].append(
                run.measure("bare Flask", "bench.ls.bare_app:app", lambda: 0.0, **load)
            )
            rounds["webhook"].append(run.measure("webhook", "app.wsgi:app", lambda: 0.0, **load))
        before = run.stored()  # nothing ingested yet: no worker ran
        with worker(env, work / "worker.log"):
            drain_s = wait_drained(app, redis_url, timeout=3600)
            drained = run.stored() - before
            with db.new_session() as fresh:
                dead = fresh.scalar(select(func.count(DeadLetter.id)))
            log(f"drained the inbox in {drain_s:.1f} s: {drained} annotations stored, "
                f"{dead} dead letters")
            concurrent = run.measure(
                "webhook with a worker ingesting alongside",
                "app.wsgi:app",
                lambda: wait_drained(app, redis_url, timeout=3600),
                **load,
            )
    bare = max(rounds["bare"], key=lambda f: f["rps"])
    hook = max(rounds["webhook"], key=lambda f: f["rps"])
    return {
        "bare": bare,
        "webhook": hook,
        "ratio": hook["rps"] / bare["rps"],
        "rounds": rounds,
        "accepted": sum(f["ok"] + f["warm_ok"] for f in rounds["webhook"]),
        "drained": drained,
        "held": len(items),
        "dead_letters": dead,
        "drain_s": drain_s,
        "concurrent": concurrent,
        "concurrent_ratio": concurrent["rps"] / bare["rps"],
        **load,
        "workers": workers,
        "threads": threads,
    }
