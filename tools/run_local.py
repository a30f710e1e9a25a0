"""`make run`: start a local Label Studio, migrate, seed the demo, serve the workbench.

Everything lives under instance/ (SQLite database, secret key, Label Studio data, the demo
passwords); nothing leaves this machine. Stop with Ctrl-C: both servers stop.
"""

from __future__ import annotations

import os
import secrets
import signal
import subprocess
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
INSTANCE = ROOT / "instance"
BIN = ROOT / ".venv" / "bin"
LS_DIR = INSTANCE / "label-studio"
LS_PORT = os.environ.get("LABELGATE_LOCAL_LS_PORT", "8080")
WORKBENCH = os.environ.get("LABELGATE_BIND", "127.0.0.1:5000")
SYNC_EVERY = os.environ.get("LABELGATE_SYNC_EVERY", "300")


def _secret(path: Path, make) -> str:
    if path.exists():
        return path.read_text(encoding="utf-8").strip()
    value = make()
    path.write_text(value, encoding="utf-8")
    path.chmod(0o600)
    return value


def _run(*args: str, env: dict[str, str]) -> None:
    subprocess.run(args, check=True, env=env, cwd=ROOT)


def start_label_studio(env: dict[str, str]) -> str:
    """Start Label Studio on LS_PORT (once per data dir its admin is created); return its URL."""
    LS_DIR.mkdir(parents=True, exist_ok=True)
    password = _secret(INSTANCE / "label-studio-admin-password", lambda: secrets.token_urlsafe(12))
    output = subprocess.run(
        [str(BIN / "python"), "tools/label_studio_server.py", "start",
         "--data-dir", str(LS_DIR), "--port", LS_PORT,
         "--token-file", str(INSTANCE / "label-studio-token"),
         "--username", "admin@labelgate.local", "--password", password,
         "--pidfile", str(INSTANCE / "label-studio.pid"),
         "--log", str(INSTANCE / "label-studio.log")],
        check=True, env=env, cwd=ROOT, capture_output=True, text=True,
    ).stdout.strip().splitlines()
    url = output[-1].strip() if output else f"http://127.0.0.1:{LS_PORT}"
    print(f"Label Studio (administrators only): {url}  admin@labelgate.local / {password}")
    return url


def stop_label_studio(env: dict[str, str]) -> None:
    """Stop the Label Studio this script started."""
    subprocess.run([str(BIN / "python"), "tools/label_studio_server.py", "stop",
                    "--pidfile", str(INSTANCE / "label-studio.pid")], env=env, cwd=ROOT,
                   check=False)


def main() -> int:
    """Set everything up on embedded defaults and serve until interrupted."""
    INSTANCE.mkdir(exist_ok=True)
    env = dict(os.environ)
    env.setdefault("LABELGATE_INSTANCE_PATH", str(INSTANCE))
    labelgate = str(BIN / "labelgate")
    if os.environ.get("LABELGATE_SKIP_LABEL_STUDIO") != "1":
        url = start_label_studio(env)
        env["LABELGATE_LABEL_STUDIO_URL"] = url
        env["LABELGATE_LABEL_STUDIO_API_KEY"] = (INSTANCE / "label-studio-token").read_text(
            encoding="utf-8").strip()
    env.setdefault("LABELGATE_PUBLIC_URL", f"http://{WORKBENCH}")
    try:
        _run(labelgate, "db", "upgrade", env=env)
        _run(labelgate, "demo", "seed", env=env)
        print(f"\nLabelgate: http://{WORKBENCH}  (Ctrl-C stops both servers)\n", flush=True)
        server = subprocess.Popen([labelgate, "serve", "--bind", WORKBENCH], env=env, cwd=ROOT)
        # Label Studio never retries a webhook: reconcile on a schedule so nothing is lost.
        syncer = subprocess.Popen([labelgate, "sync", "--every", SYNC_EVERY], env=env, cwd=ROOT)
        try:
            return server.wait()
        except KeyboardInterrupt:
            return 0
        finally:
            for process in (server, syncer):
                if process.poll() is None:
                    process.send_signal(signal.SIGTERM)
                    process.wait(timeout=30)
    finally:
        if os.environ.get("LABELGATE_SKIP_LABEL_STUDIO") != "1":
            stop_label_studio(env)


if __name__ == "__main__":
    sys.exit(main())
