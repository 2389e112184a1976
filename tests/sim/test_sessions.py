"""Checkout Session endpoints driven through the real stripe SDK."""

import time

import pytest
import stripe

from checkout_app.stripe_sim import SimServer, create_sim_app
from checkout_app.stripe_sim.control import SimControl

from .helpers import line, session_params


def test_create_returns_a_checkout_session(
    client: stripe.StripeClient, sim_server: SimServer
) -> None:
    before = int(time.time())

    session = client.v1.checkout.sessions.create(params=session_params())

    assert session.object == "checkout.session"
    assert session.id.startswith("cs_test_") and len(session.id) == len("cs_test_") + 58
    assert session.url == f"{sim_server.url}/c/pay/{session.id}"
    assert (session.status, session.payment_status, session.mode) == ("open", "unpaid", "payment")
    assert session.amount_subtotal == session.amount_total == 2 * 4900 + 1500
    assert session.currency == "usd"
    assert session.client_reference_id == "order-42"
    assert session.metadata.to_dict() == {"orderId": "42"}
    assert session.customer_email == "buyer@example.com"
    assert session.success_url == "https://shop.test/success?session_id={CHECKOUT_SESSION_ID}"
    assert session.cancel_url == "https://shop.test/cart"
    assert before <= session.created <= int(time.time())
    assert session.expires_at == session.created + 24 * 3600
    assert session.payment_intent is None
    assert session.livemode is False
    assert session.last_response.headers["Request-Id"].startswith("req_")


def test_optional_fields_default(client: stripe.StripeClient) -> None:
    params = session_params(
        metadata=None, client_reference_id=None, cancel_url=None, customer_email=None
    )

    session = client.v1.checkout.sessions.create(params=params)

    assert session.metadata.to_dict() == {}
    assert session.client_reference_id is None
    assert session.cancel_url is None
    assert session.customer_email is None


def test_given_expires_at_is_kept(client: stripe.StripeClient) -> None:
    expires_at = int(time.time()) + 3600

    session = client.v1.checkout.sessions.create(params=session_params(expires_at=expires_at))

    assert session.expires_at == expires_at


def test_public_base_url_is_used_for_the_session_url() -> None:

    app = create_sim_app(public_base_url="https://pay.example.test/")
    answer = app.test_client().post(
        "/v1/checkout/sessions",
        data={"mode": "setup", "success_url": "https://shop.test/ok"},
        headers={"Authorization": "Bearer sk_test_x"},
    )

    session = answer.get_json()
    assert answer.status_code == 200
    assert session["url"] == f"https://pay.example.test/c/pay/{session['id']}"
    assert session["amount_total"] is None


def test_retrieve_returns_the_stored_session(client: stripe.StripeClient) -> None:
    created = client.v1.checkout.sessions.create(params=session_params())

    fetched = client.v1.checkout.sessions.retrieve(created.id)

    assert fetched.to_dict() == created.to_dict()


def test_retrieve_unknown_id_raises_resource_missing(client: stripe.StripeClient) -> None:
    with pytest.raises(stripe.InvalidRequestError) as caught:
        client.v1.checkout.sessions.retrieve("cs_test_nope")

    assert caught.value.http_status == 404
    assert caught.value.code == "resource_missing"
    assert caught.value.param == "session"
    assert caught.value.user_message == "No such checkout.session: 'cs_test_nope'"


def test_line_items_lists_the_decoded_lines(client: stripe.StripeClient) -> None:
    session = client.v1.checkout.sessions.create(params=session_params())

    items = client.v1.checkout.sessions.line_items.list(session.id)

    assert items.has_more is False
    assert [
        (item.description, item.quantity, item.amount_total, item.price.unit_amount)
        for item in items.data
    ] == [("Mug", 2, 9800, 4900), ("Poster", 1, 1500, 1500)]
    assert {item.currency for item in items.data} == {"usd"}


