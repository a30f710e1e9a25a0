"""The webhook inbox: notices queued at once, then re-read from Label Studio and stored in bulk.

Label Studio delivers a webhook inside its own request and never retries, so the receiver
only checks the secret and the shape, appends a compact notice (`app.services.notices`) to
a Redis list and answers 202. `drain` (an RQ job, one at a time under a lock) moves notices
to a processing list and handles them batch by batch, each batch in a transaction of its
own, so that one failing batch never holds the others back.

- Label Studio or the database unreachable: the whole chunk goes back and the drain is
  tried again in `OUTAGE_DELAY` seconds; nothing is counted against the notices.
- Any other failure: the batch's notices are tried one by one; one that fails is retried
  after `BACKOFF` seconds, and after `MAX_ATTEMPTS` failures it becomes a dead letter that
  QA leads see with its error (`app.services.dead_letters`).

A drainer that dies leaves its chunk in the processing list and the next drain takes it
again, which is harmless: storing is idempotent. Workers' maintenance starts a drain
whenever notices wait without one.
"""

from __future__ import annotations

import logging
import time
from collections import defaultdict

from flask import Flask, current_app
from redis import Redis

from app.extensions import db
from app.models import Batch
from app.services import dead_letters, notices
from app.services.actor import Actor, acting_as
from app.services.label_studio import gateway_for
from app.services.notices import Notice
from app.services.outages import is_outage

log = logging.getLogger(__name__)
CHUNK = 500
LOCK_SECONDS = 120
SCHEDULED_SECONDS = 60
OUTAGE_DELAY = 5
BACKOFF = (1, 4)  # seconds before the second and third tries
_LAST_TRIGGER: dict[str, float] = {}
_CONNECTIONS: dict[str, Redis] = {}


def connection_for(app: Flask) -> Redis | None:
    """Return this process's Redis client for the app's URL (one pool per process), or None
    when the app runs without Redis."""
    url = app.config.get("REDIS_URL")
    if not url:
        return None
    if url not in _CONNECTIONS:
        _CONNECTIONS[url] = Redis.from_url(url, socket_connect_timeout=5)
    return _CONNECTIONS[url]


def keys(app: Flask) -> dict[str, str]:
    """Return the Redis keys of the app's inbox."""
    from app.jobs import queue_name

    base = f"{queue_name(app)}:webhooks"
    return {
        "inbox": base,
        "processing": f"{base}:processing",
        "retry": f"{base}:retry",
        "lock": f"{base}:lock",
        "scheduled": f"{base}:scheduled",
    }


def accept(app: Flask, connection: Redis, notice: Notice) -> None:
    """Queue one checked notice and make sure a drain will run."""
    names = keys(app)
    connection.rpush(names["inbox"], notice.to_json())
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
    """Return how many notices wait: queued, in an interrupted chunk, or due for a retry."""
    names = keys(app)
    due = connection.zcount(names["retry"], "-inf", time.time())
    return connection.llen(names["inbox"]) + connection.llen(names["processing"]) + due


def drain() -> int:
    """RQ's entry point: handle every waiting notice; return how many were handled."""
    from app.jobs.worker import redis_connection

    app = current_app._get_current_object()
    connection = redis_connection(app)
    names = keys(app)
    if not connection.set(names["lock"], "1", nx=True, ex=LOCK_SECONDS):
        return 0  # Another drain runs; it will see these notices.
    handled = 0
    try:
        while True:
            _release_due_retries(connection, names)
            chunk = _claim(connection, names)
            if not chunk:
                connection.delete(names["scheduled"])
                if connection.llen(names["inbox"]) == 0:
                    _schedule_next_retry(app, connection, names)
                    return handled
                continue  # One arrived after the last claim and before the flag went.
            if not handle(app, connection, chunk):
                schedule_drain(app, connection, delay=OUTAGE_DELAY)
                return handled  # the chunk stays in processing for the next drain
            connection.delete(names["processing"])  # every notice is stored or set aside
            connection.expire(names["lock"], LOCK_SECONDS)
            handled += len(chunk)
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


def _release_due_retries(connection: Redis, names: dict[str, str]) -> None:
    """Move the retries whose time has come back to the inbox."""
    now = time.time()
    due = connection.zrangebyscore(names["retry"], "-inf", now)
    if due:
        with connection.pipeline() as pipe:
            pipe.rpush(names["inbox"], *due)
            pipe.zremrangebyscore(names["retry"], "-inf", now)
            pipe.execute()


def _schedule_next_retry(app: Flask, connection: Redis, names: dict[str, str]) -> None:
    """Have a drain run when the earliest waiting retry falls due."""
    first = connection.zrange(names["retry"], 0, 0, withscores=True)
    if first:
        schedule_drain(app, connection, delay=max(0.5, first[0][1] - time.time()))


