"""How the drill's shoppers read an answer an instance could not finish.

An instance killed between gunicorn's two writes (the headers, then the body) leaves nginx with a
status line it has already passed on and a body that never comes. The shopper cannot know the
request's fate: the drill counts it as such, and allows it only where an instance was killed.
"""

from __future__ import annotations

import asyncio

import aiohttp

from bench.fleet import invariants
from bench.fleet.shoppers import PATH, Answer, checkout

CUT_OFF = (
    b"HTTP/1.1 200 OK\r\nContent-Type: application/json\r\nContent-Length: 120\r\n\r\n"
    b'{"success": true, "orderId": "'
)


async def _answer_with(reply: bytes) -> Answer:
    """One shopper's checkout against a server that reads the request, writes `reply`, hangs up."""

    async def serve(reader: asyncio.StreamReader, writer: asyncio.StreamWriter) -> None:
        await reader.readuntil(b"\r\n\r\n")
        writer.write(reply)
        await writer.drain()
        writer.close()

    server = await asyncio.start_server(serve, "127.0.0.1", 0)
    port = server.sockets[0].getsockname()[1]
    try:
        async with aiohttp.ClientSession(timeout=aiohttp.ClientTimeout(total=10)) as http:
            return await checkout(http, f"http://127.0.0.1:{port}{PATH}", "s-1")
    finally:
        server.close()
        await server.wait_closed()


def test_an_answer_cut_off_mid_body_is_of_unknown_fate_not_a_contract_breach():
    answer = asyncio.run(_answer_with(CUT_OFF))

    assert (answer.status, answer.cut_off, answer.from_app) == (0, True, False)
    assert answer.body["status"] == 200 and "ClientPayloadError" in answer.body["exception"]
    assert invariants.contract_violations([answer]) == []
    assert invariants.unknown_fate([answer]) == 1
    # ... but only the phase that kills an instance may have one
    assert len(invariants.cut_off_violations([answer])) == 1


def test_a_connection_closed_without_any_answer_still_breaks_the_contract():
    answer = asyncio.run(_answer_with(b""))

    assert (answer.status, answer.cut_off) == (0, False)
    assert invariants.contract_violations([answer]) != []
    assert invariants.cut_off_violations([answer]) == []
