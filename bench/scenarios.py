"""The three scenarios of issue 6, and one run of a scenario against one server."""

from __future__ import annotations

import contextlib
import math
import time
from collections import Counter
from collections.abc import Callable
from dataclasses import dataclass, field

import psutil
from sqlalchemy import Engine, func, select, text

from checkout_app.db.models import Order
from checkout_app.domain.cart import CartKey, CartLine, new_session_id
from checkout_app.domain.enums import ItemType

from . import load
from .procs import Counters, Sampler, Usage, cpu_of, listening_pid, reaped_cpu
from .seed import Catalog, add_event, seats_held, seed_carts
from .stack import Stack

SOLD_OUT = "Some items in your cart are no longer available"
WARMUP_SESSIONS_PER_SHOPPER = 40


@dataclass(frozen=True)
class Scenario:
    key: str
    name: str
    shoppers: int
    stripe_latency_ms: int
    seconds: float | None  # None: a flash sale, one checkout per shopper, all at once
    warmup_seconds: float = 0.0
    seats: int | None = None
    unloaded_probe: bool = False  # also time checkouts of a single shopper (no queueing)

    @property
    def label(self) -> str:
        return f"({self.key}) {self.name}"


@dataclass
class Result:
    scenario: Scenario
    server: str
    run: load.Run
    usage: Usage
    failures: list[str] = field(default_factory=list)
    seats_held: int | None = None
    notes: list[str] = field(default_factory=list)
    new_connections: int = 0  # PostgreSQL sessions opened on the run's database meanwhile
    alone: load.Run | None = None  # the unloaded probe: one shopper alone, after the load
    alone_usage: Usage | None = None  # CPU of the processes during the unloaded probe
    # A flash sale: the seats held after each round; a round's Stripe calls.
    seats_per_round: list[int] = field(default_factory=list)
    stripe_calls: Counter[str] = field(default_factory=Counter)


# The processes whose CPU per checkout the unloaded probe reports: with one shopper nothing
# queues, so this is what a checkout's own work costs them, without the contention of a load.
ALONE_PARTS = ("gunicorn", "postgres")


def scenarios(seconds: float, warmup: float, slow_ms: int) -> list[Scenario]:
    """(a) steady, (b) slow Stripe, (c) flash sale."""
    return [
        Scenario("a", "steady", 50, 0, seconds, warmup, unloaded_probe=True),
        Scenario("b", "slow Stripe", 100, slow_ms, seconds, warmup),
        Scenario("c", "flash sale", 100, slow_ms, None, seats=40),
    ]


def sessions_for(stack: Stack, catalog: Catalog | None, count: int, start: int = 0) -> list[str]:
    """Seeded carts for the app; bare session ids for the baseline, which reads no cart."""
    if catalog is None:
        return [new_session_id(stack.secret_key) for _ in range(count)]
    carts = [catalog.shopper_cart(start + n) for n in range(count)]
    return seed_carts(stack.redis, stack.prefix, carts, stack.secret_key)


def _orders(engine: Engine) -> int:
    with engine.connect() as conn:
        return conn.scalar(select(func.count()).select_from(Order))


def _parts(stack: Stack, server: str, engine: Engine) -> dict[str, Callable[[], Counters]]:
    """Where a scenario's CPU time goes, by part."""

    def gunicorn() -> Counters:
        master = psutil.Process(stack.pid(server))
        return cpu_of([master, *master.children()])

    redis_port = stack.redis.connection_pool.connection_kwargs.get("port")
    redis_pid = listening_pid(redis_port) if redis_port else None
    return {
        "gunicorn": gunicorn,
        "stripe_sim": lambda: cpu_of([psutil.Process(stack.pid("stripe_sim"))]),
        "postgres": lambda: _postgres(engine, stack.database),
        "redis": lambda: cpu_of([psutil.Process(redis_pid)]) if redis_pid else {},
        "load_generator": lambda: cpu_of([psutil.Process()]),
    }


