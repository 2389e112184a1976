"""A Checkout Session without a url is as good as none: 503 and no order, never sessionUrl ""."""

from __future__ import annotations

import json
import threading
from collections.abc import Iterator

import pytest
from werkzeug.serving import make_server
from werkzeug.wrappers import Request, Response

from ..helpers import add_to_cart, count_rows

CREATE = "/api/checkout/create-session"


@Request.application
def stripe_without_url(request: Request) -> Response:
    """Stripe's wire format at the HTTP boundary, answering every create without a url."""
    session = {
        "id": "cs_test_no_url",
        "object": "checkout.session",
        "url": "",
        "status": "open",
        "payment_status": "unpaid",
        "amount_total": 4900,
        "currency": "usd",
        "metadata": {},
    }
    return Response(json.dumps(session), mimetype="application/json")


@pytest.fixture
def stripe_url() -> Iterator[str]:
    server = make_server("127.0.0.1", 0, stripe_without_url, threaded=True)
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    yield f"http://127.0.0.1:{server.server_port}"
    server.shutdown()
    server.server_close()


def test_empty_url_is_payment_unavailable(make_app, catalog, db, stripe_url):
    client = make_app(STRIPE_API_BASE=stripe_url).test_client()
    add_to_cart(client, "course", catalog.course)

    res = client.post(CREATE, json={"userEmail": "ann@example.com"})

    assert res.status_code == 503
    assert res.get_json()["error"] == "Payment system error. Please try again later."
    assert res.headers["Retry-After"].isdigit()
    assert count_rows(db)["orders"] == 0
