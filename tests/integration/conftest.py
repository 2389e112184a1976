"""Fixtures of the integration tests: the app behind a real HTTP server, and backends of a
test's own (to stop, freeze or restart without touching the shared ones)."""

from __future__ import annotations

import threading
from collections.abc import Iterator

import pytest
from alembic import command
from werkzeug.serving import WSGIRequestHandler, make_server

from ..conftest import WEBHOOK_SECRET, alembic_config
from ..servers import ThrowawayPostgres, ThrowawayRedis


class QuietHandler(WSGIRequestHandler):
    def log_request(self, *args: object) -> None:
        pass


@pytest.fixture
def served(app, sim) -> Iterator[str]:
    """The test app behind a real threaded HTTP server; the simulator's webhooks go to it."""
    server = make_server("127.0.0.1", 0, app, threaded=True, request_handler=QuietHandler)
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    url = f"http://127.0.0.1:{server.server_port}"
    sim.set_webhook(f"{url}/api/webhooks/stripe", WEBHOOK_SECRET)
    yield url
    sim.set_webhook(None)
    server.shutdown()
    thread.join()


@pytest.fixture
def own_redis(tmp_path) -> Iterator[ThrowawayRedis]:
    """A Redis server of the test's own, started; closed after the test."""
    server = ThrowawayRedis(tmp_path)
    server.start()
    yield server
    server.close()


@pytest.fixture
def own_postgres(tmp_path_factory) -> Iterator[ThrowawayPostgres]:
    """A PostgreSQL server of the test's own, migrated to head; closed after the test."""
    server = ThrowawayPostgres(tmp_path_factory.mktemp("pg"))
    command.upgrade(alembic_config(server.url), "head")
    yield server
    server.close()
