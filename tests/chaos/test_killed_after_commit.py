"""A worker killed between writing the order and answering: the retry cancels that order.

The checkout writes the order under the session id the cart is about to move to, and moves the
cart in its last Redis round trip. A worker that dies in between (kill -9, OOM, a deploy) never
answers and never moves the cart, so the shopper's retry starts again from the old id. The
chaos drill found the retry placing a second order while the first stayed pending, holding
seats, owned by an id nobody has. Now the retry supersedes it like any open order of the cart.

Deterministic here: the superseded order's Stripe expire, which runs after the commit and
before the clean-up, is held up at the simulator while every worker is killed.
"""

from __future__ import annotations

import contextlib
import signal
import threading
import time
import uuid

import requests
from sqlalchemy import text

IN_PROGRESS = "Request in progress"


def checkout(http: requests.Session, url: str, key: str, timeout: float = 30) -> requests.Response:
    return http.post(
        f"{url}/api/checkout/create-session",
        json={"userEmail": "kill@example.com"},
        headers={"Idempotency-Key": key},
        timeout=timeout,
    )


def add(http: requests.Session, url: str, item_type: str, item_id: object, quantity: int) -> None:
    answer = http.post(
        f"{url}/api/cart/items",
        json={"itemType": item_type, "itemId": str(item_id), "quantity": quantity},
        headers={"Idempotency-Key": uuid.uuid4().hex},
        timeout=10,
    )
    assert answer.status_code in (200, 201), answer.text


def orders(stack) -> dict[str, str]:
    with stack.engine.connect() as db:
        return {str(i): s for i, s in db.execute(text("SELECT id, status FROM orders"))}


def test_the_retry_after_a_worker_died_past_the_commit_supersedes_the_lost_order(stack):
    http = requests.Session()
    add(http, stack.url, "course", stack.courses[0], 1)
    first = checkout(http, stack.url, uuid.uuid4().hex)
    assert first.status_code == 200, first.text
    add(http, stack.url, "event", stack.event, 2)  # a changed cart supersedes the first order
    expire = f"/v1/checkout/sessions/{first.json()['sessionId']}/expire"
    stack.sim.fail("slow", count=1, delay_ms=5000, path=expire)

    key = uuid.uuid4().hex
    cut_off = threading.Thread(target=lambda: _swallow(checkout, http, stack.url, key))
    cut_off.start()
    deadline = time.monotonic() + 20
    while len(orders(stack)) < 2:  # the second order is committed; its expire call hangs
        assert time.monotonic() < deadline, "the second order was never written"
        time.sleep(0.05)
    for worker in stack.workers():
        worker.send_signal(signal.SIGKILL)
    cut_off.join(30)
    (second,) = [i for i, s in orders(stack).items() if i != first.json()["orderId"]]

    deadline = time.monotonic() + 60
    while True:  # retried as the README tells clients: same key, on 5xx, drops and in-progress
        try:
            again = checkout(http, stack.url, key)
        except requests.RequestException:
            again = None
        if again is not None and not (
            again.status_code >= 500
            or (again.status_code == 409 and again.json().get("error") == IN_PROGRESS)
        ):
            break
        assert time.monotonic() < deadline, "no final answer to the retry"
        time.sleep(0.2)

    assert again.status_code == 200, again.text
    placed = again.json()["orderId"]
    assert orders(stack) == {
        first.json()["orderId"]: "cancelled",
        second: "cancelled",  # nobody was ever told of it
        placed: "pending",
    }
    sessions = {s["client_reference_id"]: s["status"] for s in stack.sim.sessions()}
    assert sessions[second] == "expired" and sessions[placed] == "open"
    view = http.get(f"{stack.url}/api/orders/{placed}", timeout=10)
    assert view.status_code == 200, view.text  # the shopper's cookie owns the order it got


def _swallow(call, *args) -> None:
    with contextlib.suppress(requests.RequestException):  # the worker died: no answer
        call(*args)
