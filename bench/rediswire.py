"""A counting TCP proxy in front of Redis: round trips and commands, on the wire.

A round trip is a burst of client data that starts after the server has answered (or at the
start of a connection): on each connection, client->server bytes that arrive while the previous
direction was server->client open a new round trip, and more client bytes before the server's
answer belong to the same one. A pipeline or a MULTI/EXEC block sent at once is one round trip;
a Lua script is one command. Commands are the top-level RESP arrays (`*<n>\\r\\n` followed by n
bulk strings) the client sends; each round trip records the names of its commands in order.
Every client of the proxied URL is counted: the app's own client and flask-limiter's storage.
"""

from __future__ import annotations

import asyncio
from contextlib import suppress
from dataclasses import dataclass, field

from .tcpproxy import TcpProxy


def parse_commands(buffer: bytearray) -> list[str]:
    """The names of the complete commands at the start of `buffer`, which loses them; an
    incomplete command stays in the buffer for the next read."""
    names = []
    while buffer:
        try:
            parsed = _command(buffer)
        except ValueError:  # not RESP after all: count it once, never stall the connection
            names.append("?")
            buffer.clear()
            break
        if parsed is None:
            break
        name, end = parsed
        names.append(name)
        del buffer[:end]
    return names


def _line(buffer: bytearray, start: int) -> tuple[bytes, int] | None:
    end = buffer.find(b"\r\n", start)
    return None if end < 0 else (bytes(buffer[start:end]), end + 2)


def _command(buffer: bytearray) -> tuple[str, int] | None:
    """(name, length in bytes) of the command at the start of `buffer`, None if incomplete."""
    head = _line(buffer, 0)
    if head is None:
        return None
    line, pos = head
    if not line.startswith(b"*"):  # an inline command: one line of words
        return (line.split(b" ", 1)[0].decode(errors="replace").upper() or "?"), pos
    name = ""
    for n in range(int(line[1:])):
        size = _line(buffer, pos)
        if size is None:
            return None
        header, pos = size
        length = int(header[1:])
        if len(buffer) < pos + length + 2:
            return None
        if n == 0:
            name = bytes(buffer[pos : pos + length]).decode(errors="replace").upper()
        pos += length + 2
    return name or "?", pos


@dataclass
class _Connection:
    """One proxied connection: whether the server answered last, the round trip in progress."""

    answered: bool = True
    trip: list[str] = field(default_factory=list)
    pending: bytearray = field(default_factory=bytearray)


class RedisCountingProxy(TcpProxy):
    """Listens on 127.0.0.1:<port> and forwards to the real server, recording round trips."""

    name = "redis-proxy"

    def __init__(self, upstream_host: str, upstream_port: int, unix_path: str | None = None):
        super().__init__(upstream_host, upstream_port, unix_path)
        self.trips: list[list[str]] = []  # each round trip: the commands sent in it

    def take(self) -> list[tuple[str, ...]]:
        """The round trips seen since the last take, oldest first, each as its commands."""
        with self._lock:
            taken, self.trips = self.trips, []
        return [tuple(trip) for trip in taken]

    async def _proxy(self, client_r, client_w, server_r, server_w) -> None:
        state = _Connection()
        back = asyncio.ensure_future(self._server_to_client(server_r, client_w, state))
        try:
            await self._client_to_server(client_r, server_w, state)
        finally:
            back.cancel()

    async def _client_to_server(
        self, r: asyncio.StreamReader, w: asyncio.StreamWriter, state: _Connection
    ) -> None:
        while data := await r.read(65536):
            # Both directions run on this one event loop thread: no lock needed for `state`.
            if state.answered:
                state.answered, state.trip = False, []
                with self._lock:
                    self.trips.append(state.trip)
            state.pending += data
            names = parse_commands(state.pending)
            with self._lock:
                state.trip.extend(names)
            w.write(data)
            await w.drain()

    @staticmethod
    async def _server_to_client(
        r: asyncio.StreamReader, w: asyncio.StreamWriter, state: _Connection
    ) -> None:
        with suppress(ConnectionError, asyncio.CancelledError):
            while data := await r.read(65536):
                state.answered = True
                w.write(data)
                await w.drain()
