"""The project's one error taxonomy: each error knows its HTTP status and public message."""

from __future__ import annotations

from checkout_app import messages


class CheckoutError(Exception):
    """Base of every error a shopper may see; `message` is safe to show."""

    status = 500
    message = messages.CHECKOUT_FAILED
    retry_after: int | None = None

    def __init__(self, message: str | None = None, *, detail: str | None = None) -> None:
        self.message = message or self.message
        self.detail = detail
        super().__init__(self.message)


class NoSession(CheckoutError):
    status = 401
    message = messages.NO_SESSION


class CartNotFound(CheckoutError):
    status = 404
    message = messages.CART_NOT_FOUND


class CartEmpty(CheckoutError):
    status = 400
    message = messages.CART_EMPTY


class InvalidInput(CheckoutError):
    """A request body or parameter failed validation; the message names the field."""

    status = 400
    message = messages.INVALID_REQUEST


class ItemNotFound(CheckoutError):
    status = 404
    message = messages.ITEM_NOT_FOUND


class ItemsUnavailable(CheckoutError):
    status = 409
    message = messages.ITEMS_UNAVAILABLE


class HoldLimitReached(CheckoutError):
    """A ticket limit (MAX_TICKETS_PER_ORDER or SEAT_HOLD_LIMIT), not a sold-out event."""

    status = 409
    message = messages.HOLD_LIMIT_REACHED


class ServiceUnavailable(CheckoutError):
    """A dependency is down; the client may retry after `retry_after` seconds."""

    status = 503
    retry_after = 5


class PaymentUnavailable(ServiceUnavailable):
    message = messages.PAYMENT_UNAVAILABLE


class CartUnavailable(ServiceUnavailable):
    message = messages.CART_SERVICE_UNAVAILABLE
    retry_after = 2


class DatabaseUnavailable(ServiceUnavailable):
    message = messages.DATABASE_UNAVAILABLE
    retry_after = 2


class IdentityUnavailable(ServiceUnavailable):
    """AUTH_JWKS_URL did not answer, so a token could not be checked (a retry may succeed)."""

    message = messages.DATABASE_UNAVAILABLE  # the contract has no wording of its own for it


class OrderNotFound(CheckoutError):
    status = 404
    message = messages.ORDER_NOT_FOUND


class InvalidWebhook(CheckoutError):
    """A webhook whose signature, timestamp or body does not check out."""

    status = 400
    message = messages.INVALID_WEBHOOK


class WebhooksNotConfigured(ServiceUnavailable):
    message = messages.WEBHOOKS_NOT_CONFIGURED


class CheckoutInProgress(CheckoutError):
    """The same request (or the same shopper's checkout) is still being processed."""

    status = 409
    message = messages.REQUEST_IN_PROGRESS
    # Locks and claims are short leases: even a crashed request's lapses within seconds.
    retry_after = 1


class IdempotencyMismatch(CheckoutError):
    status = 422
    message = messages.IDEMPOTENCY_MISMATCH


class InvalidTransition(CheckoutError):
    """An order asked to make a change its lifecycle does not allow from where it is."""

    status = 409
    message = messages.ORDER_STATE_CONFLICT


class StaffOnly(CheckoutError):
    """A staff-only route called without a valid support token or staff session."""

    status = 401
    message = messages.STAFF_ONLY


class StaffForbidden(CheckoutError):
    """A staff member whose role does not allow this action."""

    status = 403
    message = messages.STAFF_FORBIDDEN


class UnknownOrderLine(InvalidInput):
    message = messages.UNKNOWN_ORDER_LINE


class RefundRefused(CheckoutError):
    """The order's state does not allow this refund."""

    status = 409
    message = messages.REFUND_REFUSED


class OrderNotPaid(RefundRefused):
    message = messages.ORDER_NOT_PAID


class OrderFullyRefunded(RefundRefused):
    message = messages.ORDER_FULLY_REFUNDED


class OrderDisputed(RefundRefused):
    message = messages.ORDER_DISPUTED


class RefundTooLarge(RefundRefused):
    message = messages.REFUND_TOO_LARGE


class LineOverRefunded(RefundRefused):
    message = messages.LINE_OVER_REFUNDED


class RefundDeclined(RefundRefused):
    """Stripe refused the refund outright (our records and Stripe's disagree)."""

    message = messages.REFUND_DECLINED
