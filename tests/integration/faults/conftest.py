"""Fixtures of the fault tests: real Redis, real worker processes, a loopback proxy."""

from __future__ import annotations

import os
import signal
import subprocess
import sys
import time
import uuid
from collections.abc import Iterator
from dataclasses import dataclass, field
from pathlib import Path

import pytest

from tests.conftest import unavailable

REPO = Path(__file__).resolve().parents[3]
# A database number of its own and a queue name per test keep other sessions' keys apart.
REDIS_URL = os.environ.get("LABELGATE_TEST_REDIS_URL", "redis://127.0.0.1:6379/13")


@dataclass
class RedisQueue:
    """A Redis database and a queue name used by one test only."""

    url: str
    queue: str


def _delete_queue_keys(connection, queue: str) -> None:
    from rq import Queue
    from rq.registry import (
        FailedJobRegistry,
        FinishedJobRegistry,
        ScheduledJobRegistry,
        StartedJobRegistry,
    )

    rq_queue = Queue(queue, connection=connection)
    ids = set(rq_queue.get_job_ids())
    for registry in (
        StartedJobRegistry,
        FinishedJobRegistry,
        FailedJobRegistry,
        ScheduledJobRegistry,
    ):
        ids.update(registry(queue=rq_queue).get_job_ids(cleanup=False))
    keys = [f"rq:job:{job_id}" for job_id in ids]
    keys += [key for key in connection.scan_iter(match=f"*{queue}*")]
    for key in keys:
        connection.delete(key)
    for member in connection.smembers("rq:workers"):
        if queue in member.decode():
            connection.srem("rq:workers", member)


@pytest.fixture
def redis_queue(app) -> Iterator[RedisQueue]:
    """Point the app's jobs at real Redis on a queue of this test's own; clean up after."""
    from redis import Redis
    from redis.exceptions import RedisError

    connection = Redis.from_url(REDIS_URL, socket_connect_timeout=3)
    try:
        connection.ping()
    except RedisError as err:
        connection.close()
        unavailable(f"Redis at {REDIS_URL} does not answer: {err}")
    queue = f"lgtest-{uuid.uuid4().hex[:10]}"
    app.config.update(REDIS_URL=REDIS_URL, JOBS_QUEUE=queue, JOB_RETRY_INTERVALS=(1, 2, 4, 8))
    try:
        yield RedisQueue(REDIS_URL, queue)
    finally:
        _delete_queue_keys(connection, queue)
        connection.close()


@dataclass
class Workers:
    """`labelgate worker` processes started by one test, each leading its process group."""

    env: dict[str, str]
    log_dir: Path
    started: list[subprocess.Popen] = field(default_factory=list)

    def use_label_studio(self, url: str, token: str) -> None:
        """Make workers started from now on talk to the Label Studio at `url`."""
        self.env.update(LABELGATE_LABEL_STUDIO_URL=url, LABELGATE_LABEL_STUDIO_API_KEY=token)

    def start(self, *extra: str) -> subprocess.Popen:
        """Start a worker with a 1 s heartbeat (so a dead one is noticed within seconds)."""
        log = (self.log_dir / f"worker-{len(self.started) + 1}.log").open("wb")
        command = [
            str(Path(sys.executable).parent / "labelgate"),
            "worker",
            "--heartbeat",
            "1",
            "--maintenance",
            "5",
            *extra,
        ]
        process = subprocess.Popen(
            command,
            cwd=REPO,
            env=self.env,
            stdout=log,
            stderr=subprocess.STDOUT,
            start_new_session=True,
        )
        log.close()
        self.started.append(process)
        return process

    def kill(self, process: subprocess.Popen) -> None:
        """Kill a worker and its scheduler at once, as losing its machine would (its work
        horse, in a group of its own, dies with it)."""
        os.killpg(process.pid, signal.SIGKILL)
        process.wait(timeout=10)

    def stop_all(self) -> None:
        """Stop every worker this test started that still runs."""
        for process in self.started:
            if process.poll() is None:
                os.killpg(process.pid, signal.SIGTERM)
                try:
                    process.wait(timeout=20)
                except subprocess.TimeoutExpired:
                    os.killpg(process.pid, signal.SIGKILL)
                    process.wait(timeout=10)

    def logs(self) -> str:
        """Return every worker's output (for failure messages)."""
        return "\n".join(
            p.read_text(errors="replace")[-3000:] for p in sorted(self.log_dir.glob("worker-*.log"))
        )


@pytest.fixture
def workers(app, redis_queue, database_url, tmp_path) -> Iterator[Workers]:
    """Start `labelgate worker` processes on the test's database, Redis queue and settings."""
    env = dict(os.environ)
    env.update(
        {
            "LABELGATE_DATABASE_URL": database_url,
            "LABELGATE_REDIS_URL": redis_queue.url,
            "LABELGATE_JOBS_QUEUE": redis_queue.queue,
            "LABELGATE_JOB_RETRY_INTERVALS": "1,2,4,8",
            "LABELGATE_PUBLIC_URL": app.config["PUBLIC_URL"],
            "LABELGATE_SECRET_KEY": app.config["SECRET_KEY"],
            "LANG": "C.UTF-8",
            "PYTHONUNBUFFERED": "1",  # the logs a failure shows are complete
        }
    )
    pool = Workers(env, tmp_path)
    try:
        yield pool
    finally:
        pool.stop_all()


def wait_for(predicate, *, timeout: float, interval: float = 0.1, what: str = "condition"):
    """Poll `predicate` until it returns something truthy; return it or fail naming `what`."""
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        value = predicate()
        if value:
            return value
        time.sleep(interval)
    pytest.fail(f"timed out after {timeout:.0f} s waiting for {what}")


def pytest_collection_modifyitems(items) -> None:
    """Mark every test of this folder `faults` (`make faults` runs them, once)."""
    here = Path(__file__).resolve().parent
    for item in items:
        if here in Path(item.fspath).resolve().parents:
            item.add_marker(pytest.mark.faults)
