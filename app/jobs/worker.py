"""The RQ side of background jobs: the queue, the worker, and recovery of orphaned jobs.

`labelgate worker` runs `LabelgateWorker` on the app's queue. Each job runs in a forked work
horse that reports a heartbeat every `heartbeat` seconds. When a worker is killed mid-job its
job row stays `running` with a heartbeat that stops; any worker's maintenance pass (at start
and every `maintenance` seconds) finds such rows, and rows whose RQ job vanished, and queues
them again. Handlers are idempotent, so the rerun ends in the same state.
"""

from __future__ import annotations

import ctypes
import logging
import os
import signal
from dataclasses import dataclass
from datetime import timedelta

from flask import Flask
from redis import Redis
from rq import Queue, Worker
from rq.job import Job as RQJob
from rq.registry import ScheduledJobRegistry, StartedJobRegistry
from sqlalchemy import select, update

from app.extensions import db
from app.jobs import ACTIVE_STATES, dispatch, queue_name
from app.models import Job, utcnow

log = logging.getLogger(__name__)
DEFAULT_HEARTBEAT = 10
# A queued row without an RQ job is left alone this long: enqueue() commits before it hands
# the job to RQ, and a sweep must not race it.
QUEUED_GRACE = timedelta(seconds=30)
PR_SET_PDEATHSIG = 1


def redis_connection(app: Flask) -> Redis:
    """Return a Redis client for the app's LABELGATE_REDIS_URL."""
    url = app.config.get("REDIS_URL")
    if not url:
        raise ValueError(
            "LABELGATE_REDIS_URL is not set: background jobs run in-process and "
            "need no worker. Set it to a redis:// URL to run workers."
        )
    return Redis.from_url(url, socket_connect_timeout=5, health_check_interval=30)


def rq_queue(app: Flask) -> Queue:
    """Return the app's RQ queue."""
    return Queue(queue_name(app), connection=redis_connection(app))


@dataclass(frozen=True)
class Recovered:
    """What a recovery pass handed out again."""

    running: tuple[int, ...] = ()
    queued: tuple[int, ...] = ()


def live_job_ids(queue: Queue, stale_after: float) -> set[int]:
    """Return the Labelgate job ids RQ still holds: queued, scheduled, or running and beating."""
    connection = queue.connection
    ids = list(queue.get_job_ids())
    ids += ScheduledJobRegistry(queue=queue).get_job_ids(cleanup=False)
    started = StartedJobRegistry(queue=queue).get_job_ids(cleanup=False)
    now = utcnow()
    alive: set[int] = set()
    for rq_job in RQJob.fetch_many(ids + started, connection=connection):
        if rq_job is None or rq_job.func_name != "app.jobs.run_in_worker" or not rq_job.args:
            continue
        if rq_job.id in started:
            beat = rq_job.last_heartbeat or rq_job.started_at
            if beat is None or (now - _aware(beat)).total_seconds() > stale_after:
                continue  # Its horse stopped beating: the worker died.
        alive.add(int(rq_job.args[0]))
    return alive


def _aware(moment):
    from datetime import UTC

    return moment if moment.tzinfo else moment.replace(tzinfo=UTC)


def recover_orphans(app: Flask, *, stale_after: float) -> Recovered:
    """Queue again every active job row that no live RQ job stands behind."""
    queue = rq_queue(app)
    alive = live_job_ids(queue, stale_after)
    running, queued = [], []
    with app.app_context():
        session = db.new_session()
        try:
            rows = session.execute(
                select(Job.id, Job.state, Job.attempts, Job.created_at).where(
                    Job.state.in_(ACTIVE_STATES)
                )
            ).all()
            for job_id, state, attempts, created_at in rows:
                if job_id in alive:
                    continue
                if state == "queued" and utcnow() - _aware(created_at) < QUEUED_GRACE:
                    continue
                # Conditional on what we saw: of two workers sweeping, one wins.
                won = session.execute(
                    update(Job)
                    .where(Job.id == job_id, Job.state == state, Job.attempts == attempts)
                    .values(state="queued", message="requeued: its worker stopped")
                ).rowcount
                session.commit()
                if won:
                    dispatch(app, job_id)
                    (running if state == "running" else queued).append(job_id)
        finally:
            session.close()
    if running or queued:
        log.warning("requeued orphaned jobs: running %s, queued %s", running, queued)
    return Recovered(tuple(running), tuple(queued))


class LabelgateWorker(Worker):
    """An RQ worker that forks a fresh database pool per job and recovers orphaned jobs."""

    def __init__(self, *args, app: Flask, heartbeat: int = DEFAULT_HEARTBEAT, **kwargs) -> None:
        # An idle RQ worker blocks on the queue for worker_ttl - 15 s and runs maintenance
        # only between two waits; tie the wait to the maintenance interval, or recovery
        # would wait for minutes.
        maintenance = kwargs.get("maintenance_interval", 600)
        kwargs.setdefault("worker_ttl", maintenance + 15)
        super().__init__(*args, job_monitoring_interval=heartbeat, **kwargs)
        self.app = app
        self.heartbeat_seconds = heartbeat

    def run_maintenance_tasks(self) -> None:
        """Run RQ's maintenance, then requeue jobs whose worker died."""
        super().run_maintenance_tasks()
        try:
            recover_orphans(self.app, stale_after=3 * self.heartbeat_seconds)
            _drain_if_waiting(self.app, self.connection)
        except Exception:  # noqa: BLE001 - a failed sweep must not stop the worker
            log.exception("recovering orphaned jobs failed; the next pass tries again")

    def main_work_horse(self, job, queue) -> None:
        """In the forked horse: die with the worker, use fresh database connections, run."""
        parent = os.getppid()
        _die_with_parent()
        if os.getppid() != parent:  # The worker died before the signal was armed.
            os._exit(1)
        if db.engine is not None:
            db.engine.dispose(close=False)
        super().main_work_horse(job, queue)


def _drain_if_waiting(app: Flask, connection: Redis) -> None:
    """Start a drain of the webhook inbox when deliveries wait and none is scheduled."""
    from app.jobs import inbox

    names = inbox.keys(app)
    if inbox.waiting(app, connection) and not connection.exists(names["lock"]):
        connection.set(names["scheduled"], "1", ex=inbox.SCHEDULED_SECONDS)
        inbox.schedule_drain(app, connection)


def _die_with_parent() -> None:
    """Ask Linux to kill this process when its parent dies (no-op elsewhere).

    A horse that outlived its worker would keep running a job that recovery has already
    handed to another worker; with this, killing a worker ends its job too.
    """
    try:
        libc = ctypes.CDLL(None, use_errno=True)
        libc.prctl(PR_SET_PDEATHSIG, signal.SIGKILL)
    except (OSError, AttributeError):
        log.debug("prctl is not available; a horse may outlive its worker")
