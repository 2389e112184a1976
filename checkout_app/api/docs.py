"""GET /api/openapi.json (the generated document) and GET /api/docs (Swagger UI, no CDN)."""

from __future__ import annotations

from pathlib import Path

import flask_swagger_ui
from flask import Response, current_app, jsonify, render_template_string, send_from_directory

from checkout_app.api import bp
from checkout_app.api.apidoc import Reply, api_doc, hidden
from checkout_app.api.openapi import build_spec

# Swagger UI's files as the pinned flask-swagger-ui package ships them (its blueprint is unused).
SWAGGER_UI_DIR = Path(flask_swagger_ui.__file__).parent / "dist"
PAGE = """<!doctype html>
<html lang="en">
<head>
  <meta charset="utf-8">
  <meta name="viewport" content="width=device-width, initial-scale=1">
  <title>checkout_app API</title>
  <link rel="icon" href="data:,">
  <link rel="stylesheet" href="{{ url_for('api.docs_asset', filename='swagger-ui.css') }}">
  <link rel="stylesheet" href="{{ url_for('static', filename='apidocs/docs.css') }}">
</head>
<body>
  <main id="swagger-ui" data-spec-url="{{ url_for('api.openapi_document') }}"></main>
  <script src="{{ url_for('api.docs_asset', filename='swagger-ui-bundle.js') }}"></script>
  <script src="{{ url_for('static', filename='apidocs/swagger-init.js') }}"></script>
</body>
</html>
"""
DOCUMENT = {"type": "object", "required": ["openapi", "info", "paths"]}
# Swagger UI needs only our own origin: its files, the document, and data: images in its CSS.
DOCS_HEADERS = {
    "Content-Security-Policy": "; ".join(
        (
            "default-src 'self'",
            "img-src 'self' data:",
            "object-src 'none'",
            "base-uri 'none'",
            "frame-ancestors 'none'",
            "form-action 'self'",
        )
    ),
    "X-Content-Type-Options": "nosniff",
    "Referrer-Policy": "same-origin",
}


@bp.get("/openapi.json")
@api_doc(
    "This API's OpenAPI 3.1 document", tag="docs", replies=[Reply(200, "OpenAPI 3.1", DOCUMENT)]
)
def openapi_document() -> Response:
    return jsonify(build_spec(current_app))


@bp.get("/docs")
@api_doc(
    "The API docs page (Swagger UI)",
    tag="docs",
    replies=[Reply(200, "HTML page", {"type": "string"}, media_type="text/html")],
)
def docs_page() -> Response:
    return Response(render_template_string(PAGE), mimetype="text/html", headers=DOCS_HEADERS)


@bp.get("/docs/assets/<path:filename>")
@hidden
def docs_asset(filename: str) -> Response:
    return send_from_directory(SWAGGER_UI_DIR, filename, max_age=24 * 3600)
