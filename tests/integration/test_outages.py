"""Redis and PostgreSQL going away and coming back: 503 with Retry-After, then recovery."""

from __future__ import annotations

import time

from sqlalchemy import create_engine, text

from ..helpers import add_to_cart, wait_until_ok


def test_redis_restart_answers_503_then_recovers(make_app, own_redis, catalog):
    client = make_app(REDIS_URL=f"redis://127.0.0.1:{own_redis.port}/0").test_client()
    assert add_to_cart(client, "course", catalog.course).status_code == 201

    own_redis.stop()
    for res in (
        client.get("/api/cart"),
        add_to_cart(client, "course", catalog.course_b),
        client.post("/api/checkout/create-session", json={"userEmail": "a@example.com"}),
    ):
        assert res.status_code == 503
        assert res.get_json()["error"] == "Cart service unavailable"
        assert res.headers["Retry-After"] == "2"
    ready = client.get("/readyz")
    assert ready.status_code == 503
    assert ready.get_json()["checks"] == {"postgres": "ok", "redis": "unreachable"}

    restarted = time.monotonic()
    own_redis.start()
    wait_until_ok(client, "/api/cart")
    print(f"\nredis: first 200 {time.monotonic() - restarted:.3f} s after restart began")
    assert client.get("/readyz").status_code == 200
    assert add_to_cart(client, "course", catalog.course).status_code == 201


# The app's connections: client backends only. An autovacuum worker on this database shows in
# pg_stat_activity too, and the launcher starts another as soon as one is terminated.
OTHER_BACKENDS = (
    "SELECT {} FROM pg_stat_activity"
    " WHERE datname = current_database() AND backend_type = 'client backend'"
    " AND pid NOT IN (pg_backend_pid(), :keep)"
)


def test_postgres_backends_killed_recovers_without_restart(app, catalog, database_url, db):
    harness_pid = db.execute(text("SELECT pg_backend_pid()")).scalar_one()
    client = app.test_client()
    assert add_to_cart(client, "course", catalog.course).status_code == 201  # pool warmed
    admin = create_engine(database_url, isolation_level="AUTOCOMMIT")
    with admin.connect() as conn:
        terminate = text(OTHER_BACKENDS.format("count(pg_terminate_backend(pid))"))
        killed = conn.execute(terminate, {"keep": harness_pid}).scalar_one()
        assert killed >= 1
        deadline = time.monotonic() + 10
        left = text(OTHER_BACKENDS.format("count(*)"))
        while conn.execute(left, {"keep": harness_pid}).scalar_one():
            if time.monotonic() > deadline:
                still = conn.execute(
                    text(OTHER_BACKENDS.format("pid, application_name, state, query")),
                    {"keep": harness_pid},
                ).all()
                raise AssertionError(f"the terminated backends never exited: {still}")
            time.sleep(0.01)
    admin.dispose()
    started = time.monotonic()
    res = client.get("/api/cart")
    print(f"\npostgres recovery after pg_terminate_backend: {time.monotonic() - started:.3f} s")
    # The pool saw the closed sockets at checkout (no ping) and connected afresh.
    assert res.status_code == 200
    assert res.get_json()["cart"]["items"][0]["itemId"] == str(catalog.course)


def test_postgres_unreachable_answers_503_and_readyz_names_it(make_app, catalog, client):
    add_to_cart(client, "course", catalog.course)
    down = make_app(DATABASE_URL="postgresql+psycopg2://postgres@127.0.0.1:1/none").test_client()
    down.set_cookie("session_id", client.get_cookie("session_id").value)
    res = down.get("/api/cart")
    assert (res.status_code, res.get_json()["error"]) == (503, "Service temporarily unavailable")
    ready = down.get("/readyz")
    assert ready.status_code == 503
    assert ready.get_json()["error"] == "Not ready: postgres unreachable"
    assert ready.headers["Retry-After"] == "2"


def test_healthz_and_readyz(client):
    assert client.get("/healthz").get_json() == {"status": "ok"}
    ready = client.get("/readyz")
    assert ready.status_code == 200
    assert ready.get_json() == {"status": "ready", "checks": {"postgres": "ok", "redis": "ok"}}
