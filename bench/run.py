"""`python -m bench`: the whole benchmark, or `--quick` for CI's correctness smoke test."""

from __future__ import annotations

import argparse
import subprocess
import sys
import time
from pathlib import Path

import psutil
from sqlalchemy import create_engine, text

from . import load, report, scenarios
from .profile import Profile, record, summarise
from .seed import Catalog, seed_catalog
from .sqlcount import SqlCount, count_checkouts
from .stack import OUT, ROOT, ServerSettings, Stack

CART_SIZES = (1, 10, 50)
MAX_STATEMENTS = 10
PROFILE_SECONDS = 12


def parse(argv: list[str] | None) -> argparse.Namespace:
    parser = argparse.ArgumentParser(prog="python -m bench", description=__doc__)
    parser.add_argument("--quick", action="store_true", help="a few seconds per scenario")
    parser.add_argument(
        "--stripe-latency-ms",
        type=int,
        default=300,
        help="latency the simulator adds in the slow-Stripe and flash-sale scenarios "
        "(the steady scenario always runs at 0)",
    )
    parser.add_argument("--seconds", type=float, help="measured seconds of (a) and (b)")
    parser.add_argument("--scenarios", default="abc", help="which of a, b, c to run")
    parser.add_argument("--workers", type=int, default=2, help="WEB_CONCURRENCY")
    parser.add_argument("--threads", type=int, default=64, help="GUNICORN_THREADS")
    parser.add_argument("--db-pool-size", type=int, default=32, help="DB_POOL_SIZE")
    parser.add_argument("--db-max-overflow", type=int, default=0, help="DB_MAX_OVERFLOW")
    parser.add_argument("--no-profile", action="store_true")
    parser.add_argument(
        "--fleet",
        action="store_true",
        help="(a) and (c) on one host, then through nginx + PgBouncer + Sentinel (make fleet)",
    )
    parser.add_argument("--output", type=Path, default=ROOT / "BENCHMARKS.md")
    return parser.parse_args(argv)


def profile_app(
    stack: Stack, catalog: Catalog, scenario: scenarios.Scenario, seconds: float
) -> dict[str, Profile]:
    """Record the app's workers under `scenario`'s load: wall time first, then CPU."""
    profiles: dict[str, Profile] = {}
    for wall, name in ((True, "wall time (--idle)"), (False, "CPU (--gil)")):
        output = OUT / f"py-spy-{'wall' if wall else 'cpu'}.txt"
        count = int(scenario.shoppers * seconds * 10)
        sessions = scenarios.sessions_for(stack, catalog, count, start=10**6 * (1 + wall))
        spy = record(stack.pid("app"), seconds - 2, output, wall)
        load.closed_loop(stack.urls["app"], sessions, scenario.shoppers, seconds)
        spy.wait(timeout=30)
        profiles[f"{scenario.label}, {name}"] = summarise(output)
    return profiles


def targets(results: list[scenarios.Result], sql: list[SqlCount]) -> list[tuple[str, bool, str]]:
    """Issue 6's targets: (name, met, what was measured)."""
    by = {(r.scenario.key, r.server): r for r in results}
    out = []
    counts = {c.lines: c.statements for c in sql}
    same = len(set(counts.values())) == 1
    out.append(
        (
            f"statements per checkout the same for 1/10/50 lines and <= {MAX_STATEMENTS}",
            same and max(counts.values()) <= MAX_STATEMENTS,
            ", ".join(f"{n} lines: {c}" for n, c in counts.items()),
        )
    )
    if ("a", "app") in by and ("a", "baseline") in by:
        app, base = by["a", "app"].run, by["a", "baseline"].run
        ratio = app.percentile(50) / base.percentile(50)
        out.append(("(a) p50 <= 2x baseline p50", ratio <= 2, f"{ratio:.2f}x"))
        share = app.per_second / base.per_second
        out.append(("(a) throughput >= 0.5x baseline", share >= 0.5, f"{share:.2f}x"))
    if ("b", "app") in by:
        b = by["b", "app"]
        out.append(("(b) >= 150 checkouts/s", b.run.per_second >= 150, f"{b.run.per_second:.1f}"))
        p99 = b.run.percentile(99)
        out.append(("(b) p99 <= 1.5 s", p99 <= 1.5, f"{p99:.3f} s"))
        errors = len(b.run.answers) - b.run.ok
        out.append(("(b) zero errors", errors == 0, str(errors)))
    if ("c", "app") in by:
        c = by["c", "app"]
        out.append(
            (
                f"(c) exactly {c.scenario.seats} seats held, the other shoppers a clean 409",
                not c.failures,
                (c.failures and "; ".join(c.failures))
                or f"{c.seats_held} seats, {c.run.count(409)} x 409",
            )
        )
        rps = c.run.requests_per_second
        out.append(("(c) >= 100 requests/s", rps >= 100, f"{rps:.1f}"))
    return out


