"""What the Label Studio and load benchmarks run on: a fresh PostgreSQL database, a Label
Studio of their own, gunicorn processes, and a description of the machine."""

from __future__ import annotations

import contextlib
import importlib.util
import os
import platform
import re
import shutil
import signal
import socket
import subprocess
import sys
import tempfile
import time
import uuid
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path
from types import ModuleType

import httpx

ROOT = Path(__file__).resolve().parents[1]
BENCHMARKS_DOC = ROOT / "docs" / "benchmarks.md"
REDIS_URL = os.environ.get("LABELGATE_BENCH_REDIS_URL", "redis://127.0.0.1:6379/12")
POSTGRES_URL = os.environ.get(
    "LABELGATE_BENCH_POSTGRES_URL", "postgresql://postgres@127.0.0.1:5432/postgres"
)
LS_TOKEN = "be11c4000000000000000000000000000000beef"
LS_EMAIL = "bench@labelgate.test"
LS_PASSWORD = "labelgate-bench-admin"
TEMPLATE_TOKEN = "1abe1a7e5e55100000000000000000000000c0de"  # tests/plugins/label_studio_server.py


class BenchError(Exception):
    """A benchmark could not set up what it measures."""


def machine() -> dict[str, str]:
    """Describe the machine: CPU model, cores, memory, Python and the measured versions."""
    from importlib.metadata import version

    cpu = "unknown"
    with contextlib.suppress(OSError):
        for line in Path("/proc/cpuinfo").read_text().splitlines():
            if line.startswith("model name"):
                cpu = line.split(":", 1)[1].strip()
                break
    memory = "unknown"
    with contextlib.suppress(OSError, ValueError):
        kb = int(re.search(r"MemTotal:\s+(\d+)", Path("/proc/meminfo").read_text()).group(1))
        memory = f"{kb / 2**20:.0f} GB"
    versions = {
        name: version(name)
        for name in (
            "flask",
            "sqlalchemy",
            "psycopg",
            "gunicorn",
            "label-studio-sdk",
            "rq",
            "redis",
        )
    }
    load = ", ".join(f"{x:.1f}" for x in os.getloadavg())
    return {
        "cpu": cpu,
        "load": load,
        "cores": str(os.cpu_count()),
        "memory": memory,
        "python": platform.python_version(),
        "system": platform.platform(),
        **versions,
        "postgresql": _postgres_version(),
        "wrk": _wrk_version(),
    }


def _postgres_version() -> str:
    import psycopg

    with contextlib.suppress(psycopg.Error):
        with psycopg.connect(POSTGRES_URL, connect_timeout=5) as conn:
            return str(conn.execute("SHOW server_version").fetchone()[0])
    return "unreachable"


def _wrk_version() -> str:
    if shutil.which("wrk") is None:
        return "not installed"
    answer = subprocess.run(["wrk", "--version"], capture_output=True, text=True, check=False)
    return (answer.stdout or answer.stderr).split("[")[0].strip()


