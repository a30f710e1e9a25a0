"""Background work: on RQ workers over Redis when LABELGATE_REDIS_URL is set, else in-process.

A job is a row (`app.models.Job`) plus a handler registered by kind. Enqueueing the same kind
and key while one is queued, running or waiting to retry returns that job instead of starting
another, and a handler must be safe to run again (pushes and syncs are), so a retried or
re-run job ends in the same state.

A run first claims its row (queued or retrying -> running) with one conditional UPDATE, so
two workers never run the same job at once. A failure that may pass (Label Studio or the
database unreachable, an unexpected error) is retried after RETRY_INTERVALS seconds; a
refusal a person must act on (`ServiceError`) fails at once. A worker that dies mid-job
leaves its row running; `app.jobs.worker.recover_orphans` hands it out again.
"""

from __future__ import annotations

import logging
import threading
from collections.abc import Callable, Sequence
from datetime import timedelta
from typing import Any

from flask import Flask, current_app
from flask_babel import gettext as _
from sqlalchemy import select, update
from sqlalchemy.exc import DBAPIError
from sqlalchemy.orm import Session

from app.extensions import db
from app.integrations.label_studio_gateway import LabelStudioError
from app.models import Job, utcnow
from app.services.actor import Actor, acting_as, current_actor
from app.services.errors import ServiceError

log = logging.getLogger(__name__)
QUEUE = "labelgate"
RETRY_INTERVALS = (5, 30, 120)
ACTIVE_STATES = ("queued", "running", "retrying")
CLAIMABLE_STATES = ("queued", "retrying")

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
        Job.kind == kind, Job.dedupe_key == key, Job.state.in_(ACTIVE_STATES)))
    if existing is not None:
        return existing
    job = Job(kind=kind, args=args, dedupe_key=key, actor=current_actor().name)
    session.add(job)
    session.commit()
    dispatch(current_app._get_current_object(), job.id)
    return job


def queue_name(app: Flask) -> str:
    """Return the RQ queue this app's jobs go to."""
    return app.config.get("JOBS_QUEUE") or QUEUE


def retry_intervals(app: Flask) -> Sequence[float]:
    """Return the waits before each retry (the app may shorten them, e.g. in tests)."""
    return tuple(app.config.get("JOB_RETRY_INTERVALS") or RETRY_INTERVALS)


def dispatch(app: Flask, job_id: int, *, delay: float = 0) -> None:
    """Hand a queued job to RQ, or run it in a thread (or inline, for tests), after `delay` s."""
    redis_url = app.config.get("REDIS_URL")
    if redis_url:
        from app.jobs.worker import rq_queue

        queue = rq_queue(app)
        options = {"job_timeout": 3600, "result_ttl": 3600, "failure_ttl": 7 * 86400}
        if delay > 0:
            queue.enqueue_in(timedelta(seconds=delay), "app.jobs.run_in_worker", job_id,
                             **options)
        else:
            queue.enqueue("app.jobs.run_in_worker", job_id, **options)
    elif app.config.get("JOBS_INLINE"):
        run(app, job_id)
    else:
        starter = threading.Timer(delay, run, args=(app, job_id))
        starter.daemon = True
        starter.name = f"labelgate-job-{job_id}"
        starter.start()


def _progress_writer(job_id: int) -> Progress:
    def progress(done: int, total: int) -> None:
        # A session of its own: progress is visible at once without committing the work.
        with db.new_session() as side:
            side.execute(update(Job).where(Job.id == job_id).values(done=done, total=total))
            side.commit()

    return progress


def is_transient(err: BaseException) -> bool:
    """Tell whether a failure may pass by itself (a retry can succeed)."""
    seen: BaseException | None = err
    while seen is not None:
        if isinstance(seen, LabelStudioError):
            return seen.status is None or seen.status >= 500 or seen.status == 429
        if isinstance(seen, DBAPIError | OSError):
            return True
        seen = seen.__cause__
    return not isinstance(err, ServiceError)


def claim(session: Session, job_id: int) -> bool:
    """Mark a queued or retrying job running; False when another run has it or it ended."""
    claimed = session.execute(
        update(Job).where(Job.id == job_id, Job.state.in_(CLAIMABLE_STATES))
        .values(state="running", started_at=utcnow(), attempts=Job.attempts + 1, message=None)
    ).rowcount
    session.commit()
    return claimed == 1


def run(app: Flask, job_id: int, *, reraise: bool = False) -> Job | None:
    """Run one job to its end, recording state, progress and outcome; retry what may pass."""
    with app.app_context():
        session = db.new_session()
        try:
            if not claim(session, job_id):
                return session.get(Job, job_id)
            job = session.get(Job, job_id)
            with acting_as(Actor(name=f"{job.actor} (job {job.id})")):
                try:
                    result = HANDLERS[job.kind](session, dict(job.args), _progress_writer(job_id))
                    session.commit()
                except Exception as err:  # noqa: BLE001 - recorded, then retried or failed
                    session.rollback()
                    final = _record_failure(app, session, job_id, err)
                    if reraise and final:
                        raise
                    return session.get(Job, job_id)
            _finish(session, job_id, "done", None, result)
            return session.get(Job, job_id)
        finally:
            session.close()


def _record_failure(app: Flask, session: Session, job_id: int, err: Exception) -> bool:
    """Record a failed attempt and schedule the next one; return True when none follows."""
    message = err.message if isinstance(err, ServiceError) else f"{type(err).__name__}: {err}"
    job = session.get(Job, job_id)
    intervals = retry_intervals(app)
    retry = is_transient(err) and job.attempts <= len(intervals) and not app.config.get(
        "JOBS_INLINE")
    if not isinstance(err, ServiceError):
        log.exception("job %s failed (attempt %s)", job_id, job.attempts)
    if not retry:
        _finish(session, job_id, "failed", message)
        return True
    wait = intervals[job.attempts - 1]
    job.state = "retrying"
    job.message = f"{message} (attempt {job.attempts}; retry in {wait:g} s)"
    session.commit()
    dispatch(app, job_id, delay=wait)
    return False


def _finish(session: Session, job_id: int, state: str, message: str | None,
            result: dict | None = None) -> None:
    job = session.get(Job, job_id)
    job.state, job.message, job.result, job.finished_at = state, message, result, utcnow()
    session.commit()


def retry(app: Flask, session: Session, job_id: int, *, force: bool = False) -> Job:
    """Queue a failed (or, with `force`, a stuck running) job again and dispatch it."""
    job = session.get(Job, job_id)
    if job is None:
        raise ServiceError(_("No job has id %(id)d.", id=job_id))
    allowed = ("failed", "retrying", "running") if force else ("failed", "retrying")
    if job.state not in allowed:
        raise ServiceError(_("Job %(id)d is %(state)s; only a failed or retrying job can be "
                             "retried (a running one only with --force, when its worker died).",
                             id=job_id, state=job.state))
    job.state, job.message, job.finished_at = "queued", None, None
    session.commit()
    dispatch(app, job_id)
    return job


def run_in_worker(job_id: int) -> None:
    """RQ's entry point: build the app in the worker process and run the job."""
    from flask import has_app_context

    from app import create_app

    app = current_app._get_current_object() if has_app_context() else create_app()
    run(app, job_id, reraise=True)


from app.jobs import handlers  # noqa: E402,F401  (registers the handlers)
