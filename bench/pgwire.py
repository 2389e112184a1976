"""A counting TCP proxy in front of PostgreSQL: every query the server receives, on the wire.

psycopg2 speaks the simple query protocol only, so each round trip to the server is one 'Q'
message: the app's statements, and also what the driver and the pool send by themselves
(BEGIN before the first statement of a transaction, COMMIT, ROLLBACK, the pre-ping's SELECT 1).
The extended protocol would end each round trip with a Sync ('S'); both are counted.
"""

from __future__ import annotations

import asyncio
import struct
import threading
from contextlib import suppress

STARTUP_CODES_TO_SKIP = (80877103, 80877104)  # SSLRequest, GSSENCRequest: answered with a byte


class CountingProxy:
    """Listens on 127.0.0.1:<port> and forwards to the real server, recording queries."""

    def __init__(self, upstream_host: str, upstream_port: int, unix_path: str | None = None):
        self.upstream = (upstream_host, upstream_port, unix_path)
        self.queries: list[str] = []
        self.port = 0
        self._lock = threading.Lock()
        self._loop = asyncio.new_event_loop()
        self._ready = threading.Event()
        self._thread = threading.Thread(target=self._serve, name="pg-proxy", daemon=True)

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

    def take(self) -> list[str]:
        """The queries seen since the last take, oldest first."""
        with self._lock:
            taken, self.queries = self.queries, []
        return taken

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
        back = asyncio.ensure_future(self._pipe(server_r, client_w))
        # CancelledError: the proxy is shutting down with this connection still open.
        with suppress(asyncio.IncompleteReadError, ConnectionError, asyncio.CancelledError):
            await self._client_to_server(client_r, server_w)
        back.cancel()
        for writer in (server_w, client_w):
            writer.close()

    async def _client_to_server(self, r: asyncio.StreamReader, w: asyncio.StreamWriter) -> None:
        while True:  # the untyped startup phase
            head = await r.readexactly(8)
            length, code = struct.unpack("!ii", head)
            w.write(head + await r.readexactly(length - 8))
            await w.drain()
            if code not in STARTUP_CODES_TO_SKIP:
                break
        while True:
            head = await r.readexactly(5)
            kind, length = head[:1], struct.unpack("!i", head[1:])[0]
            body = await r.readexactly(length - 4)
            if kind == b"Q":
                self._record(body.rstrip(b"\0").decode(errors="replace"))
            elif kind == b"S":
                self._record("<sync>")
            w.write(head + body)
            await w.drain()

    def _record(self, query: str) -> None:
        with self._lock:
            self.queries.append(query)

    @staticmethod
    async def _pipe(r: asyncio.StreamReader, w: asyncio.StreamWriter) -> None:
        with suppress(ConnectionError, asyncio.CancelledError):
            while data := await r.read(65536):
                w.write(data)
                await w.drain()
