"""A loopback TCP proxy whose link can be cut and restored, to fail a component on purpose.

Putting it between the workbench and PostgreSQL (or Label Studio) simulates a restart of the
server without touching the server itself, which other test sessions share: `cut()` closes
every open connection and refuses new ones, `restore()` lets them through again.
"""

from __future__ import annotations

import asyncio
import contextlib
import socket
import threading


class TcpProxy:
    """Forward 127.0.0.1:<port> to a target host and port, from a thread of its own."""

    def __init__(self, target_host: str, target_port: int) -> None:
        self.target = (target_host, target_port)
        self.port = 0
        self._loop = asyncio.new_event_loop()
        self._thread = threading.Thread(
            target=self._loop.run_forever, daemon=True, name="tcp-proxy"
        )
        self._server: asyncio.AbstractServer | None = None
        self._open: set[asyncio.StreamWriter] = set()
        self._accepting = True
        self.connections = 0

    def start(self) -> TcpProxy:
        """Listen on a free loopback port; return self."""
        self._thread.start()
        self._call(self._listen())
        return self

    async def _listen(self) -> None:
        self._server = await asyncio.start_server(
            self._pipe, "127.0.0.1", self.port or 0, reuse_address=True
        )
        self.port = self._server.sockets[0].getsockname()[1]

    async def _pipe(self, reader: asyncio.StreamReader, writer: asyncio.StreamWriter) -> None:
        if not self._accepting:
            _abort(writer)
            return
        try:
            up_reader, up_writer = await asyncio.open_connection(*self.target)
        except OSError:
            _abort(writer)
            return
        self.connections += 1
        self._open.update((writer, up_writer))
        await asyncio.gather(
            _copy(reader, up_writer), _copy(up_reader, writer), return_exceptions=True
        )
        for end in (writer, up_writer):
            self._open.discard(end)
            _abort(end)

    def cut(self) -> None:
        """Drop every open connection and refuse new ones (the server seems down)."""

        async def drop() -> None:
            self._accepting = False
            for end in list(self._open):
                _abort(end)
            self._open.clear()

        self._call(drop())

    def restore(self) -> None:
        """Accept connections again (the server is back)."""

        async def allow() -> None:
            self._accepting = True

        self._call(allow())

    def stop(self) -> None:
        """Close the listener and every connection; stop the thread."""
        self.cut()

        async def close() -> None:
            if self._server is not None:
                self._server.close()
                await self._server.wait_closed()

        with contextlib.suppress(Exception):
            self._call(close())
        self._loop.call_soon_threadsafe(self._loop.stop)
        self._thread.join(timeout=5)
        self._loop.close()

    def _call(self, coroutine) -> None:
        asyncio.run_coroutine_threadsafe(coroutine, self._loop).result(timeout=10)


async def _copy(reader: asyncio.StreamReader, writer: asyncio.StreamWriter) -> None:
    try:
        while data := await reader.read(65536):
            writer.write(data)
            await writer.drain()
    finally:
        with contextlib.suppress(Exception):
            writer.write_eof()


def _abort(writer: asyncio.StreamWriter) -> None:
    """Close a connection at once with a reset, as a crashed server would."""
    transport = writer.transport
    sock = transport.get_extra_info("socket")
    if sock is not None:
        with contextlib.suppress(OSError):
            linger_zero = b"\x01\x00\x00\x00\x00\x00\x00\x00"
            sock.setsockopt(socket.SOL_SOCKET, socket.SO_LINGER, linger_zero)
    transport.abort()
