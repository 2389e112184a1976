"""Shoppers in closed loops through nginx, in a thread, while the drill breaks things.

Each shopper takes the next pre-seeded cart, checks it out, records the whole answer (status,
JSON body, Retry-After, when it started and ended) and goes on to the next cart until stopped;
after a 503 with Retry-After it waits and tries the same cart again, as a front end would.
"""

from __future__ import annotations

import asyncio
import threading
import time
from collections.abc import Iterator
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass

import aiohttp

PATH = "/api/checkout/create-session"
BODY = {"userEmail": "drill@example.com"}
TIMEOUT_SECONDS = 80  # longer than nginx's proxy_read_timeout: nginx answers first
RETRY_SECONDS = 1.0  # a 503's Retry-After, capped so that the drill stays short


@dataclass(frozen=True)
class Answer:
    session: str
    status: int  # 0: no HTTP answer at all
    started: float  # time.time()
    ended: float
    body: object  # the parsed JSON, or None when the body was not JSON
    retry_after: bool
    from_app: bool  # the app answered (it echoes X-Request-ID); else nginx itself did
    # The status line and headers came, then the connection closed before the whole body: what
    # nginx passes on when an instance dies between gunicorn's two writes (headers, then body).
    cut_off: bool = False

    @property
    def error(self) -> str | None:
        return self.body.get("error") if isinstance(self.body, dict) else None

    @property
    def order_id(self) -> str | None:
        return self.body.get("orderId") if isinstance(self.body, dict) else None


async def checkout(http: aiohttp.ClientSession, url: str, session: str) -> Answer:
    """POST one checkout with the `session_id` cookie; never raises."""
    started = time.time()
    try:
        async with http.post(url, json=BODY, headers={"Cookie": f"session_id={session}"}) as r:
            try:
                raw = await r.read()
            except aiohttp.ClientPayloadError as exc:
                cut = {"exception": repr(exc), "status": r.status}
                return Answer(session, 0, started, time.time(), cut, False, False, cut_off=True)
            try:
                body = await r.json(content_type=None)
            except ValueError:
                body = None
            retry, app = "Retry-After" in r.headers, "X-Request-ID" in r.headers
            return Answer(session, r.status, started, time.time(), raw and body, retry, app)
    except (aiohttp.ClientError, TimeoutError) as exc:
        return Answer(session, 0, started, time.time(), {"exception": repr(exc)}, False, False)


def _client(shoppers: int) -> aiohttp.ClientSession:
    return aiohttp.ClientSession(
        connector=aiohttp.TCPConnector(limit=shoppers),
        timeout=aiohttp.ClientTimeout(total=TIMEOUT_SECONDS),
        cookie_jar=aiohttp.DummyCookieJar(),
    )


class Load:
    """`shoppers` closed loops over `sessions` against `base_url`, from start() to stop()."""

    def __init__(self, base_url: str, sessions: list[str], shoppers: int) -> None:
        self.url = base_url + PATH
        self.sessions: Iterator[str] = iter(sessions)
        self.shoppers = shoppers
        self.answers: list[Answer] = []
        self._stop = threading.Event()
        self._thread = threading.Thread(target=lambda: asyncio.run(self._drive()), daemon=True)

    async def _drive(self) -> None:
        async with _client(self.shoppers) as http:

            async def shopper() -> None:
                for session in self.sessions:
                    while not self._stop.is_set():
                        answer = await checkout(http, self.url, session)
                        self.answers.append(answer)
                        if not (answer.status == 503 and answer.retry_after):
                            break
                        # as the README tells front ends: wait, then try the same cart again
                        await asyncio.sleep(RETRY_SECONDS)
                    if self._stop.is_set():
                        return

            await asyncio.gather(*(shopper() for _ in range(self.shoppers)))

    def start(self) -> Load:
        self._thread.start()
        return self

    def stop(self) -> list[Answer]:
        """Let every shopper finish the checkout it is in, then return all answers."""
        self._stop.set()
        self._thread.join()
        return self.answers


def all_at_once(base_url: str, sessions: list[str]) -> list[Answer]:
    """One checkout per session, all sent together (the flash sale)."""

    async def drive() -> list[Answer]:
        async with _client(len(sessions)) as http:
            return list(
                await asyncio.gather(*(checkout(http, base_url + PATH, s) for s in sessions))
            )

    # A thread of its own, like Load: the caller's thread may already run an event loop
    # (tests/e2e's Playwright, in the whole test suite).
    with ThreadPoolExecutor(1) as pool:
        return pool.submit(asyncio.run, drive()).result()
