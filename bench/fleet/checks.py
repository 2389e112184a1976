"""The drill's fleet-wide checks that need no fault: rate limits and Idempotency-Keys, and the
carts written before a Redis failover."""

from __future__ import annotations

import json
import time
import uuid

import requests

from bench.seed import Catalog

from .shoppers import BODY, PATH, Answer
from .table import Row
from .topology import Fleet

LIMIT = 10  # RATE_LIMIT_CHECKOUT as shipped: 10/minute per session
TRIES = 13


def _answer(session: str, response: requests.Response, started: float) -> Answer:
    try:
        body = response.json()
    except ValueError:
        body = None
    return Answer(
        session,
        response.status_code,
        started,
        time.time(),
        body,
        "Retry-After" in response.headers,
        "X-Request-ID" in response.headers,
    )


def _checkout(base: str, session: str, key: str | None = None) -> tuple[Answer, requests.Response]:
    headers = {"Cookie": f"session_id={session}"}
    if key:
        headers["Idempotency-Key"] = key
    started = time.time()
    response = requests.post(base + PATH, json=BODY, headers=headers, timeout=80)
    return _answer(session, response, started), response


def _upstreams(fleet: Fleet, request_ids: set[str]) -> set[str]:
    """The instances nginx sent these requests to (its access log)."""
    log = fleet.root / "nginx" / "logs" / "access.log"
    lines = (json.loads(line) for line in log.read_text().splitlines() if line.strip())
    return {line["upstream"] for line in lines if line["requestId"] in request_ids}


def rate_limit_fleet_wide(fleet: Fleet, session: str) -> Row:
    """One session checks out 13 times through nginx: exactly 10 pass, whichever instance."""
    answers, ids = [], set()
    for _ in range(TRIES):
        answer, response = _checkout(fleet.shop_url, session)
        answers.append(answer)
        ids.add(response.headers.get("X-Request-ID", ""))
    result = Row(f"rate limit: one session, {TRIES} checkouts, limit {LIMIT}/minute", answers)
    limited = sum(1 for a in answers if a.status == 429)
    instances = _upstreams(fleet, ids)
    result.notes.append(
        f"{TRIES - limited} passed, {limited} x 429, over {len(instances)} instances"
    )
    if limited != TRIES - LIMIT or len(instances) < 2:
        result.violations.append(f"{limited} x 429 over {len(instances)} instances")
    return result


def idempotency_across_instances(fleet: Fleet, catalog: Catalog) -> Row:
    """A key used on app-1 replays on app-2 (cart write) and app-2 on app-3 (checkout)."""
    first = requests.post(
        f"{fleet.shop_url}/api/cart/items",
        timeout=10,
        json={"itemType": "course", "itemId": str(catalog.courses[1])},
    )
    session = first.cookies["session_id"]
    headers = {"Cookie": f"session_id={session}", "Idempotency-Key": uuid.uuid4().hex}
    body = {"itemType": "digital_product", "itemId": str(catalog.digital_products[0])}
    writes = [
        requests.post(f"{fleet.url(n)}/api/cart/items", json=body, headers=headers, timeout=10)
        for n in ("app-1", "app-2")
    ]
    key = uuid.uuid4().hex
    one, _ = _checkout(fleet.url("app-2"), session, key)
    two, replay = _checkout(fleet.url("app-3"), session, key)
    result = Row("Idempotency-Key replayed on another instance", [one, two])
    replayed = replay.headers.get("Idempotent-Replayed") == "true"
    cart_replayed = writes[1].headers.get("Idempotent-Replayed") == "true"
    same = writes[0].content == writes[1].content and one.order_id == two.order_id
    result.notes.append(
        f"cart write app-1 -> app-2: {writes[0].status_code}, replayed "
        f"{cart_replayed}; checkout app-2 -> app-3: same order {same}, "
        f"replayed {replayed}"
    )
    if not (replayed and cart_replayed and same and one.status == 200):
        result.violations.append("a key was not replayed across instances")
    return result


def write_carts(shop: str, course: uuid.UUID, count: int) -> list[str]:
    """`count` carts written through the API; their session ids."""
    sessions = []
    for _ in range(count):
        response = requests.post(
            f"{shop}/api/cart/items", timeout=10, json={"itemType": "course", "itemId": str(course)}
        )
        response.raise_for_status()
        sessions.append(response.cookies["session_id"])
    return sessions


def carts_present(shop: str, sessions: list[str], seconds: float = 20) -> int:
    """How many of these carts still hold their line (asking again while the app answers 503,
    as a front end would after Retry-After)."""
    found = 0
    deadline = time.monotonic() + seconds
    for session in sessions:
        while True:
            response = requests.get(
                f"{shop}/api/cart", headers={"Cookie": f"session_id={session}"}, timeout=10
            )
            if response.status_code != 503 or time.monotonic() > deadline:
                break
            time.sleep(0.2)
        found += response.status_code == 200 and bool(response.json()["cart"]["items"])
    return found
