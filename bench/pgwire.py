"""A counting TCP proxy in front of PostgreSQL: every query the server receives, on the wire.

psycopg2 speaks the simple query protocol only, so each round trip to the server is one 'Q'
message: the app's statements, and also what the driver and the pool send by themselves
(BEGIN before the first statement of a transaction, COMMIT, ROLLBACK, the pre-ping's SELECT 1).
The extended protocol would end each round trip with a Sync ('S'); both are counted.
"""

from __future__ import annotations

import asyncio
import struct
from contextlib import suppress

from .tcpproxy import TcpProxy

STARTUP_CODES_TO_SKIP = (80877103, 80877104)  # SSLRequest, GSSENCRequest: answered with a byte


class CountingProxy(TcpProxy):
    """Listens on 127.0.0.1:<port> and forwards to the real server, recording queries."""

    name = "pg-proxy"

    def __init__(self, upstream_host: str, upstream_port: int, unix_path: str | None = None):
        super().__init__(upstream_host, upstream_port, unix_path)
        self.queries: list[str] = []

    def take(self) -> list[str]:
        """The queries seen since the last take, oldest first."""
        with self._lock:
            taken, self.queries = self.queries, []
        return taken

    async def _proxy(self, client_r, client_w, server_r, server_w) -> None:
        back = asyncio.ensure_future(self._pipe(server_r, client_w))
        try:
            await self._client_to_server(client_r, server_w)
        finally:
            back.cancel()

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
