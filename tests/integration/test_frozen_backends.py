"""A frozen (SIGSTOPped) Redis or PostgreSQL of the test's own turns into the contract's 503.

Before every backend call was bounded, the limiter's Redis client and pooled PostgreSQL
connections waited for as long as the freeze lasted: these requests never answered.
"""

from __future__ import annotations

import threading
import time
from collections.abc import Callable
from decimal import Decimal

import pytest
from sqlalchemy import create_engine, event, text
from sqlalchemy.orm import sessionmaker

from checkout_app.db.engine import CLOCK_OFFSET, DatabaseLimits, bounded_engine, server_time
from checkout_app.db.uow import UnitOfWork
from checkout_app.errors import DatabaseUnavailable

from ..helpers import add_to_cart, insert, wait_until_ok

# Far above the configured bounds (about 1-3 s): a request still waiting by then is hung.
HUNG_AFTER_SECONDS = 12.0


def answer_of(request: Callable[[], object]) -> tuple[object, float]:
    """Run `request` in a thread; its answer and seconds taken, or fail if it hangs."""
    result: list[object] = []
    worker = threading.Thread(target=lambda: result.append(request()), daemon=True)
    started = time.monotonic()
    worker.start()
    worker.join(HUNG_AFTER_SECONDS)
    assert result, f"no answer within {HUNG_AFTER_SECONDS} s: the request hangs"
    return result[0], time.monotonic() - started


def unavailable(res, seconds: float, name: str, error: str) -> None:
    """The contract's 503 for a frozen backend, in bounded time."""
    print(f"\nfrozen {name}: {res.status_code} after {seconds:.2f} s")
    assert res.status_code == 503
    assert res.get_json()["error"] == error
    assert res.headers["Retry-After"] == "2"


def readiness_while_frozen(client, name: str) -> dict[str, str]:
    """/healthz still answers 200 and /readyz 503; the readiness checks it reports."""
    health, _ = answer_of(lambda: client.get("/healthz"))
    assert health.status_code == 200
    ready, seconds = answer_of(lambda: client.get("/readyz"))
    print(f"frozen {name}: /readyz {ready.status_code} after {seconds:.2f} s")
    assert ready.status_code == 503
    return ready.get_json()["checks"]


def test_frozen_redis_answers_503_and_health_still_answers(make_app, own_redis, catalog):
    app = make_app(REDIS_URL=own_redis.url, REDIS_SOCKET_TIMEOUT="1", REDIS_CONNECT_TIMEOUT="1")
    client = app.test_client()
    assert add_to_cart(client, "course", catalog.course).status_code == 201

    own_redis.freeze()
    try:
        for send in (
            lambda: add_to_cart(client, "course", catalog.course_b),  # limiter, then the cart
            lambda: client.get("/api/cart"),
            lambda: client.post("/api/checkout/create-session", json={"userEmail": "a@b.co"}),
        ):
            unavailable(*answer_of(send), "redis", "Cart service unavailable")
        assert readiness_while_frozen(client, "redis")["redis"] == "unreachable"
    finally:
        own_redis.thaw()
    print(f"thawed redis: cart 200 after {wait_until_ok(client, '/api/cart'):.2f} s")
    assert add_to_cart(client, "course", catalog.course_b).status_code == 201


def test_frozen_postgres_answers_503_and_health_still_answers(make_app, own_postgres):
    setup = create_engine(own_postgres.url, isolation_level="AUTOCOMMIT")
    with setup.connect() as conn:
        course = insert(conn, "courses", slug="c", title="Frozen", price=Decimal("49.00"))
    setup.dispose()
    app = make_app(
        DATABASE_URL=own_postgres.url, DB_STATEMENT_TIMEOUT_MS="1000", DB_CONNECT_TIMEOUT="1"
    )
    client = app.test_client()
    assert add_to_cart(client, "course", course).status_code == 201  # the pool is warm

    own_postgres.freeze()
    try:
        for _ in range(2):  # a pooled connection first, then a fresh one
            cart = answer_of(lambda: client.get("/api/cart"))
            unavailable(*cart, "postgres", "Service temporarily unavailable")
        checks = readiness_while_frozen(client, "postgres")
        assert checks == {"postgres": "unreachable", "redis": "ok"}
    finally:
        own_postgres.thaw()
    print(f"thawed postgres: cart 200 after {wait_until_ok(client, '/api/cart'):.2f} s")


def test_each_connection_carries_the_configured_limits(make_app):
    app = make_app(DB_STATEMENT_TIMEOUT_MS="1234", DB_LOCK_TIMEOUT_MS="567")
    engine = app.extensions["checkout"].session_factory.kw["bind"]
    with engine.connect() as conn:
        shown = [
            conn.execute(text(f"SHOW {name}")).scalar_one()
            for name in ("statement_timeout", "lock_timeout", "idle_in_transaction_session_timeout")
        ]
        dsn = conn.connection.dbapi_connection.get_dsn_parameters()
    assert shown == ["1234ms", "567ms", "10s"]
    assert (dsn["keepalives"], dsn["keepalives_idle"]) == ("1", "5")


