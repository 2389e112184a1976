"""`make bench-admin`: the back office's order list on 200,000 seeded orders (BENCHMARKS.md).

Seeds the orders with one SQL statement in the run's own database (dropped at the end), logs a
staff member in, and times whole pages through the app (session check, query, template):
the first page, 20 pages deep, and each kind of search. Prints percentiles per case and the
query plan of a deep page, and exits non-zero when a case's median is over --budget-ms.
"""

from __future__ import annotations

import argparse
import re
import statistics
import sys
import time
from collections.abc import Callable
from datetime import UTC, datetime, timedelta

from sqlalchemy import Engine, create_engine, text

from bench.stack import ServerSettings, Stack
from checkout_app import create_app
from checkout_app.admin.forms import decode_cursor
from checkout_app.domain.staff import StaffRole
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


def _timed(get: Callable[[], str], runs: int) -> list[float]:
    times = []
    for _ in range(runs):
        start = time.perf_counter()
        get()
        times.append((time.perf_counter() - start) * 1000)
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
        print(f"\n{'case':<22}{'p50 ms':>9}{'p95 ms':>9}{'max ms':>9}  (n={args.runs})")
        slow = []
        for name, url in cases.items():
            page(url)  # warm
            times = sorted(_timed(lambda url=url: page(url), args.runs))
            p50, p95 = statistics.median(times), times[int(len(times) * 0.95) - 1]
            print(f"{name:<22}{p50:>9.1f}{p95:>9.1f}{times[-1]:>9.1f}")
            if p50 > args.budget_ms:
                slow.append(name)
        print("\nplan of page 21:")
        after = decode_cursor(deep.split("after=")[1])
        assert after is not None
        with engine.connect() as conn:
            plan = conn.execute(
                text(
                    "EXPLAIN (ANALYZE, BUFFERS) SELECT id, customer_email, status, total_amount,"
                    " currency, created_at, needs_review FROM orders"
                    " WHERE (created_at, id) < (:c, :i) ORDER BY created_at DESC, id DESC LIMIT 51"
                ),
                {"c": after.created_at, "i": after.id},
            ).scalars()
            print("\n".join("  " + line for line in plan))
        app.extensions["checkout"].session_factory.kw["bind"].dispose()
        engine.dispose()
    if slow:
        print(f"\nover {args.budget_ms:.0f} ms at the median: {', '.join(slow)}")
        return 1
    print(f"\nevery case under {args.budget_ms:.0f} ms at the median")
    return 0


def scalar(engine: Engine, sql: str) -> object:
    """One value from the database."""
    with engine.connect() as conn:
        return conn.execute(text(sql)).scalar_one()


if __name__ == "__main__":
    sys.exit(main())
