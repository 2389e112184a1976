"""`python -m bench --fleet`: the steady and flash-sale scenarios on one host, then through the
fleet (nginx + 3 instances + PgBouncer + Sentinel), with the same gunicorn threads in all.

Both run on this machine's cores, so the ceiling is the CPU: the ratios say what the real
topology costs (the extra hops and processes), the absolute figures say little.
"""

from __future__ import annotations

import shutil
import time
from collections.abc import Callable
from dataclasses import dataclass, field

import psycopg2
import redis

from bench import load
from bench.report import text_table
from bench.seed import Catalog, add_event, seed_carts, seed_catalog
from bench.stack import ServerSettings, Stack
from checkout_app.domain.cart import CartKey, CartLine
from checkout_app.domain.enums import ItemType
from checkout_app.extensions import redis_client
from checkout_app.stripe_sim.control import SimControl

from . import faults
from .topology import DATABASE, ROOT, Fleet

INSTANCES, THREADS = 3, 16
UNLIMITED = {
    "RATE_LIMIT_CHECKOUT": "1000000/minute",
    "RATE_LIMIT_CART": "1000000/minute",
    "RATE_LIMIT_IP_FACTOR": "1",
    "SEAT_HOLD_LIMIT": "1000000",  # all load comes from 127.0.0.1
}
SHOPPERS, SEATS, FLASH_SHOPPERS, FLASH_LATENCY_MS = 50, 40, 100, 300


@dataclass
class Figures:
    steady: load.Run
    flash: load.Run
    failures: list[str]
    per_checkout: dict[str, float] = field(default_factory=dict)  # the fleet's, in (a)


def fleet_counters(fleet: Fleet) -> dict[str, float]:
    """Cumulative counters of the fleet's engines: Redis commands on the primary, PgBouncer's
    transactions, queries and server time (microseconds) for the app's database."""
    primary = redis.Redis(port=faults.primary_port(fleet), socket_timeout=5)
    counters = {"Redis commands": float(primary.info("stats")["total_commands_processed"])}
    admin = psycopg2.connect(
        host="127.0.0.1", port=fleet.ports["pgbouncer"], dbname="pgbouncer", user="pgbouncer"
    )
    admin.autocommit = True
    with admin.cursor() as cursor:
        cursor.execute("SHOW STATS")
        names = [c.name for c in cursor.description]
        row = next(dict(zip(names, r, strict=True)) for r in cursor if r[0] == DATABASE)
    admin.close()
    counters["PostgreSQL transactions"] = float(row["total_xact_count"])
    counters["PostgreSQL queries"] = float(row["total_query_count"])
    counters["server connection ms"] = row["total_xact_time"] / 1000
    return counters


def _measure(
    url: str,
    sim: SimControl,
    seed: Callable[[list[list[CartLine]]], list[str]],
    catalog: Catalog,
    new_event: Callable[[], object],
    seconds: float,
    counters: Callable[[], dict[str, float]] = dict,
) -> Figures:
    """(a) steady for `seconds` at no Stripe latency, (c) a flash sale at 300 ms."""
    failures = []
    sim.set_latency(0)
    load.closed_loop(url, seed([catalog.shopper_cart(n) for n in range(2000)]), SHOPPERS, 1.0)
    sessions = seed([catalog.shopper_cart(n) for n in range(int(seconds * 400) + SHOPPERS)])
    before = counters()
    steady = load.closed_loop(url, sessions, SHOPPERS, seconds)
    after = counters()
    per_checkout = {k: (after[k] - before[k]) / max(steady.ok, 1) for k in after}
    if steady.ok != len(steady.answers):
        failures.append(f"steady: {dict(steady.statuses())}")
    sim.set_latency(FLASH_LATENCY_MS)
    line = [CartLine(CartKey(ItemType.EVENT, new_event()), 1)]
    flash = load.all_at_once(url, seed([line] * FLASH_SHOPPERS))
    if dict(flash.statuses()) != {200: SEATS, 409: FLASH_SHOPPERS - SEATS}:
        failures.append(f"flash sale: {dict(flash.statuses())}")
    return Figures(steady, flash, failures, per_checkout)


def one_host(seconds: float) -> Figures:
    settings = ServerSettings(INSTANCES, THREADS, THREADS // 2, THREADS - THREADS // 2)
    with Stack(settings) as stack:
        sim = stack.start_simulator()
        catalog = seed_catalog(stack.database_url)
        stack.start_gunicorn("app", "wsgi:app")

        def seed(carts: list[list[CartLine]]) -> list[str]:
            return seed_carts(stack.redis, stack.prefix, carts, stack.secret_key)

        def event() -> object:
            return add_event(stack.database_url, SEATS, f"flash-{time.time_ns()}")

        return _measure(stack.urls["app"], sim, seed, catalog, event, seconds)


def through_fleet(seconds: float) -> Figures:
    root = ROOT / "instance" / "fleet-bench"
    shutil.rmtree(root, ignore_errors=True)
    fleet = Fleet(root, threads=THREADS, settings=UNLIMITED)
    try:
        fleet.start()
        catalog = seed_catalog(fleet.direct_url)
        client = redis_client(fleet.redis_url, socket_timeout=5)

        def seed(carts: list[list[CartLine]]) -> list[str]:
            return seed_carts(client, "checkout:", carts, fleet.secret_key)

        def event() -> object:
            return add_event(fleet.direct_url, SEATS, f"flash-{time.time_ns()}")

        sim = SimControl(fleet.url("stripe_sim"), timeout=30)
        return _measure(
            fleet.shop_url, sim, seed, catalog, event, seconds, lambda: fleet_counters(fleet)
        )
    finally:
        fleet.stop()


def _row(name: str, one: float, fleet: float, unit: str) -> list[str]:
    return [name, f"{one:.1f} {unit}", f"{fleet:.1f} {unit}", f"{fleet / one:.2f}x" if one else "-"]


def main(seconds: float) -> int:
    """Both runs, the table of ratios; 1 if a correctness check failed."""
    one, fleet = one_host(seconds), through_fleet(seconds)
    header = [
        "",
        f"one host ({INSTANCES} workers x {THREADS})",
        "fleet (nginx, 3 x 1 x 16)",
        "fleet / one host",
    ]
    body = [
        _row("(a) steady: checkouts/s", one.steady.per_second, fleet.steady.per_second, "/s"),
        _row(
            "(a) steady: p50",
            one.steady.percentile(50) * 1000,
            fleet.steady.percentile(50) * 1000,
            "ms",
        ),
        _row(
            "(a) steady: p99",
            one.steady.percentile(99) * 1000,
            fleet.steady.percentile(99) * 1000,
            "ms",
        ),
        _row(
            "(c) flash sale: requests/s",
            one.flash.requests_per_second,
            fleet.flash.requests_per_second,
            "/s",
        ),
        _row(
            "(c) flash sale: p50",
            one.flash.percentile(50) * 1000,
            fleet.flash.percentile(50) * 1000,
            "ms",
        ),
    ]
    print(text_table(header, body))
    print(
        "per checkout through the fleet, (a): "
        + ", ".join(f"{name} {value:.2f}" for name, value in fleet.per_checkout.items())
    )
    failures = [f"one host {f}" for f in one.failures] + [f"fleet {f}" for f in fleet.failures]
    for failure in failures:
        print(f"FAILED {failure}")
    print(
        f"correctness: {'ok' if not failures else 'FAILED'} "
        f"(steady all 200; flash sale {SEATS} x 200 and {FLASH_SHOPPERS - SEATS} x 409)"
    )
    return 1 if failures else 0
