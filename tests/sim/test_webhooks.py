"""Signed webhook events: format, signature (checked by the stripe SDK), triggers, retries."""

import json
import subprocess
import sys
import time
from collections.abc import Iterator

import pytest
import requests
import stripe

from checkout_app.stripe_sim import SimServer
from checkout_app.stripe_sim.control import SimControl
from checkout_app.stripe_sim.webhooks import signature_header

from .helpers import session_params
from .receiver import Receiver

SECRET = "whsec_test_simulator"


@pytest.fixture
def receiver(sim: SimControl) -> Iterator[Receiver]:
    """A receiver the simulator sends its events to (until the next reset)."""
    with Receiver() as running:
        sim.set_webhook(running.url, SECRET)
        yield running


def new_session(client: stripe.StripeClient) -> str:
    return client.v1.checkout.sessions.create(params=session_params()).id


def verified(delivery) -> stripe.Event:
    """The event, as the SDK accepts it (raises if the signature does not verify)."""
    return stripe.Webhook.construct_event(delivery.body.decode(), delivery.signature, SECRET)


def test_pay_sends_a_signed_completed_event(
    client: stripe.StripeClient, receiver: Receiver, sim: SimControl
) -> None:
    session_id = new_session(client)

    requests.post(f"{sim.base_url}/c/pay/{session_id}/pay", allow_redirects=False, timeout=5)

    (delivery,) = receiver.deliveries  # sent before the redirect answered
    event = verified(delivery)
    assert delivery.content_type.startswith("application/json")
    assert event.type == "checkout.session.completed"
    assert event.id.startswith("evt_") and event.object == "event"
    assert event.api_version == "2025-01-27.acacia"
    assert (event.livemode, event.pending_webhooks) == (False, 1)
    assert event.request.to_dict() == {"id": None, "idempotency_key": None}
    assert abs(event.created - time.time()) < 10
    session = event.data.object
    assert (session.id, session.status, session.payment_status) == (session_id, "complete", "paid")
    assert session.payment_intent.startswith("pi_")
    assert session.metadata["orderId"] == "42" and session.client_reference_id == "order-42"
    (record,) = sim.events()
    assert record == {
        "id": event.id,
        "type": "checkout.session.completed",
        "session_id": session_id,
        "created": event.created,
        "attempts": 1,
        "last_status": 200,
        "last_error": None,
        "delivered": True,
    }


def test_signature_matches_stripes_scheme_and_rejects_another_secret(
    client: stripe.StripeClient, receiver: Receiver, sim: SimControl
) -> None:
    sim.complete(new_session(client))
    (delivery,) = receiver.deliveries
    timestamp = int(delivery.signature.split(",")[0].removeprefix("t="))

    assert delivery.signature == signature_header(delivery.body, SECRET, timestamp)
    with pytest.raises(stripe.SignatureVerificationError):
        stripe.Webhook.construct_event(delivery.body.decode(), delivery.signature, "whsec_other")


@pytest.mark.parametrize("via", ["hosted page", "api"])
def test_cancel_and_the_expire_api_send_expired(
    client: stripe.StripeClient, receiver: Receiver, sim: SimControl, via: str
) -> None:
    session_id = new_session(client)

    if via == "hosted page":
        url = f"{sim.base_url}/c/pay/{session_id}/cancel"
        requests.post(url, allow_redirects=False, timeout=5)
    else:
        client.v1.checkout.sessions.expire(session_id, options={"idempotency_key": "k1"})
        client.v1.checkout.sessions.expire(session_id, options={"idempotency_key": "k1"})

    (delivery,) = receiver.deliveries  # an idempotent replay sends nothing new
    event = verified(delivery)
    assert (event.type, event.data.object.status) == ("checkout.session.expired", "expired")


def test_control_endpoints_trigger_each_event(
    client: stripe.StripeClient, receiver: Receiver, sim: SimControl
) -> None:
    delayed, failing, timed_out = (new_session(client) for _ in range(3))

    sim.complete(delayed, payment_status="unpaid")
    sim.settle_async(delayed, "succeeded")
    sim.complete(failing, payment_status="unpaid")
    answer = sim.settle_async(failing, "failed")
    sim.expire(timed_out)

    events = [verified(d) for d in receiver.wait_for(5)]
    seen = [(e.type, e.data.object.id, e.data.object.payment_status) for e in events]
    assert seen == [
        ("checkout.session.completed", delayed, "unpaid"),
        ("checkout.session.async_payment_succeeded", delayed, "paid"),
        ("checkout.session.completed", failing, "unpaid"),
        ("checkout.session.async_payment_failed", failing, "unpaid"),
        ("checkout.session.expired", timed_out, "unpaid"),
    ]
    assert events[0].data.object.status == "complete"
    assert answer["event"]["type"] == "checkout.session.async_payment_failed"
    assert answer["session"]["status"] == "complete"


