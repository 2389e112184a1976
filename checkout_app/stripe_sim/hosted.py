"""The hosted payment page a Checkout Session's `url` opens: Pay or Cancel."""

from decimal import Decimal
from typing import Any

from flask import Flask, Response, render_template_string

from . import lifecycle
from .state import SimState
from .webhooks import WebhookSender

PAGE = """<!doctype html>
<html lang="en"><head><meta charset="utf-8">
<meta name="viewport" content="width=device-width, initial-scale=1">
<title>Pay · Stripe simulator</title><link rel="icon" href="data:,">
<style>
body{font:16px/1.5 system-ui,sans-serif;margin:0;background:#f6f9fc;color:#1a1f36}
main{max-width:28rem;margin:2rem auto;padding:1.5rem;background:#fff;border-radius:8px;
box-shadow:0 2px 8px #0002}
h1{font-size:1.2rem}table{width:100%;border-collapse:collapse}
td{padding:.3rem 0;border-bottom:1px solid #e3e8ee}td.n{text-align:right}
.total{font-size:1.4rem;font-weight:600}.note{color:#697386;font-size:.9rem}
form{display:inline}button{font:inherit;padding:.6rem 1.2rem;border-radius:6px;
border:1px solid #635bff;margin:1rem .5rem 0 0;cursor:pointer}
.pay{background:#635bff;color:#fff}.cancel{background:#fff;color:#635bff}
</style></head><body><main>
<p class="note">Stripe simulator · test mode</p>
{% if not session %}
<h1>No such Checkout Session</h1><p>This payment link is not valid.</p>
{% else %}
<h1>Pay {{ total }}</h1>
{% if session.customer_email %}
<p>Email: <strong>{{ session.customer_email }}</strong></p>{% endif %}
<table>{% for item in items %}
<tr><td>{{ item.description }} &times; {{ item.quantity }}</td>
<td class="n">{{ item.amount }}</td></tr>
{% endfor %}</table>
<p class="total" data-total>Total {{ total }}</p>
{% if session.status == "open" %}
<form method="post" action="/c/pay/{{ session.id }}/pay">
<button class="pay" type="submit">Pay</button></form>
<form method="post" action="/c/pay/{{ session.id }}/cancel">
<button class="cancel" type="submit">Cancel</button></form>
{% elif session.status == "complete" %}
<p data-status>This Checkout Session is complete: payment {{ session.payment_status }}.</p>
{% else %}
<p data-status>This Checkout Session has expired.</p>
{% endif %}
{% endif %}
</main></body></html>
"""


def money(amount: int | None, currency: str | None) -> str:
    """Minor units as a readable amount, e.g. 4900 usd -> "49.00 USD"."""
    return f"{Decimal(amount or 0).scaleb(-2):.2f} {(currency or '').upper()}"


def page(state: SimState, session_id: str, status: int | None = None) -> Response:
    """The payment page of a session (404 for an unknown id)."""
    session = state.session(session_id)
    items = [
        {**item, "amount": money(item["amount_total"], item["currency"])}
        for item in state.line_items(session_id) or []
    ]
    total = money(session["amount_total"], session["currency"]) if session else ""
    body = render_template_string(PAGE, session=session, items=items, total=total)
    return Response(body, status or (200 if session else 404), mimetype="text/html")


def after(outcome: lifecycle.Outcome, url_key: str) -> Response | None:
    """The 303 to the session's success or cancel URL once the change is made, else None."""
    session, changed = outcome
    if not changed or session is None or not session.get(url_key):
        return None
    url = session[url_key].replace("{CHECKOUT_SESSION_ID}", session["id"])
    return Response(status=303, headers={"Location": url})


def register_hosted_page(app: Flask, state: SimState, webhooks: WebhookSender) -> None:
    """Add GET /c/pay/<id> and its Pay / Cancel form posts."""

    @app.get("/c/pay/<session_id>")
    def pay_page(session_id: str) -> Response:
        return page(state, session_id)

    @app.post("/c/pay/<session_id>/pay")
    def pay(session_id: str) -> Response:
        outcome = lifecycle.complete(state, webhooks, session_id)
        return after(outcome, "success_url") or page(state, session_id, conflict(outcome))

    @app.post("/c/pay/<session_id>/cancel")
    def cancel(session_id: str) -> Response:
        outcome = lifecycle.expire(state, webhooks, session_id)
        return after(outcome, "cancel_url") or page(state, session_id, conflict(outcome))


def conflict(outcome: tuple[dict[str, Any] | None, bool]) -> int | None:
    """409 when the session exists but was no longer open; None lets page() decide."""
    session, changed = outcome
    return 409 if session is not None and not changed else None
