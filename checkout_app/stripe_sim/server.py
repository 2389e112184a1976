"""Running the simulator on a threaded werkzeug server in a background thread."""

import threading
from collections.abc import Sequence
from types import TracebackType

from flask import Flask
from werkzeug.serving import BaseWSGIServer, WSGIRequestHandler, make_server

from .app import create_sim_app
from .webhooks import RETRY_DELAYS


class KeepAliveHandler(WSGIRequestHandler):
    """Answers in HTTP/1.1, as Stripe's API does (werkzeug's default is HTTP/1.0). werkzeug 3
    still closes every connection after its answer (`Connection: close`), so clients reconnect
    for each request: real Stripe keeps connections alive."""

    protocol_version = "HTTP/1.1"


class QuietHandler(KeepAliveHandler):
    """No access log line per request (the default: the app logs its own Stripe calls)."""

    def log_request(self, code: int | str = "-", size: int | str = "-") -> None:
        return None


class SimServer:
    """The simulator served over HTTP from a daemon thread; usable as a context manager."""

    def __init__(
        self,
        host: str = "127.0.0.1",
        port: int = 0,
        latency_ms: int = 0,
        public_base_url: str | None = None,
        webhook_url: str | None = None,
        webhook_secret: str | None = None,
        webhook_retry_delays: Sequence[float] = RETRY_DELAYS,
        business_name: str = "Course Shop",
        access_log: bool = False,
    ) -> None:
        self.host = host
        self.port = port
        self.handler = KeepAliveHandler if access_log else QuietHandler
        self.app: Flask = create_sim_app(
            public_base_url,
            latency_ms,
            webhook_url,
            webhook_secret,
            webhook_retry_delays,
            business_name,
        )
        self._server: BaseWSGIServer | None = None
        self._thread: threading.Thread | None = None

    @property
    def url(self) -> str:
        """Base URL of the running server, e.g. `http://127.0.0.1:54321`."""
        if self._server is None:
            raise RuntimeError("SimServer is not running")
        return f"http://{self.host}:{self._server.server_port}"

    def start(self) -> str:
        """Bind and start serving in a daemon thread; returns the base URL."""
        if self._server is not None:
            raise RuntimeError("SimServer is already running")
        self._server = make_server(
            self.host, self.port, self.app, threaded=True, request_handler=self.handler
        )
        # Do not wait on close for handler threads still sleeping in a slow fault.
        self._server.block_on_close = False  # type: ignore[attr-defined]
        self._thread = threading.Thread(
            target=self._server.serve_forever, name="stripe-sim", daemon=True
        )
        self._thread.start()
        return self.url

    def wait(self) -> None:
        """Block until the server stops."""
        if self._thread is not None:
            self._thread.join()

    def stop(self) -> None:
        """Stop serving and release the port."""
        if self._server is None:
            return
        self.app.extensions["stripe_sim.webhooks"].close()
        self._server.shutdown()
        self._server.server_close()
        if self._thread is not None:
            self._thread.join()
        self._server = None
        self._thread = None

    def __enter__(self) -> "SimServer":
        self.start()
        return self

    def __exit__(
        self,
        exc_type: type[BaseException] | None,
        exc: BaseException | None,
        traceback: TracebackType | None,
    ) -> None:
        self.stop()
