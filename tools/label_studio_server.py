#!/usr/bin/env python3
"""Install, start, stop and inspect a local Label Studio server for development and tests.

Label Studio pins Django and many packages of its own, so it lives in its own virtual
environment (``.venv-ls``) and is driven here as a separate process. Standard library only:
this script must run before any of the workbench's dependencies are installed.

    python3 tools/label_studio_server.py install
    python3 tools/label_studio_server.py start --data-dir instance/label-studio --port 8080 \\
        --token-file instance/label-studio.token --username admin@example.com --password <pw> \\
        --pidfile instance/label-studio.pid --log instance/label-studio.log
    python3 tools/label_studio_server.py status --pidfile instance/label-studio.pid
    python3 tools/label_studio_server.py stop --pidfile instance/label-studio.pid
"""

from __future__ import annotations

import argparse
import json
import os
import re
import secrets
import signal
import socket
import subprocess
import sys
import time
import urllib.error
import urllib.request
from dataclasses import asdict, dataclass
from pathlib import Path

LABEL_STUDIO_VERSION = "1.23.2"
DEFAULT_VENV = Path(__file__).resolve().parent.parent / ".venv-ls"
DEFAULT_START_TIMEOUT = 180.0
TOKEN_PATTERN = re.compile(r"^[0-9a-f]{40}$")
LOOPBACK = "127.0.0.1"
DATABASE = "label_studio.sqlite3"
# Servers started by this process, kept so they are reaped (and not warned about) on stop.
STARTED: dict[int, subprocess.Popen] = {}


class ServerError(Exception):
    """A Label Studio server could not be installed, started or stopped."""


@dataclass(frozen=True)
class RunningServer:
    """What a started server's pidfile records."""

    pid: int
    url: str
    port: int
    data_dir: str
    log: str


def installed_version(venv: Path) -> str | None:
    """Return the Label Studio version installed in ``venv``, or None when absent."""
    site_packages = list(venv.glob("lib/python3*/site-packages"))
    for folder in site_packages:
        for dist_info in folder.glob("label_studio-*.dist-info"):
            version = dist_info.name.removeprefix("label_studio-").removesuffix(".dist-info")
            if (venv / "bin" / "label-studio").exists():
                return version
    return None


def install(venv: Path, version: str = LABEL_STUDIO_VERSION) -> str:
    """Create ``venv`` and install Label Studio ``version`` into it unless it is there."""
    if installed_version(venv) == version:
        return f"label-studio {version} already installed in {venv}"
    if not (venv / "bin" / "python").exists():
        subprocess.run([sys.executable, "-m", "venv", str(venv)], check=True)
    command = [str(venv / "bin" / "pip"), "install", "-q", f"label-studio=={version}"]
    result = subprocess.run(command, check=False)
    if result.returncode != 0 or installed_version(venv) != version:
        raise ServerError(
            f"pip could not install label-studio=={version} into {venv} "
            f"(exit status {result.returncode}); see pip's output above."
        )
    return f"installed label-studio {version} into {venv}"


def free_port() -> int:
    """Return a TCP port on the loopback address that nothing listens on right now."""
    with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as sock:
        sock.bind((LOOPBACK, 0))
        return sock.getsockname()[1]


def port_is_free(port: int) -> bool:
    """Tell whether ``port`` on the loopback address can be bound now."""
    with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as sock:
        try:
            sock.bind((LOOPBACK, port))
        except OSError:
            return False
    return True


def is_healthy(url: str, timeout: float = 2.0) -> bool:
    """Tell whether the server at ``url`` answers ``/health`` with 200."""
    try:
        with urllib.request.urlopen(f"{url}/health", timeout=timeout) as response:
            return response.status == 200
    except (urllib.error.URLError, OSError):
        return False


def server_environment(data_dir: Path, username: str, password: str, token: str) -> dict[str, str]:
    """Return the environment Label Studio needs to run headless for the workbench."""
    env = dict(os.environ)
    env.update(
        {
            "LABEL_STUDIO_BASE_DATA_DIR": str(data_dir),
            # The admin's credentials go by environment, not argv, which `ps` shows to all.
            "LABEL_STUDIO_USERNAME": username,
            "LABEL_STUDIO_PASSWORD": password,
            "LABEL_STUDIO_USER_TOKEN": token,
            "DJANGO_DB": "sqlite",
            # Webhooks go to a workbench on 127.0.0.1; with SSRF protection on,
            # Label Studio 1.23 refuses to register them (403, reserved address).
            "SSRF_PROTECTION_ENABLED": "false",
            "LABEL_STUDIO_DISABLE_SIGNUP_WITHOUT_LINK": "true",
            "SENTRY_DSN": "",
            "FRONTEND_SENTRY_DSN": "",
            "COLLECT_ANALYTICS": "false",
        }
    )
    return env


def label_studio_command(venv: Path, port: int) -> list[str]:
    """Return the command line that starts Label Studio headless on the loopback address."""
    return [
        str(venv / "bin" / "label-studio"),
        "start",
        "--no-browser",
        "--internal-host",
        LOOPBACK,
        "--port",
        str(port),
        "--enable-legacy-api-token",
    ]


