"""The simulator keeps quiet about each request unless asked (--access-log)."""

from __future__ import annotations

import logging

import pytest
import requests

from checkout_app.stripe_sim import SimServer


@pytest.mark.parametrize("access_log", [False, True])
def test_access_log_only_when_asked(caplog, access_log):
    caplog.set_level(logging.INFO, logger="werkzeug")
    with SimServer(access_log=access_log) as server, requests.Session() as http:
        # One keep-alive connection: the second answer comes after the first request's log line.
        assert http.get(f"{server.url}/_sim/health", timeout=5).ok
        assert http.get(f"{server.url}/_sim/health?again", timeout=5).ok
    first = [r for r in caplog.records if "/_sim/health " in r.getMessage()]
    assert bool(first) is access_log