def test_each_connection_knows_the_servers_clock(make_app):
    """The order write's deadline is sent in the server's clock: measured when connecting."""
    app = make_app()
    engine = app.extensions["checkout"].session_factory.kw["bind"]
    pooled = engine.raw_connection()
    try:
        with pooled.dbapi_connection.cursor() as cursor:
            cursor.execute("SELECT extract(epoch FROM clock_timestamp())::float8")
            (server,) = cursor.fetchone()
        assert abs(server_time(pooled.info) - server) < 0.25
        assert CLOCK_OFFSET in pooled.info
    finally:
        pooled.close()


def test_an_order_write_the_app_gave_up_on_never_commits_after_a_thaw(make_app, own_postgres, sim):
    """PostgreSQL frozen while Stripe creates the session: the write waits in the socket, the
    app answers 503, and the thawed server must not commit it afterwards (a 5xx means nothing
    changed). Before the write carried its deadline, the order appeared after the thaw."""
    setup = create_engine(own_postgres.url, isolation_level="AUTOCOMMIT")
    with setup.connect() as conn:
        course = insert(conn, "courses", slug="c", title="Frozen", price=Decimal("49.00"))
    app = make_app(
        DATABASE_URL=own_postgres.url, DB_STATEMENT_TIMEOUT_MS="1000", DB_CONNECT_TIMEOUT="1"
    )
    client = app.test_client()
    assert add_to_cart(client, "course", course).status_code == 201  # the pool is warm
    sim.fail("slow", count=1, delay_ms=2000, path="/v1/checkout/sessions", method="POST")
    answer: list[object] = []
    checkout = threading.Thread(
        target=lambda: answer.append(
            client.post("/api/checkout/create-session", json={"userEmail": "a@b.co"})
        )
    )
    checkout.start()
    wait_for(setup, HAS_READ)  # the read is done, the write comes once Stripe answers
    own_postgres.freeze()
    try:
        checkout.join(HUNG_AFTER_SECONDS)
        (res,) = answer
        assert res.status_code == 503, res.get_data(as_text=True)
    finally:
        own_postgres.thaw()
    with setup.connect() as conn:
        wait_until_none(conn, BUSY_WITH_THE_WRITE)
        assert conn.execute(text("SELECT count(*) FROM orders")).scalar_one() == 0
    setup.dispose()


# A backend other than ours still at (or about to finish) the checkout's write.
BUSY_WITH_THE_WRITE = (
    "SELECT count(*) FROM pg_stat_activity WHERE pid <> pg_backend_pid()"
    " AND query LIKE '%checkout_place_order%' AND state <> 'idle'"
)


# The app's connection has sent the checkout's read (pg_stat_activity keeps an idle
# connection's last query).
HAS_READ = (
    "SELECT count(*) FROM pg_stat_activity WHERE pid <> pg_backend_pid()"
    " AND query LIKE '%checkout_read%'"
)


def wait_until_none(conn, query: str) -> None:
    """Poll a count until it is 0 (a thawed backend finishing what it was sent)."""
    deadline = time.monotonic() + 10
    while conn.execute(text(query)).scalar_one():
        assert time.monotonic() < deadline, f"still not 0 after 10 s: {query}"
        time.sleep(0.05)


def wait_for(engine, query: str) -> None:
    deadline = time.monotonic() + 10
    with engine.connect() as conn:
        while not conn.execute(text(query)).scalar_one():
            assert time.monotonic() < deadline, f"never true: {query}"
            time.sleep(0.02)


def test_a_cart_write_the_app_gave_up_on_never_lands_after_a_thaw(
    make_app, own_redis, catalog, database_url
):
    """Redis frozen with the cart's write in its socket: the app answers 503, and the thawed
    server must not apply the write afterwards (a 5xx means nothing changed), or the shopper
    who adds the seat again ends up with two."""
    app = make_app(REDIS_URL=own_redis.url, REDIS_SOCKET_TIMEOUT="1", REDIS_CONNECT_TIMEOUT="1")
    client = app.test_client()
    assert add_to_cart(client, "event", catalog.event, 1).status_code == 201
    locker = create_engine(database_url).connect()
    try:
        # The add prices the cart from PostgreSQL between its Redis read and its Redis write:
        # held there, Redis is frozen, then the write goes out.
        locker.execute(text("LOCK TABLE events IN ACCESS EXCLUSIVE MODE"))
        answer: list[object] = []
        adding = threading.Thread(
            target=lambda: answer.append(add_to_cart(client, "event", catalog.event, 1))
        )
        adding.start()
        wait_for(locker.engine, WAITING_FOR_EVENTS)
        own_redis.freeze()
        locker.commit()
        adding.join(HUNG_AFTER_SECONDS)
    finally:
        own_redis.thaw()
        locker.close()
        locker.engine.dispose()
    (res,) = answer
    assert res.status_code == 503, res.get_data(as_text=True)
    lines = client.get("/api/cart").get_json()["cart"]["items"]
    assert [(i["itemType"], i["quantity"]) for i in lines] == [("event", 1)]


