"""The fault drill through the fleet; its settings are shared with tests/fleet.

Shoppers in closed loops check out through nginx while one fault at a time hits the fleet; each
phase is checked on its own, and the invariants over everything at the end. `make fleet-drill`
runs the long version, tests/fleet/test_drill.py the short one.
"""

from __future__ import annotations

import json
import shutil
import time
from collections import Counter
from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path

from sqlalchemy import create_engine

from bench.seed import Catalog, add_event, seats_held, seed_carts, seed_catalog
from checkout_app.domain.cart import CartKey, CartLine
from checkout_app.domain.enums import ItemType
from checkout_app.extensions import redis_client
from checkout_app.stripe_sim.control import SimControl

from . import faults, invariants
from .checks import carts_present, idempotency_across_instances, rate_limit_fleet_wide, write_carts
from .shoppers import Load, all_at_once
from .table import Row, markdown
from .topology import Fleet

# All shoppers come through one nginx on 127.0.0.1: the per-session limits stay as shipped, the
# per-address budget is lifted so that it does not throttle the drill's whole load. A shorter
# Stripe budget (5 s x 2 tries + 5 s) bounds how long a retry may wait for the checkout lock of
# a request that died with its instance (35 s with the defaults).
DRILL_SETTINGS = {
    "RATE_LIMIT_IP_FACTOR": "100000",
    # Every drill shopper comes from 127.0.0.1, and the seat-hold limit counts client addresses.
    "SEAT_HOLD_LIMIT": "1000000",
    "STRIPE_TIMEOUT_SECONDS": "5",
    "STRIPE_MAX_RETRIES": "1",
}
PREFIX = "checkout:"  # the app's default REDIS_KEY_PREFIX
FLASH_SEATS, FLASH_SHOPPERS = 40, 100
SHORT, FULL = (3.0, 20), (12.0, 40)  # seconds per fault, shoppers
STRIPE_LATENCY_MS = 50  # so that a killed instance has checkouts in flight
KILL_APP = "kill -9 one app instance"  # the only fault that may cut an answer off mid-body


