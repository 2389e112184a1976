"""Fixtures of the integration tests that need the app behind a real HTTP server."""

from __future__ import annotations

import threading
from collections.abc import Iterator

import pytest
from werkzeug.serving import WSGIRequestHandler, make_server

from ..conftest import WEBHOOK_SECRET


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
