"""The hosted payment page a Checkout Session's `url` opens: Pay or Cancel; never a dead end."""

from __future__ import annotations

from dataclasses import dataclass
from decimal import Decimal
from typing import Any
from urllib.parse import urlsplit

from flask import Flask, Response, render_template_string

from . import lifecycle
from .state import SimState
from .webhooks import WebhookSender

PAGE = """<!doctype html>
<html lang="en"><head><meta charset="utf-8">
<meta name="viewport" content="width=device-width, initial-scale=1">
<title>{{ title }} · {{ business }}</title><link rel="icon" href="data:,">
<style>
body{font:16px/1.5 system-ui,sans-serif;margin:0;background:#f6f9fc;color:#1a1f36}
main{max-width:28rem;margin:2rem auto;padding:1.5rem;background:#fff;border-radius:8px;
box-shadow:0 2px 8px #0002}
h1{font-size:1.2rem}table{width:100%;border-collapse:collapse}
td{padding:.3rem 0;border-bottom:1px solid #e3e8ee}td.n{text-align:right}
.total{font-size:1.4rem;font-weight:600}.note{color:#5d6778;font-size:.9rem}
.shop{font-weight:700;margin:0}.back{display:inline-block;padding:.5rem 0;color:#4f46e5}
form{display:inline}button{font:inherit;padding:.6rem 1.2rem;border-radius:6px;min-height:2.75rem;
border:1px solid #4f46e5;margin:1rem .5rem 0 0;cursor:pointer}
.pay{background:#4f46e5;color:#fff}.cancel{background:#fff;color:#4f46e5}
</style></head><body><main>
<p class="shop">{{ business }}</p>
<p class="note">Stripe simulator · test mode</p>
{% if not session %}
<h1>{{ title }}</h1><p>This payment link is not valid: nothing was charged.</p>
{% if shop_url %}<p><a class="back" href="{{ shop_url }}">Back to {{ business }}</a></p>{% endif %}
{% else %}
<h1>{{ title }}</h1>
{% if session.customer_email %}
<p>Email: <strong>{{ session.customer_email }}</strong></p>{% endif %}
<table><caption class="note">Your order</caption>{% for item in items %}
<tr><td>{{ item.description }} &times; {{ item.quantity }}{% if item.price.product.description %}
<br><span class="note">{{ item.price.product.description }}</span>{% endif %}</td>
<td class="n">{{ item.amount }}</td></tr>
{% endfor %}</table>
<p class="total" data-total>Total {{ total }}</p>
{% if session.status == "open" %}
<form method="post" action="/c/pay/{{ session.id }}/pay">
<button class="pay" type="submit">Pay</button></form>
<form method="post" action="/c/pay/{{ session.id }}/cancel">
<button class="cancel" type="submit">Cancel</button></form>
{% if session.cancel_url %}
<p><a class="back" href="{{ session.cancel_url }}">Back to {{ business }}</a></p>{% endif %}
{% elif session.status == "complete" %}
<p data-status>This Checkout Session is complete: payment {{ session.payment_status }}.</p>
{% if success_url %}
<p><a class="back" href="{{ success_url }}">See your order at {{ business }}</a></p>{% endif %}
{% else %}
<p data-status>This Checkout Session has expired: nothing was charged.</p>
{% if session.cancel_url %}
<p><a class="back" href="{{ session.cancel_url }}">Back to {{ business }}</a></p>{% endif %}
{% endif %}
{% endif %}
</main></body></html>
"""


def money(amount: int | None, currency: str | None) -> str:
    """Minor units as a readable amount, e.g. 4900 usd -> "49.00 USD"."""
    return f"{Decimal(amount or 0).scaleb(-2):.2f} {(currency or '').upper()}"


def title_of(session: dict[str, Any] | None, total: str) -> str:
    """The page's heading: what to pay, or what became of the session."""
    if session is None:
        return "No such Checkout Session"
    return {"open": f"Pay {total}", "complete": "Payment complete"}.get(
        session["status"], "Checkout expired"
    )


def page(
    state: SimState, hosted: HostedPage, session_id: str, status: int | None = None
) -> Response:
    """The payment page of a session (404 for an unknown id); never cached, so Back after
    paying shows what became of the session, with a way back to the shop."""
    session = state.session(session_id)
    items = [
        {**item, "amount": money(item["amount_total"], item["currency"])}
        for item in state.line_items(session_id) or []
    ]
    total = money(session["amount_total"], session["currency"]) if session else ""
    success_url = (session or {}).get("success_url") or ""
    body = render_template_string(
        PAGE,
        session=session,
        items=items,
        total=total,
        title=title_of(session, total),
        business=hosted.business_name,
        shop_url=hosted.shop_url(),
        success_url=success_url.replace("{CHECKOUT_SESSION_ID}", session_id),
    )
    response = Response(body, status or (200 if session else 404), mimetype="text/html")
    response.headers["Cache-Control"] = "no-store"
    return response


def after(outcome: lifecycle.Outcome, url_key: str) -> Response | None:
    """The 303 to the session's success or cancel URL once the change is made, else None."""
    session, changed = outcome
    if not changed or session is None or not session.get(url_key):
        return None
    url = session[url_key].replace("{CHECKOUT_SESSION_ID}", session["id"])
    return Response(status=303, headers={"Location": url})


@dataclass(frozen=True)
class HostedPage:
    """What the page shows besides the session: the shop's name and where the shop lives."""

    business_name: str
    webhooks: WebhookSender

    def shop_url(self) -> str | None:
        """The shop's home, known from where its webhooks go (for links that know no session)."""
        if not self.webhooks.url:
            return None
        parts = urlsplit(self.webhooks.url)
        return f"{parts.scheme}://{parts.netloc}/"


def register_hosted_page(
    app: Flask, state: SimState, webhooks: WebhookSender, business_name: str
) -> None:
    """Add GET /c/pay/<id> and its Pay / Cancel form posts."""
    hosted = HostedPage(business_name, webhooks)

    @app.get("/c/pay/<session_id>")
    def pay_page(session_id: str) -> Response:
        return page(state, hosted, session_id)

    @app.post("/c/pay/<session_id>/pay")
    def pay(session_id: str) -> Response:
        outcome = lifecycle.complete(state, webhooks, session_id)
        return after(outcome, "success_url") or page(state, hosted, session_id, conflict(outcome))

    @app.post("/c/pay/<session_id>/cancel")
    def cancel(session_id: str) -> Response:
        outcome = lifecycle.expire(state, webhooks, session_id)
        return after(outcome, "cancel_url") or page(state, hosted, session_id, conflict(outcome))


def conflict(outcome: tuple[dict[str, Any] | None, bool]) -> int | None:
    """409 when the session exists but was no longer open; None lets page() decide."""
    session, changed = outcome
    return 409 if session is not None and not changed else None
