"""The hosted payment page: what it shows, Pay and Cancel, and sessions no longer open."""

import requests
import stripe

from checkout_app.stripe_sim import SimServer
from checkout_app.stripe_sim.control import SimControl

from .helpers import session_params


def create(client: stripe.StripeClient, **overrides: object) -> stripe.checkout.Session:
    return client.v1.checkout.sessions.create(params=session_params(**overrides))


def test_page_shows_amount_lines_and_email(client: stripe.StripeClient) -> None:
    session = create(client, customer_email="<b>buyer</b>@example.com")

    page = requests.get(session.url, timeout=5)

    assert page.status_code == 200
    assert page.headers["Content-Type"].startswith("text/html")
    assert "Pay 113.00 USD" in page.text
    assert "Mug &times; 2" in page.text and "98.00 USD" in page.text
    assert "Poster &times; 1" in page.text and "15.00 USD" in page.text
    assert "&lt;b&gt;buyer&lt;/b&gt;@example.com" in page.text
    assert f'action="/c/pay/{session.id}/pay"' in page.text
    assert f'action="/c/pay/{session.id}/cancel"' in page.text
    assert '<p class="shop">Course Shop</p>' in page.text
    assert '<a class="back" href="https://shop.test/cart">Back to Course Shop</a>' in page.text
    assert page.headers["Cache-Control"] == "no-store"  # Back after paying shows the outcome


def test_pay_completes_and_redirects_to_success_url(
    client: stripe.StripeClient, sim_server: SimServer
) -> None:
    session = create(client)

    answer = requests.post(f"{session.url}/pay", allow_redirects=False, timeout=5)

    assert answer.status_code == 303
    assert answer.headers["Location"] == f"https://shop.test/success?session_id={session.id}"
    paid = client.v1.checkout.sessions.retrieve(session.id)
    assert (paid.status, paid.payment_status) == ("complete", "paid")
    assert paid.payment_intent.startswith("pi_")
    page = requests.get(session.url, timeout=5)
    assert "This Checkout Session is complete: payment paid." in page.text
    assert 'action="/c/pay/' not in page.text
    success = f"https://shop.test/success?session_id={session.id}"
    assert f'<a class="back" href="{success}">See your order at Course Shop</a>' in page.text


def test_cancel_expires_and_redirects_to_cancel_url(client: stripe.StripeClient) -> None:
    session = create(client)

    answer = requests.post(f"{session.url}/cancel", allow_redirects=False, timeout=5)

    assert answer.status_code == 303
    assert answer.headers["Location"] == "https://shop.test/cart"
    assert client.v1.checkout.sessions.retrieve(session.id).status == "expired"
    page = requests.get(session.url, timeout=5).text
    assert "This Checkout Session has expired: nothing was charged." in page
    assert '<a class="back" href="https://shop.test/cart">Back to Course Shop</a>' in page


def test_cancel_without_cancel_url_shows_the_expired_page(client: stripe.StripeClient) -> None:
    params = session_params()
    del params["cancel_url"]
    session = client.v1.checkout.sessions.create(params=params)

    answer = requests.post(f"{session.url}/cancel", allow_redirects=False, timeout=5)

    assert answer.status_code == 200
    assert "has expired" in answer.text


def test_pay_or_cancel_a_closed_session_is_409(
    client: stripe.StripeClient, sim: SimControl
) -> None:
    session = create(client)
    sim.expire(session.id)

    for action in ("pay", "cancel"):
        answer = requests.post(f"{session.url}/{action}", allow_redirects=False, timeout=5)
        assert answer.status_code == 409
        assert "This Checkout Session has expired: nothing was charged." in answer.text
    assert client.v1.checkout.sessions.retrieve(session.id).payment_status == "unpaid"


def test_unknown_session_page_is_404(sim_server: SimServer) -> None:
    for answer in (
        requests.get(f"{sim_server.url}/c/pay/cs_test_nope", timeout=5),
        requests.post(f"{sim_server.url}/c/pay/cs_test_nope/pay", timeout=5),
    ):
        assert answer.status_code == 404
        assert "No such Checkout Session" in answer.text


def test_an_unknown_session_links_to_the_shop_its_webhooks_go_to() -> None:
    with SimServer(
        webhook_url="http://shop.test:5000/api/webhooks/stripe", webhook_secret="s"
    ) as sim:
        page = requests.get(f"{sim.url}/c/pay/cs_test_nope", timeout=5).text

    assert '<a class="back" href="http://shop.test:5000/">Back to Course Shop</a>' in page
