"""The load generator: asyncio shoppers on one aiohttp client session.

Each shopper is a coroutine that takes the next pre-seeded session id, posts one checkout with
that `session_id` cookie, records status and latency, and goes again until the time is up or
the seeded sessions run out (closed loop). A flash sale is the same with one checkout each,
all started at once. The one-shopper probe is a single shopper taking turns between
servers, so that each is timed under the same conditions.
"""

from __future__ import annotations

import asyncio
import hashlib
import statistics
import time
from collections import Counter
from dataclasses import dataclass, field

import aiohttp

PATH = "/api/checkout/create-session"
TIMEOUT_SECONDS = 30


def shopper(session_id: str) -> tuple[dict[str, str], dict[str, str]]:
    """The checkout's body and headers for the shopper of one seeded session: every session is
    a different person, with an email and an address of its own (X-Forwarded-For, which the
    bench's app trusts from one proxy), as on a real shop. One email and one address for
    every checkout made the bench a single client holding every seat it had ever checked out."""
    digest = hashlib.blake2b(session_id.encode(), digest_size=6).digest()
    body = {"userEmail": f"shopper-{digest.hex()}@example.com"}
    headers = {
        "Cookie": f"session_id={session_id}",
        "X-Forwarded-For": f"10.{digest[0]}.{digest[1]}.{digest[2]}",
    }
    return body, headers


@dataclass(frozen=True)
class Answer:
    status: int  # 0: no HTTP answer (connection error or timeout)
    seconds: float
    error: str | None  # the JSON `error` of a non-200, or the exception


@dataclass
class Run:
    answers: list[Answer] = field(default_factory=list)
    elapsed: float = 0.0
    sessions_left: int = 0

    def count(self, status: int) -> int:
        return sum(1 for a in self.answers if a.status == status)

    @property
    def ok(self) -> int:
        return self.count(200)

    @property
    def per_second(self) -> float:
        """Successful checkouts per second of wall time."""
        return self.ok / self.elapsed if self.elapsed else 0.0

    @property
    def requests_per_second(self) -> float:
        """Answered requests (any status) per second of wall time."""
        return len(self.answers) / self.elapsed if self.elapsed else 0.0

    def percentile(self, p: int) -> float:
        """Latency percentile in seconds over all answers (nearest rank on 1000 cut points)."""
        seconds = [a.seconds for a in self.answers]
        if len(seconds) < 2:
            return seconds[0] if seconds else 0.0
        return statistics.quantiles(seconds, n=1000, method="inclusive")[p * 10 - 1]

    def statuses(self) -> Counter[int]:
        return Counter(a.status for a in self.answers)


async def _checkout(http: aiohttp.ClientSession, url: str, session_id: str) -> Answer:
    body, headers = shopper(session_id)
    started = time.perf_counter()
    try:
        async with http.post(url, json=body, headers=headers) as r:
            payload = await r.json(content_type=None) if r.status != 200 else None
            await r.read()
            error = payload.get("error") if isinstance(payload, dict) else None
            return Answer(r.status, time.perf_counter() - started, error)
    except (aiohttp.ClientError, TimeoutError, ValueError) as exc:
        return Answer(0, time.perf_counter() - started, f"{type(exc).__name__}: {exc}")


def _client(connections: int) -> aiohttp.ClientSession:
    """The load generator's HTTP client: at most `connections` kept-alive connections, no
    cookie jar (each checkout sends its own session cookie)."""
    return aiohttp.ClientSession(
        connector=aiohttp.TCPConnector(limit=connections),
        timeout=aiohttp.ClientTimeout(total=TIMEOUT_SECONDS),
        cookie_jar=aiohttp.DummyCookieJar(),
    )


async def _drive(base_url: str, sessions: list[str], shoppers: int, seconds: float | None) -> Run:
    run = Run()
    queue = iter(sessions)
    url = base_url + PATH
    async with _client(shoppers) as http:
        started = time.monotonic()
        deadline = started + seconds if seconds is not None else None

        async def shopper() -> None:
            for session_id in queue:
                run.answers.append(await _checkout(http, url, session_id))
                if deadline is None or time.monotonic() >= deadline:
                    return

        await asyncio.gather(*(shopper() for _ in range(shoppers)))
        run.elapsed = time.monotonic() - started
    run.sessions_left = sum(1 for _ in queue)
    return run


async def _alternate(servers: list[tuple[str, list[str]]], seconds: float) -> list[Run]:
    runs = [Run() for _ in servers]
    turns = min(len(sessions) for _, sessions in servers)
    async with _client(len(servers)) as http:
        started = time.monotonic()
        taken = 0
        while taken < turns and time.monotonic() < started + seconds:
            for run, (base_url, sessions) in zip(runs, servers, strict=True):
                run.answers.append(await _checkout(http, base_url + PATH, sessions[taken]))
            taken += 1
        elapsed = time.monotonic() - started
    for run, (_, sessions) in zip(runs, servers, strict=True):
        run.elapsed = elapsed
        run.sessions_left = len(sessions) - taken
    return runs


def alternating(servers: list[tuple[str, list[str]]], seconds: float) -> list[Run]:
    """One shopper taking turns between servers (base URL, seeded sessions), one checkout each
    per turn, for `seconds`: every server is timed under the same conditions, however the
    machine's speed drifts. One Run per server."""
    return asyncio.run(_alternate(servers, seconds))


def closed_loop(base_url: str, sessions: list[str], shoppers: int, seconds: float) -> Run:
    """`shoppers` concurrent shoppers checking out back to back for `seconds`."""
    return asyncio.run(_drive(base_url, sessions, shoppers, seconds))


def all_at_once(base_url: str, sessions: list[str]) -> Run:
    """One checkout per session, all sent at the same moment."""
    return asyncio.run(_drive(base_url, sessions, len(sessions), None))
