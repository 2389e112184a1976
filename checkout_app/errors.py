"""The project's one error taxonomy: each error knows its HTTP status and public message."""

from __future__ import annotations


class CheckoutError(Exception):
    """Base of every error a shopper may see; `message` is safe to show."""

    status = 500
    message = "Failed to create checkout session"
    retry_after: int | None = None

    def __init__(self, message: str | None = None, *, detail: str | None = None) -> None:
        self.message = message or self.message
        self.detail = detail
        super().__init__(self.message)


class NoSession(CheckoutError):
    status = 401
    message = "No active session. Please add items to cart first."


class CartNotFound(CheckoutError):
    status = 404
    message = "Cart not found or expired. Please add items again."


class CartEmpty(CheckoutError):
    status = 400
    message = "Cart is empty. Please add items before checkout."


class InvalidInput(CheckoutError):
    """A request body or parameter failed validation; the message names the field."""

    status = 400
    message = "Invalid request"


class ItemNotFound(CheckoutError):
    status = 404
    message = "Item not found"


class ItemsUnavailable(CheckoutError):
    status = 409
    message = "Some items in your cart are no longer available"


class ServiceUnavailable(CheckoutError):
    """A dependency is down; the client may retry after `retry_after` seconds."""

    status = 503
    retry_after = 5


class PaymentUnavailable(ServiceUnavailable):
    message = "Payment system error. Please try again later."


class CartUnavailable(ServiceUnavailable):
    message = "Cart service unavailable"
    retry_after = 2


class DatabaseUnavailable(ServiceUnavailable):
    message = "Service temporarily unavailable"
    retry_after = 2


class OrderNotFound(CheckoutError):
    status = 404
    message = "Order not found"


class InvalidWebhook(CheckoutError):
    """A webhook whose signature, timestamp or body does not check out."""

    status = 400
    message = "Invalid webhook signature"


class WebhooksNotConfigured(ServiceUnavailable):
    message = "Webhook endpoint is not configured"


class CheckoutInProgress(CheckoutError):
    """The same request (or the same shopper's checkout) is still being processed."""

    status = 409
    message = "Request in progress"
    # Locks and claims are short leases: even a crashed request's lapses within seconds.
    retry_after = 1


class IdempotencyMismatch(CheckoutError):
    status = 422
    message = "Idempotency-Key was already used with a different request"