def start(
    *,
    venv: Path,
    data_dir: Path,
    port: int,
    token: str,
    username: str,
    password: str,
    pidfile: Path,
    log: Path,
    timeout: float = DEFAULT_START_TIMEOUT,
) -> RunningServer:
    """Start Label Studio in the background and return once ``/health`` answers."""
    if not TOKEN_PATTERN.match(token):
        raise ServerError("--token must be exactly 40 lowercase hexadecimal characters.")
    if installed_version(venv) is None:
        raise ServerError(f"Label Studio is not installed in {venv}; run the install command.")
    if pidfile.exists() and read_pidfile(pidfile) is not None:
        raise ServerError(f"A server from {pidfile} is still running; stop it first.")
    port = port or free_port()
    # Label Studio silently moves to the next port when its port is busy; refuse instead.
    if not port_is_free(port):
        raise ServerError(f"Port {port} on {LOOPBACK} is in use; choose another or pass 0.")
    data_dir.mkdir(parents=True, exist_ok=True)
    log.parent.mkdir(parents=True, exist_ok=True)
    command = label_studio_command(venv, port)
    with log.open("ab") as log_file:
        process = subprocess.Popen(
            command,
            stdin=subprocess.DEVNULL,
            stdout=log_file,
            stderr=subprocess.STDOUT,
            env=server_environment(data_dir, username, password, token),
            start_new_session=True,  # its own process group, so stop() ends all of it
        )
    STARTED[process.pid] = process
    server = RunningServer(
        pid=process.pid,
        url=f"http://{LOOPBACK}:{port}",
        port=port,
        data_dir=str(data_dir),
        log=str(log),
    )
    pidfile.parent.mkdir(parents=True, exist_ok=True)
    pidfile.write_text(json.dumps(asdict(server)))
    try:
        wait_until_healthy(process, server, timeout)
    except ServerError:
        stop_process(process.pid, timeout=10.0)
        pidfile.unlink(missing_ok=True)
        raise
    return server


def token_from_file(path: Path) -> str:
    """Return the admin token kept in ``path``, creating a random one there on first use."""
    if path.exists():
        return path.read_text().strip()
    path.parent.mkdir(parents=True, exist_ok=True)
    token = secrets.token_hex(20)
    descriptor = os.open(path, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600)
    with os.fdopen(descriptor, "w") as file:
        file.write(token + "\n")
    return token


def already_running(pidfile: Path, data_dir: Path) -> RunningServer | None:
    """Return the healthy server of ``pidfile`` if it serves ``data_dir``, else None."""
    server = read_pidfile(pidfile)
    if server is None or Path(server.data_dir).resolve() != data_dir.resolve():
        return None
    return server if is_healthy(server.url) else None


def wait_until_healthy(process: subprocess.Popen, server: RunningServer, timeout: float) -> None:
    """Wait until ``server`` answers ``/health``; raise if it dies or time runs out."""
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if process.poll() is not None:
            raise ServerError(
                f"Label Studio exited with status {process.returncode} before answering; "
                f"last lines of {server.log}:\n{log_tail(Path(server.log))}"
            )
        if is_healthy(server.url):
            return
        time.sleep(0.5)
    raise ServerError(
        f"Label Studio did not answer {server.url}/health within {timeout:.0f} s; "
        f"last lines of {server.log}:\n{log_tail(Path(server.log))}"
    )


def log_tail(log: Path, lines: int = 15) -> str:
    """Return the last ``lines`` lines of ``log`` (empty when it does not exist)."""
    try:
        return "\n".join(log.read_text(errors="replace").splitlines()[-lines:])
    except OSError:
        return ""


def read_pidfile(pidfile: Path) -> RunningServer | None:
    """Return the server recorded in ``pidfile`` if its process is still Label Studio."""
    try:
        server = RunningServer(**json.loads(pidfile.read_text()))
    except (OSError, ValueError, TypeError):
        return None
    return server if is_label_studio_process(server.pid) else None


def is_label_studio_process(pid: int) -> bool:
    """Tell whether ``pid`` is alive and runs Label Studio (guards against reused PIDs)."""
    try:
        cmdline = Path(f"/proc/{pid}/cmdline").read_bytes()
    except OSError:
        return False
    return b"label-studio" in cmdline or b"label_studio" in cmdline


def stop_process(pid: int, timeout: float) -> None:
    """Terminate the process group led by ``pid``, then kill it if it lingers."""
    try:
        group = os.getpgid(pid)
    except ProcessLookupError:
        return
    if group != pid:
        raise ServerError(f"Process {pid} does not lead its own process group; not stopping it.")
    os.killpg(group, signal.SIGTERM)
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if not process_exists(pid):
            return
        time.sleep(0.2)
    os.killpg(group, signal.SIGKILL)
    while process_exists(pid):
        time.sleep(0.1)