def handle(app: Flask, connection: Redis | None, chunk: list[bytes]) -> bool:
    """Store what a chunk of notices names; return False when an outage stopped it.

    Without Redis (`connection` None) a failing notice becomes a dead letter at once:
    reconciliation will re-read its batch anyway.
    """
    groups: dict[tuple[str, int], list[Notice]] = defaultdict(list)
    for raw in chunk:
        try:
            notice = Notice.from_json(raw)
        except (ValueError, KeyError, TypeError) as err:
            _set_aside(app, connection, None, raw, err)
            continue
        groups[(notice.kind, notice.batch_id)].append(notice)
    with acting_as(Actor.system("webhook")):
        for (kind, batch_id), group in groups.items():
            try:
                _store_group(kind, batch_id, group)
            except Exception as err:  # noqa: BLE001 - an outage waits; else isolate the notice
                if is_outage(err):
                    log.warning("webhook inbox: %s; trying again in %d s", err, OUTAGE_DELAY)
                    return False
                if not _one_by_one(app, connection, kind, batch_id, group):
                    return False
    return True


def _store_group(kind: str, batch_id: int, group: list[Notice]) -> None:
    """Re-read and store one batch's notices in one transaction."""
    session = db.new_session()
    try:
        batch = session.get(Batch, batch_id)
        if batch is None:
            log.warning("dropped %d webhook notices for unknown batch %s", len(group), batch_id)
            return
        record_kind = notices.KINDS[kind]
        report = notices.refresh(session, gateway_for(batch), record_kind, batch, group)
        for ls_id, held_by in report.conflicts:
            dead_letters.conflict(session, kind=kind, batch_id=batch.id, ls_id=ls_id,
                                  held_by=held_by, server=batch.ls_server)
        session.commit()
    except Exception:
        session.rollback()
        raise
    finally:
        session.close()


def _one_by_one(app: Flask, connection: Redis | None, kind: str, batch_id: int,
                group: list[Notice]) -> bool:
    """Store each notice alone, setting aside those that fail; False on an outage."""
    for notice in group:
        try:
            try:
                _store_group(kind, batch_id, [notice])
            except Exception as err:  # noqa: BLE001 - kept with its error for QA leads
                if is_outage(err):
                    return False
                _retry_or_set_aside(app, connection, notice, err)
        except Exception as err:  # noqa: BLE001 - setting it aside needs the database too
            if is_outage(err):
                return False
            raise
    return True


def _retry_or_set_aside(app: Flask, connection: Redis | None, notice: Notice,
                        err: Exception) -> None:
    tried = notice.tried()
    if connection is not None and tried.attempts < dead_letters.MAX_ATTEMPTS:
        delay = BACKOFF[min(tried.attempts - 1, len(BACKOFF) - 1)]
        connection.zadd(keys(app)["retry"], {tried.to_json(): time.time() + delay})
        log.warning("webhook notice for batch %s failed (%s); retry %d in %d s",
                    notice.batch_id, err, tried.attempts, delay)
        return
    _set_aside(app, connection, notice, tried.to_json(), err)


def _set_aside(app: Flask, connection: Redis | None, notice: Notice | None, raw: bytes,
               err: Exception) -> None:
    """Keep a notice that keeps failing as a dead letter, with its error."""
    session = db.new_session()
    try:
        delivery = _delivery(notice, raw)
        dead_letters.record(session, kind=notice.kind if notice else "unknown",
                            batch_id=_existing_batch(session, notice), delivery=delivery,
                            error=f"{type(err).__name__}: {err}",
                            attempts=notice.attempts + 1 if notice else 1)
        session.commit()
        log.error("webhook notice set aside as a dead letter: %s", err)
    finally:
        session.close()


def _delivery(notice: Notice | None, raw: bytes) -> dict:
    if notice is None:
        return {"raw": raw.decode("utf-8", "replace")[:2000]}
    return {"action": notice.action, "annotation_ids": list(notice.annotation_ids),
            "task_ids": list(notice.task_ids)}


def _existing_batch(session, notice: Notice | None) -> int | None:
    if notice is None:
        return None
    return notice.batch_id if session.get(Batch, notice.batch_id) is not None else None


def requeue(app: Flask, connection: Redis | None, kind: str, batch_id: int,
            delivery: dict) -> None:
    """Try a dead letter's notice again (a QA lead's retry): queued, or stored at once."""
    notice = Notice(kind, batch_id, delivery["action"], tuple(delivery["annotation_ids"]),
                    tuple(delivery["task_ids"]))
    if connection is not None:
        accept(app, connection, notice)
    else:
        handle(app, None, [notice.to_json()])
