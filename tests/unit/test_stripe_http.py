"""The Stripe HTTP client reads proxy settings once, at start, not on every call."""

from __future__ import annotations

from checkout_app.adapters.stripe_http import RequestsWithoutEnvironment, proxies_for


def test_the_environments_proxy_is_used_for_stripe(monkeypatch):
    monkeypatch.setenv("HTTPS_PROXY", "http://proxy.internal:3128")
    monkeypatch.delenv("NO_PROXY", raising=False)
    monkeypatch.delenv("no_proxy", raising=False)
    assert proxies_for(None)["https"] == "http://proxy.internal:3128"


def test_no_proxy_covering_the_api_host_means_no_proxy(monkeypatch):
    monkeypatch.setenv("HTTPS_PROXY", "http://proxy.internal:3128")
    monkeypatch.setenv("NO_PROXY", "127.0.0.1,localhost")
    assert proxies_for("http://127.0.0.1:12111") == {}
    assert proxies_for(None) != {}


def test_sessions_do_not_read_the_environment_per_request():
    session = RequestsWithoutEnvironment().Session()
    assert session.trust_env is False
    assert RequestsWithoutEnvironment().exceptions.Timeout.__name__ == "Timeout"