def process_exists(pid: int) -> bool:
    """Tell whether ``pid`` still exists, reaping it when it is our own finished child."""
    if pid in STARTED:
        if STARTED[pid].poll() is None:
            return True
        del STARTED[pid]
        return False
    try:
        os.kill(pid, 0)
    except ProcessLookupError:
        return False
    return Path(f"/proc/{pid}").exists() and not is_zombie(pid)


def is_zombie(pid: int) -> bool:
    """Tell whether ``pid`` has exited and only waits for its parent to reap it."""
    try:
        stat = Path(f"/proc/{pid}/stat").read_text()
    except OSError:
        return False
    return stat.rsplit(")", 1)[-1].split()[0] == "Z"


def stop(pidfile: Path, timeout: float = 30.0) -> str:
    """Stop the server recorded in ``pidfile`` and remove the file."""
    server = read_pidfile(pidfile)
    if server is None:
        pidfile.unlink(missing_ok=True)
        return f"no running Label Studio recorded in {pidfile}"
    stop_process(server.pid, timeout)
    pidfile.unlink(missing_ok=True)
    return f"stopped Label Studio (pid {server.pid}, {server.url})"


def status(pidfile: Path) -> tuple[bool, str]:
    """Return whether the server in ``pidfile`` runs and answers, and a sentence saying so."""
    server = read_pidfile(pidfile)
    if server is None:
        return False, f"not running (no live Label Studio recorded in {pidfile})"
    if not is_healthy(server.url):
        return False, f"pid {server.pid} is alive but {server.url}/health does not answer"
    return True, f"running: {server.url} (pid {server.pid}, data {server.data_dir})"


def build_parser() -> argparse.ArgumentParser:
    """Return the command-line parser with its four subcommands."""
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    commands = parser.add_subparsers(dest="command", required=True)
    install_cmd = commands.add_parser("install", help="create the venv and install Label Studio")
    install_cmd.add_argument("--venv", type=Path, default=DEFAULT_VENV)
    install_cmd.add_argument("--version", default=LABEL_STUDIO_VERSION)
    start_cmd = commands.add_parser("start", help="start headless and wait for /health")
    start_cmd.add_argument("--venv", type=Path, default=DEFAULT_VENV)
    start_cmd.add_argument("--data-dir", type=Path, required=True)
    start_cmd.add_argument("--port", type=int, default=0, help="0 picks a free port")
    token = start_cmd.add_mutually_exclusive_group(required=True)
    token.add_argument("--token", help="admin API token, 40 hex chars")
    token.add_argument("--token-file", type=Path, help="read the token here (made if missing)")
    start_cmd.add_argument("--username", required=True, help="admin e-mail address")
    start_cmd.add_argument("--password", required=True)
    start_cmd.add_argument("--pidfile", type=Path, default=Path("instance/label-studio.pid"))
    start_cmd.add_argument("--log", type=Path, default=Path("instance/label-studio.log"))
    start_cmd.add_argument("--timeout", type=float, default=DEFAULT_START_TIMEOUT)
    stop_cmd = commands.add_parser("stop", help="stop the server this script started")
    stop_cmd.add_argument("--pidfile", type=Path, default=Path("instance/label-studio.pid"))
    stop_cmd.add_argument("--timeout", type=float, default=30.0)
    status_cmd = commands.add_parser("status", help="tell whether the server runs")
    status_cmd.add_argument("--pidfile", type=Path, default=Path("instance/label-studio.pid"))
    return parser


def run_start(args: argparse.Namespace) -> None:
    """Start the server the arguments describe (or find it running); print its URL."""
    running = already_running(args.pidfile, args.data_dir)
    if running is not None:
        print(running.url)
        print(f"already running (pid {running.pid})", file=sys.stderr)
        return
    if args.token_file and not args.token_file.exists() and (args.data_dir / DATABASE).exists():
        # Label Studio sets the admin token only when it creates the admin at first start.
        raise ServerError(
            f"{args.data_dir} was set up with a token that {args.token_file} does not hold; "
            "pass that token with --token, or delete the data directory to start afresh."
        )
    started = time.monotonic()
    server = start(
        venv=args.venv,
        data_dir=args.data_dir,
        port=args.port,
        token=args.token or token_from_file(args.token_file),
        username=args.username,
        password=args.password,
        pidfile=args.pidfile,
        log=args.log,
        timeout=args.timeout,
    )
    print(server.url, flush=True)
    elapsed = time.monotonic() - started
    print(f"started in {elapsed:.1f} s (pid {server.pid})", file=sys.stderr)


def main(argv: list[str] | None = None) -> int:
    """Run one subcommand; print its outcome; return the process exit status."""
    args = build_parser().parse_args(argv)
    try:
        if args.command == "install":
            print(install(args.venv, args.version))
        elif args.command == "start":
            run_start(args)
        elif args.command == "stop":
            print(stop(args.pidfile, args.timeout))
        else:
            running, sentence = status(args.pidfile)
            print(sentence)
            return 0 if running else 1
    except ServerError as error:
        print(f"error: {error}", file=sys.stderr)
        return 1
    return 0


if __name__ == "__main__":
    sys.exit(main())
