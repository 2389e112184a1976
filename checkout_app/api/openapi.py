"""The OpenAPI 3.1 document of /api, generated from app.url_map and the views' @api_doc."""

from __future__ import annotations

import re
from importlib.metadata import version
from typing import Any

from apispec import APISpec
from apispec.ext.marshmallow import MarshmallowPlugin
from flask import Flask
from werkzeug.routing import Rule

from checkout_app.api.apidoc import (
    DOC_ATTR,
    HIDDEN_ATTR,
    RESPONSE_HEADERS,
    SECURITY_SCHEMES,
    ApiDoc,
)
from checkout_app.api.schemas import Email
from checkout_app.http.json_bodies import ErrorSchema

DESCRIPTION = (
    "Carts live under the `session_id` cookie that the first cart write sets: send every request"
    " with credentials so the browser keeps and sends it. Errors are"
    " `{success: false, error, details?}`; every 503 carries `Retry-After`."
)
_SKIPPED_METHODS = frozenset({"HEAD", "OPTIONS"})
_PLACEHOLDER = re.compile(r"<(?:(\w+)(?:\([^)]*\))?:)?(\w+)>")
_CONVERTERS = {"uuid": {"type": "string", "format": "uuid"}, "int": {"type": "integer"}}


def api_rules(app: Flask) -> list[Rule]:
    """Every /api rule of the app, in path order."""
    return sorted((r for r in app.url_map.iter_rules() if r.rule.startswith("/api/")), key=str)


def is_hidden(app: Flask, rule: Rule) -> bool:
    """Whether the rule's view was kept out of the document with @hidden."""
    return getattr(app.view_functions[rule.endpoint], HIDDEN_ATTR, False)


def openapi_path(rule: Rule) -> str:
    """`/api/cart/items/<item_type>/<uuid:item_id>` -> `/api/cart/items/{item_type}/{item_id}`."""
    return _PLACEHOLDER.sub(r"{\2}", rule.rule)


def build_spec(app: Flask) -> dict[str, Any]:
    """The OpenAPI 3.1 document of every /api route of the app."""
    plugin = MarshmallowPlugin()
    spec = APISpec(
        title="checkout_app API",
        version=version("checkout_app"),
        openapi_version="3.1.0",
        plugins=[plugin],
        info={"description": DESCRIPTION},
    )
    plugin.map_to_openapi_type(Email, "string", "email")
    for name, scheme in SECURITY_SCHEMES.items():
        spec.components.security_scheme(name, scheme)
    spec.components.schema("Error", schema=ErrorSchema)
    for name, header in RESPONSE_HEADERS.items():
        spec.components.header(name, header)
    for rule in api_rules(app):
        if is_hidden(app, rule):
            continue
        doc = getattr(app.view_functions[rule.endpoint], DOC_ATTR, None)
        methods = sorted((rule.methods or set()) - _SKIPPED_METHODS)
        operations = {m.lower(): _operation(rule, m, doc, len(methods) > 1) for m in methods}
        spec.path(path=openapi_path(rule), operations=operations)
    return spec.to_dict()


def _operation(rule: Rule, method: str, doc: ApiDoc | None, many: bool) -> dict[str, Any]:
    name = rule.endpoint.rsplit(".", 1)[-1] + (f"_{method.lower()}" if many else "")
    if doc is None:
        return {
            "operationId": name,
            "summary": f"Not described yet: add @api_doc to {rule.endpoint}",
            "x-undocumented": True,
            "parameters": _path_parameters(rule),
            "responses": {"default": {"description": "Not described yet"}},
        }
    path = [{"in": "path", "schema": doc.path}] if doc.path else _path_parameters(rule)
    operation: dict[str, Any] = {
        "operationId": name,
        "summary": doc.summary,
        "tags": [doc.tag],
        "parameters": path + [header.parameter() for header in doc.headers],
        "responses": {str(reply.status): reply.as_openapi() for reply in doc.replies},
    }
    if doc.body is not None:
        content = {doc.body_media_type: {"schema": doc.body}}
        operation["requestBody"] = {"required": True, "content": content}
    if doc.security:
        operation["security"] = list(doc.security)
    return operation


def _path_parameters(rule: Rule) -> list[dict[str, Any]]:
    return [
        {
            "in": "path",
            "name": name,
            "required": True,
            "schema": _CONVERTERS.get(conv, {"type": "string"}),
        }
        for conv, name in _PLACEHOLDER.findall(rule.rule)
    ]
