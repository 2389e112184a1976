"""The generated OpenAPI document: valid 3.1, complete, and true to the contract's statuses."""

from __future__ import annotations

from typing import Any

import pytest
from flask import Flask
from openapi_spec_validator import validate

from checkout_app.api.openapi import api_rules, is_hidden, openapi_path

# The contract's answers per operation (CONTRACT.md), plus 413 on bodies and 500 everywhere.
CONTRACT_STATUSES = {
    ("get", "/api/cart"): "200 500 503",
    ("delete", "/api/cart"): "200 400 409 422 429 500 503",
    ("post", "/api/cart/items"): "201 400 404 409 413 422 429 500 503",
    ("patch", "/api/cart/items/{item_type}/{item_id}"): "200 400 404 409 413 422 429 500 503",
    ("delete", "/api/cart/items/{item_type}/{item_id}"): "200 400 404 409 422 429 500 503",
    ("post", "/api/checkout/create-session"): "200 400 401 404 409 413 422 429 500 503",
    ("get", "/api/orders/{order_id}"): "200 404 429 500 503",
    ("post", "/api/webhooks/stripe"): "200 400 413 500 503",
}
AMOUNT_PATTERN = r"^\d+\.\d{2}$"


@pytest.fixture
def document(client) -> dict[str, Any]:
    response = client.get("/api/openapi.json")
    assert response.status_code == 200
    return response.get_json()


def operations(document: dict[str, Any]):
    for path, item in document["paths"].items():
        for method, operation in item.items():
            yield method, path, operation


def test_document_is_valid_openapi_3_1(document: dict[str, Any]) -> None:
    assert document["openapi"] == "3.1.0"
    validate(document)


def test_every_api_route_is_described(app: Flask, document: dict[str, Any]) -> None:
    missing = []
    for rule in api_rules(app):
        if is_hidden(app, rule):
            continue
        item = document["paths"].get(openapi_path(rule), {})
        for method in sorted((rule.methods or set()) - {"HEAD", "OPTIONS"}):
            if method.lower() not in item or "x-undocumented" in item[method.lower()]:
                missing.append(f"{method} {rule.rule} ({rule.endpoint}): add @api_doc")
    assert not missing, "\n".join(missing)


def test_only_the_docs_assets_are_kept_out_on_purpose(app: Flask) -> None:
    assert [r.endpoint for r in api_rules(app) if is_hidden(app, r)] == ["api.docs_asset"]


@pytest.mark.parametrize(("method", "path"), sorted(CONTRACT_STATUSES))
def test_operation_answers_what_the_contract_lists(
    document: dict[str, Any], method: str, path: str
) -> None:
    documented = set(document["paths"][path][method]["responses"])
    assert documented == set(CONTRACT_STATUSES[(method, path)].split())


def test_every_error_is_the_error_body_with_its_exact_messages(document: dict[str, Any]) -> None:
    for method, path, operation in operations(document):
        for status, answer in operation["responses"].items():
            if status.startswith(("4", "5")):
                schema = answer["content"]["application/json"]["schema"]
                assert schema["allOf"] == [{"$ref": "#/components/schemas/Error"}], (method, path)
                assert schema["properties"]["error"]["enum"], (method, path, status)


def test_every_503_carries_retry_after(document: dict[str, Any]) -> None:
    answers = [
        op["responses"]["503"] for _, _, op in operations(document) if "503" in op["responses"]
    ]
    assert answers
    for answer in answers:
        assert answer["headers"] == {"Retry-After": {"$ref": "#/components/headers/Retry-After"}}
    assert document["components"]["headers"]["Retry-After"]["required"] is True


def test_a_409_that_only_sometimes_says_when_to_retry_documents_it_as_optional(
    document: dict[str, Any],
) -> None:
    # "In progress" carries Retry-After, "no longer available" does not: no rate-limit
    # header on every answer supplies it any more.
    conflict = document["paths"]["/api/checkout/create-session"]["post"]["responses"]["409"]
    assert conflict["headers"] == {"Retry-After": {"$ref": "#/components/headers/Retry-After-Some"}}
    assert document["components"]["headers"]["Retry-After-Some"]["required"] is False


def test_session_cookie_is_a_security_scheme(document: dict[str, Any]) -> None:
    scheme = document["components"]["securitySchemes"]["sessionCookie"]
    assert (scheme["type"], scheme["in"], scheme["name"]) == ("apiKey", "cookie", "session_id")
    checkout = document["paths"]["/api/checkout/create-session"]["post"]
    assert checkout["security"] == [
        {"sessionCookie": []},
        {"sessionCookie": [], "identityToken": []},
    ]
    assert document["paths"]["/api/cart"]["get"]["security"] == [{}, {"sessionCookie": []}]


def test_cart_amounts_are_two_decimal_strings(document: dict[str, Any]) -> None:
    schemas = document["components"]["schemas"]
    for schema, names in (
        ("Cart", ("subtotal", "tax", "total")),
        ("CartItem", ("unitPrice", "lineTotal")),
    ):
        for name in names:
            assert schemas[schema]["properties"][name]["type"] == "string"
            assert schemas[schema]["properties"][name]["pattern"] == AMOUNT_PATTERN
    assert schemas["CartResponse"]["properties"]["cart"] == {"$ref": "#/components/schemas/Cart"}


def test_request_bodies_and_path_parameters_come_from_the_schemas(document: dict[str, Any]) -> None:
    add = document["paths"]["/api/cart/items"]["post"]["requestBody"]
    assert add["content"]["application/json"]["schema"] == {"$ref": "#/components/schemas/AddItem"}
    line = document["paths"]["/api/cart/items/{item_type}/{item_id}"]["patch"]["parameters"]
    assert {p["name"]: p["schema"] for p in line if p["in"] == "path"} == {
        "item_type": {"enum": ["course", "digital_product", "event"]},
        "item_id": {"type": "string", "format": "uuid"},
    }
    assert [p["name"] for p in line if p["in"] == "header"] == ["Idempotency-Key"]
    checkout = document["components"]["schemas"]["CheckoutRequest"]
    assert checkout["required"] == ["userEmail"]
    assert checkout["properties"]["userEmail"] == {"type": "string", "format": "email"}
