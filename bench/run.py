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
from .reference import REFERENCE
from .seed import Catalog, seed_catalog
from .sqlcount import SqlCount, count_checkouts
from .stack import OUT, ROOT, ServerSettings, Stack

CART_SIZES = (1, 10, 50)
MAX_PG_ROUND_TRIPS = 4  # issue 15: pings and transaction control included
MAX_REDIS_ROUND_TRIPS = 3
PROFILE_SECONDS = 12
ALONE_SECONDS = 4.0  # app and baseline, taking turns
SLICES = 4  # turns of app and baseline in (a) and (b)


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


Target = tuple[str, bool | None, str]  # (target, met, what was measured); None: not measured


def _per_checkout_ms(result: scenarios.Result, part: str) -> float:
    """CPU milliseconds of a part (gunicorn, postgres, ...) per successful checkout."""
    return 1000 * result.usage.cpu_seconds.get(part, 0.0) / (result.run.ok or 1)


def _ratio(name: str, app: float, base: float, unit: str, limit: float, at_least: bool) -> Target:
    """app/base against a limit: at least `limit` (rates) or at most (latency, CPU, memory)."""
    ratio = app / base if base else float("inf")
    fmt = {"s": ".2f", "MiB": ".0f"}.get(unit, ".1f")
    met = ratio >= limit if at_least else ratio <= limit
    return name, met, f"{app:{fmt}} / {base:{fmt}} {unit} = {ratio:.2f}x"


def _at_least(name: str, app: float, base: float, unit: str, limit: float) -> Target:
    return _ratio(name, app, base, unit, limit, at_least=True)


def _at_most(name: str, app: float, base: float, unit: str, limit: float) -> Target:
    return _ratio(name, app, base, unit, limit, at_least=False)


def targets(results: list[scenarios.Result], sql: list[SqlCount]) -> list[Target]:
    """Issue 15's targets, each against the baseline of the same run or the REFERENCE."""
    by = {(r.scenario.key, r.server): r for r in results}
    a, a_base = by.get(("a", "app")), by.get(("a", "baseline"))
    b, b_base = by.get(("b", "app")), by.get(("b", "baseline"))
    c, c_base = by.get(("c", "app")), by.get(("c", "baseline"))
    out: list[Target] = []

    def missing(name: str, what: str) -> None:
        out.append((name, None, f"not measured ({what} not run)"))

    name = "one shopper alone: p50 <= 2.0x the baseline's"
    if a and a_base and a.alone and a_base.alone:
        p50 = (1000 * a.alone.percentile(50), 1000 * a_base.alone.percentile(50))
        out.append(_at_most(name, *p50, "ms", 2.0))
    else:
        missing(name, "(a)")
    name = "(a) steady: checkouts/s >= 0.5x the baseline's"
    if a and a_base:
        out.append(_at_least(name, a.run.per_second, a_base.run.per_second, "checkouts/s", 0.5))
    else:
        missing(name, "(a)")
    name = "(b) slow Stripe: checkouts/s >= 0.7x the baseline's"
    if b and b_base:
        out.append(_at_least(name, b.run.per_second, b_base.run.per_second, "checkouts/s", 0.7))
        p99 = (b.run.percentile(99), b_base.run.percentile(99))
        out.append(_at_most("(b) slow Stripe: p99 <= 2x the baseline's", *p99, "s", 2))
    else:
        missing(name, "(b)")
        missing("(b) slow Stripe: p99 <= 2x the baseline's", "(b)")
    name = "(b) slow Stripe: zero errors"
    if b:
        errors = len(b.run.answers) - b.run.ok
        out.append((name, errors == 0, f"{errors} of {len(b.run.answers)} answers not 200"))
    else:
        missing(name, "(b)")
    seats = c.scenario.seats if c else "the"
    name = f"(c) flash sale: exactly {seats} seats held, the other shoppers a clean 409"
    if c:
        out.append(
            (
                name,
                not c.failures,
                (c.failures and "; ".join(c.failures))
                or f"{' + '.join(map(str, c.seats_per_round))} seats in"
                f" {len(c.seats_per_round)} rounds, {c.run.count(409)} x 409",
            )
        )
    else:
        missing(name, "(c)")
    name = "(c) flash sale: requests/s >= 0.8x the baseline's"
    if c and c_base:
        rps = (c.run.requests_per_second, c_base.run.requests_per_second)
        out.append(_at_least(name, *rps, "requests/s", 0.8))
    else:
        missing(name, "(c)")
    trips = {count.lines: count.round_trips for count in sql}
    out.append(
        (
            f"PostgreSQL round trips per checkout <= {MAX_PG_ROUND_TRIPS}, every cart size",
            max(trips.values()) <= MAX_PG_ROUND_TRIPS,
            ", ".join(f"{n} lines: {t}" for n, t in trips.items()),
        )
    )
    ref = REFERENCE
    name = "(a) PostgreSQL CPU per checkout <= 0.5x the reference's (bench/reference.py)"
    if a:
        pg = _per_checkout_ms(a, "postgres")
        out.append(_at_most(name, pg, ref.postgres_cpu_ms_per_checkout, "ms", 0.5))
    else:
        missing(name, "(a)")
    name = "(a) gunicorn CPU per checkout <= 2.5x the baseline's"
    if a and a_base:
        cpu = (_per_checkout_ms(a, "gunicorn"), _per_checkout_ms(a_base, "gunicorn"))
        out.append(_at_most(name, *cpu, "ms", 2.5))
    else:
        missing(name, "(a)")
    one = next((count for count in sql if count.lines == 1), None)
    if one is not None:
        out.append(
            (
                f"Redis round trips per checkout <= {MAX_REDIS_ROUND_TRIPS} (1-line cart)",
                one.redis_round_trips <= MAX_REDIS_ROUND_TRIPS,
                f"{one.redis_round_trips} ({one.redis_commands} commands)",
            )
        )
    name = "(a) peak RSS per worker <= 1.1x the reference's (bench/reference.py)"
    if a:
        rss = a.usage.peak_worker_rss_mib
        out.append(_at_most(name, rss, ref.worker_rss_mib, "MiB", 1.1))
    else:
        missing(name, "(a)")
    return out