@pytest.mark.parametrize(
    ("path", "body"),
    [
        ("complete", {"payment_status": "refunded"}),
        ("async", {"result": "maybe"}),
        ("async", {"result": "succeeded"}),  # the session is open, not awaiting a payment
    ],
)
def test_control_endpoints_refuse_bad_requests(
    client: stripe.StripeClient, sim: SimControl, path: str, body: dict[str, str]
) -> None:
    session_id = new_session(client)

    answer = requests.post(
        f"{sim.base_url}/_sim/sessions/{session_id}/{path}", json=body, timeout=5
    )

    assert answer.status_code == 400
    assert sim.events() == []


def test_unknown_session_or_event_is_404(sim: SimControl) -> None:
    assert requests.post(f"{sim.base_url}/_sim/sessions/cs_x/expire", timeout=5).status_code == 404
    assert requests.post(f"{sim.base_url}/_sim/events/evt_x/resend", timeout=5).status_code == 404


def test_without_a_webhook_url_events_are_kept_but_not_sent(
    client: stripe.StripeClient, sim: SimControl
) -> None:
    sim.complete(new_session(client))

    (record,) = sim.events()
    assert (record["attempts"], record["delivered"]) == (0, False)


def test_a_failed_delivery_is_retried_in_the_background(
    client: stripe.StripeClient, sim: SimControl
) -> None:
    with Receiver(statuses=(500,)) as receiver:
        sim.set_webhook(receiver.url, SECRET)
        answer = sim.complete(new_session(client))
        assert (answer["event"]["attempts"], answer["event"]["last_status"]) == (1, 500)

        first, second = receiver.wait_for(2, timeout=5)  # the first retry waits 1 s

    assert verified(first).id == verified(second).id
    (record,) = sim.events()
    assert (record["attempts"], record["last_status"], record["delivered"]) == (2, 200, True)


def test_connection_errors_are_recorded(client: stripe.StripeClient, sim: SimControl) -> None:
    with Receiver() as receiver:
        url = receiver.url
    sim.set_webhook(url, SECRET)  # nothing listens there any more

    answer = sim.complete(new_session(client))

    assert answer["event"]["last_status"] is None
    assert "ConnectionError" in answer["event"]["last_error"]


def test_delivery_gives_up_after_five_attempts() -> None:
    with (
        Receiver(default=503) as receiver,
        SimServer(
            webhook_url=receiver.url, webhook_secret=SECRET, webhook_retry_delays=[0.05] * 4
        ) as server,
    ):
        sim = SimControl(server.url)
        stripe_client = stripe.StripeClient("sk_test_x", base_addresses={"api": server.url})
        sim.complete(stripe_client.v1.checkout.sessions.create(params=session_params()).id)
        receiver.wait_for(5)
        time.sleep(0.3)

        assert len(receiver.deliveries) == 5
        (record,) = sim.events()
        assert (record["attempts"], record["last_status"], record["delivered"]) == (5, 503, False)


def test_resend_delivers_the_same_event_again(
    client: stripe.StripeClient, receiver: Receiver, sim: SimControl
) -> None:
    sim.complete(new_session(client))
    (record,) = sim.events()

    resent = sim.resend(record["id"])

    first, second = receiver.wait_for(2)
    assert json.loads(first.body) == json.loads(second.body)
    assert (resent["id"], resent["attempts"]) == (record["id"], 2)


def test_reset_forgets_events_and_the_webhook_url(
    client: stripe.StripeClient, receiver: Receiver, sim: SimControl
) -> None:
    sim.complete(new_session(client))
    sim.reset()

    sim.complete(new_session(client))

    assert len(receiver.deliveries) == 1
    assert [r["attempts"] for r in sim.events()] == [0]


def test_command_line_needs_a_secret_with_a_webhook_url() -> None:
    args = [sys.executable, "-m", "checkout_app.stripe_sim", "--webhook-url", "http://x/hook"]

    finished = subprocess.run(args, capture_output=True, text=True, timeout=30)

    assert finished.returncode == 2
    assert "--webhook-url needs --webhook-secret" in finished.stderr


def test_command_line_sends_events(client: stripe.StripeClient) -> None:
    with Receiver() as receiver:
        process = subprocess.Popen(
            [
                *(sys.executable, "-m", "checkout_app.stripe_sim", "--port", "0"),
                *("--webhook-url", receiver.url, "--webhook-secret", SECRET),
            ],
            stdout=subprocess.PIPE,
            stderr=subprocess.DEVNULL,
            text=True,
        )
        try:
            assert process.stdout is not None
            url = process.stdout.readline().strip()
            stripe_client = stripe.StripeClient("sk_test_x", base_addresses={"api": url})
            SimControl(url).expire(
                stripe_client.v1.checkout.sessions.create(params=session_params()).id
            )
            assert verified(receiver.wait_for(1)[0]).type == "checkout.session.expired"
        finally:
            process.terminate()
            process.wait(timeout=5)
