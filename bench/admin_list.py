"""`make bench-admin`: the back office's order list on 200,000 seeded orders (BENCHMARKS.md).

Seeds the orders with one SQL statement in the run's own database (dropped at the end), logs a
staff member in, and times whole pages through the app (session check, query, template):
the first page, 20 pages deep, and each kind of search. Prints page percentiles per case, the
service call's median, and the EXPLAIN ANALYZE time and index of the statement the page sent;
exits non-zero when a case's median page is over --budget-ms.
"""

from __future__ import annotations

import argparse
import re
import statistics
import sys
import time
from collections.abc import Callable
from datetime import UTC, datetime, timedelta
from urllib.parse import parse_qsl, urlsplit

from sqlalchemy import Engine, create_engine, event, text
from werkzeug.datastructures import MultiDict

from bench.stack import ServerSettings, Stack
from checkout_app import create_app
from checkout_app.admin.forms import decode_cursor, order_filter
from checkout_app.db.order_search import Cursor, OrderFilter
from checkout_app.domain.staff import StaffRole
from checkout_app.services import backoffice
from checkout_app.services.shop import Shop
from checkout_app.services.staff import create_staff

PASSWORD = "bench password for the back office"
NEXT = re.compile(r'rel="next" href="([^"]+)"')
# A year of orders: one customer in ten repeats, most orders completed.
SEED = text(
    """
    INSERT INTO orders (customer_email, status, subtotal, tax, total_amount, currency,
                        stripe_checkout_session_id, stripe_payment_intent_id, created_at)
    SELECT 'customer' || (n % (:orders / 10)) || '@example.com',
           (ARRAY['completed','completed','completed','pending','cancelled','refunded'])[1 + n % 6]
               ::order_status,
           49.00, 0, 49.00, 'usd',
           'cs_test_bench_' || n,
           CASE WHEN n % 6 IN (0, 1, 2, 5) THEN 'pi_bench_' || n END,
           now() - make_interval(secs => n * (31536000.0 / :orders))
      FROM generate_series(1, :orders) AS n"""
)


def _timed(get: Callable[[], str], runs: int, cpu: list[float] | None = None) -> list[float]:
    """Wall-clock ms per call; with `cpu`, also this process's CPU ms per call (the app runs
    in-process, so that is its own cost, whatever else the machine is doing)."""
    times = []
    for _ in range(runs):
        start, start_cpu = time.perf_counter(), time.process_time()
        get()
        times.append((time.perf_counter() - start) * 1000)
        if cpu is not None:
            cpu.append((time.process_time() - start_cpu) * 1000)
    return times


