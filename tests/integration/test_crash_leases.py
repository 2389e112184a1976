"""A worker killed mid-checkout (kill -9) locks nobody out: its lock and claim are short leases.

Before, the per-shopper lock lived 45 s and the Idempotency-Key claim 120 s: the retry waited
35 s on the lock, then answered 409 `Request in progress` for two minutes.
"""

from __future__ import annotations

import multiprocessing
import os
import signal
import time
from collections.abc import Callable

import redis

from checkout_app import create_app

from ..helpers import add_to_cart

RETRY_FOR_SECONDS = 10.0  # the bound: a retry after a crash succeeds within ~10 s


def checkout_in_child(env: dict[str, str], cookie: str, key: str) -> None:
    """A worker that starts a keyed checkout; Stripe is slow, so it is in flight when killed."""
    client = create_app({**env, "STRIPE_TIMEOUT_SECONDS": "60"}).test_client()
    client.set_cookie("session_id", cookie)
    client.post(
        "/api/checkout/create-session",
        json={"userEmail": "crash@example.com"},
        headers={"Idempotency-Key": key},
    )


def wait_until(ready: Callable[[], bool], what: str) -> None:
    deadline = time.monotonic() + 15
    while not ready():
        assert time.monotonic() < deadline, what
        time.sleep(0.05)


def wait_for_keys(client: redis.Redis, pattern: str, count: int) -> None:
    wait_until(lambda: len(list(client.scan_iter(pattern))) >= count, f"no {pattern} appeared")


def wait_for_fields(client: redis.Redis, key: str, count: int) -> None:
    wait_until(lambda: client.hlen(key) >= count, f"{key} has fewer than {count} fields")


def test_retry_after_a_killed_worker_gets_through(base_env, app, catalog, sim, redis_prefix):
    client = app.test_client()
    assert add_to_cart(client, "course", catalog.course).status_code == 201
    cookie = client.get_cookie("session_id").value
    sim.fail("slow", count=1, delay_ms=20000, path="/v1/checkout/sessions")
    worker = multiprocessing.get_context("fork").Process(
        target=checkout_in_child, args=(base_env, cookie, "crash-key")
    )
    worker.start()
    store = redis.Redis.from_url(base_env["REDIS_URL"])
    wait_for_keys(store, f"{redis_prefix}lock:*", 1)
    wait_for_keys(store, f"{redis_prefix}idem:*", 1)
    # Written down just before the create is sent (adapters/stripe_attempts.py).
    wait_for_fields(store, f"{redis_prefix}stripe-attempts", 1)
    os.kill(worker.pid, signal.SIGKILL)
    worker.join()
    # Had the child not sent its create yet, the slow fault would delay the retry instead.
    sim.clear_faults()
    killed = time.monotonic()

    answers = []
    while time.monotonic() - killed < RETRY_FOR_SECONDS:
        res = client.post(
            "/api/checkout/create-session",
            json={"userEmail": "crash@example.com"},
            headers={"Idempotency-Key": "crash-key"},
        )
        answers.append(res.status_code)
        if res.status_code != 409:
            break
        assert res.get_json()["error"] == "Request in progress"
        time.sleep(int(res.headers["Retry-After"]))
    print(f"\nretry answers {answers} within {time.monotonic() - killed:.1f} s of the kill")
    assert answers[-1] == 200, answers
    assert res.get_json()["sessionId"]