def _postgres(engine: Engine, database: str) -> Counters:
    """The run's database backends, and every backend that exited (reaped by the postmaster)."""
    with engine.connect() as conn:
        pids = conn.scalars(
            text(
                "SELECT pid FROM pg_stat_activity WHERE datname = :db AND pid <> pg_backend_pid()"
            ),
            {"db": database},
        ).all()
    backends = []
    for pid in pids:
        with contextlib.suppress(psutil.Error):
            backends.append(psutil.Process(pid))
    postmaster = None
    with contextlib.suppress(psutil.Error, IndexError):
        postmaster = backends[0].parent()
    return {**cpu_of(backends), **(reaped_cpu(postmaster) if postmaster else {})}


def new_connections(engine: Engine, database: str) -> int:
    """Sessions PostgreSQL has opened on the database so far (statistics lag up to ~1 s)."""
    with engine.connect() as conn:
        return conn.scalar(
            text("SELECT sessions FROM pg_stat_database WHERE datname = :db"), {"db": database}
        )


SERVERS = ("app", "baseline")
FLASH_ROUNDS = 3


@dataclass
class _Seeded:
    """A server's carts for one scenario, used in turn by its slices."""

    url: str
    sessions: list[str]
    used: int = 0


def _seed(stack: Stack, catalog: Catalog, server: str, scenario: Scenario) -> _Seeded:
    """Warm the server up, then seed carts for the whole measured time."""
    cart_source = catalog if server == "app" else None
    url = stack.urls[server]
    warm = load.closed_loop(
        url,
        sessions_for(stack, cart_source, scenario.shoppers * WARMUP_SESSIONS_PER_SHOPPER),
        scenario.shoppers,
        scenario.warmup_seconds,
    )
    expected_rate = max(warm.requests_per_second, 50.0)
    count = math.ceil(expected_rate * (scenario.seconds or 0) * 2.5) + scenario.shoppers
    return _Seeded(url, sessions_for(stack, cart_source, count, start=len(warm.answers)))


def run(
    stack: Stack, engine: Engine, catalog: Catalog, scenario: Scenario, slices: int
) -> dict[str, Result]:
    """The scenario against the app and the baseline, checked; the app's answers against the
    database. A timed scenario runs in `slices` turns, the app's then the baseline's, and a
    flash sale in FLASH_ROUNDS rounds, each with an event of its own, so that both servers
    meet the same machine speed (it drifts by up to 2x within minutes here): each server's
    figures are over all its turns or rounds."""
    stack.sim.clear_requests()  # the simulator logs every request; keep it small
    if scenario.seconds is None:
        rounds = _in_turns(
            FLASH_ROUNDS, lambda server, n: _flash(stack, engine, server, scenario, n)
        )
        return {server: _flash_combined(rounds[server]) for server in SERVERS}
    seeded = {server: _seed(stack, catalog, server, scenario) for server in SERVERS}
    turns = _in_turns(
        slices, lambda server, _: _turn(stack, engine, server, scenario, seeded[server], slices)
    )
    return {server: _combined(turns[server], seeded[server]) for server in SERVERS}


def _in_turns(count: int, one: Callable[[str, int], Result]) -> dict[str, list[Result]]:
    """`one(server, n)` for n in range(count), the app's then the baseline's each time."""
    turns: dict[str, list[Result]] = {server: [] for server in SERVERS}
    for number in range(count):
        for server in SERVERS:
            turns[server].append(one(server, number))
    return turns


def _turn(
    stack: Stack, engine: Engine, server: str, scenario: Scenario, seeded: _Seeded, slices: int
) -> Result:
    """One slice of the scenario's time against one server."""
    sessions = seeded.sessions[seeded.used :]
    orders_before = _orders(engine)
    result = _measure(
        stack,
        engine,
        server,
        scenario,
        lambda: load.closed_loop(
            seeded.url, sessions, scenario.shoppers, (scenario.seconds or 0) / slices
        ),
    )
    seeded.used += len(sessions) - result.run.sessions_left
    if server == "app" and (written := _orders(engine) - orders_before) != result.run.ok:
        result.failures.append(
            f"{result.run.ok} checkouts answered 200 but {written} orders written"
        )
    return result


