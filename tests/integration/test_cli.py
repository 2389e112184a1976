"""flask CLI: seed-catalog and seed-cart print JSON and fail clearly on bad input."""

from __future__ import annotations

import json
import uuid

import pytest
from sqlalchemy import text

from ..helpers import issued_session_id


@pytest.fixture
def runner(app, db):
    return app.test_cli_runner()


def test_seed_catalog_creates_demo_items_and_is_safe_twice(runner, db):
    first = runner.invoke(args=["seed-catalog"])
    assert first.exit_code == 0, first.output
    items = json.loads(first.output)
    kinds = [item["itemType"] for item in items]
    assert kinds.count("course") >= 3
    assert kinds.count("digital_product") >= 3
    assert kinds.count("event") >= 3
    assert all(set(item) == {"itemType", "itemId", "title", "price"} for item in items)
    assert all(
        item["price"].count(".") == 1 and len(item["price"].split(".")[1]) == 2 for item in items
    )
    second = runner.invoke(args=["seed-catalog"])
    assert second.exit_code == 0
    assert json.loads(second.output) == items
    assert db.execute(text("SELECT count(*) FROM courses")).scalar_one() == kinds.count("course")
    seats = db.execute(text("SELECT min(capacity) FROM events")).scalar_one()
    assert seats >= 20


def test_seed_cart_writes_a_cart_the_api_reads(runner, app, catalog):
    result = runner.invoke(
        args=[
            "seed-cart",
            "--item",
            f"event:{catalog.event}:3",
            "--item",
            f"course:{catalog.course}",
        ]
    )
    assert result.exit_code == 0, result.output
    out = json.loads(result.output)
    assert out["cart"]["total"] == "409.00"
    client = app.test_client()
    client.set_cookie("session_id", out["sessionId"])
    assert client.get("/api/cart").get_json()["cart"] == out["cart"]


def test_seed_cart_with_given_session_id_replaces_that_cart(runner, app, catalog):
    sid = issued_session_id()
    runner.invoke(args=["seed-cart", "--session-id", sid, "--item", f"course:{catalog.course}"])
    result = runner.invoke(
        args=["seed-cart", "--session-id", sid, "--item", f"event:{catalog.event}"]
    )
    assert json.loads(result.output)["sessionId"] == sid
    assert [i["itemType"] for i in json.loads(result.output)["cart"]["items"]] == ["event"]


@pytest.mark.parametrize(
    "args,message",
    [
        (["--item", "course"], "expected TYPE:ID[:QTY]"),
        (["--item", "boat:" + str(uuid.uuid4())], "TYPE must be one of"),
        (["--item", "course:42"], "ID must be a UUID"),
        (["--item", f"course:{uuid.uuid4()}"], "unknown or inactive item"),
        (["--item", "EVENT_QTY:two"], "QTY must be a whole number"),
        (["--item", "EVENT_QTY:0"], "quantity must be between 1 and 99"),
        (["--item", "EVENT_QTY:100"], "quantity must be between 1 and 99"),
        (["--item", "COURSE:2"], "quantity must be 1"),
        (["--item", "COURSE", "--item", "COURSE"], "each item may be given once"),
        (["--session-id", "short", "--item", "COURSE"], "--session-id must be"),
        (["--session-id", "s" * 86, "--item", "COURSE"], "--session-id must be"),
        ([], "Missing option '--item'"),
    ],
)
def test_seed_cart_rejects_bad_input_with_exit_1(runner, catalog, args, message):
    args = [
        a.replace("EVENT_QTY", f"event:{catalog.event}").replace(
            "COURSE", f"course:{catalog.course}"
        )
        for a in args
    ]
    result = runner.invoke(args=["seed-cart", *args])
    assert result.exit_code == (2 if not args else 1), result.output
    assert message in result.output
