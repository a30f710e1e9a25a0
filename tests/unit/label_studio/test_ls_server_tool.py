"""The Label Studio runtime script's guards, checked without starting Label Studio."""

from __future__ import annotations

import json
import socket
import subprocess
import sys
from pathlib import Path

import pytest

from tests.plugins.label_studio_server import load_server_tool

tool = load_server_tool()
TOKEN = "0123456789abcdef0123456789abcdef01234567"


def start_args(tmp_path: Path, **overrides: object) -> dict:
    """Return start() arguments for a server that must never actually start."""
    arguments = {
        "venv": tmp_path / "venv",
        "data_dir": tmp_path / "data",
        "port": 0,
        "token": TOKEN,
        "username": "admin@example.com",
        "password": "admin-password",
        "pidfile": tmp_path / "ls.pid",
        "log": tmp_path / "ls.log",
    }
    return arguments | overrides


def test_a_busy_port_is_refused_instead_of_silently_moving(tmp_path: Path) -> None:
    venv = tmp_path / "venv"
    (venv / "bin").mkdir(parents=True)
    (venv / "bin" / "label-studio").touch()
    (venv / "lib/python3.11/site-packages/label_studio-1.23.2.dist-info").mkdir(parents=True)
    with socket.socket() as busy:
        busy.bind(("127.0.0.1", 0))
        busy.listen()
        port = busy.getsockname()[1]
        with pytest.raises(tool.ServerError, match=f"Port {port}"):
            tool.start(**start_args(tmp_path, port=port))


def test_a_malformed_token_is_refused(tmp_path: Path) -> None:
    with pytest.raises(tool.ServerError, match="40 lowercase hexadecimal"):
        tool.start(**start_args(tmp_path, token="short"))


def test_missing_installation_is_reported(tmp_path: Path) -> None:
    assert tool.installed_version(tmp_path / "venv") is None
    with pytest.raises(tool.ServerError, match="not installed"):
        tool.start(**start_args(tmp_path))


def test_stop_leaves_a_process_that_is_not_label_studio_alone(tmp_path: Path) -> None:
    other = subprocess.Popen([sys.executable, "-c", "import time; time.sleep(30)"])
    try:
        pidfile = tmp_path / "ls.pid"
        record = {"pid": other.pid, "url": "http://127.0.0.1:1", "port": 1}
        pidfile.write_text(json.dumps(record | {"data_dir": "d", "log": "l"}))

        message = tool.stop(pidfile)

        assert "no running Label Studio" in message
        assert other.poll() is None
        assert not pidfile.exists()
    finally:
        other.kill()
        other.wait()


def test_token_file_is_made_once_and_private(tmp_path: Path) -> None:
    path = tmp_path / "instance" / "label-studio.token"
    token = tool.token_from_file(path)

    assert tool.TOKEN_PATTERN.match(token)
    assert tool.token_from_file(path) == token
    assert path.stat().st_mode & 0o077 == 0


def test_status_of_nothing_running_exits_non_zero(tmp_path: Path, capsys) -> None:
    assert tool.main(["status", "--pidfile", str(tmp_path / "none.pid")]) == 1
    assert "not running" in capsys.readouterr().out
