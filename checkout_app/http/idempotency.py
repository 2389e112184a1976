"""Idempotency-Key on checkout and cart writes: replay the first answer, refuse a changed request.

Kept in Redis, not PostgreSQL: the check sits on every write before any database work, needs an
atomic "claim if absent" (SET NX) and an expiry (24 h), and must also cover cart writes, which
never touch PostgreSQL. A key is scoped to the shopper's session (or, before a session exists,
to the client's address and user agent), so one shopper's key can never replay another's answer.
"""

from __future__ import annotations

import hashlib
import json
import re
from dataclasses import dataclass

import redis
from flask import Flask, Response, current_app, g, request

from checkout_app.adapters.leases import Leases
from checkout_app.domain.cart import session_hash
from checkout_app.errors import (
    CartUnavailable,
    CheckoutInProgress,
    IdempotencyMismatch,
    InvalidInput,
)
from checkout_app.http.session import current_session_id

HEADER = "Idempotency-Key"
REPLAYED = "Idempotent-Replayed"
ENDPOINTS = frozenset(
    {"api.create_session", "api.add_item", "api.set_quantity", "api.remove_item", "api.clear_cart"}
)
# Checkout keys are scoped to the session; without one the answer is the contract's 401,
# so the key is not looked at (check 1 comes before anything else).
SESSION_ONLY = frozenset({"api.create_session"})
KEY_PATTERN = re.compile(r"^[\x21-\x7e]{1,255}$")
KEY_INVALID = "Idempotency-Key must be 1-255 printable ASCII characters"
KEEP_SECONDS = 24 * 3600
REPLAYED_HEADERS = ("Content-Type", "Set-Cookie", "Retry-After", "Location")


@dataclass(frozen=True)
class Claim:
    key: str
    fingerprint: str
    lease: int = -1


def _scope() -> str:
    session_id = current_session_id()
    if session_id:
        return f"s:{session_hash(session_id)}"
    client = f"{request.remote_addr}|{request.user_agent.string}"
    return f"a:{hashlib.sha256(client.encode()).hexdigest()}"


def _fingerprint() -> str:
    body = request.get_data(cache=True)
    try:
        canonical = json.dumps(json.loads(body), sort_keys=True, separators=(",", ":"))
    except (ValueError, RecursionError):
        canonical = body.hex()
    return hashlib.sha256(f"{request.method} {request.path}\n{canonical}".encode()).hexdigest()


def _client() -> redis.Redis:
    return current_app.extensions["checkout"].carts.client


def _leases() -> Leases:
    return current_app.extensions["checkout"].locks.leases


def claim_or_replay() -> Response | None:
    """Before the view: claim a new key, replay a finished one, refuse a clash."""
    if request.endpoint not in ENDPOINTS or HEADER not in request.headers:
        return None
    if request.endpoint in SESSION_ONLY and current_session_id() is None:
        return None
    given = request.headers[HEADER]
    if not KEY_PATTERN.fullmatch(given):
        raise InvalidInput(KEY_INVALID)
    digest = hashlib.sha256(given.encode()).hexdigest()
    key = f"{current_app.config['REDIS_KEY_PREFIX']}idem:{{{_scope()}}}:{digest}"
    fingerprint = _fingerprint()
    in_flight = json.dumps({"fp": fingerprint})
    try:
        # While the request runs the claim is a short lease: it lapses soon after a crash.
        fresh = _client().set(key, in_flight, nx=True, px=_leases().ttl_ms)
        stored = None if fresh else _client().get(key)
    except (redis.ConnectionError, redis.TimeoutError) as exc:
        raise CartUnavailable(detail=str(exc)) from exc
    if fresh:
        g.idempotency_claim = Claim(key, fingerprint, _leases().keep(key, in_flight))
        return None
    record = json.loads(stored) if stored else {"fp": fingerprint}
    if record["fp"] != fingerprint:
        raise IdempotencyMismatch()
    if "status" not in record:
        raise CheckoutInProgress()
    headers = [(name, value) for name, value in record["headers"]]
    response = Response(record["body"], status=record["status"], headers=headers)
    response.headers[REPLAYED] = "true"
    return response


def remember(response: Response) -> Response:
    """After the view: keep the answer for 24 h, or release the key after a server error."""
    claim: Claim | None = g.pop("idempotency_claim", None)
    if claim is None:
        return response
    _leases().drop(claim.lease)
    try:
        if response.status_code >= 500:
            _client().delete(claim.key)  # a server-side failure may be retried with the same key
        else:
            record = {
                "fp": claim.fingerprint,
                "status": response.status_code,
                "body": response.get_data(as_text=True),
                "headers": [
                    (name, value)
                    for name in REPLAYED_HEADERS
                    for value in response.headers.getlist(name)
                ],
            }
            _client().set(claim.key, json.dumps(record), ex=KEEP_SECONDS)
    except (redis.ConnectionError, redis.TimeoutError):
        current_app.logger.warning("could not store the answer for an Idempotency-Key")
    return response


def release(_: BaseException | None = None) -> None:
    """After a request that never reached `remember`: stop renewing its claim's lease."""
    claim: Claim | None = g.pop("idempotency_claim", None)
    if claim is not None:
        _leases().drop(claim.lease)


def register(app: Flask) -> None:
    """Install the before/after hooks."""
    app.before_request(claim_or_replay)
    app.after_request(remember)
    app.teardown_request(release)