@contextlib.contextmanager
def postgres_database() -> Iterator[str]:
    """Create and migrate a PostgreSQL database of the run's own; drop it afterwards."""
    import psycopg

    from app import migrate
    from app.config import normalise_database_url

    name = f"labelgate_bench_{uuid.uuid4().hex[:10]}"
    try:
        admin = psycopg.connect(POSTGRES_URL, autocommit=True, connect_timeout=5)
    except psycopg.OperationalError as err:
        raise BenchError(f"PostgreSQL at {POSTGRES_URL} is not reachable: {err}") from err
    admin.execute(f'CREATE DATABASE "{name}"')
    url = normalise_database_url(f"{POSTGRES_URL.rpartition('/')[0]}/{name}")
    try:
        migrate.upgrade(url)
        yield url
    finally:
        from app.extensions import db

        if db.engine is not None:
            db.engine.dispose()
        admin.execute(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')
        admin.close()


def _server_tool() -> ModuleType:
    path = ROOT / "tools" / "label_studio_server.py"
    spec = importlib.util.spec_from_file_location("label_studio_server_tool", path)
    module = importlib.util.module_from_spec(spec)
    sys.modules[spec.name] = module
    spec.loader.exec_module(module)
    return module


@dataclass(frozen=True)
class LabelStudio:
    """A running Label Studio and how to act as its administrator."""

    url: str
    token: str


@contextlib.contextmanager
def label_studio(work: Path) -> Iterator[LabelStudio]:
    """Start a Label Studio of the run's own on a fresh data directory; stop it afterwards."""
    url = os.environ.get("LABELGATE_BENCH_LABEL_STUDIO_URL")
    if url:
        yield LabelStudio(url.rstrip("/"), os.environ["LABELGATE_BENCH_LABEL_STUDIO_TOKEN"])
        return
    tool = _server_tool()
    tool.install(tool.DEFAULT_VENV)
    data, token = work / "label-studio", LS_TOKEN
    uid = os.getuid()
    template = Path(tempfile.gettempdir()) / f"labelgate-ls-{tool.LABEL_STUDIO_VERSION}-{uid}"
    if (template / "labelgate-template-ready").exists():
        # The test suite's migrated data directory starts in seconds instead of half a minute;
        # its administrator was created with the suite's token.
        shutil.copytree(template, data)
        token = TEMPLATE_TOKEN
    server = tool.start(
        venv=tool.DEFAULT_VENV,
        data_dir=data,
        port=0,
        token=token,
        username=LS_EMAIL,
        password=LS_PASSWORD,
        pidfile=work / "ls.pid",
        log=work / "ls.log",
    )
    try:
        yield LabelStudio(server.url, token)
    finally:
        tool.stop_process(server.pid, timeout=30.0)


def free_port() -> int:
    """Return a loopback port nobody listens on now."""
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


@contextlib.contextmanager
def gunicorn(
    target: str, env: dict[str, str], *, workers: int, threads: int, log: Path,
    port: int | None = None,
) -> Iterator[str]:
    """Serve a WSGI `target` with gunicorn on `port` (or a free loopback port); stop it
    afterwards."""
    port = port or free_port()
    command = [
        str(Path(sys.executable).parent / "gunicorn"),
        "--bind",
        f"127.0.0.1:{port}",
        "--workers",
        str(workers),
        "--threads",
        str(threads),
        "--timeout",
        "120",
        "--chdir",
        str(ROOT),
        target,
    ]
    with log.open("ab") as out:
        process = subprocess.Popen(
            command,
            env={**os.environ, **env},
            stdout=out,
            stderr=subprocess.STDOUT,
            start_new_session=True,
        )
    url = f"http://127.0.0.1:{port}"
    try:
        _wait_listening(process, port, log)
        yield url
    finally:
        os.killpg(process.pid, signal.SIGTERM)
        try:
            process.wait(timeout=30)
        except subprocess.TimeoutExpired:
            os.killpg(process.pid, signal.SIGKILL)
            process.wait(timeout=10)


def _wait_listening(process: subprocess.Popen, port: int, log: Path) -> None:
    deadline = time.monotonic() + 60
    while time.monotonic() < deadline:
        if process.poll() is not None:
            raise BenchError(f"gunicorn exited: {log.read_text(errors='replace')[-2000:]}")
        with contextlib.suppress(httpx.HTTPError):
            httpx.get(f"http://127.0.0.1:{port}/", timeout=2)
            return
        time.sleep(0.2)
    raise BenchError(f"gunicorn did not listen on {port} within 60 s")


def write_section(name: str, markdown: str, path: Path = BENCHMARKS_DOC) -> None:
    """Replace (or add) the "## <name>" section of docs/benchmarks.md, leaving the others."""
    text = path.read_text(encoding="utf-8") if path.exists() else "# Benchmarks\n\n"
    pattern = re.compile(rf"^## {re.escape(name)}\n.*?(?=^## |\Z)", re.S | re.M)
    section = markdown.rstrip("\n") + "\n"
    if pattern.search(text):
        text = pattern.sub(lambda _: section + "\n", text)
    else:
        text = text.rstrip("\n") + "\n\n" + section
    path.write_text(text, encoding="utf-8")


def machine_lines(m: dict[str, str]) -> list[str]:
    """Return the machine as markdown lines."""
    return [
        f"Machine: {m['cpu']}, {m['cores']} cores, {m['memory']}; {m['system']}; "
        f"Python {m['python']}; PostgreSQL {m['postgresql']}; Flask {m['flask']}, "
        f"SQLAlchemy {m['sqlalchemy']}, psycopg {m['psycopg']}, gunicorn {m['gunicorn']}, "
        f"label-studio-sdk {m['label-studio-sdk']}, Label Studio 1.23.2; load generator "
        f"{m['wrk']}. Everything on loopback, on the same machine, which other engineers' test "
        f"runs shared (load average {m.get('load', 'unknown')} at the start).",
    ]


@contextlib.contextmanager
def redis_queue() -> Iterator[tuple[str, str]]:
    """Yield (Redis URL, a queue name of the run's own); delete the queue's keys afterwards."""
    from redis import Redis
    from redis.exceptions import RedisError

    connection = Redis.from_url(REDIS_URL, socket_connect_timeout=5)
    try:
        connection.ping()
    except RedisError as err:
        raise BenchError(f"Redis at {REDIS_URL} does not answer: {err}") from err
    queue = f"lgbench-{uuid.uuid4().hex[:8]}"
    try:
        yield REDIS_URL, queue
    finally:
        for key in connection.scan_iter(match=f"*{queue}*"):
            connection.delete(key)
        connection.close()


@contextlib.contextmanager
def worker(env: dict[str, str], log: Path) -> Iterator[subprocess.Popen]:
    """Run one `labelgate worker` with `env`; stop it (by its process group) afterwards."""
    command = [
        str(Path(sys.executable).parent / "labelgate"),
        "worker",
        "--heartbeat",
        "5",
        "--maintenance",
        "10",
    ]
    with log.open("ab") as out:
        process = subprocess.Popen(
            command,
            cwd=ROOT,
            env={**os.environ, **env},
            stdout=out,
            stderr=subprocess.STDOUT,
            start_new_session=True,
        )
    try:
        yield process
    finally:
        os.killpg(process.pid, signal.SIGTERM)
        try:
            process.wait(timeout=60)
        except subprocess.TimeoutExpired:
            os.killpg(process.pid, signal.SIGKILL)
            process.wait(timeout=10)


def wait_drained(app, redis_url: str, *, timeout: float) -> float:
    """Wait until the webhook inbox is empty and no drain runs; return the seconds waited."""
    from redis import Redis

    from app.jobs import inbox

    connection = Redis.from_url(redis_url)
    started = time.monotonic()
    try:
        while time.monotonic() - started < timeout:
            if inbox.waiting(app, connection) == 0 and not connection.exists(
                inbox.keys(app)["lock"]
            ):
                return time.monotonic() - started
            time.sleep(0.5)
    finally:
        connection.close()
    raise BenchError(f"the webhook inbox did not drain within {timeout:.0f} s")
