"""OpenAPI metadata on views: `@api_doc(...)` with replies, headers and who may call."""

from __future__ import annotations

from collections.abc import Callable, Iterable
from dataclasses import dataclass, field
from http import HTTPStatus
from typing import Any, TypeVar

from marshmallow import Schema
from werkzeug.exceptions import RequestEntityTooLarge

from checkout_app import messages
from checkout_app.errors import CheckoutError, CheckoutInProgress, IdempotencyMismatch
from checkout_app.http.session import COOKIE

JSON = "application/json"
ERROR_REF = "#/components/schemas/Error"
RETRY_AFTER = "Retry-After"
# The component of a Retry-After that only some answers of a status carry (a 409 "in progress"
# does, a 409 "sold out" does not).
RETRY_AFTER_SOME = "Retry-After-Some"
SET_COOKIE = "Set-Cookie"
IDEMPOTENT_REPLAYED = "Idempotent-Replayed"
HEADER_NAMES = {RETRY_AFTER_SOME: RETRY_AFTER}
RESPONSE_HEADERS: dict[str, dict[str, Any]] = {
    RETRY_AFTER: {
        "description": "Seconds to wait before trying again",
        "required": True,
        "schema": {"type": "integer", "minimum": 0},
    },
    RETRY_AFTER_SOME: {
        "description": "Seconds to wait before trying again, on the answers that may change",
        "required": False,
        "schema": {"type": "integer", "minimum": 0},
    },
    SET_COOKIE: {
        "description": "`session_id=...; HttpOnly; SameSite=Lax; Path=/` (`Secure` on https)",
        "required": True,
        "schema": {"type": "string", "pattern": f"^{COOKIE}="},
    },
    IDEMPOTENT_REPLAYED: {
        "description": "`true` when this is the stored answer to an earlier request with this key",
        "schema": {"type": "string", "enum": ["true"]},
    },
}
SECURITY_SCHEMES: dict[str, dict[str, Any]] = {
    "sessionCookie": {
        "type": "apiKey",
        "in": "cookie",
        "name": COOKIE,
        "description": "Set by the first cart write; the browser sends it (`credentials`)",
    },
    "supportToken": {"type": "http", "scheme": "bearer", "description": "SUPPORT_API_TOKEN"},
    "staffSession": {
        "type": "apiKey",
        "in": "cookie",
        "name": "admin_session",
        "description": "A back-office login (`__Host-admin_session` over https); role permitting",
    },
    "identityToken": {
        "type": "http",
        "scheme": "bearer",
        "bearerFormat": "JWT",
        "description": "The shop login's JWT whose `sub` is the `userId` sent (README: Identity)",
    },
}
# Security requirements, as `security=[...]` takes them: any one of the listed ones will do.
SESSION: dict[str, list[str]] = {"sessionCookie": []}
SUPPORT: dict[str, list[str]] = {"supportToken": []}
STAFF: dict[str, list[str]] = {"staffSession": []}
SESSION_AND_IDENTITY: dict[str, list[str]] = {"sessionCookie": [], "identityToken": []}
ANYONE: dict[str, list[str]] = {}
# Answers any route may give, as errors() takes them.
SERVER_ERROR = (500, messages.INTERNAL_ERROR)
TOO_LARGE = (413, str(RequestEntityTooLarge.description))
DOC_ATTR = "__api_doc__"
HIDDEN_ATTR = "__api_doc_hidden__"
View = TypeVar("View", bound=Callable[..., Any])
Failure = type[CheckoutError] | tuple[int, str]
BodySchema = type[Schema] | dict[str, Any]
# What a rate-limited write taking an Idempotency-Key may answer besides its own errors.
KEYED_WRITE: tuple[Failure, ...] = (
    (400, messages.IDEMPOTENCY_KEY_INVALID),
    CheckoutInProgress,
    IdempotencyMismatch,
    (429, messages.TOO_MANY_REQUESTS),
)


@dataclass(frozen=True)
class Header:
    """A request header an operation reads."""

    name: str
    description: str
    required: bool = False
    schema: dict[str, Any] = field(default_factory=lambda: {"type": "string"})

    def parameter(self) -> dict[str, Any]:
        """The header as an OpenAPI parameter."""
        return {
            "in": "header",
            "name": self.name,
            "description": self.description,
            "required": self.required,
            "schema": self.schema,
        }


