"""A live workbench on a free loopback port, served from a thread, restartable."""

from __future__ import annotations

import socket
import threading

import pytest
from werkzeug.serving import make_server


def free_port() -> int:
    """Return a loopback port nobody listens on now."""
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


class LiveServer:
    """The test's app served on 127.0.0.1; `stop()` and `start()` simulate an outage."""

    def __init__(self, app) -> None:
        self.app = app
        self.port = free_port()
        self.url = f"http://127.0.0.1:{self.port}"
        self._server = None
        self._thread = None

    def start(self) -> None:
        """Serve on the same port again."""
        self._server = make_server("127.0.0.1", self.port, self.app, threaded=True)
        self._thread = threading.Thread(target=self._server.serve_forever, daemon=True)
        self._thread.start()

    def stop(self) -> None:
        """Stop serving; connections to the port are refused until `start()`."""
        if self._server is not None:
            self._server.shutdown()
            self._server.server_close()
            self._thread.join(timeout=10)
            self._server = None


@pytest.fixture
def live(app):
    """Serve the test's app; its PUBLIC_URL points at the server."""
    server = LiveServer(app)
    app.config["PUBLIC_URL"] = server.url
    server.start()
    yield server
    server.stop()


@pytest.fixture
def live_server(live):
    """The base URL of the live workbench."""
    return live.url
