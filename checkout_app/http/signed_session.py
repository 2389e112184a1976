"""Flask's signed-cookie session (the staff login, the forms' CSRF token), with its signing
serializer built once per secret key instead of on every request.

Flask builds the serializer for every request, before it even looks for a cookie, and each
build signs a test value to learn whether the serializer speaks text: about 1 % of a
worker's CPU under the checkout's load, for nothing. The serializer keeps no per-request
state, so one can serve every thread.
"""

from __future__ import annotations

from flask import Flask
from flask.sessions import SecureCookieSessionInterface
from itsdangerous import URLSafeTimedSerializer


class SignedSessionInterface(SecureCookieSessionInterface):
    def __init__(self) -> None:
        self._serializers: dict[tuple[object, ...], URLSafeTimedSerializer] = {}

    def get_signing_serializer(self, app: Flask) -> URLSafeTimedSerializer | None:
        # Keyed by the secrets, so that a key set after the first request is honoured.
        key = (app.secret_key, *(app.config.get("SECRET_KEY_FALLBACKS") or ()))
        serializer = self._serializers.get(key)
        if serializer is None:
            serializer = super().get_signing_serializer(app)
            if serializer is not None:  # None: no secret key, no session
                self._serializers[key] = serializer
        return serializer
