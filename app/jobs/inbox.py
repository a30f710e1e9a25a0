"""The webhook inbox: with Redis, deliveries are queued at once and ingested in bulk by a worker.

Label Studio delivers a webhook inside its own request and never retries, so the receiver
must answer fast. With LABELGATE_REDIS_URL set, the receiver checks the secret and the
shape of the body, appends it to a Redis list and answers 202; `drain` (an RQ job, one at a
time under a lock) moves deliveries to a processing list, ingests them in chunks with the
lookups prefetched, commits, and only then drops them. A drainer that dies leaves its chunk
in the processing list and the next drain ingests it again, which is harmless: ingestion is
idempotent. Workers' maintenance starts a drain whenever deliveries wait without one.
"""

from __future__ import annotations

import json
import logging
import time
from collections import defaultdict

from flask import Flask, current_app
from redis import Redis

from app.extensions import db
from app.integrations.label_studio_gateway import parse_webhook
from app.models import Batch
from app.services import ingestion
from app.services.actor import Actor, acting_as

log = logging.getLogger(__name__)
CHUNK = 500
LOCK_SECONDS = 120
SCHEDULED_SECONDS = 60
_LAST_TRIGGER: dict[str, float] = {}


def keys(app: Flask) -> dict[str, str]:
    """Return the Redis keys of the app's inbox."""
    from app.jobs import queue_name

    base = f"{queue_name(app)}:webhooks"
    return {
        "inbox": base,
        "processing": f"{base}:processing",
        "lock": f"{base}:lock",
        "scheduled": f"{base}:scheduled",
    }


def accept(app: Flask, connection: Redis, batch_id: int, raw: bytes) -> None:
    """Queue one checked delivery and make sure a drain will run."""
    names = keys(app)
    connection.rpush(names["inbox"], b"%d\n%s" % (batch_id, raw))
    # One round trip per delivery: the drain flag is tried at most once a second per
    # process (a drain lives for as long as deliveries keep coming, and workers' maintenance
    # starts one if a trigger is ever lost).
    now = time.monotonic()
    if now - _LAST_TRIGGER.get(names["scheduled"], -1.0) < 1.0:
        return
    _LAST_TRIGGER[names["scheduled"]] = now
    if connection.set(names["scheduled"], "1", nx=True, ex=SCHEDULED_SECONDS):
        schedule_drain(app, connection)


def schedule_drain(app: Flask, connection: Redis, *, delay: float = 0) -> None:
    """Put a drain job on the app's queue."""
    from datetime import timedelta

    from rq import Queue

    from app.jobs import queue_name

    queue = Queue(queue_name(app), connection=connection)
    if delay:
        queue.enqueue_in(timedelta(seconds=delay), "app.jobs.inbox.drain", job_timeout=3600)
    else:
        queue.enqueue("app.jobs.inbox.drain", job_timeout=3600, result_ttl=60)


def waiting(app: Flask, connection: Redis) -> int:
    """Return how many deliveries wait in the inbox or in an interrupted chunk."""
    names = keys(app)
    return connection.llen(names["inbox"]) + connection.llen(names["processing"])


def drain() -> int:
    """RQ's entry point: ingest every waiting delivery; return how many were handled."""
    from app.jobs.worker import redis_connection

    app = current_app._get_current_object()
    connection = redis_connection(app)
    names = keys(app)
    if not connection.set(names["lock"], "1", nx=True, ex=LOCK_SECONDS):
        return 0  # Another drain runs; it will see these deliveries.
    handled = 0
    try:
        while True:
            chunk = _claim(connection, names)
            if not chunk:
                connection.delete(names["scheduled"])
                if connection.llen(names["inbox"]) == 0:
                    return handled
                continue  # One arrived after the last claim and before the flag went.
            _ingest(app, chunk)
            connection.delete(names["processing"])  # Committed: the chunk is done.
            connection.expire(names["lock"], LOCK_SECONDS)
            handled += len(chunk)
    except Exception:
        log.exception("draining the webhook inbox failed; retrying in 5 s")
        schedule_drain(app, connection, delay=5)
        raise
    finally:
        connection.delete(names["lock"])


def _claim(connection: Redis, names: dict[str, str]) -> list[bytes]:
    """Return the interrupted chunk if any, else move the next chunk to processing."""
    left = connection.lrange(names["processing"], 0, -1)
    if left:
        return left
    with connection.pipeline() as pipe:
        for _ in range(CHUNK):
            pipe.lmove(names["inbox"], names["processing"], "LEFT", "RIGHT")
        return [entry for entry in pipe.execute() if entry is not None]


def _ingest(app: Flask, chunk: list[bytes]) -> None:
    """Ingest a chunk of deliveries, batch by batch, in one transaction."""
    by_batch: dict[int, list] = defaultdict(list)
    for entry in chunk:
        batch_id, _newline, raw = entry.partition(b"\n")
        by_batch[int(batch_id)].append(parse_webhook(json.loads(raw)))
    session = db.new_session()
    try:
        with acting_as(Actor.system("webhook")):
            for batch_id, events in by_batch.items():
                _ingest_batch(session, batch_id, events)
        session.commit()
    finally:
        session.close()


def _ingest_batch(session, batch_id: int, events: list) -> None:
    batch = session.get(Batch, batch_id)
    if batch is None:
        log.warning("dropped %d webhook deliveries for unknown batch %s", len(events), batch_id)
        return
    events = [e for e in events if e.project_id in (None, batch.ls_project_id)]
    created = [e.annotation for e in events if e.annotation is not None]
    lookups = ingestion.Lookups.prefetch(session, batch, {a.id for a in created})
    pending: list = []
    for event in events:  # In arrival order: a deletion after its creation stays deleted.
        if event.action == "ANNOTATIONS_DELETED":
            ingestion.flush_pending(session, pending)  # keeps the audit trail in order
            ingestion.mark_deleted(session, batch, event.deleted_annotation_ids, source="webhook")
        elif event.annotation is not None:
            ingestion.upsert(
                session, batch, event.annotation, source="webhook", lookups=lookups,
                pending=pending,
            )
    ingestion.flush_pending(session, pending)
