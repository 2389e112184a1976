"""An outage logs one WARNING when a backend goes away and one INFO when it is back.

Before, with Redis down the rate limiter logged a full traceback for every request (about
40,000 lines in a 10 s outage) and every 503 logged its own WARNING.
"""

from __future__ import annotations

import logging
import time

from ..helpers import add_to_cart


def test_redis_outage_logs_one_warning_then_one_info(make_app, own_redis, catalog, caplog):
    client = make_app(REDIS_URL=own_redis.url).test_client()
    assert add_to_cart(client, "course", catalog.course).status_code == 201
    caplog.set_level(logging.INFO)
    own_redis.stop()
    statuses = [add_to_cart(client, "course", catalog.course_b).status_code for _ in range(20)]
    statuses += [client.get("/api/cart").status_code for _ in range(20)]
    assert set(statuses) == {503}

    warnings = [r for r in caplog.records if r.levelno >= logging.WARNING]
    assert [r for r in caplog.records if r.exc_info] == []  # no tracebacks
    assert sorted(r.getMessage().split(",")[0][:40] for r in warnings) == [
        "rate limits count in memory: Redis unrea",  # once per process
        "redis unreachable",
    ]
    assert warnings[-1].getMessage().startswith("redis unreachable, answering 503")

    own_redis.start()
    deadline = time.monotonic() + 15
    while not any(r.getMessage().startswith("redis is back") for r in caplog.records):
        assert time.monotonic() < deadline, "no INFO when Redis came back"
        time.sleep(0.05)
    assert add_to_cart(client, "course", catalog.course_b).status_code == 201