IDEMPOTENCY_KEY = Header(
    "Idempotency-Key",
    "Makes a retry safe: the same key and body replay the first answer with"
    " `Idempotent-Replayed: true`; another body answers 422; a request still running answers 409",
    schema={"type": "string", "pattern": "^[!-~]{1,255}$"},  # 1-255 printable ASCII characters
)
STRIPE_SIGNATURE = Header("Stripe-Signature", "Stripe's signature of the raw body", required=True)


@dataclass(frozen=True)
class Reply:
    """One documented answer of an operation."""

    status: int
    description: str
    schema: BodySchema | None = None
    media_type: str = JSON
    headers: tuple[str, ...] = ()

    def as_openapi(self) -> dict[str, Any]:
        """The OpenAPI response object; apispec turns Schema classes into $refs."""
        answer: dict[str, Any] = {"description": self.description}
        if self.schema is not None:
            answer["content"] = {self.media_type: {"schema": self.schema}}
        if self.headers:
            answer["headers"] = {
                HEADER_NAMES.get(name, name): {"$ref": f"#/components/headers/{name}"}
                for name in self.headers
            }
        return answer


@dataclass(frozen=True)
class ApiDoc:
    """What the generator needs beyond the route itself."""

    summary: str
    tag: str
    replies: tuple[Reply, ...]
    body: BodySchema | None = None
    body_media_type: str = JSON
    path: type[Schema] | None = None
    headers: tuple[Header, ...] = ()
    security: tuple[dict[str, list[str]], ...] = ()


def ok(
    schema: BodySchema, description: str, *, status: int = 200, headers: Iterable[str] = ()
) -> Reply:
    """A JSON success answer."""
    return Reply(status, description, schema, headers=tuple(headers))


def errors(*failures: Failure) -> list[Reply]:
    """Error answers grouped by status, each listing its exact `error` messages."""
    messages: dict[int, list[str]] = {}
    always = {429, 503}  # the rate limiter and every 503 send Retry-After
    some: set[int] = set()
    without: set[int] = set()
    for failure in failures:
        if isinstance(failure, tuple):
            status, message = failure
            without.add(status)
        else:
            status, message = failure.status, failure.message
            (some if failure.retry_after is not None else without).add(status)
        messages.setdefault(status, []).append(message)
    return [
        Reply(
            status,
            _describe(status, texts),
            _error_schema(texts),
            headers=_retry(status, always, some - without, some & without),
        )
        for status, texts in sorted(messages.items())
    ]


def invalid(*messages: str) -> list[tuple[int, str]]:
    """400 answers with these exact messages, for errors()."""
    return [(400, message) for message in messages]


def _error_schema(messages: list[str]) -> dict[str, Any]:
    """The Error body with `error` narrowed to these messages, so tests hold the API to them."""
    return {"allOf": [{"$ref": ERROR_REF}], "properties": {"error": {"enum": messages}}}


def _retry(status: int, always: set[int], every: set[int], some: set[int]) -> tuple[str, ...]:
    """Retry-After as required when every answer of `status` carries it, else as optional."""
    if status in always or status in every:
        return (RETRY_AFTER,)
    return (RETRY_AFTER_SOME,) if status in some else ()


def _describe(status: int, messages: list[str]) -> str:
    listed = "".join(f"\n- `{message}`" for message in messages)
    return f"{HTTPStatus(status).phrase}; `error` is one of:\n{listed}"


def api_doc(
    summary: str,
    *,
    tag: str,
    replies: Iterable[Reply],
    body: BodySchema | None = None,
    body_media_type: str = JSON,
    path: type[Schema] | None = None,
    headers: Iterable[Header] = (),
    security: Iterable[dict[str, list[str]]] = (),
) -> Callable[[View], View]:
    """Record a view's OpenAPI description: its answers, body, path, headers and who may call."""
    doc = ApiDoc(
        summary, tag, tuple(replies), body, body_media_type, path, tuple(headers), tuple(security)
    )
    statuses = [reply.status for reply in doc.replies]
    if len(set(statuses)) != len(statuses):
        raise ValueError(f"{summary!r}: one reply per status, got {sorted(statuses)}")

    def record(view: View) -> View:
        setattr(view, DOC_ATTR, doc)
        return view

    return record


def hidden(view: View) -> View:
    """Keep a route that is not part of the API (static files) out of the document, on purpose."""
    setattr(view, HIDDEN_ATTR, True)
    return view
