"""Idempotency-Key on checkout and cart writes: replay the first answer, refuse a changed request.

Kept in Redis, not PostgreSQL: the check sits on every write before any database work, needs an
atomic "claim if absent" (SET NX) and an expiry (24 h), and must also cover cart writes, which
never touch PostgreSQL. A key is scoped to the shopper's session, so one shopper's key can
never replay another's answer; a request without a session ignores the key (two clients behind
one address must never share an answer, and a cookieless retry simply starts a fresh cart).
When a checkout rotates the session, the answer is filed under the new session too, so the
client's retry (with its new cookie) still finds it. Only final answers are kept: 2xx and the
4xx a retry cannot change. 5xx, 429 and every 409 (request in progress, seats or limits that
may free up) release the key. Set-Cookie is never stored, so a replay never hands a session on.
"""

from __future__ import annotations

import hashlib
import json
import re
from collections.abc import Callable
from dataclasses import dataclass
from functools import wraps
from typing import ParamSpec

import redis
from flask import Flask, Response, current_app, g, request
from flask.typing import ResponseReturnValue

from checkout_app import messages
from checkout_app.adapters.leases import Leases
from checkout_app.adapters.redis_client import REDIS_DOWN, cart_service_errors
from checkout_app.domain.cart import session_hash
from checkout_app.errors import CheckoutInProgress, IdempotencyMismatch, InvalidInput
from checkout_app.http.session import current_session_id

HEADER = "Idempotency-Key"
REPLAYED = "Idempotent-Replayed"
KEY_PATTERN = re.compile(r"^[\x21-\x7e]{1,255}$")
KEEP_SECONDS = 24 * 3600
REPLAYED_HEADERS = ("Content-Type", "Retry-After", "Location")
# Answers a retry may change: not stored, the key is released.
NOT_FINAL = frozenset({409, 429})


@dataclass(frozen=True)
class Claim:
    key: str
    fingerprint: str
    given: str
    lease: int = -1


def _key(session_id: str, given: str) -> str:
    digest = hashlib.sha256(given.encode()).hexdigest()
    return f"{current_app.config['REDIS_KEY_PREFIX']}idem:{{s:{session_hash(session_id)}}}:{digest}"


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


P = ParamSpec("P")


def idempotent(
    *, needs_session: bool = False
) -> Callable[[Callable[P, ResponseReturnValue]], Callable[P, ResponseReturnValue]]:
    """Honour an Idempotency-Key on this route: replay a finished request's answer, refuse a
    clash. With `needs_session` (checkout) a request without a session is not looked at: its
    answer is the contract's 401, which comes before anything else."""

    def decorate(view: Callable[P, ResponseReturnValue]) -> Callable[P, ResponseReturnValue]:
        @wraps(view)
        def wrapper(*args: P.args, **kwargs: P.kwargs) -> ResponseReturnValue:
            if HEADER in request.headers and (current_session_id() or not needs_session):
                replay = claim_or_replay(request.headers[HEADER])
                if replay is not None:
                    return replay
            return view(*args, **kwargs)

        return wrapper

    return decorate


def claim_or_replay(given: str) -> Response | None:
    """Claim a new key (remember() stores the answer), replay a finished one, refuse a clash."""
    if not KEY_PATTERN.fullmatch(given):
        raise InvalidInput(messages.IDEMPOTENCY_KEY_INVALID)
    session_id = current_session_id()
    if session_id is None:
        return None  # a cookieless cart write makes a new cart, never shares an answer
    key = _key(session_id, given)
    fingerprint = _fingerprint()
    in_flight = json.dumps({"fp": fingerprint})
    with cart_service_errors():
        # While the request runs the claim is a short lease: it lapses soon after a crash.
        fresh = _client().set(key, in_flight, nx=True, px=_leases().ttl_ms)
        stored = None if fresh else _client().get(key)
    if fresh:
        g.idempotency_claim = Claim(key, fingerprint, given, _leases().keep(key, in_flight))
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
    """After a claimed request (errors too): keep a final answer 24 h, else free the key."""
    claim: Claim | None = g.pop("idempotency_claim", None)
    if claim is None:
        return response
    _leases().drop(claim.lease)
    try:
        if response.status_code >= 500 or response.status_code in NOT_FINAL:
            _client().delete(claim.key)  # a retry with the same key may get another answer
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
            rotated = g.get("session_cookie_value")
            if rotated and rotated != current_session_id():
                _client().set(_key(rotated, claim.given), json.dumps(record), ex=KEEP_SECONDS)
    except REDIS_DOWN:
        current_app.logger.warning("could not store the answer for an Idempotency-Key")
    return response


def release(_: BaseException | None = None) -> None:
    """After a request that never reached `remember`: stop renewing its claim's lease."""
    claim: Claim | None = g.pop("idempotency_claim", None)
    if claim is not None:
        _leases().drop(claim.lease)


def register(app: Flask) -> None:
    """Store the answers of requests that @idempotent claimed a key for."""
    app.after_request(remember)
    app.teardown_request(release)
