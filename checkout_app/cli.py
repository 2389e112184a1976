"""flask CLI commands: seed-catalog and seed-cart (JSON on stdout, exit 1 on bad input)."""

from __future__ import annotations

import json
import uuid

import click
from flask import Flask
from flask.cli import with_appcontext

from .api.serialize import cart_json
from .carts import CartKey, CartLine, check_quantity, is_session_id, new_session_id
from .errors import CheckoutError
from .extensions import shop
from .models import ItemType
from .seed import seed_catalog
from .services.cart import view_cart


@click.command("seed-catalog")
@with_appcontext
def seed_catalog_command() -> None:
    """Create the demo catalog (idempotent) and print it as JSON."""
    with shop().uow() as uow:
        items = seed_catalog(uow.session)
        uow.commit()
    click.echo(json.dumps(items, indent=2))


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
    if session_id is not None and not is_session_id(session_id):
        raise click.ClickException("--session-id must be 32-128 characters of A-Z a-z 0-9 _ -")
    lines = [parse_item(spec) for spec in items]
    keys = [line.key for line in lines]
    if len(set(keys)) != len(keys):
        raise click.ClickException("each item may be given once")
    with shop().uow() as uow:
        entries = uow.catalog.entries(keys)
    for key in keys:
        if key not in entries or not entries[key].for_sale:
            raise click.ClickException(f"unknown or inactive item {key.field}")
    session_id = session_id or new_session_id()
    shop().carts.replace(session_id, lines)
    cart = view_cart(shop(), session_id)
    click.echo(json.dumps({"sessionId": session_id, "cart": cart_json(cart)}, indent=2))


def register(app: Flask) -> None:
    """Add the commands to `flask --app wsgi ...`."""
    app.cli.add_command(seed_catalog_command)
    app.cli.add_command(seed_cart_command)