def main(argv: list[str] | None = None) -> int:
    """Seed, measure, print, clean up."""
    parser = argparse.ArgumentParser(prog="python -m bench.admin_list", description=__doc__)
    parser.add_argument("--orders", type=int, default=200_000)
    parser.add_argument("--runs", type=int, default=30, help="timed requests per case")
    parser.add_argument("--budget-ms", type=float, default=50.0)
    args = parser.parse_args(argv)
    with Stack(ServerSettings(1, 1, 2, 0)) as stack:
        engine = create_engine(stack.database_url)
        start = time.perf_counter()
        with engine.begin() as conn:
            conn.execute(SEED, {"orders": args.orders})
        with engine.connect().execution_options(isolation_level="AUTOCOMMIT") as conn:
            conn.execute(text("VACUUM ANALYZE orders"))
        print(f"seeded {args.orders:,} orders in {time.perf_counter() - start:.1f} s")
        app = create_app(
            {
                "APP_ENV": "test",
                "DATABASE_URL": stack.database_url,
                "REDIS_URL": stack.redis_url,
                "REDIS_KEY_PREFIX": stack.prefix,
                "RATE_LIMIT_ADMIN_LOGIN": "1000/minute",
            }
        )
        app.config["WTF_CSRF_ENABLED"] = False  # the login form is posted without its page
        create_staff(app.extensions["checkout"], "bench@example.com", StaffRole.SUPPORT, PASSWORD)
        client = app.test_client()
        login = client.post(
            "/admin/login", data={"email": "bench@example.com", "password": PASSWORD}
        )
        assert login.status_code == 303, login.status_code

        def page(url: str) -> str:
            res = client.get(url)
            assert res.status_code == 200, (url, res.status_code)
            return res.get_data(as_text=True)

        deep = "/admin/orders"
        for _ in range(20):
            deep = NEXT.search(page(deep)).group(1).replace("&amp;", "&")
        middle = args.orders // 2
        month = [(datetime.now(UTC) - timedelta(days=d)).date() for d in (180, 150)]
        cases = {
            "first page": "/admin/orders",
            "page 21 (keyset)": deep,
            "email (any case)": "/admin/orders?q=Customer42@Example.com",
            "status=pending": "/admin/orders?status=pending",
            "status + 30 days": f"/admin/orders?status=completed&from={month[0]}&to={month[1]}",
            "order id": f"/admin/orders?q={scalar(engine, 'SELECT id FROM orders LIMIT 1')}",
            "payment intent": f"/admin/orders?q=pi_bench_{middle - middle % 6}",
            "checkout session": f"/admin/orders?q=cs_test_bench_{middle}",
        }
        shop = app.extensions["checkout"]
        print(
            f"\n{'case':<20}{'page p50':>9}{'p95':>7}{'max':>7}{'CPU p50':>8}"
            f"{'query p50':>11}{'SQL':>7}  plan"
        )
        slow = []
        for name, url in cases.items():
            page(url)  # warm
            cpu: list[float] = []
            times = sorted(_timed(lambda url=url: page(url), args.runs, cpu))
            p50, p95 = statistics.median(times), times[int(len(times) * 0.95) - 1]
            query = urlsplit(url).query
            args_of = MultiDict(parse_qsl(query))
            wanted, after = order_filter(args_of), decode_cursor(args_of.get("after", ""))
            queries = sorted(
                _timed(lambda w=wanted, a=after: str(backoffice.find_orders(shop, w, a)), args.runs)
            )
            sql_ms, node = _plan(shop, wanted, after)
            print(
                f"{name:<20}{p50:>9.1f}{p95:>7.1f}{times[-1]:>7.1f}{statistics.median(cpu):>8.1f}"
                f"{statistics.median(queries):>11.1f}{sql_ms:>7.2f}  {node}"
            )
            if p50 > args.budget_ms:
                slow.append(name)
        app.extensions["checkout"].session_factory.kw["bind"].dispose()
        engine.dispose()
    if slow:
        print(f"\nover {args.budget_ms:.0f} ms at the median: {', '.join(slow)}")
        return 1
    print(f"\nevery case under {args.budget_ms:.0f} ms at the median")
    return 0


def _plan(shop: Shop, wanted: OrderFilter, after: Cursor | None) -> tuple[float, str]:
    """EXPLAIN ANALYZE of the page's statement: execution ms and the index it scans."""
    statements: list[tuple[str, object]] = []
    engine = shop.session_factory.kw["bind"]

    def record(conn, cursor, statement, parameters, *rest) -> None:
        statements.append((statement, parameters))

    event.listen(engine, "before_cursor_execute", record)
    try:
        backoffice.find_orders(shop, wanted, after)
    finally:
        event.remove(engine, "before_cursor_execute", record)
    statement, parameters = next(s for s in statements if "FROM orders" in s[0])
    with engine.connect() as conn:
        cursor = conn.connection.dbapi_connection.cursor()
        cursor.execute("EXPLAIN (ANALYZE, FORMAT JSON) " + statement, parameters)
        plan = cursor.fetchone()[0][0]
    node, scans = plan["Plan"], []
    while node:
        if "Index Name" in node:
            scans.append(f"{node['Node Type']} {node['Index Name']}")
        node = (node.get("Plans") or [None])[0]
    return plan["Execution Time"], ", ".join(scans) or "no index"


def scalar(engine: Engine, sql: str) -> object:
    """One value from the database."""
    with engine.connect() as conn:
        return conn.execute(text(sql)).scalar_one()


if __name__ == "__main__":
    sys.exit(main())
