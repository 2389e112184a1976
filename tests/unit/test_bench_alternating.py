"""The bench's one-shopper probe takes turns between the servers (bench/load.py): both are timed
under the same conditions however the machine's speed drifts."""

from __future__ import annotations

import threading
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer

from bench import load


def _server(name: str, arrivals: list[str]) -> ThreadingHTTPServer:
    class Handler(BaseHTTPRequestHandler):
        protocol_version = "HTTP/1.1"

        def do_POST(self) -> None:
            self.rfile.read(int(self.headers["Content-Length"]))
            arrivals.append(f"{name}:{self.headers['Cookie']}")
            self.send_response(200)
            self.send_header("Content-Length", "0")
            self.end_headers()

        def log_message(self, *args: object) -> None:
            pass

    server = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
    threading.Thread(target=server.serve_forever, daemon=True).start()
    return server


def test_one_shopper_takes_turns_until_a_server_runs_out_of_sessions():
    arrivals: list[str] = []
    servers = [_server("app", arrivals), _server("baseline", arrivals)]
    try:
        urls = [f"http://127.0.0.1:{s.server_address[1]}" for s in servers]
        app_runs, baseline_runs = load.alternating(
            [(urls[0], ["a1", "a2", "a3"]), (urls[1], ["b1", "b2", "b3", "b4"])], seconds=30
        )
    finally:
        for server in servers:
            server.shutdown()
            server.server_close()
    assert arrivals == [
        f"{name}:session_id={sid}"
        for pair in zip(("a1", "a2", "a3"), ("b1", "b2", "b3"), strict=True)
        for name, sid in zip(("app", "baseline"), pair, strict=True)
    ]
    assert [a.status for a in app_runs.answers] == [200] * 3
    assert [a.status for a in baseline_runs.answers] == [200] * 3
    assert baseline_runs.sessions_left == 1