# Another backend waits for a lock (the app's catalog read, on the locked events table).
WAITING_FOR_EVENTS = (
    "SELECT count(*) FROM pg_stat_activity"
    " WHERE pid <> pg_backend_pid() AND wait_event_type = 'Lock'"
)


def test_a_stepped_clock_costs_a_cart_write_one_more_round_trip_not_an_error(
    make_app, catalog, caplog
):
    """Refused as late while the app still waited: our idea of Redis' clock was wrong (here
    ten seconds behind); it is measured again and the write goes through."""
    app = make_app()
    client = app.test_client()
    assert add_to_cart(client, "event", catalog.event, 1).status_code == 201
    clock = app.extensions["checkout"].carts.clock
    clock.measure()
    right = clock._offset
    clock._offset = right - 10
    assert add_to_cart(client, "event", catalog.event, 1).status_code == 201
    assert abs(clock._offset - right) < 0.25
    assert "past its deadline" in caplog.text
    lines = client.get("/api/cart").get_json()["cart"]["items"]
    assert [(i["itemType"], i["quantity"]) for i in lines] == [("event", 2)]


def test_a_transaction_the_app_gave_up_on_never_commits_after_a_thaw(own_postgres):
    """The COMMIT of a unit of work reaches a frozen server; the app gives up (503), and the
    thawed server must roll back instead of committing (migration 0012). Before, it committed:
    a refund recorded after staff were told it failed."""
    engine = bounded_engine(own_postgres.url, DatabaseLimits(statement_ms=500), 2, 0)
    with UnitOfWork(sessionmaker(engine)) as uow:  # a warm pool, its clock measured
        uow.session.execute(text("SELECT 1"))
    event.listen(engine, "commit", lambda conn: own_postgres.freeze(), once=True)
    try:
        with pytest.raises(DatabaseUnavailable), UnitOfWork(sessionmaker(engine)) as uow:
            insert(uow.session, "courses", slug="late", title="Late", price=Decimal("1.00"))
            uow.commit()
    finally:
        own_postgres.thaw()
    check = create_engine(own_postgres.url, isolation_level="AUTOCOMMIT")
    with check.connect() as conn:
        wait_until_none(conn, BUSY_COMMITTING)
        assert conn.execute(text("SELECT count(*) FROM courses")).scalar_one() == 0
        assert conn.execute(text("SELECT count(*) FROM commit_deadlines")).scalar_one() == 0
    check.dispose()
    engine.dispose()


def test_a_unit_of_work_in_time_commits_and_leaves_no_deadline_behind(own_postgres):
    engine = bounded_engine(own_postgres.url, DatabaseLimits(statement_ms=500), 2, 0)
    with UnitOfWork(sessionmaker(engine)) as uow:
        insert(uow.session, "courses", slug="ok", title="In time", price=Decimal("1.00"))
        uow.commit()
    with engine.connect() as conn:
        assert conn.execute(text("SELECT count(*) FROM courses")).scalar_one() == 1
        assert conn.execute(text("SELECT count(*) FROM commit_deadlines")).scalar_one() == 0
    engine.dispose()


# A backend other than ours still busy (the thawed one finishing the COMMIT it was sent).
BUSY_COMMITTING = (
    "SELECT count(*) FROM pg_stat_activity WHERE pid <> pg_backend_pid()"
    " AND backend_type = 'client backend' AND state = 'active'"
)


def test_a_stepped_database_clock_costs_one_commit_not_every_commit(database_url, db):
    """A COMMIT refused as late while we still waited means the connection's clock offset is
    wrong (a clock was stepped): that connection is replaced, and the next one measures again.
    A pool of one, so a kept connection would refuse every later commit too."""
    engine = bounded_engine(database_url, DatabaseLimits(statement_ms=500), 1, 0)
    factory = sessionmaker(engine)
    with UnitOfWork(factory) as uow:
        uow.session.connection().connection.info[CLOCK_OFFSET] -= 10  # 10 s behind the server
    with pytest.raises(DatabaseUnavailable), UnitOfWork(factory) as uow:
        insert(uow.session, "courses", slug="stepped-1", title="Late", price=Decimal("1.00"))
        uow.commit()
    with UnitOfWork(factory) as uow:
        insert(uow.session, "courses", slug="stepped-2", title="In time", price=Decimal("1.00"))
        uow.commit()
    slugs = db.execute(text("SELECT slug FROM courses WHERE slug LIKE 'stepped-%'")).scalars()
    assert list(slugs) == ["stepped-2"]
    engine.dispose()