def versions(stack: Stack) -> dict[str, str]:
    engine = create_engine(stack.database_url)
    with engine.connect() as conn:
        pg = conn.scalar(text("SHOW server_version"))
    engine.dispose()
    redis_version = stack.redis.info("server").get("redis_version", "?")
    spy_path = Path(sys.executable).with_name("py-spy")
    spy = "not installed (make bench installs it)"
    if spy_path.exists():
        argv = [str(spy_path), "--version"]
        spy = subprocess.run(argv, capture_output=True, text=True, check=False).stdout.strip()
    return {"postgresql": pg, "redis": redis_version, "profiler": spy}


def _git(*args: str) -> str:
    argv = ["git", "--no-optional-locks", "-C", str(ROOT), *args]
    return subprocess.run(argv, capture_output=True, text=True, check=False).stdout.strip()


def commit_label() -> str:
    """The short commit being measured, marked when the work tree has other changes to tracked
    files than BENCHMARKS.md (which the bench itself rewrites)."""
    commit = _git("rev-parse", "--short", "HEAD") or "?"
    changed = [
        line
        for line in _git("status", "--porcelain", "--untracked-files=no").splitlines()
        if not line.endswith("BENCHMARKS.md")
    ]
    return f"{commit} + uncommitted changes" if changed else commit


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
    one = next((count for count in sql if count.lines == 1), None)
    if one is not None:
        trips = "; ".join(" ".join(trip) for trip in one.redis_wire)
        print(f"Redis round trips of the 1-line checkout: {trips}")
    print()
    print(report.text_table(report.CPU_HEADER, report.cpu_rows(results)))
    print()
    print("targets" + (" (speed is reported, never asserted, in --quick)" if quick else ""))
    for name, ok, got in met:
        print(f"  {report.verdict(ok):6}  {name}: {got}")


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
    commit = commit_label()
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
            print(f"{scenario.label}: app and baseline ...", flush=True)
            ran = scenarios.run(stack, engine, catalog, scenario, SLICES)
            if scenario.unloaded_probe:
                print(f"{scenario.label}: one shopper alone, app and baseline ...", flush=True)
                scenarios.probe_alone(stack, engine, catalog, ran, ALONE_SECONDS)
            results.extend(ran.values())
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
        if set("abc") <= set(args.scenarios) and args.seconds is None:
            entry = report.history_entry(env, commit, report.targets_table(met))
            report.write_history(args.output, entry)
            print(f"targets added to the last {report.HISTORY_RUNS} runs in {args.output}")
        else:
            print("targets not added to the history: not a full run (--scenarios or --seconds)")
    failures = [(r, f) for r in results for f in r.failures]
    for result, failure in failures:
        print(f"FAILED {result.scenario.label} {result.server}: {failure}", file=sys.stderr)
    failed = len({(r.scenario.key, r.server) for r, _ in failures})
    print(f"correctness: {len(results) - failed} passed, {failed} failed")
    return 1 if failures else 0