def test_expire_an_open_session_once(client: stripe.StripeClient, sim: SimControl) -> None:
    session = client.v1.checkout.sessions.create(params=session_params())

    expired = client.v1.checkout.sessions.expire(session.id)

    assert expired.status == "expired"
    assert client.v1.checkout.sessions.retrieve(session.id).status == "expired"
    assert [stored["status"] for stored in sim.sessions()] == ["expired"]
    with pytest.raises(stripe.InvalidRequestError, match=r'status in \["open"\]'):
        client.v1.checkout.sessions.expire(session.id)


@pytest.mark.parametrize(
    ("overrides", "param", "code"),
    [
        (
            {"line_items": [line(unit_amount="49.00")]},
            "line_items[0][price_data][unit_amount]",
            "parameter_invalid_integer",
        ),
        (
            {"line_items": [line(unit_amount=-1)]},
            "line_items[0][price_data][unit_amount]",
            "parameter_invalid_integer",
        ),
        (
            {"line_items": [line(quantity=0)]},
            "line_items[0][quantity]",
            "parameter_invalid_integer",
        ),
        (
            {"line_items": [line(name="")]},
            "line_items[0][price_data][product_data][name]",
            "parameter_invalid_empty",
        ),
        ({"line_items": None}, "line_items", "parameter_missing"),
        ({"line_items": []}, "line_items", "parameter_missing"),
        ({"mode": None}, "mode", "parameter_missing"),
        ({"success_url": None}, "success_url", "parameter_missing"),
        ({"success_url": "/relative"}, "success_url", "url_invalid"),
        ({"cancel_url": "ftp://shop.test"}, "cancel_url", "url_invalid"),
        ({"coupon": "X"}, "coupon", "parameter_unknown"),
        (
            {"line_items": [{"quantity": 1, "price": "price_1"}]},
            "line_items[0][price]",
            "parameter_unknown",
        ),
    ],
)
def test_invalid_params_are_rejected(
    client: stripe.StripeClient, sim: SimControl, overrides: dict, param: str, code: str
) -> None:
    with pytest.raises(stripe.InvalidRequestError) as caught:
        client.v1.checkout.sessions.create(params=session_params(**overrides))

    assert (caught.value.http_status, caught.value.param, caught.value.code) == (400, param, code)
    assert caught.value.headers["Request-Id"].startswith("req_")
    assert sim.sessions() == []


@pytest.mark.parametrize(
    ("overrides", "param"),
    [
        ({"mode": "donation"}, "mode"),
        (
            {"line_items": [line(currency="usd"), line(currency="eur")]},
            "line_items[1][price_data][currency]",
        ),
        ({"line_items": [line(currency="USD")]}, "line_items[0][price_data][currency]"),
        ({"expires_at": int(time.time()) + 600}, "expires_at"),
        ({"expires_at": int(time.time()) + 25 * 3600}, "expires_at"),
        ({"client_reference_id": "x" * 201}, "client_reference_id"),
        ({"customer_email": "not-an-email"}, "customer_email"),
        ({"metadata": {"k" * 41: "v"}}, "metadata[" + "k" * 41 + "]"),
        ({"metadata": {"note": "v" * 501}}, "metadata[note]"),
        ({"metadata": {f"key{index}": "v" for index in range(51)}}, "metadata"),
    ],
)
def test_invalid_values_name_the_param(
    client: stripe.StripeClient, overrides: dict, param: str
) -> None:
    with pytest.raises(stripe.InvalidRequestError) as caught:
        client.v1.checkout.sessions.create(params=session_params(**overrides))

    assert caught.value.http_status == 400
    assert caught.value.param == param


def test_accepted_optional_params(client: stripe.StripeClient) -> None:
    params = session_params(
        payment_method_types=["card"],
        locale="fr",
        currency="usd",
        payment_intent_data={"description": "Order 42", "metadata": {"orderId": "42"}},
    )

    session = client.v1.checkout.sessions.create(params=params)

    assert (session.locale, session.payment_method_types) == ("fr", ["card"])