@dataclass
class Drill:
    fleet: Fleet
    catalog: Catalog
    seconds: float
    shoppers: int
    rows: list[Row] = field(default_factory=list)

    def __post_init__(self) -> None:
        self.engine = create_engine(self.fleet.direct_url, pool_size=2, pool_pre_ping=True)
        self.sim = SimControl(self.fleet.url("stripe_sim"), timeout=30)
        self.served = 0

    def carts(self, count: int, lines: Callable[[int], list[CartLine]]) -> list[str]:
        """Seed `count` carts on the Redis primary, replicated before the load starts."""
        client = redis_client(self.fleet.redis_url, socket_timeout=5)
        sessions = seed_carts(
            client,
            PREFIX,
            [lines(self.served + n) for n in range(count)],
            self.fleet.secret_key,
        )
        self.served += count
        faults.replica_caught_up(self.fleet)
        return sessions

    def flash_sale(self) -> Row:
        event = add_event(self.fleet.direct_url, FLASH_SEATS, f"drill-flash-{time.time_ns()}")
        line = [CartLine(CartKey(ItemType.EVENT, event), 1)]
        answers = all_at_once(self.fleet.shop_url, self.carts(FLASH_SHOPPERS, lambda n: line))
        row = Row(
            f"flash sale: {FLASH_SHOPPERS} shoppers, {FLASH_SEATS} seats, 3 instances", answers
        )
        sold_out = sum(1 for a in answers if a.status == 409 and a.error == invariants.SOLD_OUT)
        held = seats_held(self.engine, event)
        ok = sum(1 for a in answers if a.status == 200)
        if (ok, sold_out, held) != (FLASH_SEATS, FLASH_SHOPPERS - FLASH_SEATS, FLASH_SEATS):
            others = Counter(f"{a.status} {a.error}" for a in answers if a.status not in (200, 409))
            row.violations.append(
                f"{ok} x 200, {sold_out} clean 409s, {held} seats held; others: {dict(others)}"
            )
        row.notes.append(f"{held} seats held, {sold_out} clean 409s")
        return row

    def loaded(
        self, name: str, fault: Callable[[], str], after: Callable[[], None]
    ) -> tuple[Row, float]:
        """Shoppers for `seconds`; the fault a third of the way in; `after` once they stop."""
        sessions = self.carts(
            int(self.shoppers * self.seconds * 8) + 200, self.catalog.shopper_cart
        )
        load = Load(self.fleet.shop_url, sessions, self.shoppers).start()
        began = time.monotonic()
        time.sleep(self.seconds / 3)  # steady load before the fault
        fault_at = time.time()
        note = fault()
        fault_done = time.time()
        time.sleep(max(self.seconds / 3, self.seconds - (time.monotonic() - began)))
        row = Row(name, load.stop(), notes=[note])
        after()
        failed = [a for a in row.answers if a.status != 200]
        if failed:
            row.recovery = max(0.0, max(a.ended for a in failed) - fault_at)
        if not any(a.status == 200 and a.started > fault_done for a in row.answers):
            row.violations.append("no checkout succeeded after the fault")
        return row, fault_done

    def kill_app(self) -> Row:
        row, killed_at = self.loaded(
            KILL_APP,
            lambda: faults.kill_app(self.fleet),
            lambda: faults.restart_app(self.fleet),
        )
        failed = [a for a in row.answers if a.status != 200]
        late = [a for a in failed if a.started > killed_at]
        in_flight = [a for a in failed if a.started <= killed_at and not a.from_app]
        waited = [a for a in failed if a.error == "Request in progress"]
        cut_off = sum(1 for a in in_flight if a.cut_off)
        row.notes.append(
            f"{len(in_flight)} in flight on the killed instance lost ("
            f"{len(in_flight) - cut_off} nginx 503, {cut_off} cut off mid-body)"
        )
        row.notes.append(
            f"{len(waited)} retries of those waited for the lost request's checkout lock "
            "(409 Request in progress)"
        )
        row.violations += [
            f"{a.status} {a.error!r} for a request sent after the kill" for a in late
        ]
        return row

    def redis_fault(self, name: str, fault: Callable[[], str]) -> Row:
        carts = write_carts(self.fleet.shop_url, self.catalog.courses[0], 20)
        caught_up = faults.replica_caught_up(self.fleet)
        row, _ = self.loaded(name, fault, lambda: None)
        settled = faults.settle(self.fleet)
        row.notes.append(f"old primary demoted {settled:.1f} s later")
        kept = carts_present(self.fleet.shop_url, carts)
        row.notes.append(
            f"replica caught up before: {'yes' if caught_up else 'no'}; "
            f"{kept}/{len(carts)} carts written before are still there"
        )
        lost = sum(1 for a in row.answers if a.status == 404)
        if lost:
            row.notes.append(
                f"{lost} checkouts found no cart (404): carts the old primary took in the "
                "failover window were lost when it became a replica"
            )
        if caught_up and kept != len(carts):
            row.violations.append(f"{len(carts) - kept} replicated carts lost")
        return row

    def run(self) -> list[Row]:
        self.sim.set_latency(STRIPE_LATENCY_MS)
        started = time.time()
        self.rows = [
            self.flash_sale(),
            rate_limit_fleet_wide(self.fleet, self.carts(1, self.catalog.shopper_cart)[0]),
            idempotency_across_instances(self.fleet, self.catalog),
            self.kill_app(),
            self.redis_fault(
                "Redis SENTINEL FAILOVER", lambda: faults.sentinel_failover(self.fleet)
            ),
            self.redis_fault(
                "Redis kill -9 of the primary", lambda: faults.kill_redis_primary(self.fleet)
            ),
            self.loaded(
                "PgBouncer PAUSE / RESUME",
                lambda: faults.pgbouncer_pause(self.fleet, self.seconds / 3),
                lambda: None,
            )[0],
            self.loaded(
                "PostgreSQL restart behind PgBouncer",
                lambda: faults.restart_postgres(self.fleet),
                lambda: None,
            )[0],
        ]
        self.rows.append(self.final_checks(started))
        self.engine.dispose()
        return self.rows

    def final_checks(self, since: float) -> Row:
        answers = [a for row in self.rows for a in row.answers]
        row = Row("invariants over every answer above", [])
        row.violations += invariants.contract_violations(answers)
        row.violations += invariants.cut_off_violations(
            a for r in self.rows if r.fault != KILL_APP for a in r.answers
        )
        unknown = invariants.unknown_fate(answers)
        row.violations += invariants.order_violations(self.engine, answers, unknown, since)
        row.violations += invariants.seat_violations(self.engine)
        orphans = invariants.orphan_sessions(self.engine, self.sim, since)
        outcomes = Counter(o["outcome"] for o in json.loads(self.fleet.cli("expire-stale-orders")))
        swept = ", ".join(f"{n} {outcome}" for outcome, n in sorted(outcomes.items())) or "none"
        left = invariants.orphan_sessions(self.engine, self.sim, since)
        row.violations += [f"Checkout Session {s} is open and matches no order" for s in left]
        row.notes.append(
            f"{len(answers)} answers, {unknown} of unknown fate; {len(orphans)} open Checkout "
            f"Sessions without an order, {len(left)} left after expire-stale-orders ({swept})"
        )
        return row


def run_drill(root: Path, short: bool) -> int:
    """`make fleet-drill`: a fleet of its own, the drill, the table; 1 on any violation."""
    shutil.rmtree(root, ignore_errors=True)  # a fleet of its own, from scratch
    fleet = Fleet(root, settings=DRILL_SETTINGS)
    try:
        fleet.start()
        catalog = seed_catalog(fleet.direct_url)
        rows = Drill(fleet, catalog, *(SHORT if short else FULL)).run()
    finally:
        fleet.stop()  # the logs stay in `root` until the next drill
    print(markdown(rows))
    violations = [(row.fault, v) for row in rows for v in row.violations]
    for fault, violation in violations:
        print(f"VIOLATION {fault}: {violation}")
    print(f"{len(violations)} invariant violations")
    return 1 if violations else 0
