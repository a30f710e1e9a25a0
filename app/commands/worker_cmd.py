"""`labelgate worker` and `labelgate jobs list|show|retry`: background work and its progress."""

from __future__ import annotations

import os
import socket
import time

import click
from flask import current_app
from flask.cli import AppGroup
from flask_babel import force_locale
from flask_babel import gettext as _
from sqlalchemy import select

from app import jobs
from app.cli import cli_locale, fail, run_service
from app.models import Job

FINISHED = ("done", "failed")
STATES = ("queued", "running", "retrying", "done", "failed")


def register(cli: AppGroup) -> None:
    """Add the `worker` command and the `jobs` group."""
    cli.add_command(worker)
    group = AppGroup("jobs", help="List background jobs, follow their progress, retry them.")
    for command in (list_jobs, show_job, retry_job):
        group.add_command(command)
    cli.add_command(group)


@click.command("worker")
@click.option("--burst", is_flag=True, help="Stop when the queue is empty.")
@click.option(
    "--heartbeat",
    type=click.IntRange(1, 300),
    default=10,
    show_default=True,
    help="Seconds between a running job's heartbeats; a job silent for three of "
    "them is taken to have lost its worker and is queued again.",
)
@click.option(
    "--maintenance",
    type=click.IntRange(5, 3600),
    default=60,
    show_default=True,
    help="Seconds between passes that requeue jobs of dead workers.",
)
@click.option("--name", default=None, help="Worker name (default: queue, host and process id).")
def worker(burst: bool, heartbeat: int, maintenance: int, name: str | None) -> None:
    """Run background jobs from Redis (LABELGATE_REDIS_URL) until stopped."""
    from app.jobs.worker import LabelgateWorker, redis_connection

    app = current_app._get_current_object()
    with force_locale(cli_locale()):
        try:
            connection = redis_connection(app)
            connection.ping()
        except ValueError as err:
            fail(str(err))
        except Exception as err:  # noqa: BLE001 - any Redis failure ends here
            fail(
                _(
                    "Redis at %(url)s does not answer: %(error)s",
                    url=app.config["REDIS_URL"],
                    error=err,
                )
            )
    queue = jobs.queue_name(app)
    worker_name = name or f"{queue}-{socket.gethostname()}-{os.getpid()}"
    rq_worker = LabelgateWorker(
        [queue],
        connection=connection,
        app=app,
        heartbeat=heartbeat,
        maintenance_interval=maintenance,
        name=worker_name,
    )
    click.echo(f"worker {worker_name} on queue {queue} ({app.config['REDIS_URL']})")
    rq_worker.work(burst=burst, with_scheduler=True, logging_level="INFO")


@click.command("list")
@click.option("--state", type=click.Choice(STATES), default=None)
@click.option("--kind", default=None, help="push, sync, …")
@click.option("--limit", type=click.IntRange(1, 1000), default=20, show_default=True)
def list_jobs(state: str | None, kind: str | None, limit: int) -> None:
    """List the newest jobs with their state and progress."""
    stmt = select(Job).order_by(Job.id.desc()).limit(limit)
    if state:
        stmt = stmt.where(Job.state == state)
    if kind:
        stmt = stmt.where(Job.kind == kind)
    for job in run_service(lambda s: s.scalars(stmt).all()):
        message = (job.message or "").replace("\n", " ")[:80]
        click.echo(
            f"{job.id}\t{job.kind}\t{job.state}\t{job.done}/{job.total}\t"
            f"attempts {job.attempts}\t{job.created_at:%Y-%m-%d %H:%M:%S}\t{message}"
        )


@click.command("show")
@click.argument("job_id", type=int)
@click.option("--follow", is_flag=True, help="Show progress until the job ends.")
@click.option("--interval", type=float, default=1.0, show_default=True)
def show_job(job_id: int, follow: bool, interval: float) -> None:
    """Show one job: arguments, state, progress, attempts, outcome."""
    job = _load(job_id)
    if follow and job.state not in FINISHED:
        job = _follow(job_id, interval)
    for label, value in (
        ("id", job.id),
        ("kind", job.kind),
        ("args", job.args),
        ("state", job.state),
        ("progress", f"{job.done}/{job.total}"),
        ("attempts", job.attempts),
        ("by", job.actor),
        ("created", job.created_at),
        ("started", job.started_at),
        ("finished", job.finished_at),
        ("message", job.message or ""),
        ("result", job.result or ""),
    ):
        click.echo(f"{label:9} {value}")
    if job.state == "failed":
        raise SystemExit(1)


@click.command("retry")
@click.argument("job_id", type=int)
@click.option(
    "--force", is_flag=True, help="Also requeue a job shown as running (when its worker died)."
)
def retry_job(job_id: int, force: bool) -> None:
    """Queue a failed job again (handlers are idempotent: it resumes where it stopped)."""
    app = current_app._get_current_object()
    job = run_service(lambda s: jobs.retry(app, s, job_id, force=force))
    click.echo(f"job {job.id} queued again")


def _load(job_id: int) -> Job:
    from app.extensions import db

    db.session.expire_all()
    job = db.session.get(Job, job_id)
    if job is None:
        with force_locale(cli_locale()):
            fail(_("No job has id %(id)d.", id=job_id))
    return job


def _follow(job_id: int, interval: float) -> Job:
    """Draw the job's progress until it is done or failed; return the final row."""
    job = _load(job_id)
    with click.progressbar(length=max(job.total, 1), label=f"{job.kind} {job.id}") as bar:
        while True:
            bar.length = max(job.total, 1)
            bar.update(job.done - bar.pos)
            if job.state in FINISHED:
                return job
            time.sleep(interval)
            job = _load(job_id)