def _combined(turns: list[Result], seeded: _Seeded) -> Result:
    """One server's turns as one result; every answer that is not a 200 is a failure."""
    result = _added(turns, len(seeded.sessions) - seeded.used)
    measured = result.run
    for status, n in sorted(measured.statuses().items()):
        if status != 200:
            sample = next(a.error for a in measured.answers if a.status == status)
            result.failures.append(f"{n} answers with status {status} (e.g. {sample!r})")
    if measured.sessions_left == 0:
        # Not wrong, only shorter: the rate is still answers over the time they took.
        result.notes.append(f"used all {len(seeded.sessions)} seeded carts")
    return result


def _added(turns: list[Result], sessions_left: int) -> Result:
    """Turns as one result: answers, time, CPU, new connections and failures added up, the
    peak RSS of each worker the highest."""
    first = turns[0]
    measured = load.Run(
        [a for t in turns for a in t.run.answers], sum(t.run.elapsed for t in turns), sessions_left
    )
    usage = Usage(wall_seconds=sum(t.usage.wall_seconds for t in turns))
    for turn in turns:
        for name, seconds in turn.usage.cpu_seconds.items():
            usage.cpu_seconds[name] = usage.cpu_seconds.get(name, 0.0) + seconds
        for pid, rss in turn.usage.peak_rss.items():
            usage.peak_rss[pid] = max(rss, usage.peak_rss.get(pid, 0))
    result = Result(first.scenario, first.server, measured, usage)
    result.new_connections = sum(t.new_connections for t in turns)
    result.failures = [f for t in turns for f in t.failures]
    return result


def probe_alone(
    stack: Stack, engine: Engine, catalog: Catalog, results: dict[str, Result], seconds: float
) -> None:
    """One shopper alone (no queueing), taking turns between the servers of `results` (app and
    baseline), one checkout each per turn: the machine's speed drifts by up to 2x within
    minutes here, and timed one after the other the two were measured at different speeds.
    Each result gets its Run and its processes' CPU (the baseline has no PostgreSQL: its
    sampler reads gunicorn alone, so the app's backends are not billed to it)."""
    servers = list(results)
    sessions = {
        server: sessions_for(stack, catalog if server == "app" else None, 600, start=10**6)
        for server in servers
    }
    samplers = {}
    for server in servers:
        parts = _parts(stack, server, engine)
        wanted = ALONE_PARTS if server == "app" else ("gunicorn",)
        samplers[server] = Sampler(stack.pid(server), {k: parts[k] for k in wanted}).start()
    runs = load.alternating([(stack.urls[s], sessions[s]) for s in servers], seconds)
    for server, alone in zip(servers, runs, strict=True):
        result = results[server]
        result.alone, result.alone_usage = alone, samplers[server].stop()
        ok = alone.ok or 1
        cpu = {k: 1000 * result.alone_usage.cpu_seconds.get(k, 0.0) / ok for k in ALONE_PARTS}
        result.notes.append(
            f"1 shopper alone (no queueing, taking turns with the "
            f"{' and '.join(s for s in servers if s != server)}): "
            f"p50 {alone.percentile(50) * 1000:.1f} ms, "
            f"p99 {alone.percentile(99) * 1000:.1f} ms over {len(alone.answers)} checkouts; "
            "CPU per checkout: " + ", ".join(f"{k} {v:.1f} ms" for k, v in cpu.items())
        )


def _measure(
    stack: Stack, engine: Engine, server: str, scenario: Scenario, drive: Callable[[], load.Run]
) -> Result:
    """Run the load with CPU, RSS and new database connections measured around it."""
    connections = new_connections(engine, stack.database)
    sampler = Sampler(stack.pid(server), _parts(stack, server, engine)).start()
    measured = drive()
    result = Result(scenario, server, measured, sampler.stop())
    result.new_connections = new_connections(engine, stack.database) - connections
    return result


