"""A real Label Studio server for the test session: installed if needed, started, stopped.

``label_studio_server`` starts one server per session on a free loopback port with a fresh
data directory, copied from a migrated template kept per Label Studio version in the system's
temporary folder (a first start migrates for ~30 s; a copy starts in a few seconds). Set
``LABELGATE_TEST_LABEL_STUDIO_URL`` and ``LABELGATE_TEST_LABEL_STUDIO_TOKEN`` (optionally
``..._EMAIL`` and ``..._PASSWORD``) to use a server that already runs instead.

When no server can be had, tests needing one are skipped, or fail under ``CI=true``.
"""

from __future__ import annotations

import importlib.util
import os
import shutil
import subprocess
import sys
import tempfile
import time
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path
from types import ModuleType

import pytest

REPO = Path(__file__).resolve().parents[2]
# Fixed credentials of a throwaway server that listens on 127.0.0.1 only.
ADMIN_EMAIL = "admin@labelgate.test"
ADMIN_PASSWORD = "labelgate-test-admin"
ADMIN_TOKEN = "1abe1a7e5e55100000000000000000000000c0de"
TEMPLATE_READY = "labelgate-template-ready"


@dataclass(frozen=True)
class LabelStudioServer:
    """Where the session's Label Studio answers and how to act as its administrator."""

    url: str
    token: str
    email: str | None
    password: str | None
    start_seconds: float = 0.0


def load_server_tool() -> ModuleType:
    """Import tools/label_studio_server.py (a script, not a package) as a module."""
    if "label_studio_server_tool" in sys.modules:
        return sys.modules["label_studio_server_tool"]
    path = REPO / "tools" / "label_studio_server.py"
    spec = importlib.util.spec_from_file_location("label_studio_server_tool", path)
    if spec is None or spec.loader is None:
        raise RuntimeError(f"cannot load {path}")
    module = importlib.util.module_from_spec(spec)
    sys.modules[spec.name] = module  # dataclasses look their module up there
    spec.loader.exec_module(module)
    return module


def unavailable(reason: str) -> None:
    """Fail under CI (Label Studio must be there), skip on a developer's machine."""
    if os.environ.get("CI", "").lower() in ("1", "true", "yes"):
        pytest.fail(f"Label Studio unavailable under CI=true: {reason}", pytrace=False)
    pytest.skip(f"Label Studio unavailable: {reason}")


def running_elsewhere(tool: ModuleType) -> LabelStudioServer | None:
    """Return the server named by LABELGATE_TEST_LABEL_STUDIO_URL, if that is set."""
    url = os.environ.get("LABELGATE_TEST_LABEL_STUDIO_URL", "").rstrip("/")
    if not url:
        return None
    token = os.environ.get("LABELGATE_TEST_LABEL_STUDIO_TOKEN", "")
    if not token:
        unavailable("LABELGATE_TEST_LABEL_STUDIO_URL is set but LABELGATE_TEST_LABEL_STUDIO_TOKEN")
    if not tool.is_healthy(url, timeout=10.0):
        unavailable(f"{url}/health does not answer")
    return LabelStudioServer(
        url=url,
        token=token,
        email=os.environ.get("LABELGATE_TEST_LABEL_STUDIO_EMAIL"),
        password=os.environ.get("LABELGATE_TEST_LABEL_STUDIO_PASSWORD"),
    )


def start_server(tool: ModuleType, data_dir: Path, run_dir: Path, tag: str):
    """Start Label Studio on ``data_dir`` with the test administrator; return it."""
    return tool.start(
        venv=tool.DEFAULT_VENV,
        data_dir=data_dir,
        port=0,
        token=ADMIN_TOKEN,
        username=ADMIN_EMAIL,
        password=ADMIN_PASSWORD,
        pidfile=run_dir / f"{tag}.pid",
        log=run_dir / f"{tag}.log",
    )


def migrated_template(tool: ModuleType, run_dir: Path) -> Path:
    """Return a data directory migrated once by a first start, building it if missing."""
    uid = os.getuid()
    template = Path(tempfile.gettempdir()) / f"labelgate-ls-{tool.LABEL_STUDIO_VERSION}-{uid}"
    if (template / TEMPLATE_READY).exists():
        return template
    building = Path(tempfile.mkdtemp(prefix=f"{template.name}-building-"))
    server = start_server(tool, building, run_dir, "template")
    tool.stop_process(server.pid, timeout=30.0)
    (building / TEMPLATE_READY).write_text(tool.LABEL_STUDIO_VERSION)
    try:
        building.rename(template)  # atomic: a concurrent session may have won the race
    except OSError:
        shutil.rmtree(building, ignore_errors=True)
    return template


@pytest.fixture(scope="session")
def label_studio_server(tmp_path_factory: pytest.TempPathFactory) -> Iterator[LabelStudioServer]:
    """Yield a running Label Studio (URL, admin token, e-mail, password) for the session."""
    tool = load_server_tool()
    elsewhere = running_elsewhere(tool)
    if elsewhere is not None:
        yield elsewhere
        return
    run_dir = tmp_path_factory.mktemp("label-studio")
    try:
        tool.install(tool.DEFAULT_VENV)
        template = migrated_template(tool, run_dir)
        data_dir = run_dir / "data"
        shutil.copytree(template, data_dir)
        started = time.monotonic()
        server = start_server(tool, data_dir, run_dir, "session")
        elapsed = time.monotonic() - started
    except (tool.ServerError, OSError, RuntimeError, subprocess.SubprocessError) as error:
        unavailable(str(error))
    try:
        yield LabelStudioServer(server.url, ADMIN_TOKEN, ADMIN_EMAIL, ADMIN_PASSWORD, elapsed)
    finally:
        tool.stop_process(server.pid, timeout=30.0)


@pytest.fixture(scope="session")
def label_studio_gateway(label_studio_server: LabelStudioServer):
    """Return the SDK gateway acting as the session server's administrator."""
    from app.integrations.label_studio import connect

    return connect(label_studio_server.url, label_studio_server.token)


@pytest.fixture(scope="session")
def security_label_studio_server(
    tmp_path_factory: pytest.TempPathFactory,
) -> Iterator[LabelStudioServer]:
    """A second Label Studio for the session, standing for the one security data lives on."""
    tool = load_server_tool()
    run_dir = tmp_path_factory.mktemp("security-label-studio")
    try:
        tool.install(tool.DEFAULT_VENV)
        template = migrated_template(tool, run_dir)
        data_dir = run_dir / "data"
        shutil.copytree(template, data_dir)
        server = start_server(tool, data_dir, run_dir, "security")
    except (tool.ServerError, OSError, RuntimeError, subprocess.SubprocessError) as error:
        unavailable(str(error))
    try:
        yield LabelStudioServer(server.url, ADMIN_TOKEN, ADMIN_EMAIL, ADMIN_PASSWORD)
    finally:
        tool.stop_process(server.pid, timeout=30.0)
