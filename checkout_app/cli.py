"""flask CLI: seed-catalog, seed-cart, notifications, stale orders, staff, refund-order,
issue-token."""

from __future__ import annotations

import json
import uuid
from collections import Counter
from datetime import UTC, datetime, timedelta
from decimal import Decimal, InvalidOperation

import click
from flask import Flask, current_app
from flask.cli import with_appcontext

from checkout_app.adapters.senders import senders_for
from checkout_app.db.seed import seed_catalog
from checkout_app.domain.cart import (
    CartKey,
    CartLine,
    check_quantity,
    is_session_id,
    new_session_id,
)
from checkout_app.domain.enums import REFUND_REASONS, ItemType
from checkout_app.domain.staff import StaffRole
from checkout_app.errors import CheckoutError
from checkout_app.extensions import shop
from checkout_app.http.json_bodies import cart_json
from checkout_app.http.refund_bodies import refund_json
from checkout_app.services.cart import view_cart
from checkout_app.services.fulfilment import reconcile_stale_orders
from checkout_app.services.late_reconciliation import reconcile_late_payments
from checkout_app.services.notifications import send_pending
from checkout_app.services.orphans import expire_orphan_sessions
from checkout_app.services.refunds import RefundAsk, refund_order, send_pending_refunds
from checkout_app.services.staff import create_staff


@click.command("seed-catalog")
@with_appcontext
@click.option("--summary", is_flag=True, help="One line of counts instead of the JSON list.")
def seed_catalog_command(summary: bool) -> None:
    """Create the demo catalog (idempotent) and print it as JSON (or, with --summary, counts)."""
    with shop().uow() as uow:
        items = seed_catalog(uow.session)
        uow.commit()
    if not summary:
        click.echo(json.dumps(items, indent=2))
        return
    counts = Counter(item["itemType"] for item in items)
    kinds = ", ".join(f"{n} {kind.replace('_', ' ')}s" for kind, n in sorted(counts.items()))
    click.echo(f"demo catalog ready: {kinds} (flask --app wsgi seed-catalog lists them)")


def parse_item(spec: str) -> CartLine:
    """TYPE:ID[:QTY] -> a cart line, or a ClickException naming what is wrong."""
    parts = spec.split(":")
    if len(parts) not in (2, 3):
        raise click.ClickException(f"--item {spec!r}: expected TYPE:ID[:QTY]")
    try:
        item_type = ItemType(parts[0])
    except ValueError as exc:
        kinds = ", ".join(t.value for t in ItemType)
        raise click.ClickException(f"--item {spec!r}: TYPE must be one of {kinds}") from exc
    try:
        item_id = uuid.UUID(parts[1])
    except ValueError as exc:
        raise click.ClickException(f"--item {spec!r}: ID must be a UUID") from exc
    try:
        quantity = int(parts[2]) if len(parts) == 3 else 1
        check_quantity(item_type, quantity)
    except ValueError as exc:
        raise click.ClickException(f"--item {spec!r}: QTY must be a whole number") from exc
    except CheckoutError as exc:
        raise click.ClickException(f"--item {spec!r}: {exc.message}") from exc
    return CartLine(CartKey(item_type, item_id), quantity)


@click.command("seed-cart")
@with_appcontext
@click.option("--session-id", help="Session id to write the cart under (default: a new one).")
@click.option("--item", "items", multiple=True, required=True, help="TYPE:ID[:QTY], repeatable.")
def seed_cart_command(session_id: str | None, items: tuple[str, ...]) -> None:
    """Write a cart for a session and print {sessionId, cart} as JSON."""
    secret = current_app.config["SECRET_KEY"]
    if session_id is not None and not is_session_id(session_id, secret):
        raise click.ClickException("--session-id must be a session id this app issued")
    lines = [parse_item(spec) for spec in items]
    keys = [line.key for line in lines]
    if len(set(keys)) != len(keys):
        raise click.ClickException("each item may be given once")
    with shop().uow() as uow:
        entries = uow.catalog.entries(keys)
    for key in keys:
        if key not in entries or not entries[key].for_sale:
            raise click.ClickException(f"unknown or inactive item {key.field}")
    session_id = session_id or new_session_id(secret)
    shop().carts.replace(session_id, lines)
    cart = view_cart(shop(), session_id)
    click.echo(json.dumps({"sessionId": session_id, "cart": cart_json(cart)}, indent=2))


