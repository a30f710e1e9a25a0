"""Background work: on RQ workers over Redis when LABELGATE_REDIS_URL is set, else in-process.

A job is a row (`app.models.Job`) plus a handler registered by kind. Enqueueing the same kind
and key while one is queued or running returns that job instead of starting another, and a
handler must be safe to run again (pushes and syncs are), so a retried or re-run job ends in
the same state.
"""

from __future__ import annotations

import logging
import threading
from collections.abc import Callable
from typing import Any

from flask import Flask, current_app
from sqlalchemy import select
from sqlalchemy.orm import Session

from app.extensions import db
from app.models import Job, utcnow
from app.services.actor import Actor, acting_as, current_actor
from app.services.errors import ServiceError

log = logging.getLogger(__name__)
QUEUE = "labelgate"
RETRY_INTERVALS = (5, 30, 120)

Progress = Callable[[int, int], None]
Handler = Callable[[Session, dict, Progress], dict]
HANDLERS: dict[str, Handler] = {}


def handler(kind: str) -> Callable[[Handler], Handler]:
    """Register the function that runs jobs of `kind`."""

    def register(fn: Handler) -> Handler:
        HANDLERS[kind] = fn
        return fn

    return register


def enqueue(session: Session, kind: str, args: dict[str, Any], *, key: str = "") -> Job:
    """Queue a job (or return the same one already queued or running) and start it."""
    if kind not in HANDLERS:
        raise ValueError(f"unknown job kind {kind!r}")
    existing = session.scalar(select(Job).where(
        Job.kind == kind, Job.dedupe_key == key, Job.state.in_(("queued", "running"))))
    if existing is not None:
        return existing
    job = Job(kind=kind, args=args, dedupe_key=key, actor=current_actor().name)
    session.add(job)
    session.commit()
    dispatch(current_app._get_current_object(), job.id)
    return job


def dispatch(app: Flask, job_id: int) -> None:
    """Hand a queued job to RQ, or run it in a thread (or inline, for tests)."""
    redis_url = app.config.get("REDIS_URL")
    if redis_url:
        from redis import Redis
        from rq import Queue, Retry

        Queue(QUEUE, connection=Redis.from_url(redis_url)).enqueue(
            "app.jobs.run_in_worker", job_id, job_id=f"labelgate-job-{job_id}",
            retry=Retry(max=len(RETRY_INTERVALS), interval=list(RETRY_INTERVALS)),
            job_timeout=3600,
        )
    elif app.config.get("JOBS_INLINE"):
        run(app, job_id)
    else:
        threading.Thread(target=run, args=(app, job_id), daemon=True,
                         name=f"labelgate-job-{job_id}").start()


def _progress_writer(job_id: int) -> Progress:
    def progress(done: int, total: int) -> None:
        # A session of its own: progress is visible at once without committing the work.
        with db.new_session() as side:
            job = side.get(Job, job_id)
            job.done, job.total = done, total
            side.commit()

    return progress


def run(app: Flask, job_id: int, *, reraise: bool = False) -> Job | None:
    """Run one job to its end, recording state, progress and outcome."""
    with app.app_context():
        session = db.new_session()
        try:
            job = session.get(Job, job_id)
            if job is None or job.state == "done":
                return job
            job.state, job.started_at, job.attempts = "running", utcnow(), job.attempts + 1
            job.message = None
            session.commit()
            with acting_as(Actor(name=f"{job.actor} (job {job.id})")):
                try:
                    result = HANDLERS[job.kind](session, dict(job.args), _progress_writer(job_id))
                    session.commit()
                except ServiceError as err:
                    session.rollback()
                    _finish(session, job_id, "failed", err.message)
                    return session.get(Job, job_id)
                except Exception as err:  # noqa: BLE001 - recorded, then retried by RQ
                    session.rollback()
                    log.exception("job %s failed", job_id)
                    _finish(session, job_id, "failed", f"{type(err).__name__}: {err}")
                    if reraise:
                        raise
                    return session.get(Job, job_id)
            _finish(session, job_id, "done", None, result)
            return session.get(Job, job_id)
        finally:
            session.close()


def _finish(session: Session, job_id: int, state: str, message: str | None,
            result: dict | None = None) -> None:
    job = session.get(Job, job_id)
    job.state, job.message, job.result, job.finished_at = state, message, result, utcnow()
    session.commit()


def run_in_worker(job_id: int) -> None:
    """RQ's entry point: build the app in the worker process and run the job."""
    from app import create_app

    app = current_app._get_current_object() if _has_app() else create_app()
    run(app, job_id, reraise=True)


def _has_app() -> bool:
    from flask import has_app_context

    return has_app_context()


from app.jobs import handlers  # noqa: E402,F401  (registers the handlers)
