"""A TCP proxy on its own event-loop thread: the part the counting proxies share.

Subclasses say what to do with one proxied connection (`_proxy`); this class listens on
127.0.0.1:<free port>, connects each client to the real server (TCP or a unix socket) and
closes both sides when the client goes.
"""

from __future__ import annotations

import asyncio
import threading
from contextlib import suppress


class TcpProxy:
    """Listens on 127.0.0.1:<port> and forwards to the real server."""

    name = "proxy"

    def __init__(self, upstream_host: str, upstream_port: int, unix_path: str | None = None):
        self.upstream = (upstream_host, upstream_port, unix_path)
        self.port = 0
        self._lock = threading.Lock()
        self._loop = asyncio.new_event_loop()
        self._ready = threading.Event()
        self._thread = threading.Thread(target=self._serve, name=self.name, daemon=True)

    def start(self) -> int:
        self._thread.start()
        self._ready.wait(5)
        return self.port

    def stop(self) -> None:
        """Close the listener and every proxied connection, then the loop."""

        async def shutdown() -> None:
            self._server.close()
            tasks = [t for t in asyncio.all_tasks() if t is not asyncio.current_task()]
            for task in tasks:
                task.cancel()
            await asyncio.gather(*tasks, return_exceptions=True)

        asyncio.run_coroutine_threadsafe(shutdown(), self._loop).result(5)
        self._loop.call_soon_threadsafe(self._loop.stop)
        self._thread.join(5)

    def _serve(self) -> None:
        asyncio.set_event_loop(self._loop)
        self._server = self._loop.run_until_complete(
            asyncio.start_server(self._connection, "127.0.0.1", 0)
        )
        self.port = self._server.sockets[0].getsockname()[1]
        self._ready.set()
        self._loop.run_forever()
        self._loop.close()

    async def _connection(self, client_r: asyncio.StreamReader, client_w: asyncio.StreamWriter):
        host, port, unix_path = self.upstream
        if unix_path:
            server_r, server_w = await asyncio.open_unix_connection(unix_path)
        else:
            server_r, server_w = await asyncio.open_connection(host, port)
        # CancelledError: the proxy is shutting down with this connection still open.
        with suppress(asyncio.IncompleteReadError, ConnectionError, asyncio.CancelledError):
            await self._proxy(client_r, client_w, server_r, server_w)
        for writer in (server_w, client_w):
            writer.close()

    async def _proxy(
        self,
        client_r: asyncio.StreamReader,
        client_w: asyncio.StreamWriter,
        server_r: asyncio.StreamReader,
        server_w: asyncio.StreamWriter,
    ) -> None:
        raise NotImplementedError