@click.command("send-notifications")
@click.option("--limit", default=500, show_default=True, help="Most messages to send this run.")
@with_appcontext
def send_notifications_command(limit: int) -> None:
    """Deliver queued notifications (email over SMTP_URL; logged in development)."""
    senders = senders_for(current_app.config)
    if not senders:
        raise click.ClickException("no channel can deliver: set SMTP_URL / WHATSAPP_WEBHOOK_URL")
    counts = send_pending(shop(), senders, limit)
    click.echo(json.dumps({"sent": counts["sent"], "failed": counts["failed"]}))


@click.command("expire-stale-orders")
@click.option(
    "--older-than-minutes",
    type=click.IntRange(min=1),
    help="Pending for longer than this (default: CHECKOUT_EXPIRES_MINUTES + 1).",
)
@with_appcontext
@click.option(
    "--late-days",
    type=click.IntRange(min=1),
    default=7,
    show_default=True,
    help="Also ask Stripe about orders cancelled (created) this many days back.",
)
def expire_stale_orders_command(older_than_minutes: int | None, late_days: int) -> None:
    """Cancel (or complete) pending orders whose Checkout Session ended without a webhook, and
    expire the sessions of creates that never got an order (timed out, crashed, write failed)."""
    minutes = older_than_minutes or current_app.config["CHECKOUT_EXPIRES_MINUTES"] + 1
    now = datetime.now(UTC)
    report = reconcile_stale_orders(shop(), timedelta(minutes=minutes), now)
    report += expire_orphan_sessions(shop())
    report += reconcile_late_payments(shop(), timedelta(days=late_days), now)
    # Refunds written but never sent (Stripe was down): sent again under the same key.
    report += send_pending_refunds(shop(), older_than=timedelta(minutes=1))
    click.echo(json.dumps(report, indent=2))


@click.command("create-staff")
@click.argument("email")
@click.option("--role", type=click.Choice([r.value for r in StaffRole]), required=True)
@click.password_option(help="Prompted (twice) when not given; at least 12 characters.")
@with_appcontext
def create_staff_command(email: str, role: str, password: str) -> None:
    """Create a back-office account; support reads and resends, a manager also refunds."""
    try:
        member = create_staff(shop(), email, StaffRole(role), password)
    except CheckoutError as exc:
        raise click.ClickException(exc.message) from exc
    click.echo(json.dumps({"id": member.id, "email": member.email, "role": member.role.value}))


@click.command("refund-order")
@click.argument("order_id", type=click.UUID)
@click.option("--amount", help="Refund this much, e.g. 12.50 (default: everything left).")
@click.option("--item", "items", multiple=True, help="TYPE:ID[:QTY] of a line, repeatable.")
@click.option("--reason", type=click.Choice(REFUND_REASONS), help="Stripe's refund reason.")
@with_appcontext
def refund_order_command(
    order_id: uuid.UUID, amount: str | None, items: tuple[str, ...], reason: str | None
) -> None:
    """Refund a paid order through Stripe (all, an amount, or lines) and print the refund."""
    try:
        value = Decimal(amount) if amount is not None else None
    except InvalidOperation as exc:
        raise click.ClickException("--amount must be a number like 12.50") from exc
    if value is not None and (not value.is_finite() or value <= 0 or value != round(value, 2)):
        raise click.ClickException("--amount must be a positive amount like 12.50")
    # TYPE:ID refunds all that is left of the line; TYPE:ID:QTY that many units.
    lines = [
        (parse_item(spec).key.field, parse_item(spec).quantity if spec.count(":") == 2 else None)
        for spec in items
    ]
    ask = RefundAsk(amount=value, items=lines, reason=reason)
    try:
        refund = refund_order(shop(), order_id, ask, "cli")
    except CheckoutError as exc:
        raise click.ClickException(exc.message) from exc
    click.echo(json.dumps(refund_json(refund), indent=2))


@click.command("issue-token")
@click.argument("user_id", type=click.UUID)
@click.option("--minutes", type=click.IntRange(1, 24 * 60), default=15, show_default=True)
@with_appcontext
def issue_token_command(user_id: uuid.UUID, minutes: int) -> None:
    """Print a short-lived identity token (HS256, AUTH_JWT_SECRET) for an existing user."""
    if not current_app.config["AUTH_JWT_SECRET"]:
        raise click.ClickException("issue-token signs with AUTH_JWT_SECRET: set it")
    with shop().uow() as uow:
        if not uow.users.exists(user_id):
            raise click.ClickException(f"no user {user_id}")
    click.echo(shop().identity.issue(user_id, minutes))


def register(app: Flask) -> None:
    """Add the commands to `flask --app wsgi ...`."""
    for command in (
        seed_catalog_command,
        seed_cart_command,
        send_notifications_command,
        expire_stale_orders_command,
        create_staff_command,
        refund_order_command,
        issue_token_command,
    ):
        app.cli.add_command(command)
