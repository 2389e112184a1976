"""Shoppers in closed loops: empty the cart, add lines, look at it, check out; retry as told.

Every answer is recorded with the fault phase it started in. A shopper retries a 5xx, a 409
`Request in progress` and a lost connection with the same Idempotency-Key, waiting Retry-After
(capped at 1 s so recovery is measured, not the back-off); it gives up an iteration after 60 s.
"""

from __future__ import annotations

import random
import threading
import time
import uuid
from dataclasses import dataclass, field

import requests

GIVE_UP_SECONDS = 60.0
CLIENT_TIMEOUT = 30.0
IN_PROGRESS = "Request in progress"


@dataclass
class Answer:
    phase: str
    route: str
    status: int  # 0: no answer (connection dropped or reset)
    started: float
    seconds: float
    body: dict | None
    retry_after: str | None


@dataclass
class Bought:
    order_id: str
    session_id: str
    shown: dict[str, int]
    shown_total: str


@dataclass
class Journal:
    """What every shopper saw; `phase` is set by the conductor."""

    phase: str = "baseline"
    answers: list[Answer] = field(default_factory=list)
    bought: list[Bought] = field(default_factory=list)
    gave_up: list[str] = field(default_factory=list)
    orphans_expired: int = 0
    lock: threading.Lock = field(default_factory=threading.Lock)

    def add(self, answer: Answer) -> None:
        with self.lock:
            self.answers.append(answer)


class Shopper(threading.Thread):
    def __init__(self, base: str, journal: Journal, items: list[str], event: str, stop) -> None:
        super().__init__(daemon=True)
        self.base = base
        self.journal = journal
        self.items = items
        self.event = event
        self.stop = stop
        self.http = requests.Session()
        self.random = random.Random()

    def run(self) -> None:
        while not self.stop.is_set():
            try:
                self.iteration()
            except TimeoutError as exc:
                with self.journal.lock:
                    self.journal.gave_up.append(f"{self.journal.phase}: {exc}")

    def iteration(self) -> None:
        deadline = time.monotonic() + GIVE_UP_SECONDS
        self.send("DELETE", "/api/cart", deadline)
        self.send("POST", "/api/cart/items", deadline, self.line(self.random.choice(self.items)))
        self.send("POST", "/api/cart/items", deadline, self.line(self.event, 1, 2))
        shown = self.send("GET", "/api/cart", deadline)["cart"]
        body = {"userEmail": "chaos@example.com"}
        answer = self.send("POST", "/api/checkout/create-session", deadline, body)
        if "orderId" in answer:
            lines = {i["itemId"]: i["quantity"] for i in shown["items"]}
            bought = Bought(answer["orderId"], answer["sessionId"], lines, shown["total"])
            with self.journal.lock:
                self.journal.bought.append(bought)

    def line(self, item_id: str, low: int = 1, high: int = 1) -> dict:
        item_type = "event" if item_id == self.event else "course"
        return {
            "itemType": item_type,
            "itemId": item_id,
            "quantity": self.random.randint(low, high),
        }

    def send(self, method: str, path: str, deadline: float, body: dict | None = None) -> dict:
        """One request, retried until an answer that is not a 5xx, 409-in-progress or drop."""
        headers = {"Idempotency-Key": uuid.uuid4().hex} if method != "GET" else {}
        last = None
        while True:
            if time.monotonic() > deadline:
                raise TimeoutError(f"{method} {path}, last answer {last}")
            answer = self.once(method, path, body, headers)
            self.journal.add(answer)
            last = (answer.status, answer.body)
            again = answer.status == 0 or answer.status >= 500
            again = again or (
                answer.status == 409 and (answer.body or {}).get("error") == IN_PROGRESS
            )
            if not again:
                return answer.body or {}
            time.sleep(min(float(answer.retry_after or 0.2), 1.0))

    def once(self, method: str, path: str, body: dict | None, headers: dict) -> Answer:
        phase, started = self.journal.phase, time.monotonic()
        try:
            res = self.http.request(
                method, self.base + path, json=body, headers=headers, timeout=CLIENT_TIMEOUT
            )
        except requests.RequestException:
            return Answer(
                phase, f"{method} {path}", 0, started, time.monotonic() - started, None, None
            )
        try:
            parsed = res.json()
        except ValueError:
            parsed = None
        return Answer(
            phase,
            f"{method} {path}",
            res.status_code,
            started,
            time.monotonic() - started,
            parsed,
            res.headers.get("Retry-After"),
        )
