"""The chaos run: 20 shoppers against gunicorn while each fault comes and goes (issue 12).

`make test` runs the short version (a few seconds per fault) and asserts no violation;
`make chaos` (CHAOS_SECONDS=10) runs the long one and writes docs/RELIABILITY.md.
"""

from __future__ import annotations

import os
import threading
import time
from pathlib import Path

from .faults import FAULTS
from .report import Row, invariants, table
from .shoppers import Journal, Shopper
from .stack import ROOT, ChaosStack

SHOPPERS = 20
FAULT_SECONDS = float(os.environ.get("CHAOS_SECONDS", "3"))
RECOVERY_LIMIT = 30.0
PREAMBLE = """# Reliability under faults

Written by `make chaos` (`tests/chaos/`, issue 12); `make test` runs the same drill with 3 s faults.
The run starts its own PostgreSQL (pgserver), Redis (redis-server on a free port), the Stripe
simulator and gunicorn (2 workers x 16 threads), then 20 shoppers in closed loops (empty the
cart, add a course and 1-2 event seats, look at the cart, check out; every write with an
Idempotency-Key, retried on 5xx, 409 `Request in progress` and dropped connections as the README
says). Each fault lasts {:.0f} s and is then healed; *recovery* is the time from healing to the
first checkout answered 200. *Slowest* is the slowest answer during the phase; while Redis or
PostgreSQL is frozen (SIGSTOP) no answer may take longer than the configured bound (3.5 s:
`DB_STATEMENT_TIMEOUT_MS` 2000 + 0.5 s client margin + `DB_CONNECT_TIMEOUT` 1; Redis 1 s per call)
plus 1 s.

A violation is an error that is not the contract's JSON, a 503 without `Retry-After`, a 500, or a
slow answer while frozen. At the end the database and the simulator are checked: every 200 has
exactly one order with the cart the shopper was last shown and the same total; no order without
a 200 unless cancelled; no event seat oversold; every order's Stripe session exists with the same
amount; and after `flask expire-stale-orders` no open Stripe session lacks an order.

"""


def hand_written(path: Path) -> str:
    """The sections after the drill's report (from the first `## ` heading): a rerun keeps them."""
    text = path.read_text() if path.exists() else ""
    start = text.find("\n## ")
    return text[start:] if start >= 0 else ""


def first_checkout_after(journal: Journal, moment: float) -> float | None:
    with journal.lock:
        done = [
            a.started + a.seconds
            for a in journal.answers
            if a.route == "POST /api/checkout/create-session"
            and a.status == 200
            and a.started >= moment
        ]
    return min(done) - moment if done else None


def print_log_of(stack: ChaosStack, problems: list[str]) -> None:
    """gunicorn's log lines about each order a problem names, to tell which path left it."""
    ids = {word for problem in problems for word in problem.split() if word.count("-") == 4}
    if not ids:
        return
    lines = (stack.dir / "gunicorn.log").read_text(errors="replace").splitlines()
    for line in lines:
        if any(order_id in line for order_id in ids):
            print(line[:400])


def run_fault(stack: ChaosStack, journal: Journal, fault) -> Row:
    journal.phase = fault.name
    begun = time.monotonic()
    fault.inject(stack)
    time.sleep(FAULT_SECONDS)  # the fault lasts this long: the shoppers keep going meanwhile
    fault.heal(stack)
    healed = time.monotonic()
    recovery = None
    while recovery is None and time.monotonic() - healed < RECOVERY_LIMIT:
        time.sleep(0.05)
        recovery = first_checkout_after(journal, healed)
    with journal.lock:
        answers = [a for a in journal.answers if a.phase == fault.name]
    row = Row(fault.name, healed - begun, answers, recovery, fault.frozen, healed)
    row.check()
    return row


def test_chaos(stack):
    journal = Journal()
    stop = threading.Event()
    shoppers = [
        Shopper(stack.url, journal, [str(c) for c in stack.courses], str(stack.event), stop)
        for _ in range(SHOPPERS)
    ]
    for shopper in shoppers:
        shopper.start()
    time.sleep(FAULT_SECONDS)  # baseline
    rows = [run_fault(stack, journal, fault) for fault in FAULTS]
    journal.phase = "wind-down"
    stop.set()
    for shopper in shoppers:
        shopper.join(90)
    problems = invariants(stack, journal)
    report = table(rows, journal, problems)
    print("\n" + report)
    for row in rows:
        for violation in row.violations[:5]:
            print(f"{row.fault}: {violation}")
    for problem in problems[:20] + journal.gave_up:
        print(problem)
    print_log_of(stack, problems)
    if os.environ.get("CHAOS_REPORT"):
        path = Path(ROOT, os.environ["CHAOS_REPORT"])
        path.write_text(PREAMBLE.format(FAULT_SECONDS) + report + "\n" + hand_written(path))
    assert [v for row in rows for v in row.violations] == []
    assert problems == []
    assert all(row.recovery is not None for row in rows), "a fault never recovered"