def versions(stack: Stack) -> dict[str, str]:
    engine = create_engine(stack.database_url)
    with engine.connect() as conn:
        pg = conn.scalar(text("SHOW server_version"))
    engine.dispose()
    redis_version = stack.redis.info("server").get("redis_version", "?")
    spy = subprocess.run(
        [str(Path(sys.executable).with_name("py-spy")), "--version"],
        capture_output=True,
        text=True,
        check=False,
    ).stdout.strip()
    return {"postgresql": pg, "redis": redis_version, "profiler": spy}


def print_tables(
    results: list[scenarios.Result],
    sql: list[SqlCount],
    met: list[tuple[str, bool, str]],
    quick: bool,
) -> None:
    print()
    print(report.text_table(report.HEADER, report.rows(results)))
    print("\n".join(report.notes(results)))
    print(report.text_table(report.SQL_HEADER, report.sql_rows(sql)))
    print()
    print(report.text_table(report.CPU_HEADER, report.cpu_rows(results)))
    print()
    print("targets" + (" (speed is reported, never asserted, in --quick)" if quick else ""))
    for name, ok, got in met:
        print(f"  {'met   ' if ok else 'missed'}  {name}: {got}")


def main(argv: list[str] | None = None) -> int:
    args = parse(argv)
    seconds = args.seconds or (3.0 if args.quick else 20.0)
    if args.fleet:
        from .fleet.compare import main as compare_fleet

        return compare_fleet(seconds)
    warmup = 1.0 if args.quick else 3.0
    chosen = [
        s
        for s in scenarios.scenarios(seconds, warmup, args.stripe_latency_ms)
        if s.key in args.scenarios
    ]
    settings = ServerSettings(args.workers, args.threads, args.db_pool_size, args.db_max_overflow)
    idle_before = 100 - psutil.cpu_percent(interval=1)
    started = time.monotonic()
    with Stack(settings) as stack:
        sim = stack.start_simulator()
        catalog = seed_catalog(stack.database_url)
        sql = count_checkouts(stack, {n: catalog.cart(n) for n in CART_SIZES})
        stack.start_gunicorn("app", "wsgi:app")
        stack.start_gunicorn("baseline", "bench.baseline_app:app")
        engine = create_engine(stack.database_url, pool_size=2)
        results = []
        for scenario in chosen:
            sim.set_latency(scenario.stripe_latency_ms)
            for server in ("app", "baseline"):
                print(f"{scenario.label}: {server} ...", flush=True)
                results.append(scenarios.run(stack, engine, catalog, server, scenario))
        profiles = {}
        if not (args.quick or args.no_profile):
            all_three = scenarios.scenarios(PROFILE_SECONDS, 0, args.stripe_latency_ms)
            slow = next(s for s in all_three if s.key == "b")
            sim.set_latency(slow.stripe_latency_ms)
            profiles = profile_app(stack, catalog, slow, PROFILE_SECONDS)
        env = report.environment(versions(stack))
        engine.dispose()
    env["CPU idle in the second before the run"] = f"{idle_before:.0f}%"
    env["bench wall time"] = f"{time.monotonic() - started:.0f} s"
    met = targets(results, sql)
    print_tables(results, sql, met, args.quick)
    if not args.quick:
        rendered = report.markdown(report.Report(settings, results, sql, profiles, env, met))
        report.write(args.output, rendered)
        print(f"\nwritten to {args.output}")
    failures = [(r, f) for r in results for f in r.failures]
    for result, failure in failures:
        print(f"FAILED {result.scenario.label} {result.server}: {failure}", file=sys.stderr)
    failed = len({(r.scenario.key, r.server) for r, _ in failures})
    print(f"correctness: {len(results) - failed} passed, {failed} failed")
    return 1 if failures else 0