def _settle(engine: Engine, seconds: float = 10) -> None:
    """Vacuum what the earlier scenarios wrote and wait for autovacuum workers to leave, so that
    none starts or exits during a one-second flash sale and bills its work to it."""
    with engine.connect().execution_options(isolation_level="AUTOCOMMIT") as conn:
        conn.execute(text("VACUUM (ANALYZE) orders, order_items, bookings, events"))
        deadline = time.monotonic() + seconds
        while time.monotonic() < deadline and conn.scalar(
            text("SELECT count(*) FROM pg_stat_activity WHERE backend_type = 'autovacuum worker'")
        ):
            time.sleep(0.2)
    time.sleep(0.5)  # a worker that just left is reaped by the postmaster


def _stripe_calls(stack: Stack) -> Counter[str]:
    """What the simulator received since it was cleared: session creates and expires."""
    return Counter(
        "expire" if r["path"].endswith("/expire") else "create"
        for r in stack.sim.requests()
        if r["method"] == "POST"
    )


def _flash(stack: Stack, engine: Engine, server: str, scenario: Scenario, number: int) -> Result:
    """One round of the flash sale against one server: an event of its own for the app."""
    seats = scenario.seats or 0
    event_id = None
    if server == "app":
        name = f"flash-{stack.run_id}-{scenario.key}-{number}"
        event_id = add_event(stack.database_url, seats, name)
        line = CartLine(CartKey(ItemType.EVENT, event_id), 1)
        sessions = seed_carts(
            stack.redis, stack.prefix, [[line]] * scenario.shoppers, stack.secret_key
        )
    else:
        sessions = [new_session_id(stack.secret_key) for _ in range(scenario.shoppers)]
    _settle(engine)
    stack.sim.clear_requests()
    result = _measure(
        stack, engine, server, scenario, lambda: load.all_at_once(stack.urls[server], sessions)
    )
    result.stripe_calls = _stripe_calls(stack)
    measured = result.run
    statuses = measured.statuses()
    label = f"round {number + 1}: "
    if event_id is None:
        if statuses != {200: scenario.shoppers}:
            result.failures.append(
                f"{label}expected {scenario.shoppers} x 200, got {dict(statuses)}"
            )
        return result
    result.seats_held = seats_held(engine, event_id)
    result.seats_per_round = [result.seats_held]
    sold_out = sum(1 for a in measured.answers if a.status == 409 and a.error == SOLD_OUT)
    expected = {200: seats, 409: scenario.shoppers - seats}
    if result.seats_held != seats:
        result.failures.append(f"{label}{result.seats_held} seats held, expected exactly {seats}")
    if statuses != expected or sold_out != expected[409]:
        result.failures.append(
            f"{label}expected {expected} with {SOLD_OUT!r}, got {dict(statuses)}"
            f" ({sold_out} clean 409s)"
        )
    return result


def _flash_combined(rounds: list[Result]) -> Result:
    """A server's flash-sale rounds as one result, with the Stripe calls and the latency of
    each status over all rounds."""
    result = _added(rounds, 0)
    calls = sum((r.stripe_calls for r in rounds), Counter())
    result.notes.append(
        f"{len(rounds)} rounds; Stripe calls: {calls['create']} creates, {calls['expire']} expires"
    )
    if rounds[0].seats_held is not None:
        result.seats_per_round = [held for r in rounds for held in r.seats_per_round]
        result.seats_held = sum(result.seats_per_round)
    measured = result.run
    statuses = measured.statuses()
    for status in sorted(statuses):
        part = load.Run([a for a in measured.answers if a.status == status], measured.elapsed)
        result.notes.append(
            f"{statuses[status]} x {status}: p50 {part.percentile(50) * 1000:.0f} ms, "
            f"slowest {max(a.seconds for a in part.answers) * 1000:.0f} ms"
        )
    return result
